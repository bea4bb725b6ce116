"""The transition service: order, roles, validity dates, delegation, one audit event per change."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from tests.factories import UserFactory
from tests.testapp.models import Widget, WidgetState
from workflows import engine
from workflows.audit import SYSTEM
from workflows.models import AuditEvent, Role
from workflows.services import delegation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def widget(unit):
    return Widget.objects.create(title="Hồ sơ A", unit=unit)


def transition_events(widget):
    return list(AuditEvent.objects.filter(subject_id=str(widget.pk), subject_type__model="widget"))


def test_unit_head_submits_and_one_audit_event_is_written(widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    updated = engine.perform(
        widget, "submit", user=head, data={"comment": "Kính trình"}, client_ip="10.0.0.5"
    )
    assert updated.state == WidgetState.SUBMITTED
    widget.refresh_from_db()
    assert widget.state == WidgetState.SUBMITTED
    [event] = transition_events(widget)
    assert (event.verb, event.source_state, event.target_state) == ("submit", "draft", "submitted")
    assert event.actor == head
    assert event.role == Role.UNIT_HEAD
    assert event.on_behalf_of is None
    assert event.comment == "Kính trình"
    assert event.client_ip == "10.0.0.5"
    assert event.data["changes"] == {"state": ["draft", "submitted"]}
    assert len(event.hash) == 64 and event.prev_hash != event.hash


def test_wrong_state_is_refused_and_nothing_changes(widget, unit, person):
    officer = person("officer", Role.BOARD_OFFICER)
    before = AuditEvent.objects.count()
    with pytest.raises(engine.TransitionNotAllowed) as error:
        engine.perform(
            widget, "return_for_supplement", user=officer, data={"comment": "Thiếu", "deadline": "2023-03-01"}
        )
    assert "Dự thảo" in error.value.message
    widget.refresh_from_db()
    assert widget.state == WidgetState.DRAFT
    assert AuditEvent.objects.count() == before


def test_wrong_role_is_refused(widget, unit, person):
    officer = person("officer", Role.UNIT_OFFICER, unit=unit)
    with pytest.raises(engine.ActionForbidden) as error:
        engine.perform(widget, "submit", user=officer)
    assert "Thủ trưởng đơn vị" in error.value.message
    widget.refresh_from_db()
    assert widget.state == WidgetState.DRAFT


def test_role_in_another_unit_does_not_count(widget, other_unit, person):
    head_elsewhere = person("head2", Role.UNIT_HEAD, unit=other_unit)
    with pytest.raises(engine.ActionForbidden):
        engine.perform(widget, "submit", user=head_elsewhere)


def test_expired_membership_grants_nothing(widget, unit, person):
    today = timezone.localdate()
    head = person(
        "head",
        Role.UNIT_HEAD,
        unit=unit,
        valid_from=today - timedelta(days=30),
        valid_to=today - timedelta(days=1),
    )
    with pytest.raises(engine.ActionForbidden):
        engine.perform(widget, "submit", user=head)


def test_future_membership_grants_nothing_yet(widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit, valid_from=timezone.localdate() + timedelta(days=1))
    with pytest.raises(engine.ActionForbidden):
        engine.perform(widget, "submit", user=head)


def test_delegated_actor_is_recorded_with_the_delegator(widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    deputy = person("deputy")
    today = timezone.localdate()
    delegation_create(
        delegator=head,
        delegate=deputy,
        role=Role.UNIT_HEAD,
        unit=unit,
        valid_from=today,
        valid_to=today + timedelta(days=5),
        reason="Đi công tác",
        actor=SYSTEM,
    )
    engine.perform(widget, "submit", user=deputy)
    [event] = transition_events(widget)
    assert event.actor == deputy
    assert event.on_behalf_of == head
    assert event.role == Role.UNIT_HEAD


def test_expired_delegation_grants_nothing(widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    deputy = person("deputy")
    today = timezone.localdate()
    delegation_create(
        delegator=head,
        delegate=deputy,
        role=Role.UNIT_HEAD,
        unit=unit,
        valid_from=today - timedelta(days=10),
        valid_to=today - timedelta(days=1),
        actor=SYSTEM,
    )
    with pytest.raises(engine.ActionForbidden):
        engine.perform(widget, "submit", user=deputy)


def test_delegation_lapses_when_the_delegator_loses_the_role(widget, unit, person):
    today = timezone.localdate()
    head = person(
        "head", Role.UNIT_HEAD, unit=unit, valid_from=date(2020, 1, 1), valid_to=today - timedelta(days=1)
    )
    deputy = person("deputy")
    delegation_create(
        delegator=head,
        delegate=deputy,
        role=Role.UNIT_HEAD,
        unit=unit,
        valid_from=today,
        valid_to=today + timedelta(days=5),
        actor=SYSTEM,
    )
    with pytest.raises(engine.ActionForbidden):
        engine.perform(widget, "submit", user=deputy)


def test_delegation_needs_the_delegator_to_hold_the_role(unit, person):
    nobody = person("nobody")
    deputy = person("deputy")
    with pytest.raises(ValidationError):
        delegation_create(
            delegator=nobody,
            delegate=deputy,
            role=Role.UNIT_HEAD,
            unit=unit,
            valid_from=date(2023, 1, 1),
            valid_to=date(2023, 2, 1),
            actor=SYSTEM,
        )


def test_invalid_input_is_refused_in_vietnamese_and_changes_nothing(widget, unit, person):
    engine.perform(widget, "submit", user=person("head", Role.UNIT_HEAD, unit=unit))
    officer = person("officer", Role.BOARD_OFFICER)
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        engine.perform(widget, "return_for_supplement", user=officer, data={"deadline": "không phải ngày"})
    assert set(error.value.message_dict) == {"comment", "deadline"}
    assert "Trường này là bắt buộc." in error.value.message_dict["comment"]
    widget.refresh_from_db()
    assert widget.state == WidgetState.SUBMITTED and widget.deadline is None
    assert AuditEvent.objects.count() == count


def test_transition_input_changes_fields_and_is_audited(widget, unit, person):
    engine.perform(widget, "submit", user=person("head", Role.UNIT_HEAD, unit=unit))
    engine.perform(
        widget,
        "return_for_supplement",
        user=person("officer", Role.BOARD_OFFICER),
        data={"comment": "Bổ sung biên bản", "deadline": "2023-03-01"},
    )
    widget.refresh_from_db()
    assert widget.state == WidgetState.RETURNED
    assert widget.deadline == date(2023, 3, 1)
    event = transition_events(widget)[-1]
    assert event.data["changes"]["deadline"] == [None, "2023-03-01"]
    assert event.data["input"] == {"deadline": "2023-03-01", "kind": ""}  # kind: the form's optional choice
    assert event.comment == "Bổ sung biên bản"


def test_unmet_condition_is_a_conflict_with_its_message(unit, person):
    widget = Widget.objects.create(title="blocked", unit=unit)
    engine.perform(widget, "submit", user=person("head", Role.UNIT_HEAD, unit=unit))
    with pytest.raises(engine.TransitionNotAllowed) as error:
        engine.perform(widget, "approve", user=person("boss", Role.BOARD_HEAD), data={"score": 5})
    assert error.value.message == "Tiêu đề bị chặn."


def test_city_scoped_rule_needs_a_city_wide_role(widget, unit, person):
    chairman = person("chairman", Role.CITY_CHAIRMAN)
    engine.perform(widget, "cancel", user=chairman, data={"comment": "Trùng lặp"})
    widget.refresh_from_db()
    assert widget.state == WidgetState.CANCELLED


def test_transition_without_permission_is_protected_by_default(widget, unit):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(engine.ActionForbidden):
        engine.perform(widget, "explode", user=admin)


def test_unknown_transition_is_a_conflict(widget, unit, person):
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform(widget, "teleport", user=person("head", Role.UNIT_HEAD, unit=unit))


def test_state_field_cannot_be_assigned_directly(widget):
    with pytest.raises(AttributeError):
        widget.state = WidgetState.APPROVED


def test_a_failure_inside_the_transition_rolls_back_everything(widget, unit, person, monkeypatch):
    from workflows import audit

    def broken_record(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken_record)
    count = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        engine.perform(widget, "submit", user=person("head", Role.UNIT_HEAD, unit=unit))
    widget.refresh_from_db()
    assert widget.state == WidgetState.DRAFT
    assert AuditEvent.objects.count() == count


def test_available_lists_every_transition_with_reasons(widget, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    checks = {c.name: c for c in engine.available(widget, head)}
    assert checks["submit"].allowed
    # Role before state: approve is the Board head's, so the unit head hears "not your job" (403), not "wrong
    # state"; the Board head, who holds the role, hears that the draft cannot be approved yet (409).
    assert not checks["approve"].allowed and checks["approve"].status == 403
    assert not checks["cancel"].allowed and checks["cancel"].status == 403
    board_head = person("boss", Role.BOARD_HEAD)
    approve = {c.name: c for c in engine.available(widget, board_head)}["approve"]
    assert not approve.allowed and approve.status == 409


def test_the_engine_locks_the_row_and_writes_state_and_audit(widget, unit, person):
    from django.test.utils import CaptureQueriesContext

    head = person("head", Role.UNIT_HEAD, unit=unit)
    with CaptureQueriesContext(connection) as ctx:
        engine.perform(widget, "submit", user=head)
    statements = [
        q["sql"] for q in ctx.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert "testapp_widget" in statements[0]
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in statements[0]
    assert (
        sum("UPDATE workflows_auditchainhead SET" in sql and "sequence + 1" in sql for sql in statements) == 1
    )
    assert sum('"testapp_widget" SET' in sql for sql in statements) == 1
    assert sum("INSERT INTO workflows_auditevent" in sql for sql in statements) == 1
    if connection.vendor == "postgresql":
        # the row lock brings the user's roles; chain head, event and state write are one statement
        assert "workflows_membership" in statements[0]
        assert len(statements) == 2, statements


def test_locked_related_rows_are_reused_only_when_they_are_the_objects_own(widget, unit, person):
    from organisations.models import Unit

    head = person("head", Role.UNIT_HEAD, unit=unit)
    done = engine.perform(widget, "submit", user=head, locked_related={"unit": unit})
    assert done.unit is unit
    other = Unit.objects.create(code="other-unit", name="Đơn vị khác")
    second = Widget.objects.create(title="Hồ sơ C", unit=unit)
    done = engine.perform(second, "submit", user=head, locked_related={"unit": other})
    assert done.unit == unit and done.unit is not other
