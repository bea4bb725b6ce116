"""The task inbox per role on dossiers: the unit officer's drafts and returned dossiers, the unit head's
submissions, the Board's reception, appraisal and sign-off, each with its deadline in working days."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.dossiers.helpers import ready_dossier
from workflows import engine
from workflows.calendar import add_working_days
from workflows.models import Role
from workflows.roles import forget_cached_authorities
from workflows.selectors import inbox


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast(db, unit, other_unit, person):
    return SimpleNamespace(
        officer=person("unit.officer", Role.UNIT_OFFICER, unit=unit),
        head=person("unit.head", Role.UNIT_HEAD, unit=unit),
        officer2=person("unit2.officer", Role.UNIT_OFFICER, unit=other_unit),
        head2=person("unit2.head", Role.UNIT_HEAD, unit=other_unit),
        board=person("board.officer", Role.BOARD_OFFICER),
        board_head=person("board.head", Role.BOARD_HEAD),
        chairman=person("chairman", Role.CITY_CHAIRMAN),
        auditor=person("auditor", Role.AUDITOR),
        unit=unit,
        other_unit=other_unit,
    )


def tasks(user):
    forget_cached_authorities(user)
    return {task.subject.pk: task for task in inbox(user).tasks}


def returned(cast, title="Hồ sơ bị trả lại", days=5):
    dossier = ready_dossier(cast, title=title)
    engine.perform(dossier, "submit", user=cast.head)
    engine.perform(
        dossier,
        "return_for_supplement",
        user=cast.board,
        data={"comment": "Thiếu", "items": "Bổ sung biên bản họp\nBổ sung báo cáo", "working_days": days},
    )
    dossier.refresh_from_db()
    return dossier


def test_unit_officer_sees_the_units_draft_and_returned_dossier_with_its_deadline(cast):
    draft = ready_dossier(cast, title="Hồ sơ đang soạn")
    back = returned(cast)
    mine = tasks(cast.officer)
    assert set(mine) == {draft.pk, back.pk}
    assert mine[back.pk].actions == ["Bổ sung hồ sơ theo yêu cầu"]
    assert mine[back.pk].deadline == add_working_days(timezone.localdate(), 5)
    assert mine[back.pk].working_days_left == 5
    assert mine[back.pk].deadline_text == "Còn 5 ngày làm việc"
    assert mine[draft.pk].actions == ["Hoàn thiện hồ sơ"] and mine[draft.pk].deadline is None
    # most urgent first: the one with a deadline before the draft without one
    assert [task.subject.pk for task in inbox(cast.officer).tasks] == [back.pk, draft.pk]


def test_other_units_and_read_only_roles_see_none_of_it(cast):
    ready_dossier(cast)
    returned(cast)
    assert tasks(cast.officer2) == {}
    assert tasks(cast.head2) == {}
    assert tasks(cast.auditor) == {}
    assert tasks(cast.chairman) == {}


def test_unit_head_sees_what_to_submit_not_what_waits_on_the_board(cast):
    draft = ready_dossier(cast, title="Hồ sơ đang soạn")
    back = returned(cast)
    sent = ready_dossier(cast, title="Hồ sơ đã trình")
    engine.perform(sent, "submit", user=cast.head)
    mine = tasks(cast.head)
    assert set(mine) == {draft.pk, back.pk}  # withdrawing a submitted dossier is not work waiting
    assert mine[draft.pk].actions[0] == "Trình hồ sơ" and "Hoàn thiện hồ sơ" in mine[draft.pk].actions
    assert mine[back.pk].actions[0] == "Trình lại" and mine[back.pk].working_days_left == 5


def test_board_sees_reception_then_appraisal_then_the_head_the_sign_off(cast):
    dossier = ready_dossier(cast)
    assert tasks(cast.board) == {}
    engine.perform(dossier, "submit", user=cast.head)
    board = tasks(cast.board)
    assert board[dossier.pk].actions == ["Tiếp nhận", "Trả lại để bổ sung"]
    assert board[dossier.pk].working_days_left is not None
    engine.perform(dossier, "accept", user=cast.board)
    assert tasks(cast.board)[dossier.pk].actions == ["Cho ý kiến thẩm định từng đối tượng"]
    assert dossier.pk not in tasks(cast.board_head)  # lines still wait for the Board's opinion
    for line in dossier.lines.all():
        engine.perform(line, "propose", user=cast.board, data={"comment": "Đủ tiêu chuẩn"})
    assert dossier.pk not in tasks(cast.board)
    head = tasks(cast.board_head)
    assert head[dossier.pk].actions == ["Ký duyệt thẩm định"]
    assert head[dossier.pk].deadline is not None


def test_overdue_returned_dossier_comes_first_and_says_so(cast):
    later = returned(cast, title="Hạn sau", days=10)
    late = returned(cast, title="Đã quá hạn", days=1)
    type(late).objects.filter(pk=late.pk).update(deadline=add_working_days(timezone.localdate(), -2))
    rows = inbox(cast.officer).tasks
    assert [row.subject.pk for row in rows] == [late.pk, later.pk]
    assert rows[0].overdue and rows[0].deadline_text == "Quá hạn 2 ngày làm việc"


def test_home_page_shows_the_rows_with_their_deadline(client, cast):
    back = returned(cast)
    client.force_login(cast.officer)
    page = client.get("/").content.decode()
    assert "Việc cần làm ngay" in page
    assert back.title in page and "Bổ sung hồ sơ theo yêu cầu" in page
    assert back.deadline.strftime("%d/%m/%Y") in page and "Còn 5 ngày làm việc" in page
