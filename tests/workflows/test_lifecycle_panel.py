"""Every object page says what comes next (issue 14 item 5): the lifecycle panel renders on the dossier page
(and for each of its lines), the council session and its agenda items, the innovation round and initiative,
the plan activity, and the history page draws the lifecycle."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from councils import services as council_services
from tests.dossiers.helpers import ready_dossier, walk_to
from tests.factories import CouncilTermFactory
from workflows import engine
from workflows.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast(unit, person):
    board = person("board.officer", Role.BOARD_OFFICER)
    board.first_name, board.last_name = "Lan", "Nguyễn Thị"
    board.save()
    return SimpleNamespace(
        unit=unit,
        officer=person("unit.officer", Role.UNIT_OFFICER, unit=unit),
        head=person("unit.head", Role.UNIT_HEAD, unit=unit),
        board=board,
        board_head=person("board.head", Role.BOARD_HEAD),
        chairman=person("chairman", Role.CITY_CHAIRMAN),
    )


def page(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.content[:400]
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def panel_of(html: str) -> str:
    found = re.search(r'<section class="card lifecycle-panel".*?</section>', html, re.S)
    assert found, "no lifecycle panel on the page"
    return found.group(0)


def test_the_unit_officer_reads_who_the_submitted_dossier_waits_on(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    html = page(cast.officer, dossier.get_absolute_url())
    panel = panel_of(html)
    assert "Đang chờ: Chuyên viên Ban TĐKT (Nguyễn Thị Lan)" in text_of(panel)
    assert 'aria-current="step"' in panel and 'data-state="submitted"' in panel
    reason = "Chỉ Chuyên viên Ban TĐKT có thẩm quyền mới được thực hiện «Tiếp nhận»."
    accept = re.search(r'<li data-transition="accept">(.*?)</li>', panel, re.S).group(1)
    assert re.search(r"<button[^>]*disabled[^>]*aria-disabled=\"true\"[^>]*>Tiếp nhận</button>", accept)
    assert f'title="{reason}"' in accept and f">{reason}</span>" in accept
    assert "badge kind-waiting" in panel and "Chờ người khác xử lý" in panel  # the kind in words too
    assert "<svg" in panel and "lifecycle-diagram" in panel
    # the officer may not read the dossier's history? A unit reads its own dossier's: the path is drawn
    assert "lc-taken" in panel


def test_the_board_is_told_it_is_their_turn_and_sees_how_long_each_step_took(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    html = page(cast.board, dossier.get_absolute_url())
    panel = panel_of(html)
    assert "Đang chờ: bạn" in text_of(panel)
    assert "badge kind-waiting_you" in panel and "Chờ bạn xử lý" in panel
    # the enabled steps stay the page's own buttons (the return form, …); the panel names them, no second button
    assert "Bạn có thể thực hiện: «Tiếp nhận», «Trả lại để bổ sung»" in text_of(panel)
    assert 'class="button' not in panel and "<form" not in panel
    assert "Rút hồ sơ" in panel  # the unit head's way out, refused for the Board with the engine's reason
    engine.perform(dossier, "accept", user=cast.board)
    dossier.refresh_from_db()
    panel = panel_of(page(cast.board, dossier.get_absolute_url()))
    # signing off the appraisal is the Board head's
    assert "Đang chờ: Trưởng Ban TĐKT (Nguyễn Văn)" in text_of(panel)
    assert "Thời gian từng bước (ngày làm việc)" in panel
    assert re.findall(r'<tr data-state="(\w+)">', panel) == ["draft", "submitted", "accepted"]
    assert "đang ở bước này" in panel


def test_each_line_of_the_dossier_has_its_compact_panel(cast):
    dossier = walk_to(cast, ready_dossier(cast), "accepted")
    line = dossier.lines.get()
    html = page(cast.officer, dossier.get_absolute_url())
    compact = re.search(
        rf'<div class="lifecycle-panel lifecycle-compact" data-lifecycle="dossiernominee-{line.pk}">(.*?)</div>',
        html,
        re.S,
    )
    assert compact, "no panel for the line"
    body = text_of(compact.group(1))
    assert "Chờ thẩm định" in body and "Đang chờ: Chuyên viên Ban TĐKT (Nguyễn Thị Lan)" in body
    assert "Đề nghị trình hội đồng" in body and "disabled" in compact.group(1)


def test_the_dossier_page_adds_no_query_per_line(cast):
    from tests.dossiers.helpers import eligible_nominee

    small = walk_to(cast, ready_dossier(cast, title="Một đối tượng"), "accepted")
    big = walk_to(
        cast,
        ready_dossier(cast, lines=[("bk-tp", eligible_nominee(cast.unit)) for _ in range(4)], title="Bốn"),
        "accepted",
    )
    client = Client()
    client.force_login(cast.officer)

    def count(url):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return captured.captured_queries

    few, many = count(small.get_absolute_url()), count(big.get_absolute_url())
    panel_queries = [q["sql"] for q in many if "workflows_membership" in q["sql"]]
    # "Đang chờ" for the lines: one query for every line in the same state and scope
    assert len(panel_queries) == len([q for q in few if "workflows_membership" in q["sql"]])


def test_the_history_page_draws_the_lifecycle(cast):
    dossier = walk_to(cast, ready_dossier(cast), "accepted")
    html = page(cast.board, reverse("history", args=["dossiers", "dossier", dossier.pk]))
    assert 'class="lifecycle-svg"' in html and "Sơ đồ quy trình" in html
    assert re.search(r'class="lc-edge lc-taken" data-transition="accept"', html)
    assert "Thời gian từng bước (ngày làm việc)" in html


def test_the_session_page_and_its_agenda_items(person):
    term = CouncilTermFactory(starts_on=timezone.localdate() - timedelta(days=400))
    secretary = person("secretary", Role.COUNCIL_SECRETARY, council_term=term)
    secretary.first_name, secretary.last_name = "Hoa", "Lê Thị"
    secretary.save()
    member = person("member", Role.COUNCIL_MEMBER, council_term=term)
    board = person("board", Role.BOARD_OFFICER)
    session = council_services.session_create(
        council_term=term,
        title="Phiên họp xét khen thưởng",
        planned_on=timezone.localdate() + timedelta(days=10),
        actor=board,
    )
    html = page(board, session.get_absolute_url())  # members see a session once convened
    panel = text_of(panel_of(html))
    assert "Tiến trình xử lý" in panel and "Dự kiến" in panel
    # convening is the next step; postponing and cancelling are ways out
    assert "Đang chờ: Thư ký hội đồng (Lê Thị Hoa)" in panel
    assert "Chỉ Thư ký hội đồng có thẩm quyền mới được thực hiện «Triệu tập»." in panel
    engine.perform(
        session,
        "convene",
        user=secretary,
        data={"planned_on": (timezone.localdate() + timedelta(days=10)).isoformat()},
    )
    from tests.councils.conftest import threshold

    item = council_services.agenda_item_add(
        session=session, title="Bằng khen cho ông A", summary="", threshold=threshold("50"), actor=secretary
    )
    html = page(member, session.get_absolute_url())
    compact = re.search(rf'data-lifecycle="agendaitem-{item.pk}">(.*?)</div>', html, re.S)
    assert compact and "Chờ biểu quyết" in compact.group(1) and "Kết thúc bỏ phiếu mục" in compact.group(1)


def test_the_round_and_initiative_pages(person):
    from tests.innovation.helpers import make_cast, open_round, submit

    cast = make_cast(person, reviewers=2)
    round_ = open_round(cast)
    initiative = submit(cast, round_)
    html = page(cast.officer, round_.get_absolute_url())
    panel = text_of(panel_of(html))
    assert "Đang nhận hồ sơ" in panel and "Đang chờ: Chuyên viên Ban TĐKT" in panel
    assert (
        "Chỉ Chuyên viên Ban TĐKT, Trưởng Ban TĐKT có thẩm quyền mới được thực hiện «Kết thúc nhận hồ sơ»."
        in panel
    )
    html = page(cast.board, initiative.get_absolute_url())
    panel = text_of(panel_of(html))
    # the Board screens it, but not while the round still takes submissions: the engine's condition says so
    assert "Đã nộp" in panel and "Đang chờ: Chuyên viên Ban TĐKT, Trưởng Ban TĐKT (" in panel
    assert f"Đợt «{round_.title}» đang ở trạng thái «Đang nhận hồ sơ»." in panel


def test_the_plan_activity_page(person):
    from plan.importer import import_plan

    plan = import_plan("plan/data/plan_2023.yaml").plan
    activity = plan.activities.get(number=5)
    viewer = person("auditor", Role.AUDITOR)
    html = page(viewer, activity.get_absolute_url())
    panel = text_of(panel_of(html))
    assert "Chưa triển khai" in panel and "Đang chờ:" in panel
    assert "«Bắt đầu thực hiện»" in panel and "«Hủy bỏ»" in panel  # refused with the engine's reasons
