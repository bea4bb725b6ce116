"""The agenda terms of many subjects at once (councils.registry agenda_terms_many, issue 19: a year-end round puts
hundreds of lines on one session and checks them again when the results are delivered): the batch gives, for each
subject, exactly the terms of the single-subject path and the same refusal, in a fixed number of queries whatever
the number of subjects; closing a session counts its items in a fixed number of queries too."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from councils import registry, services
from councils.models import AgendaItem, ItemState
from dossiers import unit_round as rounds
from dossiers.agenda_terms import round_agenda_terms_many
from dossiers.models import DossierNominee, UnitRoundLine
from dossiers.services import council_agenda_terms, council_agenda_terms_many
from organisations.models import CouncilKind
from tests.dossiers.conftest import cast, media_root  # noqa: F401  (the dossier's people, uploads in a temp dir)
from tests.dossiers.helpers import ready_dossier, walk_to
from tests.dossiers.test_unit_round import (  # noqa: F401  (the unit council fixture and the round's helpers)
    a_session,
    award,
    new_round,
    person_row,
    unit_council,
    vote_and_issue,
    workbook,
)
from tests.factories import CouncilFactory, CouncilTermFactory
from workflows.audit import Actor
from workflows.models import AuditEvent

from .conftest import MEETING_DAY, start_voting, threshold

pytestmark = pytest.mark.django_db


def _queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured.captured_queries), result


def _imported_round(cast, count):  # noqa: F811
    unit_round = new_round(cast)
    rows = rounds.read_rows(workbook([person_row(n) for n in range(1, count + 1)]))
    rounds.round_import(unit_round=unit_round, rows=rows, actor=Actor(user=cast.officer))
    return unit_round, list(UnitRoundLine.objects.filter(unit_round=unit_round).order_by("pk"))


def _refusal(call) -> str:
    with pytest.raises(ValidationError) as refused:
        call()
    return str(refused.value)


# -- a unit's round lines ------------------------------------------------------------------------------------------
def test_the_round_lines_batch_gives_each_line_its_own_terms(cast, unit_council):  # noqa: F811
    _round, lines = _imported_round(cast, 12)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    one_by_one = [rounds.round_agenda_terms(subject=line, session=session) for line in lines]
    assert round_agenda_terms_many(subjects=lines, session=session) == one_by_one
    # in the subjects' order, whatever it is
    backwards = list(reversed(lines))
    assert round_agenda_terms_many(subjects=backwards, session=session) == list(reversed(one_by_one))
    assert one_by_one[0].legal_basis and "dòng 1 của danh sách" in one_by_one[0].title


def test_the_round_lines_batch_reads_them_in_a_fixed_number_of_queries(cast, unit_council):  # noqa: F811
    _round, lines = _imported_round(cast, 12)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    session = type(session).objects.select_related("council_term__council").get(pk=session.pk)
    few, _terms = _queries(lambda: round_agenda_terms_many(subjects=lines[:3], session=session))
    many, _terms = _queries(lambda: round_agenda_terms_many(subjects=lines, session=session))
    single, _terms = _queries(lambda: rounds.round_agenda_terms(subject=lines[0], session=session))
    assert few == many == 1, (few, many)
    assert single == 1  # the single path: one query per line, which the batch replaces


def test_the_round_lines_batch_refuses_as_the_single_path_does(cast, unit_council):  # noqa: F811
    _round, lines = _imported_round(cast, 4)
    other = CouncilFactory(kind=CouncilKind.UNIT, unit=cast.other_unit)
    other_session = services.session_create(
        council_term=CouncilTermFactory(council=other, starts_on=date(2024, 1, 1)),
        title="Họp HĐTĐKT Sở Y tế",
        planned_on=timezone.localdate() + timedelta(days=5),
        actor=Actor(user=cast.board),
    )
    single = _refusal(lambda: rounds.round_agenda_terms(subject=lines[0], session=other_session))
    assert _refusal(lambda: round_agenda_terms_many(subjects=lines, session=other_session)) == single
    assert "không phải hội đồng thi đua – khen thưởng của" in single
    # a city award in the middle of the list: the batch refuses on that line, with its own message
    UnitRoundLine.objects.filter(pk=lines[2].pk).update(award=award("bk-tp"))
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    single = _refusal(lambda: rounds.round_agenda_terms(subject=lines[2], session=session))
    assert _refusal(lambda: round_agenda_terms_many(subjects=lines, session=session)) == single
    assert "không do đơn vị quyết định" in single
    # and putting the lines on the agenda refuses with the same message, nothing written
    contract = registry.contract_for(lines[0])
    assert _refusal(lambda: registry.agenda_terms_of(contract, lines, session)) == single
    refused = _refusal(
        lambda: services.agenda_subjects_add(
            session=session, subjects=lines, actor=Actor(user=unit_council.secretary)
        )
    )
    assert refused == single and not session.items.exists()


def test_submitting_a_round_costs_the_same_queries_for_3_lines_as_for_12(cast, unit_council):  # noqa: F811
    """agenda_subjects_add (the round's submission) reads every line's terms with agenda_terms_many: the
    number of queries does not grow with the lines (one query per line before)."""
    _round, lines = _imported_round(cast, 16)
    counts = {}
    for subset in (lines[:1], lines[1:4], lines[4:]):  # the first warms the caches (content types, roles)
        session = a_session(unit_council, Actor(user=unit_council.secretary))
        counts[len(subset)], items = _queries(
            lambda subset=subset, session=session: services.agenda_subjects_add(
                session=session, subjects=subset, actor=Actor(user=unit_council.secretary)
            )
        )
        expected = [rounds.round_agenda_terms(subject=line, session=session) for line in subset]
        assert [(item.title, item.summary, item.legal_basis) for item in items] == [
            (term.title, term.summary, list(term.legal_basis)) for term in expected
        ]
    assert counts[3] == counts[12], counts


def test_a_round_voted_and_issued_still_moves_every_line(cast, unit_council):  # noqa: F811
    """The whole path with the batches: the items closed in one perform_many (one close_ballot event per item, in
    agenda order), the terms checked again in one batch, every line's result delivered."""
    unit_round, lines = _imported_round(cast, 6)
    session = a_session(unit_council, Actor(user=unit_council.secretary))
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    vote_and_issue(session, unit_council, against={lines[1].pk})
    states = dict(UnitRoundLine.objects.filter(unit_round=unit_round).values_list("pk", "state"))
    assert states[lines[1].pk] == "failed" and sum(state == "passed" for state in states.values()) == 5
    items = list(session.items.order_by("order", "pk").values_list("pk", flat=True))
    closed = list(
        AuditEvent.objects.filter(
            verb="close_ballot", subject_type=ContentType.objects.get_for_model(AgendaItem)
        )
        .order_by("sequence")
        .values_list("subject_id", flat=True)
    )
    assert [int(pk) for pk in closed] == items


# -- a city dossier's lines ----------------------------------------------------------------------------------------
def _city_lines(cast, council):  # noqa: F811
    c = council(size=4)
    session = services.session_create(
        council_term=c.term, title="Phiên họp xét khen thưởng", planned_on=MEETING_DAY, actor=cast.board
    )
    dossier = walk_to(cast, ready_dossier(cast, lines=(("bk-tp", None),) * 3), "appraised")
    return session, list(DossierNominee.objects.filter(dossier=dossier).order_by("pk"))


def test_the_dossier_lines_batch_gives_each_line_its_own_terms(cast, council):  # noqa: F811
    session, lines = _city_lines(cast, council)
    one_by_one = [council_agenda_terms(subject=line, session=session) for line in lines]
    assert council_agenda_terms_many(subjects=lines, session=session) == one_by_one
    assert one_by_one[0].proposing_unit == cast.unit and one_by_one[0].legal_basis
    few, _terms = _queries(lambda: council_agenda_terms_many(subjects=lines[:1], session=session))
    many, _terms = _queries(lambda: council_agenda_terms_many(subjects=lines, session=session))
    assert few == many, (few, many)


def test_the_dossier_lines_batch_refuses_as_the_single_path_does(cast, council, unit_council):  # noqa: F811
    _session, lines = _city_lines(cast, council)
    unit_session = a_session(unit_council, Actor(user=unit_council.secretary))
    single = _refusal(lambda: council_agenda_terms(subject=lines[0], session=unit_session))
    assert _refusal(lambda: council_agenda_terms_many(subjects=lines, session=unit_session)) == single
    assert "chỉ được đưa ra Hội đồng Thi đua - Khen thưởng thành phố" in single


# -- the councils side: results and closing ------------------------------------------------------------------------
def test_the_results_check_the_terms_in_one_batch(council, session_for, monkeypatch):
    """agenda_results_deliver checks every item's terms again with the subjects' agenda_terms_many (one call for
    the session's items of a kind), never the single path, and in the same queries for 3 items as for 30."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    single_calls, batches, delivered = [], [], []

    def terms_of(subject):
        return registry.AgendaTerms(title=subject.username, threshold=threshold("50"))

    def agenda_terms(*, subject, session):
        single_calls.append(subject.pk)
        return terms_of(user_model.objects.get(pk=subject.pk))

    def agenda_terms_many(*, subjects, session):
        batches.append(len(subjects))
        loaded = user_model.objects.in_bulk([subject.pk for subject in subjects])
        return [terms_of(loaded[subject.pk]) for subject in subjects]

    contract = registry.SubjectContract(
        agenda_terms=agenda_terms,
        agenda_terms_many=agenda_terms_many,
        on_result=lambda **kwargs: None,
        on_results=lambda *, pairs, actor: delivered.extend((s.pk, r.item_id) for s, r in pairs),
    )
    monkeypatch.setitem(registry._CONTRACTS, user_model, contract)
    kind = ContentType.objects.get_for_model(user_model)
    counts = {}
    for size in (3, 30):
        c = council(size=7)
        session = session_for(c, items=[(f"Mục {n}", threshold("50")) for n in range(size)])
        subjects = [user_model.objects.create(username=f"batch-{size}-{n}") for n in range(size)]
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
    assert single_calls == [] and batches == [3, 30]


def test_the_results_refuse_an_item_whose_terms_changed_as_before(council, session_for, monkeypatch):
    """When the batch refuses, each item's terms are read one by one in agenda order: the refusal is the one the
    single path gives for the first item refused."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()

    def agenda_terms(*, subject, session):
        if subject.username.endswith("-2"):
            raise ValidationError(f"{subject.username} không còn được xét")
        return registry.AgendaTerms(title=subject.username, threshold=threshold("50"))

    def agenda_terms_many(*, subjects, session):
        return [agenda_terms(subject=subject, session=session) for subject in reversed(subjects)][::-1]

    contract = registry.SubjectContract(
        agenda_terms=agenda_terms,
        agenda_terms_many=agenda_terms_many,
        on_result=lambda **kwargs: None,
        on_results=lambda **kwargs: None,
    )
    monkeypatch.setitem(registry._CONTRACTS, user_model, contract)
    kind = ContentType.objects.get_for_model(user_model)
    c = council(size=7)
    session = session_for(c, items=[(f"Mục {n}", threshold("50")) for n in range(4)])
    for n, item in enumerate(session.items.order_by("order", "pk")):
        subject = user_model.objects.create(username=f"changed-{n}")
        AgendaItem.objects.filter(pk=item.pk).update(subject_type=kind, subject_id=str(subject.pk))
    items = list(session.items.select_related("session__council_term__council").order_by("order", "pk"))
    with pytest.raises(ValidationError) as refused:
        services.agenda_results_deliver(items=items, actor=Actor(user=c.chair))
    assert "changed-2 không còn được xét" in str(refused.value)


def _close_queries(c, session) -> int:
    for member in c.voters:
        services.ballot_sheet_cast(
            session=session, choices={item.pk: "agree" for item in session.items.all()}, actor=member
        )
    with CaptureQueriesContext(connection) as captured:
        services.session_close_voting(session=session, user=c.secretary)
    # each item's own counts are its row's UPDATE, written as the batch goes (engine.perform_many; on PostgreSQL
    # sent in pipeline mode, without waiting for each answer): every other statement is the same for any size
    return sum(
        1
        for query in captured.captured_queries
        if not query["sql"].startswith('UPDATE "councils_agendaitem"')
    )


def test_closing_the_voting_costs_the_same_queries_for_3_items_as_for_30(council, session_for):
    """session_close_voting counts every open item through one engine.perform_many: besides each item's UPDATE, a
    fixed number of queries (two more per item before: each item's lock and its audit append), one close_ballot
    event per item in agenda order."""
    counts = {}
    for size in (3, 30):
        c = council(size=5)
        session = start_voting(session_for(c, items=[(f"Mục {n}", threshold("50")) for n in range(size)]), c)
        counts[size] = _close_queries(c, session)
        assert not session.items.exclude(state=ItemState.COUNTED).exists()
        assert all(item.passed for item in session.items.all())
        items = [str(pk) for pk in session.items.order_by("order", "pk").values_list("pk", flat=True)]
        closed = AuditEvent.objects.filter(verb="close_ballot", subject_id__in=items).order_by("sequence")
        assert list(closed.values_list("subject_id", flat=True)) == items
    assert counts[3] == counts[30], counts


def test_closing_refuses_on_the_first_item_in_agenda_order_as_before(council, session_for):
    """An item that may not be counted (a written vote awaiting confirmation) refuses the whole close with that
    item's own reason, as the item-by-item close did; nothing is counted."""
    from councils.models import WrittenVote

    c = council(size=5)
    session = start_voting(session_for(c, items=[(f"Mục {n}", threshold("50")) for n in range(4)]), c)
    third = session.items.order_by("order", "pk")[2]
    WrittenVote.objects.create(session=session, member=c.members[0], item_ids=[third.pk], status="pending")
    with pytest.raises(Exception) as refused:
        services.session_close_voting(session=session, user=c.secretary)
    assert "Còn phiếu bằng văn bản cho mục này chờ xác nhận" in str(refused.value)
    assert not session.items.filter(state=ItemState.COUNTED).exists()


def test_a_ballot_sheet_and_the_roster_cost_the_same_queries_whatever_the_size(council, session_for):
    """A member's ballot sheet reads their attendance and receipts with the session (no query per item, none per
    check), and the roster reads the members once (not once per row): the same queries for 3 items and 5 members
    as for 30 items and 9 members."""
    sheets, rosters = {}, {}
    for size, members in ((3, 5), (30, 9)):
        c = council(size=members)
        session = session_for(c, items=[(f"Mục {n}", threshold("50")) for n in range(size)])
        from workflows import engine

        engine.perform(session, "lock_agenda", user=c.secretary)
        statuses = {member.pk: "present" for member in c.voters}
        rosters[size], _rows = _queries(
            lambda session=session, c=c, statuses=statuses: services.attendance_roster_record(
                session=session, statuses=statuses, actor=c.secretary
            )
        )
        engine.perform(session, "open", user=c.chair)
        engine.perform(session, "open_voting", user=c.secretary, data={"voting_mode": "all_items"})
        choices = {item.pk: "agree" for item in session.items.all()}
        services.ballot_sheet_cast(session=session, choices=choices, actor=c.voters[0])
        sheets[size], counted = _queries(
            lambda session=session, c=c, choices=choices: services.ballot_sheet_cast(
                session=session, choices=choices, actor=c.voters[1]
            )
        )
        assert counted == size
        # the checks still refuse: a second sheet
        with pytest.raises(services.BallotConflict):
            services.ballot_sheet_cast(session=session, choices=choices, actor=c.voters[1])
    assert sheets[3] == sheets[30], sheets
    assert rosters[3] == rosters[30], rosters
