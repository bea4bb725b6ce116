"""A first-time nominee gets a history in the browser (issue 14 item 2): the unit officer declares two past
CSTĐCS titles on the nominee page, the Board confirms them, and the dossier line's eligibility turns green."""

import pytest

pytestmark = pytest.mark.browser

SETUP = """
from django.contrib.auth import get_user_model
from dossiers import selectors, services
from dossiers.models import AwardType, Nominee
from organisations.models import Unit
officer = get_user_model().objects.get(username="unit.officer")
unit = Unit.objects.get(pk=sorted(selectors.unit_ids_of(officer))[0])
nominee = services.nominee_create(unit=unit, user=officer, kind="individual", full_name="Đỗ Thị Hạnh Lần Đầu",
                                  position="Chuyên viên")
dossier = services.dossier_create(unit=unit, year=2023, occasion="annual", title="Hồ sơ người mới (trình duyệt)",
                                  user=officer)
from dossiers.rule_versions import version_for_year
award = AwardType.objects.get(code="bk-tp", rule_version=version_for_year(2023))  # the rules of 2023
services.line_add(dossier=dossier, nominee=nominee, award=award, achievement_report="Xuất sắc.", user=officer)
print(f"ids {nominee.pk} {dossier.pk}")
"""


def test_unit_declares_board_confirms_line_turns_green(login, server_url, run_in_server_db, tmp_path):
    nominee_id, dossier_id = run_in_server_db(SETUP).split("ids ")[-1].split()
    nominee_url = f"{server_url}/ho-so/ca-nhan-tap-the/{nominee_id}/"
    dossier_url = f"{server_url}/ho-so/{dossier_id}/"

    officer = login("unit.officer")
    officer.goto(dossier_url)
    assert officer.locator("main .eligibility .badge.overdue").count() >= 1  # "Không đạt": no history yet
    for year in ("2022", "2023"):
        officer.goto(nominee_url)
        officer.click("#declare-title summary")
        officer.select_option("#id_title-award", label="Chiến sĩ thi đua cơ sở")
        officer.fill("#id_title-year", year)
        officer.fill("#id_title-authority", "Giám đốc Sở Nội vụ")
        officer.fill("#id_title-decision_number", f"{year}/QĐ-SNV")
        officer.fill("#id_title-decision_date", f"20/12/{year}")
        officer.click("#declare-title button[type=submit]")
        officer.wait_for_load_state()
        assert "Đã khai báo; bản ghi chờ Ban TĐKT xác nhận." in officer.inner_text("main")
    declared = officer.locator("#history-title tr[data-status=declared]")
    assert declared.count() == 2 and "20/12/2022" in officer.inner_text("#history-title")
    assert "sẽ đạt khi Ban TĐKT xác nhận" in officer.inner_text("#nominee-lines")
    assert officer.locator("#history-title button[name=confirm]").count() == 0  # the unit cannot confirm
    officer.goto(dossier_url)
    assert "Chờ Ban TĐKT xác nhận quá trình đơn vị đã khai báo" in officer.inner_text("main")

    board = login("board.officer")
    board.goto(nominee_url)
    board.screenshot(path=str(tmp_path / "board-before.png"), full_page=True)
    for _ in range(2):
        board.click("#history-title tr[data-status=declared] button[name=confirm] >> nth=0")
        board.wait_for_load_state()
    assert board.locator("#history-title tr[data-status=confirmed]").count() == 2
    assert "Ban đã xác nhận" in board.inner_text("#history-title")

    officer.goto(dossier_url)
    officer.screenshot(path=str(tmp_path / "dossier-green.png"), full_page=True)
    eligibility = officer.locator("main .eligibility").first
    assert eligibility.locator(".badge.overdue").count() == 0
    assert (
        "Đạt" in eligibility.inner_text()
        and "đạt 2/2 năm liên tục Chiến sĩ thi đua cơ sở" in eligibility.inner_text()
    )
    assert "Chờ Ban TĐKT xác nhận" not in officer.inner_text("main")
    officer.goto(nominee_url)
    officer.screenshot(path=str(tmp_path / "nominee-history.png"), full_page=True)
