"""Submissions, contribution shares, reviewer conflicts, balanced assignment and review visibility."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from innovation import selectors, services
from innovation.models import InitiativeState, ReviewAssignment, RoundState
from workflows import engine
from workflows.audit import history_for
from workflows.models import Role

from .helpers import make_cast, open_round, scores_for, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(person):
    return make_cast(person)


def to_screening(cast, round_):
    engine.perform(round_, "close_submissions", user=cast.board)
    return engine.perform(round_, "start_screening", user=cast.board)


def screened(cast, round_, count=1):
    initiatives = [submit(cast, round_, title=f"Sáng kiến số {i}") for i in range(count)]
    round_ = to_screening(cast, round_)
    for initiative in initiatives:
        engine.perform(initiative, "screen", user=cast.board)
    return round_, initiatives


def test_shares_must_sum_to_exactly_one_hundred(cast):
    round_ = open_round(cast)
    authors = [
        {"full_name": "Lê Thị Mai", "unit": cast.unit, "share": "60"},
        {"full_name": "Trần Văn Bình", "unit": cast.unit, "share": "30.5"},
    ]
    with pytest.raises(ValidationError) as error:
        submit(cast, round_, authors=authors)
    [message] = error.value.message_dict["authors"]
    assert "phải bằng đúng 100 %" in message and "90,5 %" in message
    assert not round_.initiatives.exists()
    authors[1]["share"] = "40.00"
    initiative = submit(cast, round_, authors=authors)
    assert sorted(a.share for a in initiative.authors.all()) == [Decimal("40"), Decimal("60")]
    [event] = history_for(initiative)
    assert (event.verb, event.actor, event.role, event.target_state) == (
        "submit",
        cast.officer,
        Role.UNIT_OFFICER,
        InitiativeState.SUBMITTED,
    )


def test_only_the_units_officer_submits_and_only_within_the_window(cast):
    round_ = open_round(cast)
    with pytest.raises(engine.ActionForbidden):
        submit(cast, round_, officer=cast.other_officer)
    engine.perform(round_, "close_submissions", user=cast.board)
    with pytest.raises(engine.TransitionNotAllowed, match="không nhận hồ sơ"):
        submit(cast, round_)


def test_board_returns_with_a_reason_and_the_unit_resubmits(cast):
    round_ = open_round(cast)
    initiative = submit(cast, round_)
    to_screening(cast, round_)
    with pytest.raises(ValidationError):
        engine.perform(initiative, "return_for_supplement", user=cast.board)
    with pytest.raises(engine.ActionForbidden):
        engine.perform(initiative, "return_for_supplement", user=cast.officer, data={"comment": "x"})
    engine.perform(
        initiative, "return_for_supplement", user=cast.board, data={"comment": "Thiếu số liệu hiệu quả."}
    )
    with pytest.raises(engine.ActionForbidden):
        engine.perform(initiative, "resubmit", user=cast.other_officer)
    engine.perform(initiative, "resubmit", user=cast.officer)
    engine.perform(initiative, "screen", user=cast.board)
    initiative.refresh_from_db()
    assert initiative.state == InitiativeState.SCREENED
    verbs = [(e.verb, e.comment) for e in history_for(initiative)]
    assert ("return_for_supplement", "Thiếu số liệu hiệu quả.") in verbs


def test_a_reviewer_with_a_conflict_is_refused_with_the_reason(cast, grant):
    round_, [initiative] = screened(cast, open_round(cast))
    author, colleague, declared = cast.reviewers[:3]
    initiative.authors.filter(full_name="Lê Thị Mai").update(full_name="Phạm Quốc Chuyên gia 0")
    grant(colleague, Role.UNIT_HEAD, unit=cast.unit)
    services.conflict_declare(initiative=initiative, reason="Là người hướng dẫn của tác giả.", actor=declared)
    with pytest.raises(ValidationError, match="là tác giả của sáng kiến"):
        services.reviewer_assign(initiative=initiative, reviewer=author, actor=cast.board)
    with pytest.raises(ValidationError, match="cùng đơn vị «Sở Khoa học và Công nghệ»"):
        services.reviewer_assign(initiative=initiative, reviewer=colleague, actor=cast.board)
    with pytest.raises(ValidationError, match="khai báo xung đột lợi ích.*người hướng dẫn"):
        services.reviewer_assign(initiative=initiative, reviewer=declared, actor=cast.board)
    with pytest.raises(engine.ActionForbidden):
        services.reviewer_assign(initiative=initiative, reviewer=cast.reviewers[3], actor=cast.officer)
    services.reviewer_assign(initiative=initiative, reviewer=cast.reviewers[3], actor=cast.board)
    assert services.reviewers_suggest(initiative) == []  # nobody left without a conflict
    assert [e.verb for e in history_for(initiative)][-1] == "assign_reviewer"


def test_a_linked_author_account_is_a_conflict(cast):
    round_ = open_round(cast)
    reviewer = cast.reviewers[0]
    initiative = submit(
        cast,
        round_,
        authors=[
            {"full_name": "Nguyễn Văn Khác Tên", "unit": cast.other_unit, "share": "100", "user": reviewer}
        ],
    )
    assert "là tác giả" in services.reviewer_conflict(initiative, reviewer)


def test_assignment_spreads_the_load_evenly(cast):
    round_, initiatives = screened(cast, open_round(cast), count=10)
    services.reviewer_assign(initiative=initiatives[0], reviewer=cast.reviewers[0], actor=cast.board)
    created = services.assignments_balance(round_=round_, actor=cast.board)
    assert created == 19
    load = selectors.reviewer_load(round_)
    assert sorted(load.values()) == [5, 5, 5, 5]
    for initiative in initiatives:
        reviewers = list(initiative.assignments.values_list("reviewer", flat=True))
        assert len(reviewers) == len(set(reviewers)) == 2


def test_balanced_assignment_is_refused_whole_when_the_pool_is_too_small(cast):
    round_, initiatives = screened(cast, open_round(cast, reviewers_per_initiative=5), count=2)
    with pytest.raises(ValidationError, match="Không đủ người chấm"):
        services.assignments_balance(round_=round_, actor=cast.board)
    assert not ReviewAssignment.objects.exists()


def reviewing(cast, count=1):
    round_, initiatives = screened(cast, open_round(cast), count=count)
    services.assignments_balance(round_=round_, actor=cast.board)
    round_ = services.round_start_reviewing(round_=round_, user=cast.board)
    return round_, initiatives


def test_reviews_open_only_when_every_initiative_has_its_reviewers(cast):
    round_, initiatives = screened(cast, open_round(cast), count=2)
    with pytest.raises(engine.TransitionNotAllowed, match="chưa đủ 2 người chấm"):
        services.round_start_reviewing(round_=round_, user=cast.board)
    services.assignments_balance(round_=round_, actor=cast.board)
    round_ = services.round_start_reviewing(round_=round_, user=cast.board)
    assert round_.state == RoundState.REVIEWING
    assert {i.state for i in round_.initiatives.all()} == {InitiativeState.UNDER_REVIEW}


def test_a_reviewer_sees_only_their_own_and_the_other_review_after_submitting(cast):
    round_, [first, second] = reviewing(cast, count=2)
    a, b = [assignment.reviewer for assignment in first.assignments.order_by("pk")]
    assigned_to_a = {x.initiative_id for x in selectors.assignments_of(a)}
    assert first.pk in assigned_to_a
    outsider = next(
        r for r in cast.reviewers if r.pk not in {x.reviewer_id for x in second.assignments.all()}
    )
    assert not selectors.can_view_initiative(outsider, second)
    assert selectors.can_view_initiative(a, first)
    review_a = services.review_save(
        assignment=first.assignments.get(reviewer=a), scores=scores_for(round_, 0.8), actor=a, submit=True
    )
    review_b = services.review_save(
        assignment=first.assignments.get(reviewer=b), scores=scores_for(round_, 0.5), actor=b
    )
    assert review_b in selectors.reviews_visible_to(b)
    assert review_a not in selectors.reviews_visible_to(b)  # b has not submitted yet
    assert review_b not in selectors.reviews_visible_to(a)  # b's draft stays private
    services.review_save(
        assignment=first.assignments.get(reviewer=b), scores=scores_for(round_, 0.5), actor=b, submit=True
    )
    assert review_a in selectors.reviews_visible_to(b)
    assert review_b in selectors.reviews_visible_to(a)
    assert review_a in selectors.reviews_visible_to(cast.board)
    with pytest.raises(engine.ActionForbidden):
        services.review_save(
            assignment=second.assignments.first(), scores=scores_for(round_, 1), actor=outsider
        )


def test_scores_need_every_criterion_within_its_maximum_with_a_justification(cast):
    round_, [initiative] = reviewing(cast)
    assignment = initiative.assignments.first()
    criteria = list(round_.criteria.all())
    scores = scores_for(round_, 1)
    scores[criteria[0].pk] = (criteria[0].max_points + 1, "Quá điểm")
    scores[criteria[1].pk] = (5, "  ")
    del scores[criteria[2].pk]
    with pytest.raises(ValidationError) as error:
        services.review_save(assignment=assignment, scores=scores, actor=assignment.reviewer, submit=True)
    errors = error.value.message_dict
    assert "phải từ 0 đến 30" in errors[f"criterion_{criteria[0].pk}"][0]
    assert "Cần nêu lý do" in errors[f"criterion_{criteria[1].pk}"][0]
    assert "Cần cho điểm" in errors[f"criterion_{criteria[2].pk}"][0]


def test_last_review_records_the_average_and_ranking_flags_the_spread(cast):
    round_, [initiative] = reviewing(cast)
    first, second = initiative.assignments.order_by("pk")
    services.review_save(assignment=first, scores=scores_for(round_, 0.9), actor=first.reviewer, submit=True)
    initiative.refresh_from_db()
    assert initiative.state == InitiativeState.UNDER_REVIEW
    services.review_save(
        assignment=second, scores=scores_for(round_, 0.6), actor=second.reviewer, submit=True
    )
    initiative.refresh_from_db()
    assert (initiative.state, initiative.average_score) == (InitiativeState.REVIEWED, Decimal("75.00"))
    [row] = selectors.ranking(round_)
    assert (row.average, row.spread, row.spread_flagged, row.meets_pass_score) == (
        Decimal("75.00"),
        Decimal("30.00"),
        True,
        True,
    )
    with pytest.raises(engine.TransitionNotAllowed, match="đã nộp"):
        services.review_save(assignment=second, scores=scores_for(round_, 1), actor=second.reviewer)


def test_round_starts_from_a_plan_activity_on_the_current_innovation_term(cast):
    from types import SimpleNamespace

    from workflows import processes

    kind = processes.for_kind("innovation_round")
    activity = SimpleNamespace(
        pk=7, title="Xét sáng kiến đợt tháng 2/2023", due_date=timezone.localdate() + timedelta(days=14)
    )
    round_ = kind.start(activity, cast.board)
    assert (round_.council_term, round_.title, round_.state) == (cast.term, activity.title, RoundState.OPEN)
    assert round_.criteria.count() == 4
    assert kind.is_finished(round_) is False
