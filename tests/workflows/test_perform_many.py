"""perform_many: one transition on many objects, all or nothing, one audit event per object, chain intact."""

import pytest
from django.core.exceptions import ValidationError

from tests.testapp.models import Widget, WidgetState
from workflows import audit, engine
from workflows.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def widgets(unit):
    return [Widget.objects.create(title=f"Hồ sơ {i}", unit=unit) for i in range(7)]


def chain_intact() -> bool:
    return not any(isinstance(step, audit.ChainProblem) for step in audit.verify_chain())


def _events(widgets):
    return list(
        AuditEvent.objects.filter(
            subject_type__model="widget", subject_id__in=[str(w.pk) for w in widgets]
        ).order_by("sequence")
    )


def test_all_objects_move_with_one_event_each_and_the_chain_verifies(widgets, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    before = AuditEvent.objects.count()
    done = engine.perform_many(
        widgets, "submit", user=head, data={"comment": "Kính trình"}, client_ip="10.0.0.9"
    )
    assert [w.state for w in done] == [WidgetState.SUBMITTED] * 7
    assert set(Widget.objects.values_list("state", flat=True)) == {WidgetState.SUBMITTED}
    events = _events(widgets)
    assert len(events) == 7 and AuditEvent.objects.count() == before + 7
    assert [e.subject_id for e in events] == [str(w.pk) for w in sorted(widgets, key=lambda w: w.pk)]
    for event in events:
        assert (event.verb, event.source_state, event.target_state) == ("submit", "draft", "submitted")
        assert event.role == Role.UNIT_HEAD and event.actor == head and event.client_ip == "10.0.0.9"
        assert event.comment == "Kính trình"
        assert event.data["changes"] == {"state": ["draft", "submitted"]}
    sequences = [e.sequence for e in events]
    assert sequences == list(range(sequences[0], sequences[0] + 7))
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
    assert chain_intact()
    # a single transition after the batch links onto its last event
    engine.perform(
        widgets[0],
        "return_for_supplement",
        user=person("officer", Role.BOARD_OFFICER),
        data={"comment": "Thiếu", "deadline": "2023-03-01"},
    )
    assert chain_intact()


def test_one_refused_object_changes_nothing_and_each_refusal_is_listed(widgets, unit, other_unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    foreign = Widget.objects.create(title="Của đơn vị khác", unit=other_unit)
    engine.perform(widgets[0], "submit", user=head)  # already submitted: wrong state
    before = AuditEvent.objects.count()
    with pytest.raises(engine.BatchRefused) as refused:
        engine.perform_many([*widgets, foreign], "submit", user=head)
    errors = {error["id"]: error for error in refused.value.errors}
    assert set(errors) == {widgets[0].pk, foreign.pk}
    assert errors[widgets[0].pk]["status"] == 409 and "Đã nộp" in errors[widgets[0].pk]["detail"]
    assert errors[foreign.pk]["status"] == 403
    assert AuditEvent.objects.count() == before
    assert Widget.objects.filter(state=WidgetState.SUBMITTED).count() == 1


def test_the_input_is_validated_and_goes_to_every_object(widgets, unit, person):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    engine.perform_many(widgets, "submit", user=head)
    board_head = person("bhead", Role.BOARD_HEAD)
    with pytest.raises(ValidationError):
        engine.perform_many(widgets, "approve", user=board_head, data={"score": 500})
    assert not Widget.objects.filter(state=WidgetState.APPROVED).exists()
    engine.perform_many(widgets, "approve", user=board_head, data={"score": 80})
    assert set(Widget.objects.values_list("score", flat=True)) == {80}
    assert chain_intact()


def test_a_superuser_without_a_role_is_refused_for_every_object(widgets, django_user_model):
    root = django_user_model.objects.create_superuser("root-many", "r@example.org", "x")
    with pytest.raises(engine.BatchRefused) as refused:
        engine.perform_many(widgets, "submit", user=root)
    assert {error["status"] for error in refused.value.errors} == {403}
    assert not AuditEvent.objects.filter(subject_type__model="widget").exists()


def test_objects_of_two_kinds_are_refused(widgets, unit):
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform_many([widgets[0], unit], "submit", user=None)
