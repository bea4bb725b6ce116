"""The inbox as each demo role sees it (issue 14 item 3): the unit officer's draft and returned dossier with
the deadline in working days, the Board's dossiers most urgent first and the plan activities due soon."""

import os
import re

import pytest

pytestmark = pytest.mark.browser


def test_unit_officer_sees_the_draft_and_the_returned_dossier_with_its_deadline(login, run_in_server_db):
    # Other browser tests share the demo database and may have submitted its draft: open one of our own, and
    # count what the unit has waiting on it now.
    waiting = run_in_server_db(
        "from django.contrib.auth import get_user_model\n"
        "from dossiers import services\n"
        "from dossiers.models import Dossier\n"
        "officer = get_user_model().objects.get(username='unit.officer')\n"
        "unit = Dossier.objects.filter(created_by=officer).first().unit\n"
        "services.dossier_create(unit=unit, year=2026, occasion='annual', title='Hồ sơ mới của hộp việc', "
        "user=officer)\n"
        "print(Dossier.objects.filter(unit=unit, state__in=['draft', 'returned']).count(), "
        "Dossier.objects.filter(unit=unit, state='returned').count())\n"
    ).split()
    expected, returned = int(waiting[-2]), int(waiting[-1])
    page = login("unit.officer")
    tasks = page.locator("#viec-can-lam tr.inbox-task")
    assert tasks.count() == expected
    texts = tasks.all_inner_texts()
    if returned:  # a returned dossier has a deadline, so it comes before the drafts, which have none
        assert "Bổ sung hồ sơ theo yêu cầu" in texts[0] and "Trả lại để bổ sung" in texts[0]
        assert re.search(r"\d{2}/\d{2}/\d{4}", texts[0]) and re.search(r"Còn \d+ ngày làm việc", texts[0])
    assert any(
        "Hồ sơ mới của hộp việc" in text and "Hoàn thiện hồ sơ" in text and "Chưa có hạn" in text
        for text in texts
    )
    assert "Hiện không có việc nào" not in page.content()
    if os.environ.get("TDKT_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["TDKT_SCREENSHOTS"], "inbox-unit-officer.png"), full_page=True
        )


def test_board_officer_sees_dossiers_by_deadline_then_plan_activities_with_due_dates(login):
    page = login("board.officer")
    rows = page.locator("#viec-can-lam tr.inbox-task")
    assert rows.count() >= 3
    assert "Tiếp nhận" in rows.nth(0).inner_text()
    assert "ngày làm việc" in rows.nth(0).inner_text()
    planned = page.locator("#ke-hoach")
    assert "Hoạt động kế hoạch" in planned.locator("h2").inner_text()
    assert "30 ngày tới" in planned.inner_text()
    texts = planned.locator("tr.inbox-planned").all_inner_texts()
    assert texts and all(re.search(r"\d{2}/\d{2}/\d{4}", text) for text in texts)
    numbers = [int(text.split(".", 1)[0]) for text in texts]
    assert numbers == sorted(numbers)  # plan order (one plan running in the demo year)
    if os.environ.get("TDKT_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["TDKT_SCREENSHOTS"], "inbox-board-officer.png"), full_page=True
        )
