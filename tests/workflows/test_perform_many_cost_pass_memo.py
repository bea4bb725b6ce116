"""perform_many's check pass (workflows.conditions.batch_pass): one memo shared by the checks of every object of
the batch, for what a permission layer may read once per batch; none while the transitions run and write, none
after the batch, refused or not."""

import pytest

from tests.testapp.models import Widget, WidgetState
from workflows import audit, engine
from workflows.conditions import pass_memo
from workflows.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def widgets(unit):
    return [Widget.objects.create(title=f"Hồ sơ {i}", unit=unit) for i in range(4)]


def test_the_checks_of_a_batch_share_one_memo_and_the_transitions_see_none(
    widgets, unit, person, monkeypatch
):
    head = person("head", Role.UNIT_HEAD, unit=unit)
    seen, at_record = [], []
    real_check, real_record_many = engine.check, audit.record_many

    def check(flow, name, user):
        seen.append(pass_memo())
        return real_check(flow, name, user)

    def record_many(events):
        at_record.append(pass_memo())
        return real_record_many(events)

    monkeypatch.setattr(engine, "check", check)
    monkeypatch.setattr(audit, "record_many", record_many)
    engine.perform_many(widgets, "submit", user=head)
    assert len(seen) == 4 and isinstance(seen[0], dict) and all(memo is seen[0] for memo in seen)
    assert at_record == [None] and pass_memo() is None
    assert set(Widget.objects.values_list("state", flat=True)) == {WidgetState.SUBMITTED}
    # a second batch starts with a memo of its own
    engine.perform_many(
        widgets,
        "return_for_supplement",
        user=person("officer", Role.BOARD_OFFICER),
        data={"comment": "Thiếu", "deadline": "2023-03-01"},
    )
    assert seen[4] is not seen[0] and seen[4] == {}


def test_a_refused_batch_leaves_no_memo_behind(widgets, other_unit, person):
    stranger = person("stranger", Role.UNIT_HEAD, unit=other_unit)
    with pytest.raises(engine.BatchRefused):
        engine.perform_many(widgets, "submit", user=stranger)
    assert pass_memo() is None
    assert set(Widget.objects.values_list("state", flat=True)) == {WidgetState.DRAFT}
