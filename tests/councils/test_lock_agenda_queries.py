"""Locking a session's agenda records the automatic recusals (nominee, proposing unit) of every item in a fixed
number of queries, not two per item (found by the year-end round at volume, issue 19: 300 items a session), and
records exactly what the per-item rule (selectors.automatic_recusals) says."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils import selectors
from councils.models import Recusal
from tests.councils.conftest import threshold
from workflows import engine
from workflows.audit import SYSTEM
from workflows.models import Role
from workflows.services import membership_grant

pytestmark = pytest.mark.django_db


def _lock_queries(c, session) -> int:
    with CaptureQueriesContext(connection) as captured:
        engine.perform(session, "lock_agenda", user=c.secretary)
    return len(captured.captured_queries)


def test_lock_agenda_runs_the_same_queries_for_3_items_as_for_30(council, session_for, a_unit):
    counts = {}
    for size in (3, 30):
        c = council(size=7)
        items = [(f"Mục {n}", threshold("50")) for n in range(size)]
        session = session_for(c, items=items, unit=a_unit)
        counts[size] = _lock_queries(c, session)
    assert counts[3] == counts[30], counts


def test_the_recusals_recorded_at_lock_are_the_per_item_rules(council, session_for, a_unit):
    c = council(size=7)
    membership_grant(user=c.members[0], role=Role.UNIT_OFFICER, unit=a_unit, actor=SYSTEM)
    session = session_for(c, items=[(f"Mục {n}", threshold("50")) for n in range(4)], unit=a_unit)
    other = session_for(c, items=[("Mục riêng", threshold("50"))], nominee=c.members[1])
    wanted = {session: {c.members[0].pk: "proposing_unit"}, other: {c.members[1].pk: "nominee"}}
    for each, recusals in wanted.items():
        expected = {item.pk: selectors.automatic_recusals(item) for item in each.items.all()}
        assert all(found == recusals for found in expected.values()), expected
        engine.perform(each, "lock_agenda", user=c.secretary)
        recorded = {item.pk: {} for item in each.items.all()}
        for recusal in Recusal.objects.filter(item__session=each):
            recorded[recusal.item_id][recusal.member_id] = recusal.reason
        assert recorded == expected


def test_the_lock_checks_read_the_subjects_once_per_kind(council, session_for, monkeypatch):
    """registry.lock_refusals loads the subjects of a kind with a lock check in one query, whatever the number
    of items, and still asks the check of every such subject, in agenda order."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from councils import registry
    from councils.models import AgendaItem

    user_model = get_user_model()
    asked = []

    def check(*, subject, session):
        asked.append(subject.pk)
        return [f"{subject.username} chưa sẵn sàng"] if subject.username.endswith("-1") else []

    monkeypatch.setitem(registry._LOCK_CHECKS, user_model, check)
    kind = ContentType.objects.get_for_model(user_model)
    counts, found = {}, {}
    for size in (3, 30):
        c = council(size=7)
        session = session_for(c, items=[(f"Mục {n}", threshold("50")) for n in range(size)])
        subjects = [user_model.objects.create(username=f"subject-{size}-{n}") for n in range(size)]
        for item, subject in zip(session.items.order_by("order", "pk"), subjects, strict=True):
            AgendaItem.objects.filter(pk=item.pk).update(subject_type=kind, subject_id=str(subject.pk))
        items = list(session.items.select_related("session").order_by("order", "pk"))
        asked.clear()
        with CaptureQueriesContext(connection) as captured:
            found[size] = registry.lock_refusals(items)
        counts[size] = len(captured.captured_queries)
        assert asked == [subject.pk for subject in subjects]
    assert counts[3] == counts[30] == 1, counts
    assert found[30] == ["subject-30-1 chưa sẵn sàng"]


def test_the_results_read_the_subjects_once_per_kind(council, session_for, monkeypatch):
    """services.agenda_results_deliver reads the items' subjects in one query per kind, whatever the number of
    items (a year-end round: hundreds of lines), and hands every subject its own item's result, in agenda order."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from councils import registry, services
    from councils.models import AgendaItem
    from workflows.audit import Actor

    user_model = get_user_model()
    delivered = []
    contract = registry.SubjectContract(
        agenda_terms=lambda *, subject, session: registry.AgendaTerms(title="x", threshold=threshold("50")),
        on_result=lambda **kwargs: None,
        on_results=lambda *, pairs, actor: delivered.extend((s.pk, r.item_id) for s, r in pairs),
    )
    monkeypatch.setitem(registry._CONTRACTS, user_model, contract)
    kind = ContentType.objects.get_for_model(user_model)
    counts = {}
    for size in (3, 30):
        c = council(size=7)
        session = session_for(c, items=[(f"Mục {n}", threshold("50")) for n in range(size)])
        subjects = [user_model.objects.create(username=f"result-{size}-{n}") for n in range(size)]
        pairs = []
        for item, subject in zip(session.items.order_by("order", "pk"), subjects, strict=True):
            AgendaItem.objects.filter(pk=item.pk).update(subject_type=kind, subject_id=str(subject.pk))
            pairs.append((subject.pk, item.pk))
        items = list(session.items.select_related("session__council_term__council").order_by("order", "pk"))
        delivered.clear()
        with CaptureQueriesContext(connection) as captured:
            services.agenda_results_deliver(items=items, actor=Actor(user=c.chair))
        counts[size] = len(captured.captured_queries)
        assert delivered == pairs
    assert counts[3] == counts[30], counts


def test_the_dossier_lines_lock_check_answers_for_all_lines_in_one_batch():
    """A city session's dossier lines are checked again at the lock (public notice, holds) by the batch check the
    dossiers app registers: the same messages as line by line, without one query per line."""
    from councils.registry import _LOCK_CHECKS_MANY
    from dossiers.models import DossierNominee

    assert DossierNominee in _LOCK_CHECKS_MANY
