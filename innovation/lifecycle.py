"""State machines of a review round and of each initiative in it (through workflows.engine only)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow.fsm import State

from workflows.lifecycle import InternalRule, Lifecycle, ReasonForm, allowed, internal_payload
from workflows.models import Role

from .models import PUBLISHED_ROUND_STATES, Initiative, InitiativeState, Round, RoundState

BOARD = (Role.BOARD_OFFICER, Role.BOARD_HEAD)
UNIT = (Role.UNIT_OFFICER, Role.UNIT_HEAD)
WAITING_FOR_SCREENING = (InitiativeState.SUBMITTED, InitiativeState.RESUBMITTED)


def _no_initiative_waiting_for_screening(flow):
    waiting = flow.obj.initiatives.filter(state__in=WAITING_FOR_SCREENING).count()
    return State.CONDITION(waiting == 0, _("Còn %(count)d sáng kiến chưa rà soát xong.") % {"count": waiting})


def _every_screened_initiative_has_reviewers(flow):
    needed = flow.obj.reviewers_per_initiative
    screened = list(flow.obj.initiatives.filter(state=InitiativeState.SCREENED))
    short = [i for i in screened if i.assignments.count() < needed]
    if not screened:
        return State.CONDITION(False, _("Chưa có sáng kiến nào qua rà soát để chấm điểm."))
    return State.CONDITION(
        not short,
        _("Còn %(count)d sáng kiến chưa đủ %(needed)d người chấm.") % {"count": len(short), "needed": needed},
    )


def _every_review_submitted(flow):
    waiting = flow.obj.initiatives.filter(state=InitiativeState.UNDER_REVIEW).count()
    return State.CONDITION(waiting == 0, _("Còn %(count)d sáng kiến chưa chấm xong.") % {"count": waiting})


def _council_has_decided(flow):
    waiting = flow.obj.initiatives.filter(state=InitiativeState.REVIEWED).count()
    return State.CONDITION(
        flow.obj.session_id is not None and waiting == 0,
        _("Hội đồng chưa ban hành kết quả cho %(count)d sáng kiến.") % {"count": waiting},
    )


def _some_initiative_recognised(flow):
    recognised = flow.obj.initiatives.filter(
        state__in=[InitiativeState.RECOGNISED, InitiativeState.CERTIFIED]
    ).exists()
    return State.CONDITION(recognised, _("Đợt này không có sáng kiến nào được công nhận."))


class RoundLifecycle(Lifecycle):
    model = Round
    states = RoundState
    state = State(RoundState, default=RoundState.OPEN)
    council_term_path = "council_term"

    def can_view(self, user) -> bool:
        return bool(getattr(user, "is_authenticated", False))

    @state.transition(
        source=RoundState.OPEN,
        target=RoundState.SUBMISSIONS_CLOSED,
        label=_("Kết thúc nhận hồ sơ"),
        permission=allowed(*BOARD),
    )
    def close_submissions(self, *, cleaned_data, actor, comment):
        """The Board closes the submission window; units can no longer submit."""

    @state.transition(
        source=RoundState.SUBMISSIONS_CLOSED,
        target=RoundState.SCREENING,
        label=_("Bắt đầu rà soát"),
        permission=allowed(*BOARD),
    )
    def start_screening(self, *, cleaned_data, actor, comment):
        """The Board checks each initiative for completeness (NĐ 13/2012 Đ.3 conditions)."""

    @state.transition(
        source=RoundState.SCREENING,
        target=RoundState.REVIEWING,
        label=_("Bắt đầu chấm điểm"),
        permission=allowed(*BOARD),
        conditions=[_no_initiative_waiting_for_screening, _every_screened_initiative_has_reviewers],
    )
    def start_reviewing(self, *, cleaned_data, actor, comment):
        """Every screened initiative has its reviewers; reviews open for each of them, in the same transaction."""
        from workflows import engine

        for initiative in self.obj.initiatives.filter(state=InitiativeState.SCREENED).order_by("pk"):
            engine.perform(initiative, "start_review", user=actor.user, client_ip=actor.client_ip)

    @state.transition(
        source=RoundState.REVIEWING,
        target=RoundState.REVIEWS_COMPLETE,
        label=_("Kết thúc chấm điểm"),
        permission=allowed(*BOARD),
        conditions=[_every_review_submitted],
    )
    def complete_reviews(self, *, cleaned_data, actor, comment):
        """Every assigned reviewer has submitted their score sheet."""

    @state.transition(
        source=RoundState.REVIEWS_COMPLETE,
        target=RoundState.IN_COUNCIL,
        label=_("Trình Hội đồng sáng kiến"),
        permission=InternalRule(_("Ban TĐKT (khi lập phiên họp hội đồng)")),
    )
    def send_to_council(self, *, cleaned_data, actor, comment):
        """Runs only inside round_send_to_council, which creates the session and its agenda."""
        self.obj.session_id = internal_payload(self.obj)

    @state.transition(
        source=RoundState.IN_COUNCIL,
        target=RoundState.RESULTS_PUBLISHED,
        label=_("Công bố kết quả"),
        permission=allowed(*BOARD),
        conditions=[_council_has_decided],
    )
    def publish_results(self, *, cleaned_data, actor, comment):
        """The council's results are issued for every initiative on the agenda; the Board publishes them."""

    @state.transition(
        source=RoundState.RESULTS_PUBLISHED,
        target=RoundState.CERTIFICATES_ISSUED,
        label=_("Cấp giấy chứng nhận sáng kiến"),
        permission=allowed(*BOARD),
        conditions=[_some_initiative_recognised],
    )
    def issue_certificates(self, *, cleaned_data, actor, comment):
        """The Board issues the certificate of every recognised initiative still without one (TT 18/2013 Đ.9),
        each through its own transition, in the same transaction."""
        from workflows import engine

        for initiative in self.obj.initiatives.filter(state=InitiativeState.RECOGNISED).order_by("pk"):
            engine.perform(initiative, "issue_certificate", user=actor.user, client_ip=actor.client_ip)


def _round_in(*states):
    def condition(flow):
        round_ = flow.obj.round
        return State.CONDITION(
            round_.state in states,
            _("Đợt «%(round)s» đang ở trạng thái «%(state)s».")
            % {"round": round_.title, "state": round_.get_state_display()},
        )

    return condition


class InitiativeLifecycle(Lifecycle):
    model = Initiative
    states = InitiativeState
    state = State(InitiativeState, default=InitiativeState.SUBMITTED)
    unit_path = "unit"
    council_term_path = "round__council_term"
    state_kinds = {InitiativeState.NOT_RECOGNISED: "refused"}  # its badge (workflows/progress.py)

    def can_view(self, user) -> bool:
        from .selectors import can_view_initiative

        return can_view_initiative(user, self.obj)

    @state.transition(
        source=list(WAITING_FOR_SCREENING),
        target=InitiativeState.RETURNED,
        label=_("Trả lại để bổ sung"),
        permission=allowed(*BOARD),
        conditions=[_round_in(RoundState.SUBMISSIONS_CLOSED, RoundState.SCREENING)],
        custom={"form": ReasonForm},
    )
    def return_for_supplement(self, *, cleaned_data, actor, comment):
        """The Board returns an incomplete initiative with its reasons (TT 18/2013 Đ.6)."""

    @state.transition(
        source=InitiativeState.RETURNED,
        target=InitiativeState.RESUBMITTED,
        label=_("Nộp lại"),
        permission=allowed(*UNIT),
        conditions=[_round_in(RoundState.SUBMISSIONS_CLOSED, RoundState.SCREENING)],
    )
    def resubmit(self, *, cleaned_data, actor, comment):
        """The unit resubmits the supplemented initiative while screening is still running."""

    @state.transition(
        source=list(WAITING_FOR_SCREENING),
        target=InitiativeState.SCREENED,
        label=_("Đạt yêu cầu rà soát"),
        permission=allowed(*BOARD),
        conditions=[_round_in(RoundState.SCREENING)],
    )
    def screen(self, *, cleaned_data, actor, comment):
        """The Board finds the initiative complete; it goes to the reviewers."""

    @state.transition(
        source=InitiativeState.SCREENED,
        target=InitiativeState.UNDER_REVIEW,
        label=_("Chuyển chấm điểm"),
        permission=allowed(*BOARD),
        conditions=[_round_in(RoundState.SCREENING, RoundState.REVIEWING)],
    )
    def start_review(self, *, cleaned_data, actor, comment):
        """Reviews open for this initiative (run by the round's start_reviewing, or alone by the Board)."""

    @state.transition(
        source=InitiativeState.UNDER_REVIEW,
        target=InitiativeState.REVIEWED,
        label=_("Hoàn tất chấm điểm"),
        permission=InternalRule(_("Người chấm (khi phiếu chấm cuối cùng được nộp)")),
    )
    def finish_review(self, *, cleaned_data, actor, comment):
        """The last assigned reviewer submitted: the average of the submitted totals is recorded."""
        self.obj.average_score = internal_payload(self.obj)

    @state.transition(
        source=InitiativeState.REVIEWED,
        target=InitiativeState.NOT_RECOGNISED,
        label=_("Không đạt điểm sàn"),
        permission=InternalRule(_("Ban TĐKT (khi lập phiên họp: điểm dưới mức trình hội đồng)")),
    )
    def below_pass_score(self, *, cleaned_data, actor, comment):
        """The average score is below the round's pass score: it does not go to the council."""

    @state.transition(
        source=InitiativeState.REVIEWED,
        target=InitiativeState.RECOGNISED,
        label=_("Hội đồng công nhận"),
        permission=InternalRule(_("Hội đồng sáng kiến (từ kết quả bỏ phiếu)")),
    )
    def council_recognise(self, *, cleaned_data, actor, comment):
        """≥ 2/3 of the council agreed by secret ballot (TT 18/2013 Đ.8): recognised at the requested scope, never
        above the council's own level (dossiers.initiative_scope; the submission refused a wider one already)."""
        from dossiers.initiative_scope import scope_exceeds_council

        council = self.obj.round.council_term.council
        requested = self.obj.requested_scope
        self.obj.recognised_scope = council.level if scope_exceeds_council(requested, council) else requested

    @state.transition(
        source=InitiativeState.REVIEWED,
        target=InitiativeState.NOT_RECOGNISED,
        label=_("Hội đồng không công nhận"),
        permission=InternalRule(_("Hội đồng sáng kiến (từ kết quả bỏ phiếu)")),
    )
    def council_reject(self, *, cleaned_data, actor, comment):
        """The council's tally did not reach 2/3."""

    @state.transition(
        source=InitiativeState.RECOGNISED,
        target=InitiativeState.CERTIFIED,
        label=_("Cấp giấy chứng nhận"),
        permission=allowed(*BOARD),
        conditions=[_round_in(*PUBLISHED_ROUND_STATES)],
    )
    def issue_certificate(self, *, cleaned_data, actor, comment):
        """Once the results are published the Board issues the certificate to the authors (TT 18/2013 Đ.9 k.2)."""
