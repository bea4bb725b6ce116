"""The annual plan moved from the engine core to its own app `plan` (issue 13) without losing data.

Each test migrates the database back to where it stood before the move (workflows 0009, emulation 0001, no
`plan` app), writes plan data with the historical models of that time, with audit events recorded through
workflows.audit.record() under the old label ("workflows.activity"), migrates forward and reads everything
back through plan.models: same rows, same ids, content types relabelled, and the audit chain still verifies.
"""

from __future__ import annotations

from datetime import date
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from workflows import audit
from workflows.audit import ChainProblem, verify_chain

pytestmark = pytest.mark.django_db(transaction=True)

#: the last migrations before the move; `plan` did not exist
BEFORE = [("workflows", "0009_api_tokens"), ("emulation", "0001_divisions_and_groups"), ("plan", None)]
MOVED = ("plan", "activity", "unitplan", "unitplanitem", "progressreport", "oversightassignment")


def _migrate(targets):
    """Migrate to `targets`; return the models of the state the database is then in (historical apps)."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationLoader(connection)
    return loader.project_state(sorted(loader.applied_migrations)).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _problems() -> list[ChainProblem]:
    return [item for item in verify_chain() if isinstance(item, ChainProblem)]


def _record_then(*, subject, actor, verb, source_state="", target_state="", comment="", data=None) -> None:
    """audit.record() as it wrote events at that time: the schema had one chain and no chain column (workflows
    0014 added them; chain 1 hashes exactly as the single chain did)."""
    fields, columns = audit._event_fields(
        connection, audit.FIRST_CHAIN, subject, actor, verb, source_state, target_state, comment, data
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequence, hash FROM workflows_auditevent ORDER BY sequence DESC LIMIT 1")
        last = cursor.fetchone() or (0, audit.GENESIS_HASH)
        sequence, prev_hash = last[0] + 1, last[1]
        digest = audit.compute_hash(audit.event_payload(sequence=sequence, **fields), prev_hash)
        names = [name for name in audit._COLUMNS if name != "chain"]
        cursor.execute(
            f"INSERT INTO workflows_auditevent ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",
            [sequence, *columns[1:], prev_hash, digest],
        )
        cursor.execute("DELETE FROM workflows_auditchainhead")
        cursor.execute(
            "INSERT INTO workflows_auditchainhead (id, sequence, hash, prev_hash) VALUES (1, %s, %s, %s)",
            [sequence, digest, prev_hash],
        )


@pytest.fixture
def before_the_move():
    """The database as it stood before the move, with plan data and audit events; migrated forward after."""
    old = _migrate(BEFORE)
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = old.get_model(app_label, model_name)
    Unit = old.get_model("organisations", "Unit")
    Plan = old.get_model("workflows", "Plan")
    Activity = old.get_model("workflows", "Activity")
    UnitPlan = old.get_model("workflows", "UnitPlan")
    UnitPlanItem = old.get_model("workflows", "UnitPlanItem")
    ProgressReport = old.get_model("workflows", "ProgressReport")
    OversightAssignment = old.get_model("workflows", "OversightAssignment")
    Division = old.get_model("emulation", "Division")

    officer = User.objects.create(username="can.bo", first_name="Lan", last_name="Nguyễn Thị")
    board = Unit.objects.create(code="ban-tdkt", name="Ban Thi đua - Khen thưởng thành phố")
    district = Unit.objects.create(code="ninh-kieu", name="UBND quận Ninh Kiều")
    plan = Plan.objects.create(
        year=2023, number="244/KH-UBND", title="Kế hoạch TĐKT năm 2023", issuing_body="UBND"
    )
    draft = Plan.objects.create(
        year=2024, title="Kế hoạch TĐKT năm 2024", issuing_body="UBND", copied_from=plan
    )
    activity = Activity.objects.create(
        plan=plan,
        number=8,
        quarter=1,
        content="Phân chia Cụm, Khối thi đua",
        kind="cluster_division",
        lead_unit=board,
        planned_due_date=date(2023, 2, 28),
        due_date=date(2023, 3, 15),
        evidence_file="plan/2023/activity-8/thong-bao.pdf",
    )
    activity.coordinating_units.add(district)
    unit_plan = UnitPlan.objects.create(plan=plan, unit=district, number="12/KH-UBND", registered_by=officer)
    item = UnitPlanItem.objects.create(
        unit_plan=unit_plan, activity=activity, content="Tham gia phân chia cụm"
    )
    report = ProgressReport.objects.create(
        unit_plan=unit_plan, period="q1", items_done=1, content="Đã hoàn thành", submitted_by=officer
    )
    oversight = OversightAssignment.objects.create(plan=plan, member=officer, unit=district)
    division = Division.objects.create(year=2023, activity=activity)
    with transaction.atomic():  # events recorded under the labels of that time: "workflows.activity", …
        _record_then(subject=plan, actor=audit.SYSTEM, verb="imported", data={"activities": 1})
        _record_then(subject=district, actor=audit.SYSTEM, verb="created")
        _record_then(
            subject=activity,
            actor=audit.Actor(user=officer, role="board_officer"),
            verb="postpone",
            source_state="planned",
            target_state="postponed",
            comment="Chờ số liệu",
            data={"due_date": date(2023, 3, 15)},
        )
        _record_then(
            subject=unit_plan, actor=audit.Actor(user=officer, role="unit_officer"), verb="registered"
        )
    old_type = ContentType.objects.get(app_label="workflows", model="activity")
    yield {
        "plan": plan.pk,
        "draft": draft.pk,
        "activity": activity.pk,
        "district": district.pk,
        "unit_plan": unit_plan.pk,
        "item": item.pk,
        "report": report.pk,
        "oversight": oversight.pk,
        "division": division.pk,
        "officer": officer.pk,
        "activity_type": old_type.pk,
    }
    _migrate(_latest())  # whatever a test did, leave the database migrated
    if (
        connection.vendor == "sqlite"
    ):  # the flush after a transactional test DELETEs, which the triggers refuse
        append_only = import_module("workflows.migrations.0002_audit_append_only")
        with connection.cursor() as cursor:
            for statement in append_only.SQLITE_DOWN:
                cursor.execute(statement)
            cursor.execute("DELETE FROM workflows_auditevent")
            for statement in append_only.SQLITE_UP:
                cursor.execute(statement)


def test_the_rows_are_read_through_plan_models_with_the_same_ids(before_the_move):
    ids = before_the_move
    _migrate(_latest())
    from emulation.models import Division
    from plan.models import Activity, OversightAssignment, Plan, ProgressReport, UnitPlan, UnitPlanItem

    plan = Plan.objects.get(pk=ids["plan"])
    assert (plan.year, plan.number, plan.title) == (2023, "244/KH-UBND", "Kế hoạch TĐKT năm 2023")
    assert Plan.objects.get(pk=ids["draft"]).copied_from == plan
    activity = Activity.objects.get(pk=ids["activity"])
    assert (activity.plan, activity.number, activity.kind, activity.state) == (
        plan,
        8,
        "cluster_division",
        "planned",
    )
    assert (activity.due_date, activity.evidence_file.name) == (
        date(2023, 3, 15),
        "plan/2023/activity-8/thong-bao.pdf",
    )
    assert list(activity.coordinating_units.values_list("pk", flat=True)) == [ids["district"]]
    unit_plan = UnitPlan.objects.get(pk=ids["unit_plan"])
    assert (unit_plan.plan, unit_plan.unit_id, unit_plan.registered_by_id) == (
        plan,
        ids["district"],
        ids["officer"],
    )
    assert UnitPlanItem.objects.get(pk=ids["item"]).activity == activity
    assert ProgressReport.objects.get(pk=ids["report"]).unit_plan == unit_plan
    assert OversightAssignment.objects.get(pk=ids["oversight"]).plan == plan
    assert Division.objects.get(pk=ids["division"]).activity == activity
    assert list(activity.emulation_divisions.values_list("pk", flat=True)) == [ids["division"]]
    # the ids go on from where they were (the same tables and sequences)
    assert Plan.objects.create(year=2025, title="2025", issuing_body="UBND").pk > ids["draft"]


def test_the_content_types_move_with_their_rows_and_history(before_the_move):
    ids = before_the_move
    _migrate(_latest())
    from plan.models import Activity

    ContentType.objects.clear_cache()
    assert not ContentType.objects.filter(app_label="workflows", model__in=MOVED).exists()
    assert set(ContentType.objects.filter(app_label="plan").values_list("model", flat=True)) == set(MOVED)
    activity_type = ContentType.objects.get_for_model(Activity)
    assert (activity_type.pk, activity_type.app_label) == (ids["activity_type"], "plan")
    assert activity_type.permission_set.filter(codename="change_activity").exists()
    activity = Activity.objects.get(pk=ids["activity"])
    assert [e.verb for e in audit.history_for(activity)] == ["postpone"]


def test_the_audit_chain_still_verifies_after_the_move(before_the_move, capsys):
    ids = before_the_move
    _migrate(_latest())
    from plan.models import Activity, Plan
    from workflows.models import AuditEvent, AuditSubjectLabel

    activity = Activity.objects.get(pk=ids["activity"])
    with transaction.atomic():  # after the move, events are recorded under "plan.activity"
        audit.record(subject=activity, actor=audit.SYSTEM, verb="resume", source_state="postponed")
        audit.record(subject=Plan.objects.get(pk=ids["draft"]), actor=audit.SYSTEM, verb="copied")
    assert AuditEvent.objects.count() == 6
    assert not _problems()
    call_command("verify_audit", "--workers", "1")
    assert "Audit chain intact: 6 events verified" in capsys.readouterr().out
    labels = {
        (row.content_type.model, row.label, row.until_sequence) for row in AuditSubjectLabel.objects.all()
    }
    # the types that had events before the move (the unit's type did not move)
    assert labels == {
        ("plan", "workflows.plan", 4),
        ("activity", "workflows.activity", 4),
        ("unitplan", "workflows.unitplan", 4),
    }


def test_without_the_recorded_labels_the_old_events_would_not_verify(before_the_move):
    """The hash covers the subject's label: the relabelled content type alone would break the chain."""
    _migrate(_latest())
    from workflows.models import AuditSubjectLabel

    AuditSubjectLabel.objects.all().delete()
    problems = _problems()
    assert [(p.sequence, p.reason) for p in problems] == [
        (1, "content does not match its hash (the row was altered)")
    ]


def test_the_move_is_reversible_until_an_event_is_recorded_under_the_new_label(before_the_move):
    ids = before_the_move
    _migrate(_latest())
    from workflows.models import AuditSubjectLabel

    old = _migrate(BEFORE)  # back: the types are "workflows.…" again, as the code before the move expects
    ContentType.objects.clear_cache()
    assert ContentType.objects.get(pk=ids["activity_type"]).app_label == "workflows"
    assert old.get_model("workflows", "Activity").objects.get(pk=ids["activity"]).number == 8
    _migrate(_latest())
    ContentType.objects.clear_cache()
    assert ContentType.objects.get(pk=ids["activity_type"]).app_label == "plan"
    assert AuditSubjectLabel.objects.count() == 3
    assert not _problems()

    from plan.models import Activity

    with transaction.atomic():
        audit.record(subject=Activity.objects.get(pk=ids["activity"]), actor=audit.SYSTEM, verb="resume")
    with pytest.raises(RuntimeError, match="recorded after the move"):
        _migrate(BEFORE)
    ContentType.objects.clear_cache()
    assert ContentType.objects.get(pk=ids["activity_type"]).app_label == "plan"  # refused as a whole
    _migrate(_latest())  # the migrations reversed before the refusal (workflows 0014's chains…) come back
    assert AuditSubjectLabel.objects.count() == 3
    assert not _problems()
