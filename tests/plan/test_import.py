"""The shipped plan file: 32 activities with the right quarters and lead units; idempotent; errors name lines."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from organisations.models import Unit
from plan.importer import PlanFileError, import_plan
from plan.models import Activity, ActivityKind, Plan
from workflows.models import AuditEvent

from .conftest import PLAN_FILE

pytestmark = pytest.mark.django_db

QUARTERS = {1: range(1, 11), 2: range(11, 18), 3: range(18, 25), 4: range(25, 33)}
NOT_BOARD_LED = {13: "ban-tuyen-giao-thanh-uy", 19: "so-gd-dt", 23: "vp-dieu-phoi-ntm"}


def test_the_shipped_file_imports_to_32_activities_with_quarters_and_lead_units(plan):
    assert (plan.year, plan.number, plan.issued_on) == (2023, "244/KH-UBND", date(2022, 12, 20))
    assert plan.issuing_body == "Ủy ban nhân dân thành phố Cần Thơ"
    assert len(plan.duties) == 4 and "Cụm, Khối thi đua" in plan.duties[1]
    activities = list(plan.activities.select_related("lead_unit").order_by("number"))
    assert [a.number for a in activities] == list(range(1, 33))
    for quarter, numbers in QUARTERS.items():
        assert [a.number for a in activities if a.quarter == quarter] == list(numbers)
    for activity in activities:
        assert activity.lead_unit.code == NOT_BOARD_LED.get(activity.number, "ban-tdkt"), activity.number
        assert activity.state == "planned"
        assert activity.due_date == activity.planned_due_date
    by_number = {a.number: a for a in activities}
    assert by_number[7].due_text == "cuối tháng 02 năm 2023" and by_number[7].due_date == date(2023, 2, 28)
    assert by_number[8].kind == ActivityKind.CLUSTER_DIVISION
    assert {a.number for a in activities if a.kind == ActivityKind.COUNCIL_SESSION} == {6, 12, 22}
    assert {a.number for a in activities if a.kind == ActivityKind.INNOVATION_ROUND} == {9, 11, 20, 21}
    assert {a.number for a in activities if a.kind == ActivityKind.MOVEMENT_SUMMARY} == {17, 23}
    assert [u.code for u in by_number[13].coordinating_units.all()] == ["ban-tdkt"]
    assert "Đà Nẵng" in by_number[10].content


def test_reimport_changes_nothing(plan):
    def snapshot():
        return (
            list(Plan.objects.values()),
            list(Activity.objects.order_by("pk").values()),
            list(Unit.objects.order_by("pk").values()),
            sorted(Activity.coordinating_units.through.objects.values_list("activity_id", "unit_id")),
            AuditEvent.objects.count(),
        )

    before = snapshot()
    result = import_plan(PLAN_FILE)
    assert not result.changed
    assert snapshot() == before


def test_the_command_reports_no_change_the_second_time(db, capsys):
    call_command("import_plan", PLAN_FILE)
    assert "32 hoạt động mới" in capsys.readouterr().out
    call_command("import_plan", PLAN_FILE)
    assert "không có thay đổi" in capsys.readouterr().out


def test_missing_units_are_created_from_the_file_and_existing_ones_kept(db):
    Unit.objects.create(code="ban-tdkt", name="Ban TĐKT (tên cũ)", kind="agency")
    import_plan(PLAN_FILE)
    assert Unit.objects.get(code="ban-tdkt").name == "Ban TĐKT (tên cũ)"
    assert Unit.objects.get(code="vp-dieu-phoi-ntm").parent.code == "ubnd-tp"


def test_a_corrected_file_updates_only_what_changed_and_keeps_postponed_dates(plan, tmp_path):
    activity = plan.activities.get(number=5)
    Activity.objects.filter(pk=activity.pk).update(due_date=date(2023, 4, 14))  # as if postponed
    text = open(PLAN_FILE, encoding="utf-8").read()
    text = text.replace("due_date: 2023-03-31\n    kind: report", "due_date: 2023-03-30\n    kind: report", 1)
    changed = tmp_path / "plan.yaml"
    changed.write_text(text, encoding="utf-8")
    events = AuditEvent.objects.count()
    result = import_plan(changed)
    assert result.updated == [5] and not result.created
    activity.refresh_from_db()
    assert activity.planned_due_date == date(2023, 3, 30) and activity.due_date == date(2023, 4, 14)
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.last().verb == "updated_from_file"


@pytest.mark.parametrize(
    ("old", "new", "line_of", "message"),
    [
        (
            "    kind: conference\n  - number: 8",
            "    kind: meeting\n  - number: 8",
            "kind: meeting",
            "loại hoạt động không hợp lệ",
        ),
        ("  - number: 9\n    quarter: 1", "  - number: 9\n    quarter: 5", "quarter: 5", "từ 1 đến 4"),
        ("    lead_unit: so-gd-dt", "    lead_unit: so-khong-co", "lead_unit: so-khong-co", "so-khong-co"),
        (
            "  - number: 10\n",
            "  - number: 9\n",
            '  - number: 9\n    quarter: 1\n    content: "Tổ chức Đoàn',
            "bị lặp",
        ),
        ("due_date: 2023-02-10", "due_date: 2023-05-10", "due_date: 2023-05-10", "không thuộc quý 1"),
        ("issued_on: 2022-12-20", "issued_on: 20/12/2022", "issued_on: 20/12/2022", "YYYY-MM-DD"),
    ],
)
def test_errors_name_the_line(db, tmp_path, old, new, line_of, message):
    text = open(PLAN_FILE, encoding="utf-8").read()
    assert old in text
    text = text.replace(old, new, 1)
    line = text[: text.index(line_of)].count("\n") + 1
    broken = tmp_path / "plan.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(PlanFileError) as error:
        import_plan(broken)
    assert f"dòng {line}:" in str(error.value) and message in str(error.value)
    assert not Plan.objects.exists()


def test_yaml_syntax_errors_name_the_line_through_the_command(db, tmp_path):
    broken = tmp_path / "plan.yaml"
    broken.write_text("version: 1\nplan:\n  year: [2023\n", encoding="utf-8")
    with pytest.raises(CommandError, match="dòng 4"):
        call_command("import_plan", str(broken))
