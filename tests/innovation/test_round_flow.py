"""A whole round through the services: 200 initiatives from ten units, balanced reviewers, the council's
secret ballot (≥ 2/3), its result handler, and the recognitions that the award eligibility rules read."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from councils import services as council_services
from councils.models import AgendaItem
from dossiers.eligibility import blocking_errors
from dossiers.models import InitiativeRecognition, Nominee
from dossiers.rule_versions import awards_for_year
from innovation import selectors, services
from innovation.models import Initiative, InitiativeState, RoundState
from tests.councils.conftest import start_voting
from tests.factories import AwardRecordFactory, NomineeFactory, UnitFactory
from workflows import engine, processes
from workflows.audit import history_for
from workflows.models import Role

from .helpers import make_cast, open_round, scores_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

COUNT = 200


def test_a_whole_round_of_two_hundred_initiatives(person):
    cast = make_cast(person, reviewers=8, members=3)
    round_ = open_round(cast)
    units = [UnitFactory(name=f"Trường THPT số {i}") for i in range(10)]
    officers = [person(f"school-officer-{i}", Role.UNIT_OFFICER, unit=unit) for i, unit in enumerate(units)]
    year = timezone.localdate().year
    veteran = NomineeFactory(unit=units[0], full_name="Lê Thị Mai")
    for past in (year - 3, year - 2, year - 1):
        AwardRecordFactory(nominee=veteran, award=awards_for_year(year).get(code="cstdcs"), year=past)
    city_fighter = awards_for_year(year).get(code="cstd-tp")
    [before] = blocking_errors(veteran, city_fighter, year)
    assert "sáng kiến" in before

    for index in range(COUNT):
        unit = units[index % 10]
        lead = "Lê Thị Mai" if index == 0 else f"Giáo viên {index}"
        services.initiative_submit(
            round_=round_,
            unit=unit,
            data={
                "title": f"Sáng kiến đổi mới phương pháp dạy học số {index}",
                "field": "education",
                "summary": "Tóm tắt",
                "problem": "Vấn đề",
                "solution": "Giải pháp",
                "first_applied_on": timezone.localdate() - timedelta(days=200),
                "benefits": "Hiệu quả",
                "requested_scope": "city",
            },
            authors=[
                {"full_name": lead, "unit": unit, "share": "70"},
                {"full_name": f"Đồng tác giả {index % 7}", "unit": unit, "share": "30"},
            ],
            actor=officers[index % 10],
        )
    initiatives = list(round_.initiatives.order_by("pk"))
    assert len(initiatives) == COUNT

    engine.perform(round_, "close_submissions", user=cast.board)
    engine.perform(round_, "start_screening", user=cast.board)
    returned = initiatives[1]
    engine.perform(returned, "return_for_supplement", user=cast.board, data={"comment": "Thiếu minh chứng."})
    engine.perform(returned, "resubmit", user=officers[1])
    for initiative in initiatives:
        engine.perform(initiative, "screen", user=cast.board)
    assert services.assignments_balance(round_=round_, actor=cast.board) == 2 * COUNT
    load = selectors.reviewer_load(round_)
    assert max(load.values()) - min(load.values()) <= 1
    round_ = services.round_start_reviewing(round_=round_, user=cast.board)

    # Initiative i scores (50 + i mod 50) % of each maximum from one reviewer, 10 points more from the other.
    for index, initiative in enumerate(initiatives):
        first, second = initiative.assignments.order_by("pk")
        base = Decimal(50 + index % 50) / 100
        for assignment, fraction in ((first, base), (second, min(base + Decimal("0.1"), Decimal(1)))):
            services.review_save(
                assignment=assignment,
                scores=scores_for(round_, fraction),
                actor=assignment.reviewer,
                submit=True,
            )
    assert set(round_.initiatives.values_list("state", flat=True)) == {InitiativeState.REVIEWED}
    engine.perform(round_, "complete_reviews", user=cast.board)

    ranking = selectors.ranking(round_)
    assert [row.rank for row in ranking] == list(range(1, COUNT + 1))
    assert all(a.average >= b.average for a, b in zip(ranking, ranking[1:], strict=False))
    passing = [row.initiative.pk for row in ranking if row.meets_pass_score]

    meeting_day = timezone.localdate() + timedelta(days=7)
    session = services.round_send_to_council(round_=round_, planned_on=meeting_day, actor=cast.board)
    items = list(AgendaItem.objects.filter(session=session).order_by("order"))
    assert sorted(int(item.subject_id) for item in items) == sorted(passing)
    assert Initiative.objects.filter(state=InitiativeState.NOT_RECOGNISED).count() == COUNT - len(passing)
    assert items[0].threshold_numerator == 2 and items[0].threshold_denominator == 3

    engine.perform(session, "convene", user=cast.secretary, data={"planned_on": meeting_day.isoformat()})
    start_voting(session, cast)
    # Five voting members: items at even positions get 5 agree, the others 3 (60 % < 2/3).
    for position, member in enumerate(cast.voters):
        choices = {
            item.pk: "agree" if order % 2 == 0 or position < 3 else "disagree"
            for order, item in enumerate(items)
        }
        council_services.ballot_sheet_cast(session=session, choices=choices, actor=member)
    council_services.session_close_voting(session=session, user=cast.secretary)
    engine.perform(session, "draft_minutes", user=cast.secretary, data={"minutes_number": "01/BB-HĐSK"})
    engine.perform(session, "sign_minutes", user=cast.chair)
    with pytest.raises(engine.TransitionNotAllowed, match="chưa ban hành kết quả"):
        engine.perform(round_, "publish_results", user=cast.board)
    engine.perform(
        session,
        "issue_resolution",
        user=cast.chair,
        data={"resolution_number": "02/QĐ-HĐSK", "resolution_issued_on": meeting_day.isoformat()},
    )

    recognised = [int(item.subject_id) for order, item in enumerate(items) if order % 2 == 0]
    assert sorted(
        Initiative.objects.filter(state=InitiativeState.RECOGNISED).values_list("pk", flat=True)
    ) == sorted(recognised)
    assert set(
        Initiative.objects.filter(state=InitiativeState.RECOGNISED).values_list("recognised_scope", flat=True)
    ) == {"city"}
    assert InitiativeRecognition.objects.count() == 2 * len(recognised)
    event = next(
        e for e in history_for(Initiative.objects.get(pk=recognised[0])) if e.verb == "council_recognise"
    )
    assert event.actor == cast.chair and event.data["council_result"]["agree"] == 5

    engine.perform(round_, "publish_results", user=cast.board)
    round_.refresh_from_db()
    assert round_.state == RoundState.RESULTS_PUBLISHED
    assert processes.for_kind("innovation_round").is_finished(round_)

    # The first initiative (Lê Thị Mai's) scored 50 % and 60 %: 55 < 70: not on the agenda, no recognition.
    assert blocking_errors(veteran, city_fighter, year)
    top = Initiative.objects.get(pk=recognised[0])
    lead_name = top.authors.order_by("-share").first().full_name
    lead = Nominee.objects.get(full_name=lead_name, unit=top.unit)
    for past in (year - 3, year - 2, year - 1):
        AwardRecordFactory(nominee=lead, award=awards_for_year(year).get(code="cstdcs"), year=past)
    assert blocking_errors(lead, city_fighter, year) == []


def test_a_recognised_initiative_feeds_the_eligibility_of_an_existing_person_record(person):
    cast = make_cast(person, reviewers=2, members=3)
    round_ = open_round(cast, pass_score=Decimal("50"))
    year = timezone.localdate().year
    veteran = NomineeFactory(unit=cast.unit, full_name="Lê Thị Mai")
    for past in (year - 3, year - 2, year - 1):
        AwardRecordFactory(nominee=veteran, award=awards_for_year(year).get(code="cstdcs"), year=past)
    city_fighter = awards_for_year(year).get(code="cstd-tp")
    assert blocking_errors(veteran, city_fighter, year)
    initiative = services.initiative_submit(
        round_=round_,
        unit=cast.unit,
        data={
            "title": "Phần mềm quản lý thiết bị dạy học",
            "field": "education",
            "summary": "Tóm tắt",
            "problem": "Vấn đề",
            "solution": "Giải pháp",
            "first_applied_on": timezone.localdate() - timedelta(days=90),
            "benefits": "Hiệu quả",
            "requested_scope": "city",
        },
        authors=[
            {"full_name": "lê thị  mai", "unit": cast.unit, "share": "50"},
            {"full_name": "Võ Thanh Tâm", "unit": cast.unit, "share": "50"},
        ],
        actor=cast.officer,
    )
    engine.perform(round_, "close_submissions", user=cast.board)
    engine.perform(round_, "start_screening", user=cast.board)
    engine.perform(initiative, "screen", user=cast.board)
    services.assignments_balance(round_=round_, actor=cast.board)
    services.round_start_reviewing(round_=round_, user=cast.board)
    for assignment in initiative.assignments.all():
        services.review_save(
            assignment=assignment, scores=scores_for(round_, 0.8), actor=assignment.reviewer, submit=True
        )
    engine.perform(round_, "complete_reviews", user=cast.board)
    meeting_day = timezone.localdate() + timedelta(days=3)
    session = services.round_send_to_council(round_=round_, planned_on=meeting_day, actor=cast.board)
    [item] = AgendaItem.objects.filter(session=session)
    engine.perform(session, "convene", user=cast.secretary, data={"planned_on": meeting_day.isoformat()})
    start_voting(session, cast)
    for member in cast.voters:
        council_services.ballot_cast(item=item, choice="agree", actor=member)
    council_services.session_close_voting(session=session, user=cast.secretary)
    engine.perform(session, "draft_minutes", user=cast.secretary, data={"minutes_number": "03/BB-HĐSK"})
    engine.perform(session, "sign_minutes", user=cast.chair)
    engine.perform(
        session,
        "issue_resolution",
        user=cast.chair,
        data={"resolution_number": "04/QĐ-HĐSK", "resolution_issued_on": meeting_day.isoformat()},
    )
    [recognition] = veteran.initiatives.all()
    assert (recognition.title, recognition.scope, recognition.year) == (initiative.title, "city", year)
    assert Nominee.objects.filter(full_name="Võ Thanh Tâm", unit=cast.unit).count() == 1
    assert blocking_errors(veteran, city_fighter, year) == []
