"""The Board's pages and the API: dashboard, activity page, Excel export, report, unit plans, oversight."""

import re
from datetime import date
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from emulation.models import Division, GroupKind
from emulation.services import group_add, group_assign_overseer
from organisations.models import Unit
from plan import services
from plan.models import Plan, UnitPlan
from tests.factories import CouncilTermFactory
from workflows import engine
from workflows.audit import Actor
from workflows.models import Role

pytestmark = pytest.mark.django_db


def test_dashboard_shows_the_whole_plan_by_quarter_for_the_board(client, plan, board_officer):
    client.force_login(board_officer)
    response = client.get("/ke-hoach/", follow=True)
    assert response.redirect_chain[-1][0] == "/ke-hoach/2023/"
    page = response.content.decode()
    for quarter in ("Quý 1", "Quý 2", "Quý 3", "Quý 4"):
        assert quarter in page
    assert "Thông báo phân chia Cụm, Khối và chuẩn y Trưởng, Phó" in page
    assert "Ban hành Kế hoạch triển khai công tác thi đua, khen thưởng năm 2024" in page
    assert page.count('class="num"') == 32
    assert "<svg" in page and page.count("<rect") == 64
    assert re.search(r'<rect x="\d+\.\d" y="\d+" width="\d+\.\d"', page)  # never "40,5" (number localisation)
    assert "Sao chép sang năm 2024" in page
    assert 'href="/ke-hoach/"' in page  # the nav link


def test_dashboard_filters_by_unit_and_kind(client, plan, board_officer):
    client.force_login(board_officer)
    unit = Unit.objects.get(code="so-gd-dt")
    page = client.get(f"/ke-hoach/2023/?unit={unit.pk}").content.decode()
    assert page.count('class="num"') == 1 and "học sinh giỏi" in page
    page = client.get("/ke-hoach/2023/?kind=council_session").content.decode()
    assert page.count('class="num"') == 3
    page = client.get("/ke-hoach/2023/?kind=innovation_round&state=planned").content.decode()
    assert page.count('class="num"') == 4


def test_overdue_activities_are_flagged(client, plan, board_officer):
    client.force_login(board_officer)
    page = client.get("/ke-hoach/2023/").content.decode()
    # Today is long after 2023: every open activity is overdue.
    assert page.count("badge overdue") >= 32


def test_activity_page_offers_the_allowed_transitions_and_history(client, plan, board_head):
    activity = plan.activities.get(number=12)
    client.force_login(board_head)
    page = client.get(f"/ke-hoach/hoat-dong/{activity.pk}/").content.decode()
    assert activity.content in page
    assert f"/thao-tac/plan/activity/{activity.pk}/start/" in page
    assert f"/thao-tac/plan/activity/{activity.pk}/postpone/" in page
    assert f"/thao-tac/plan/activity/{activity.pk}/cancel/" not in page
    assert f"/lich-su/plan/activity/{activity.pk}/" in page


def test_transition_page_performs_and_rejects_in_vietnamese(client, plan, board_officer, board_head):
    activity = plan.activities.get(number=5)
    client.force_login(board_head)
    response = client.post(
        f"/thao-tac/plan/activity/{activity.pk}/postpone/",
        {"comment": "Chờ số liệu", "new_due_date": "2023-03-01"},
    )
    assert response.status_code == 400 and "Thời hạn mới phải sau" in response.content.decode()
    client.force_login(board_officer)
    response = client.post(f"/thao-tac/plan/activity/{activity.pk}/start/", {})
    assert response.status_code == 302 and response["Location"] == f"/ke-hoach/hoat-dong/{activity.pk}/"
    response = client.post(f"/thao-tac/plan/activity/{activity.pk}/complete/", {})
    assert response.status_code == 400 and "Cần minh chứng kết quả" in response.content.decode()
    history = client.get(f"/lich-su/plan/activity/{activity.pk}/").content.decode()
    assert "Đang thực hiện" in history


def test_division_activity_page_links_the_division(client, plan, board_officer, board_head):
    activity = plan.activities.get(number=8)
    engine.perform(activity, "start", user=board_officer)
    client.force_login(board_head)
    page = client.get(f"/ke-hoach/hoat-dong/{activity.pk}/").content.decode()
    assert "/cum-khoi/phan-chia/2023/" in page and "chưa kết thúc" in page
    division_page = client.get("/cum-khoi/phan-chia/2023/")
    assert division_page.status_code == 200
    members = list(Unit.objects.filter(code__in=["so-gd-dt", "so-tt-tt"]).order_by("code"))
    response = client.post(
        "/cum-khoi/phan-chia/2023/",
        {
            "group-kind": "block",
            "group-name": "Khối Văn hóa - Xã hội",
            "group-members": [u.pk for u in members],
            "group-head_unit": members[0].pk,
        },
    )
    assert response.status_code == 302
    page = client.get("/cum-khoi/phan-chia/2023/").content.decode()
    assert "Khối Văn hóa - Xã hội" in page
    assert f"/thao-tac/emulation/division/{Division.objects.get().pk}/announce/" in page


def test_excel_export_has_every_activity(client, plan, board_officer):
    client.force_login(board_officer)
    response = client.get("/ke-hoach/2023/xuat-excel/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 32
    assert rows[0][0] == 1 and rows[0][4] == "Ban Thi đua - Khen thưởng thành phố"
    assert rows[18][4] == "Sở Giáo dục và Đào tạo thành phố Cần Thơ"
    assert sheet["A1"].value.startswith("244/KH-UBND")


def test_copy_to_next_year_from_the_dashboard(client, plan, board_officer, person):
    officer = person("unit.officer", Role.UNIT_OFFICER, unit=Unit.objects.get(code="so-gd-dt"))
    client.force_login(officer)
    assert client.post("/ke-hoach/2023/sao-chep-nam-sau/").status_code == 403
    client.force_login(board_officer)
    response = client.post("/ke-hoach/2023/sao-chep-nam-sau/")
    assert response.status_code == 302 and response["Location"] == "/ke-hoach/2024/"
    assert Plan.objects.get(year=2024).activities.count() == 32
    assert "Dự thảo, chưa ban hành" in client.get("/ke-hoach/2024/").content.decode()


def test_consolidated_report_is_for_the_board(client, plan, board_officer, person):
    client.force_login(board_officer)
    page = client.get("/ke-hoach/2023/bao-cao-tong-hop/").content.decode()
    assert "Báo cáo tổng hợp" in page and "Hoạt động quá hạn" in page
    client.force_login(person("unit.officer", Role.UNIT_OFFICER, unit=Unit.objects.get(code="so-gd-dt")))
    assert client.get("/ke-hoach/2023/bao-cao-tong-hop/").status_code == 403


def test_units_register_their_plan_report_progress_and_overseers_see_it(client, plan, board_head, person):
    school_dept = Unit.objects.get(code="so-gd-dt")
    media = Unit.objects.get(code="so-tt-tt")
    officer = person("gd.officer", Role.UNIT_OFFICER, unit=school_dept)
    other = person("tt.officer", Role.UNIT_OFFICER, unit=media)
    client.force_login(officer)
    response = client.post(
        "/ke-hoach/2023/don-vi/",
        {"unit": school_dept.pk, "number": "12/KH-SGDĐT", "summary": "Kế hoạch TĐKT của ngành giáo dục"},
    )
    assert response.status_code == 302
    unit_plan = UnitPlan.objects.get(unit=school_dept)
    numbers = sorted(unit_plan.items.values_list("activity__number", flat=True))
    assert 19 in numbers and len(numbers) == 32  # every activity involves "các cơ quan, đơn vị liên quan"
    client.force_login(other)
    chosen = list(plan.activities.filter(number__in=[16, 27]).values_list("pk", flat=True))
    response = client.post("/ke-hoach/2023/don-vi/", {"unit": media.pk, "activities": chosen})
    assert response.status_code == 302
    media_plan = UnitPlan.objects.get(unit=media)
    assert sorted(media_plan.items.values_list("activity__number", flat=True)) == [16, 27]
    client.force_login(officer)
    response = client.post(
        unit_plan.get_absolute_url(),
        {"period": "q1", "items_done": 5, "content": "Đã phát động phong trào thi đua"},
    )
    assert response.status_code == 302
    response = client.post(unit_plan.get_absolute_url(), {"period": "q1", "items_done": 6, "content": "Lại"})
    assert response.status_code == 400 and "Đơn vị đã báo cáo kỳ này" in response.content.decode()

    client.force_login(other)
    assert client.get(unit_plan.get_absolute_url()).status_code == 404
    assert "12/KH-SGDĐT" not in client.get("/ke-hoach/2023/don-vi/").content.decode()

    term = CouncilTermFactory()
    member = person("council.member", Role.COUNCIL_MEMBER, council_term=term)
    cluster_member = person("council.member2", Role.COUNCIL_MEMBER, council_term=term)
    client.force_login(member)
    assert client.get(unit_plan.get_absolute_url()).status_code == 404
    services.oversight_assign(
        plan=plan, member=member, unit=school_dept, actor=Actor(board_head, Role.BOARD_HEAD)
    )
    page = client.get("/ke-hoach/2023/don-vi/").content.decode()
    assert "12/KH-SGDĐT" in page and "Đơn vị bạn được phân công phụ trách" in page
    page = client.get(unit_plan.get_absolute_url()).content.decode()
    assert "Đã phát động phong trào thi đua" in page and "Gửi báo cáo" not in page

    # Oversight of a cluster covers its member units.
    division = Division.objects.create(year=2023)
    group = group_add(
        division=division,
        kind=GroupKind.BLOCK,
        name="Khối Văn hóa - Xã hội",
        members=[school_dept, media],
        head_unit=school_dept,
        actor=Actor(board_head, Role.BOARD_HEAD),
    )
    group_assign_overseer(group=group, member=cluster_member, actor=Actor(board_head, Role.BOARD_HEAD))
    client.force_login(cluster_member)
    assert client.get(unit_plan.get_absolute_url()).status_code == 200

    client.force_login(board_head)
    report = client.get("/ke-hoach/2023/bao-cao-tong-hop/").content.decode()
    assert "Sở Giáo dục và Đào tạo" in report and "5/32" in report


def test_only_the_board_head_assigns_oversight(client, plan, board_officer, board_head, person):
    term = CouncilTermFactory()
    member = person("council.member", Role.COUNCIL_MEMBER, council_term=term)
    unit = Unit.objects.get(code="so-gd-dt")
    client.force_login(board_officer)
    assert client.get("/ke-hoach/2023/phan-cong/").status_code == 200
    assert client.post("/ke-hoach/2023/phan-cong/", {"member": member.pk, "unit": unit.pk}).status_code == 403
    client.force_login(board_head)
    assert client.post("/ke-hoach/2023/phan-cong/", {"member": member.pk, "unit": unit.pk}).status_code == 302
    assert plan.oversight_assignments.get().member == member


def test_api_lists_plans_and_activities_with_filters(api, plan, board_officer):
    client = api(board_officer)
    plans = client.get("/api/plans/").json()
    assert plans["count"] == 1 and plans["results"][0]["number"] == "244/KH-UBND"
    assert plans["results"][0]["activity_count"] == 32
    response = client.get("/api/activities/?year=2023")
    assert response.json()["count"] == 32
    first = response.json()["results"][0]
    assert first["number"] == 1 and first["lead_unit_code"] == "ban-tdkt" and first["state"] == "planned"
    assert first["overdue"] is True and first["state_label"] == "Chưa triển khai"
    assert client.get("/api/activities/?unit=so-gd-dt").json()["count"] == 1
    assert client.get("/api/activities/?kind=innovation_round").json()["count"] == 4
    assert client.get("/api/activities/?quarter=2").json()["count"] == 7


def test_api_history_and_linked_process(api, plan, board_officer):
    activity = plan.activities.get(number=8)
    client = api(board_officer)
    assert client.post(f"/api/activities/{activity.pk}/transitions/start/").status_code == 200
    body = client.get(f"/api/activities/{activity.pk}/").json()
    assert body["process"]["type"] == "emulation.division" and body["process"]["finished"] is False
    history = client.get(f"/api/activities/{activity.pk}/history/").json()
    assert [e["verb"] for e in history] == ["imported", "start"]


def test_api_requires_login(api, plan):
    assert api().get("/api/activities/").status_code in (401, 403)


def test_issue_a_drafted_plan(client, plan, board_officer, board_head):
    services.plan_copy_to_next_year(plan=plan, actor=Actor(board_officer, Role.BOARD_OFFICER))
    client.force_login(board_officer)
    assert client.get("/ke-hoach/2024/ban-hanh/").status_code == 403
    client.force_login(board_head)
    response = client.post("/ke-hoach/2024/ban-hanh/", {"number": "250/KH-UBND", "issued_on": "2023-12-22"})
    assert response.status_code == 302
    issued = Plan.objects.get(year=2024)
    assert issued.is_issued and issued.issued_on == date(2023, 12, 22)


def test_demo_data_loads_the_plan_for_the_board(client):
    from django.core.management import call_command

    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True)
    call_command("seed_demo", quiet=True, i_know_this_is_not_production=True)
    assert Plan.objects.get(year=2023).activities.count() == 32
    assert client.login(username="board.head", password="tdkt-demo-2023")
    page = client.get("/ke-hoach/2023/").content.decode()
    assert page.count('class="num"') == 32
    # the 2023 plan is history (tests/demo/test_seed_demo.py); this year's plan is the one to work in
    year = timezone.localdate().year
    assert client.get(f"/ke-hoach/{year}/").content.decode().count('class="num"') == 32
    activity = Plan.objects.get(year=year).activities.get(number=31)  # the year's last one, always planned
    page = client.get(f"/ke-hoach/hoat-dong/{activity.pk}/").content.decode()
    assert "Bắt đầu thực hiện" in page and "Tạm hoãn" in page


def test_division_page_before_the_activity_starts(client, plan, board_officer, person):
    client.force_login(person("gd.officer", Role.UNIT_OFFICER, unit=Unit.objects.get(code="so-gd-dt")))
    page = client.get("/cum-khoi/phan-chia/2023/").content.decode()
    assert "Chưa có dự thảo phân chia" in page and "Tạo dự thảo phân chia" not in page
    assert client.post("/cum-khoi/phan-chia/2023/tao/").status_code == 403
    client.force_login(board_officer)
    assert "/cum-khoi/phan-chia/2023/" in client.get("/ke-hoach/2023/").content.decode()
    assert client.post("/cum-khoi/phan-chia/2023/tao/").status_code == 302
    assert Division.objects.get(year=2023).activity is None
