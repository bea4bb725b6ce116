"""The state machines of a dossier and of each nominee line in it (one dossier can be partly approved).

Dossier: draft → submitted ⇄ returned → accepted → appraised → on_agenda → voted → posted → decided
→ [forwarded] → closed (voted → decided when no passed nominee's award keeps the posting after the vote);
withdrawn by the unit before acceptance.
Line: pending → proposed | not_proposed → on_agenda → passed | failed → approved | rejected
→ [forwarded → central_approved | central_rejected]; a serious complaint sends passed back to pending.
"""

from __future__ import annotations

from contextvars import ContextVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow.fsm import State

from workflows.calendar import add_working_days
from workflows.conditions import evaluated_once
from workflows.forms import DateField, IdListField
from workflows.lifecycle import (
    InternalRule,
    Lifecycle,
    ReasonForm,
    TransitionForm,
    allowed,
    internal_payload,
    internal_step,
    internal_steps,
)
from workflows.models import Role
from workflows.roles import Scope

from . import policies
from .models import AwardRoute, Dossier, DossierNominee, DossierState, NomineeState
from .rule_versions import dossier_version

#: Fallback working days each step may take before it is overdue (DOMAIN.md §5: 20–25 working days for appraisal).
STEP_WORKING_DAYS = {
    DossierState.SUBMITTED: 5,
    DossierState.ACCEPTED: 20,
    DossierState.APPRAISED: 10,
    DossierState.VOTED: 5,
    DossierState.DECIDED: 10,
}
#: Working days the chair has to decide once the public comment period is over.
DECISION_WORKING_DAYS = 5
#: The fallbacks above by the keys of RuleVersion.sla_working_days.
FALLBACK_WORKING_DAYS = {str(step): days for step, days in STEP_WORKING_DAYS.items()}
FALLBACK_WORKING_DAYS["decision_after_notice"] = DECISION_WORKING_DAYS


def step_working_days(dossier: Dossier, step: str) -> int | None:
    """Working days the step may take: the SLA of the rule version the dossier's lines are judged by
    (RuleVersion.sla_working_days); the constants above only where no version applies or it sets none."""
    version = dossier_version(dossier)
    days = version.sla_days(str(step)) if version is not None else None
    return days if days is not None else FALLBACK_WORKING_DAYS.get(str(step))


def _deadline(days: int | None):
    return add_working_days(timezone.localdate(), days) if days else None


def _lines(dossier: Dossier, *states):
    lines = DossierNominee.objects.filter(dossier_id=dossier.pk)
    return lines.filter(state__in=states) if states else lines


# -- forms ------------------------------------------------------------------------------------------------
class ReturnForm(ReasonForm):
    items = forms.CharField(
        label=_("Nội dung cần bổ sung (mỗi dòng một mục)"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ghi rõ từng thành phần hồ sơ hoặc từng đối tượng cần bổ sung, mỗi mục một dòng."),
    )
    working_days = forms.IntegerField(
        label=_("Thời hạn bổ sung (ngày làm việc)"), min_value=1, max_value=30, initial=10
    )


class ScheduleForm(TransitionForm):
    session = forms.ModelChoiceField(
        label=_("Phiên họp hội đồng"),
        queryset=None,
        help_text=_("Phiên họp của hội đồng thi đua – khen thưởng chưa chốt chương trình họp."),
        error_messages={
            "required": _("Chọn phiên họp hội đồng sẽ xét các đối tượng này."),
            "invalid_choice": _(
                "Phiên họp này không nhận thêm mục (đã chốt chương trình hoặc không phải hội đồng thi đua – khen thưởng)."
            ),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from councils.models import Session
        from councils.services import AGENDA_OPEN_STATES
        from organisations.models import CouncilKind

        self.fields["session"].queryset = (
            Session.objects.select_related("council_term__council")
            .filter(
                state__in=AGENDA_OPEN_STATES,
                council_term__council__kind__in=[CouncilKind.EMULATION, CouncilKind.AD_HOC],
            )
            .order_by("planned_on", "pk")
        )


class PostForm(TransitionForm):
    working_days = forms.IntegerField(
        label=_("Thời hạn công khai (ngày làm việc)"),
        min_value=1,
        max_value=30,
        initial=10,
        error_messages={
            "min_value": _("Thời hạn công khai phải có ít nhất 1 ngày làm việc."),
            "max_value": _("Thời hạn công khai không quá 30 ngày làm việc."),
        },
    )


class OpinionForm(TransitionForm):
    comment_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = _("Ý kiến thẩm định")


class DecideForm(TransitionForm):
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=60)
    decision_date = DateField(label=_("Ngày quyết định"))
    #: line ids: an array in the API (`[12, 15]`), comma-separated text on the web form (workflows.forms)
    approved = IdListField(label=_("Đối tượng được khen (mã)"), required=False)
    rejected = IdListField(label=_("Đối tượng không khen (mã)"), required=False)


class ForwardForm(TransitionForm):
    submission_number = forms.CharField(label=_("Số tờ trình"), max_length=60)
    submission_date = DateField(label=_("Ngày trình"))


class CentralDecisionForm(TransitionForm):
    decision_number = forms.CharField(label=_("Số quyết định của cấp Trung ương"), max_length=60)
    decision_date = DateField(label=_("Ngày quyết định"))


# -- conditions -------------------------------------------------------------------------------------------
@evaluated_once
def _all_lines_appraised(flow):
    pending = _lines(flow.obj, NomineeState.PENDING).exists()
    return State.CONDITION(not pending, gettext("Còn đối tượng chưa có ý kiến thẩm định của Ban."))


@evaluated_once
def _some_line_proposed(flow):
    return State.CONDITION(
        _lines(flow.obj, NomineeState.PROPOSED).exists(),
        gettext("Không có đối tượng nào được Ban đề nghị trình hội đồng."),
    )


@evaluated_once
def _all_results_in(flow):
    waiting = _lines(flow.obj, NomineeState.ON_AGENDA).exists()
    return State.CONDITION(not waiting, gettext("Hội đồng chưa có kết quả cho mọi đối tượng."))


@evaluated_once
def _some_line_passed(flow):
    return State.CONDITION(
        _lines(flow.obj, NomineeState.PASSED).exists(),
        gettext("Không có đối tượng nào được hội đồng thông qua."),
    )


@evaluated_once
def _ready_for_decision(flow):
    dossier = flow.obj
    if _lines(dossier, NomineeState.PENDING, NomineeState.PROPOSED, NomineeState.ON_AGENDA).exists():
        return State.CONDITION(False, gettext("Còn đối tượng đang được thẩm định lại hoặc chờ hội đồng xét."))
    if dossier.posted_until and timezone.localdate() <= dossier.posted_until:  # comments may still come in
        return State.CONDITION(
            False,
            gettext("Chưa hết thời hạn công khai (đến hết ngày %(day)s).")
            % {"day": dossier.posted_until.strftime("%d/%m/%Y")},
        )
    return State.CONDITION(True)


def posting_refusal(dossier: Dossier) -> str | None:
    """Why the chair may not decide straight after the vote: a nominee the council passed has an award whose
    rules keep the posting after the vote (AwardType.post_after_vote, the Board's rules page), or none passed."""
    if dossier.state != DossierState.VOTED:
        return None
    passed = list(_lines(dossier, NomineeState.PASSED).select_related("award"))
    if not passed:
        return gettext("Không có đối tượng nào được hội đồng thông qua.")
    names = sorted({line.award.name for line in passed if line.award.post_after_vote})
    if not names:
        return None
    return gettext(
        "Theo quy định của Ban, đối tượng đề nghị %(awards)s phải được công khai sau khi hội đồng xét, "
        "trước khi Chủ tịch quyết định."
    ) % {"awards": ", ".join(f"«{name}»" for name in names)}


@evaluated_once
def _posting_done(flow):
    refusal = posting_refusal(flow.obj)
    return State.CONDITION(refusal is None, refusal or "")


def decision_date_refusal(dossier: Dossier, day) -> str | None:
    """Why a decision cannot be dated `day`: within the public posting period (comments may still come)."""
    if dossier.posted_until and day <= dossier.posted_until:
        return gettext("Ngày quyết định phải sau ngày hết thời hạn công khai (%(day)s).") % {
            "day": dossier.posted_until.strftime("%d/%m/%Y")
        }
    return None


@evaluated_once
def _has_central_lines(flow):
    central = _lines(flow.obj, NomineeState.APPROVED).filter(award__route=AwardRoute.PROPOSE_CENTRAL).exists()
    return State.CONDITION(central, gettext("Không có đối tượng nào cần trình cấp Trung ương."))


@evaluated_once
def _consultation_settled(flow):
    """Hiệp y (dossiers.consultation): every request answered or past its deadline, no objection to an approved
    state-level nominee left without the Board head's override."""
    from .consultation import forwarding_refusals

    found = forwarding_refusals(flow.obj)
    return State.CONDITION(not found, " ".join(found))


@evaluated_once
def _nothing_left(flow):
    dossier = flow.obj
    open_lines = _lines(
        dossier,
        NomineeState.PENDING,
        NomineeState.PROPOSED,
        NomineeState.ON_AGENDA,
        NomineeState.PASSED,
        NomineeState.FORWARDED,
    )
    central = _lines(dossier, NomineeState.APPROVED).filter(award__route=AwardRoute.PROPOSE_CENTRAL)
    done = not open_lines.exists() and not central.exists()
    return State.CONDITION(done, gettext("Còn đối tượng chưa có kết quả cuối cùng."))


@evaluated_once
def _one_award_per_achievement(flow):
    """Re-checked at (re)submission: no line proposes an award already proposed or received for the same
    achievement (another dossier's line, or an award record); see dossiers.integrity."""
    from .services import duplicate_awards_many

    lines = _lines(flow.obj).select_related("nominee", "award", "dossier")
    found = duplicate_awards_many(list(lines))
    return State.CONDITION(not found, " ".join(found))


@evaluated_once
def _city_route_and_quotas(flow):
    """Re-checked at (re)submission: no line proposes an award the unit decides itself (it goes to the unit's own
    round, never to the Board: Luật TĐKT 2022 Đ.80), and the city-wide quotas hold (Cờ thi đua của Chính phủ ≤ 20 %
    of the cluster and block leaders), with the computation shown (dossiers.unit_round)."""
    from .unit_round import dossier_quota_refusals, unit_award_refusals

    found = unit_award_refusals(flow.obj) + dossier_quota_refusals(flow.obj)
    return State.CONDITION(not found, " ".join(found))


def _no_hold_on(*states):
    """No nominee of the dossier's lines in `states` (all lines when none) has a hold in force today."""

    @evaluated_once
    def condition(flow):
        from .integrity import hold_refusals

        found = hold_refusals(_lines(flow.obj, *states).select_related("nominee"))
        return State.CONDITION(not found, " ".join(found))

    return condition


@evaluated_once
def _line_not_held(flow):
    """The line's nominee has no hold in force today (agenda, decision)."""
    from .integrity import hold_refusals

    batch = _BATCH.get()
    if batch is not None and flow.obj.pk in batch.held_by_line:
        # the dossier's step read its lines' holds once for the whole batch (see _DossierBatch)
        found = hold_refusals([flow.obj], held=batch.held_by_line[flow.obj.pk])
    else:
        found = hold_refusals(DossierNominee.objects.filter(pk=flow.obj.pk).select_related("nominee"))
    return State.CONDITION(not found, " ".join(found))


class _DossierBatch:
    """What a dossier's step knows while its lines take their transition in one batch (schedule: place_on_agenda;
    decide: approve / reject): the dossier, locked by the engine for the whole transaction and not yet written
    (its state is the row's, `state`, its year and occasion never change), the holds in force of the lines'
    nominees, read once for the batch ({line pk: {nominee id: holds}}), and the lines as read by the step
    with their award and nominee ({line pk: line})."""

    def __init__(self, dossier: Dossier, state: str | None, lines: list[DossierNominee]):
        from .integrity import holds_in_force

        self.dossier = dossier
        self.dossier_id = dossier.pk
        self.unit_id = dossier.unit_id
        self.state = state  # the row's (the flow's own state already reads the target during the transition)
        held = holds_in_force({line.nominee_id for line in lines})
        self.held_by_line = {
            line.pk: {line.nominee_id: held[line.nominee_id]} if line.nominee_id in held else {}
            for line in lines
        }
        self.lines = {line.pk: line for line in lines}

    def loaded(self, line: DossierNominee) -> None:
        """Give `line` (the engine's locked copy) its award, nominee and dossier as the step read them."""
        known = self.lines.get(line.pk)
        if known is None or line.dossier_id != self.dossier_id:
            return
        if line.award_id == known.award_id:
            line.award = known.award
        if line.nominee_id == known.nominee_id:
            line.nominee = known.nominee
        line.dossier = self.dossier


def _first_refusal(refused):
    """The refusal the one-by-one path raises: the first refused line's (in primary-key order, as it went)."""
    from workflows import engine

    first = refused.errors[0]
    if first["status"] == 403:
        return engine.ActionForbidden(first["detail"])
    return engine.TransitionNotAllowed(first["detail"])


_BATCH: ContextVar[_DossierBatch | None] = ContextVar("dossiers_line_batch", default=None)


def _dossier_in(*states):
    @evaluated_once
    def condition(flow):
        batch = _BATCH.get()
        if batch is not None and batch.dossier_id == flow.obj.dossier_id and batch.state:
            dossier = Dossier(pk=batch.dossier_id, state=batch.state)  # the locked row, unwritten
        else:
            dossier = Dossier.objects.only("state").get(pk=flow.obj.dossier_id)
        return State.CONDITION(
            dossier.state in states,
            gettext("Hồ sơ đang ở bước «%(state)s».") % {"state": DossierState(dossier.state).label},
        )

    return condition


def _lines_in_q(*states):
    """Dossiers with a line in one of `states` (for the inbox: the conditions above, as a filter)."""
    return Exists(DossierNominee.objects.filter(dossier=OuterRef("pk"), state__in=states))


def _decidable_q():
    today = timezone.localdate()
    needs_posting = Exists(
        DossierNominee.objects.filter(
            dossier=OuterRef("pk"), state=NomineeState.PASSED, award__post_after_vote=True
        )
    )
    return (
        ~_lines_in_q(NomineeState.PENDING, NomineeState.PROPOSED, NomineeState.ON_AGENDA)
        & (Q(posted_until__isnull=True) | Q(posted_until__lt=today))
        & (~Q(state=DossierState.VOTED) | (_lines_in_q(NomineeState.PASSED) & ~needs_posting))
    )


def waiting_officers(flow: Lifecycle) -> list:
    """The Board officers a Board officer's step out of the current state waits on (policies.OFFICER_STEPS:
    not role rules, so the engine's role look-up does not name them): the dossier's assigned officer, or
    every Board officer while it has none."""
    steps = []
    for name in flow.transition_methods():
        transition = flow.current_transition(name)
        if transition is not None and any(transition.permission is step for step in policies.OFFICER_STEPS):
            steps.append(transition.permission)
    if not steps:
        return []
    dossier = flow.obj.dossier if isinstance(flow.obj, DossierNominee) else flow.obj
    return [
        user for user in policies.officers_to_notify(dossier) if any(step(user, flow.obj) for step in steps)
    ]


def _with_waiting_officers(flow: Lifecycle, users) -> list:
    users = list(users)
    known = {user.pk for user in users}
    return users + [user for user in waiting_officers(flow) if user.pk not in known]


class DossierLifecycle(Lifecycle):
    model = Dossier
    states = DossierState
    state = State(DossierState, default=DossierState.DRAFT)
    unit_path = "unit"
    unit_reads_history = True  # the unit reads its own dossier's history (workflows.permissions)
    inbox_select_related = ("unit",)
    inbox_deadline_field = "deadline"  # the inbox orders by it (no deadline last) and counts working days
    inbox_optional = ("withdraw",)
    inbox_conditions = {
        "sign_off": lambda: ~_lines_in_q(NomineeState.PENDING),
        "schedule": lambda: _lines_in_q(NomineeState.PROPOSED),
        "post": lambda: _lines_in_q(NomineeState.PASSED),
        "decide": _decidable_q,
    }

    def history_parts(self):
        """The dossier's history shows its lines' events too (appraisal, council result, decision per nominee)."""
        return self.obj.lines.select_related("nominee", "award")

    def recipients(self, event) -> list:
        """Whoever acts next; a return for supplement also reaches the unit's officers, who supplement it."""
        users = _with_waiting_officers(self, super().recipients(event))
        if event.verb == "return_for_supplement":
            from django.contrib.auth import get_user_model

            from workflows.models import Membership
            from workflows.roles import active_q

            known = {user.pk for user in users}
            officers = Membership.objects.filter(active_q(timezone.localdate())).filter(
                role=Role.UNIT_OFFICER, unit_id=self.obj.unit_id
            )
            users += [
                user
                for user in get_user_model()
                .objects.filter(pk__in=officers.values("user_id"), is_active=True)
                .order_by("pk")
                if user.pk not in known
            ]
        return users

    def notification_details(self, event) -> str:
        """A return tells the unit why, what to supplement, and by when (not only "returned")."""
        if event.verb != "return_for_supplement":
            return ""
        from .selectors import dossier_returns

        found = next((r for r in dossier_returns(self.obj) if r.event_id == event.pk), None)
        reason = found.reason if found else event.comment
        parts = [gettext("Lý do: %(reason)s") % {"reason": reason}] if reason else []
        if found and found.items:
            parts.append(
                gettext("Cần bổ sung: %(items)s")
                % {"items": "; ".join(f"{n}) {text}" for n, text in enumerate(found.items, start=1))}
            )
        if found and found.deadline:
            parts.append(gettext("Hạn bổ sung: %(day)s") % {"day": found.deadline.strftime("%d/%m/%Y")})
        return ". ".join(parts)

    def _submitted(self):
        from .services import submission_check, submission_snapshot

        lines, documents = submission_check(self.obj)
        self.obj.submission_count += 1
        self.obj.submitted_at = timezone.now()
        self.obj.deadline = _deadline(step_working_days(self.obj, DossierState.SUBMITTED))
        # the snapshot keeps the lines and documents just checked (read once)
        submission_snapshot(self.obj, lines=lines, documents=documents)

    @state.transition(
        source=DossierState.DRAFT,
        target=DossierState.SUBMITTED,
        label=_("Trình hồ sơ"),
        permission=allowed(Role.UNIT_HEAD),
        conditions=[_one_award_per_achievement, _no_hold_on(), _city_route_and_quotas],
    )
    def submit(self, *, cleaned_data, actor, comment):
        """The unit head signs the tờ trình; eligibility and required documents are checked (Luật TĐKT Đ.84)."""
        self._submitted()

    @state.transition(
        source=DossierState.SUBMITTED,
        target=DossierState.RETURNED,
        label=_("Trả lại để bổ sung"),
        permission=policies.may_return_dossier,
        custom={"form": ReturnForm},
    )
    def return_for_supplement(self, *, cleaned_data, actor, comment):
        """The Board returns an incomplete dossier, listing each item to supplement and a working-day deadline."""
        from .models import ReturnItem

        deadline = _deadline(cleaned_data["working_days"])
        items = [line.strip() for line in cleaned_data["items"].splitlines() if line.strip()]
        round_number = self.obj.submission_count
        for text in items:
            ReturnItem.objects.create(
                dossier=self.obj, round=round_number, text=text[:1000], deadline=deadline
            )
        self.obj.deadline = deadline

    @state.transition(
        source=DossierState.RETURNED,
        target=DossierState.SUBMITTED,
        label=_("Trình lại"),
        permission=allowed(Role.UNIT_HEAD),
        conditions=[_one_award_per_achievement, _no_hold_on(), _city_route_and_quotas],
    )
    def resubmit(self, *, cleaned_data, actor, comment):
        """The unit head sends the supplemented dossier back; the same checks as the first submission run."""
        self._submitted()

    @state.transition(
        source=[DossierState.DRAFT, DossierState.SUBMITTED, DossierState.RETURNED],
        target=DossierState.WITHDRAWN,
        label=_("Rút hồ sơ"),
        permission=allowed(Role.UNIT_HEAD),
        custom={"form": ReasonForm},
    )
    def withdraw(self, *, cleaned_data, actor, comment):
        """The unit withdraws its proposal before the Board accepts it."""
        self.obj.deadline = None

    @state.transition(
        source=DossierState.SUBMITTED,
        target=DossierState.ACCEPTED,
        label=_("Tiếp nhận"),
        permission=policies.may_accept_dossier,
    )
    def accept(self, *, cleaned_data, actor, comment):
        """The Board accepts a complete dossier; the appraisal clock starts."""
        self.obj.deadline = _deadline(step_working_days(self.obj, DossierState.ACCEPTED))

    @state.transition(
        source=DossierState.ACCEPTED,
        target=DossierState.APPRAISED,
        label=_("Ký duyệt thẩm định"),
        permission=allowed(Role.BOARD_HEAD),
        conditions=[_all_lines_appraised],
    )
    def sign_off(self, *, cleaned_data, actor, comment):
        """The Board head signs off the appraisal once every nominee has the Board's opinion."""
        self.obj.deadline = _deadline(step_working_days(self.obj, DossierState.APPRAISED))

    @state.transition(
        source=DossierState.APPRAISED,
        target=DossierState.ON_AGENDA,
        label=_("Đưa ra hội đồng"),
        permission=policies.may_schedule_dossier,
        conditions=[_some_line_proposed, _no_hold_on(NomineeState.PROPOSED)],
        custom={"form": ScheduleForm},
    )
    def schedule(self, *, cleaned_data, actor, comment):
        """The Board places every proposed nominee on a council session's agenda: every item in one
        councils.agenda_subjects_add, then every line's place_on_agenda in one batch (each line's own permission
        and conditions), each line taking the item made for it."""
        from workflows import engine

        from .services import council_items_add, scheduled_items

        session = cleaned_data["session"]
        lines = list(_lines(self.obj, NomineeState.PROPOSED))
        items = council_items_add(lines=lines, session=session, actor=actor)
        token = _BATCH.set(_DossierBatch(self.obj, DossierState.APPRAISED, lines))  # schedule's source state
        try:
            with scheduled_items(items):
                engine.perform_many(
                    lines,
                    "place_on_agenda",
                    user=actor.user,
                    client_ip=actor.client_ip,
                    data={"session": session.pk},
                )
        except engine.BatchRefused as refused:
            raise _first_refusal(refused) from refused
        finally:
            _BATCH.reset(token)
        self.obj.deadline = None

    @state.transition(
        source=DossierState.ON_AGENDA,
        target=DossierState.VOTED,
        label=_("Ghi nhận kết quả hội đồng"),
        permission=InternalRule(_("Hội đồng (từ kết quả kiểm phiếu)")),
        conditions=[_all_results_in],
    )
    def record_council_results(self, *, cleaned_data, actor, comment):
        """Runs when the council's results for the last nominee of the dossier are issued."""
        self.obj.deadline = _deadline(step_working_days(self.obj, DossierState.VOTED))

    @state.transition(
        source=DossierState.VOTED,
        target=DossierState.POSTED,
        label=_("Công khai"),
        permission=policies.may_post_dossier,
        conditions=[_some_line_passed],
        custom={"form": PostForm},
    )
    def post(self, *, cleaned_data, actor, comment):
        """The nominees the council passed are posted for public comment (Luật TĐKT Đ.84 k.5: ≥10 working days
        for Huân chương and national titles)."""
        required = [
            line.award.public_notice_days
            for line in _lines(self.obj, NomineeState.PASSED).select_related("award")
            if line.award.public_notice_required
        ]
        days = cleaned_data["working_days"]
        if required and days < max(required):
            raise ValidationError(
                {
                    "working_days": gettext(
                        "Đối tượng đề nghị phải được công khai ít nhất %(days)s ngày làm việc."
                    )
                    % {"days": max(required)}
                }
            )
        self.obj.posted_until = add_working_days(timezone.localdate(), days)
        self.obj.deadline = add_working_days(
            self.obj.posted_until, step_working_days(self.obj, "decision_after_notice")
        )

    @state.transition(
        source=[DossierState.POSTED, DossierState.VOTED],
        target=DossierState.DECIDED,
        label=_("Quyết định khen thưởng"),
        permission=allowed(Role.CITY_CHAIRMAN, scope="city"),
        conditions=[_posting_done, _ready_for_decision, _no_hold_on(NomineeState.PASSED)],
        custom={"form": DecideForm},
    )
    def decide(self, *, cleaned_data, actor, comment):
        """The city chairman approves or rejects each nominee the council passed, in one decision: after the
        posting, or straight after the vote when no passed nominee's award keeps the posting (post_after_vote)."""
        from workflows import engine

        lines = list(
            _lines(self.obj, NomineeState.PASSED).select_related("award", "nominee__unit").order_by("pk")
        )
        passed = {line.pk: line for line in lines}
        approved, rejected = set(cleaned_data["approved"]), set(cleaned_data["rejected"])
        if approved & rejected or (approved | rejected) != set(passed):
            raise ValidationError(
                {
                    "approved": gettext(
                        "Mỗi đối tượng được hội đồng thông qua phải được chọn khen hoặc không khen, đúng một lần."
                    )
                }
            )
        if (refusal := decision_date_refusal(self.obj, cleaned_data["decision_date"])) is not None:
            raise ValidationError({"decision_date": refusal})
        self.obj.decision_number = cleaned_data["decision_number"]
        self.obj.decision_date = cleaned_data["decision_date"]
        behalf = getattr(actor.on_behalf_of, "pk", None)
        # the approved lines in one batch, then the rejected ones (each line's own checks), the lines' award,
        # nominee and holds read once for all (_DossierBatch)
        token = _BATCH.set(_DossierBatch(self.obj, None, lines))  # its lines' steps do not read its state
        try:
            for verb, chosen in (("approve", approved), ("reject", rejected)):
                group = [line for line in lines if line.pk in chosen]
                if not group:
                    continue
                with internal_steps(group, role=actor.role, on_behalf_of_id=behalf, payload=self.obj):
                    engine.perform_many(group, verb, user=actor.user, client_ip=actor.client_ip)
        except engine.BatchRefused as refused:
            raise _first_refusal(refused) from refused
        finally:
            _BATCH.reset(token)
        self.obj.deadline = _deadline(step_working_days(self.obj, DossierState.DECIDED))

    @state.transition(
        source=DossierState.DECIDED,
        target=DossierState.FORWARDED,
        label=_("Trình Trung ương"),
        permission=policies.may_forward_dossier,
        conditions=[_has_central_lines, _consultation_settled],
        custom={"form": ForwardForm},
    )
    def forward(self, *, cleaned_data, actor, comment):
        """State-level awards go to the central level (Ban TĐKT Trung ương) with the city's tờ trình."""
        from workflows import engine

        self.obj.central_submission_number = cleaned_data["submission_number"]
        self.obj.central_submission_date = cleaned_data["submission_date"]
        from .forwarding import package_build

        forwarded = list(
            _lines(self.obj, NomineeState.APPROVED).filter(award__route=AwardRoute.PROPOSE_CENTRAL)
        )
        for line in forwarded:
            with internal_step(
                line, role=actor.role, on_behalf_of_id=getattr(actor.on_behalf_of, "pk", None)
            ):
                engine.perform(line, "forward", user=actor.user, client_ip=actor.client_ip)
        self.obj.deadline = None
        package_build(dossier=self.obj, lines=forwarded, user=actor.user)  # the ZIP (dossiers.forwarding)

    @state.transition(
        source=[DossierState.VOTED, DossierState.DECIDED, DossierState.FORWARDED],
        target=DossierState.CLOSED,
        label=_("Kết thúc hồ sơ"),
        permission=policies.may_close_dossier,
        conditions=[_nothing_left],
    )
    def close(self, *, cleaned_data, actor, comment):
        """The dossier is closed once every nominee has a final outcome."""
        self.obj.deadline = None


class DossierNomineeLifecycle(Lifecycle):
    model = DossierNominee
    states = NomineeState
    state = State(NomineeState, default=NomineeState.PENDING)
    unit_path = "dossier__unit"
    unit_reads_history = True  # as its dossier's
    council_term_path = "council_term"
    inbox_hidden = True  # appraised and decided from the dossier's pages
    state_kinds = {
        NomineeState.NOT_PROPOSED: "refused",
        NomineeState.FAILED: "refused",
    }  # badges (progress.py)

    def recipients(self, event) -> list:
        """Whoever acts next, the Board officer's steps included (see waiting_officers)."""
        return _with_waiting_officers(self, super().recipients(event))

    def scope(self) -> Scope:
        """As the paths say; while its dossier's step runs its lines in one batch (_DossierBatch), the dossier's
        unit is the locked dossier's, not read again for each line."""
        batch = _BATCH.get()
        if batch is not None and batch.dossier_id == self.obj.dossier_id:
            return Scope(unit_id=batch.unit_id, council_term_id=self.obj.council_term_id)
        return super().scope()

    @state.transition(
        source=NomineeState.PENDING,
        target=NomineeState.PROPOSED,
        label=_("Đề nghị trình hội đồng"),
        permission=policies.may_propose_nominee,
        custom={"form": OpinionForm},
        conditions=[_dossier_in(DossierState.ACCEPTED, DossierState.POSTED)],
    )
    def propose(self, *, cleaned_data, actor, comment):
        """The Board's appraisal opinion: propose the nominee to the council."""
        self.obj.board_opinion = comment

    @state.transition(
        source=NomineeState.PENDING,
        target=NomineeState.NOT_PROPOSED,
        label=_("Không đề nghị"),
        permission=policies.may_not_propose_nominee,
        custom={"form": OpinionForm},
        conditions=[_dossier_in(DossierState.ACCEPTED, DossierState.POSTED)],
    )
    def not_propose(self, *, cleaned_data, actor, comment):
        """The Board's appraisal opinion: do not propose, with reasons (notified to the unit)."""
        self.obj.board_opinion = comment

    @state.transition(
        source=NomineeState.PROPOSED,
        target=NomineeState.ON_AGENDA,
        label=_("Đưa vào chương trình họp"),
        permission=policies.may_place_nominee_on_agenda,
        custom={"form": ScheduleForm},
        conditions=[_dossier_in(DossierState.APPRAISED, DossierState.POSTED), _line_not_held],
    )
    def place_on_agenda(self, *, cleaned_data, actor, comment):
        """The nominee becomes an item of the named council session's agenda (councils.agenda_subject_add)."""
        from .services import council_item_add

        council_item_add(line=self.obj, session=cleaned_data["session"], actor=actor)

    @state.transition(
        source=NomineeState.ON_AGENDA,
        target=NomineeState.PASSED,
        label=_("Hội đồng thông qua"),
        permission=InternalRule(_("Hội đồng (từ kết quả kiểm phiếu)")),
    )
    def council_pass(self, *, cleaned_data, actor, comment):
        """The council's tally reached the award's threshold."""
        self._record_tally()

    @state.transition(
        source=NomineeState.ON_AGENDA,
        target=NomineeState.FAILED,
        label=_("Hội đồng không thông qua"),
        permission=InternalRule(_("Hội đồng (từ kết quả kiểm phiếu)")),
    )
    def council_fail(self, *, cleaned_data, actor, comment):
        """The council's tally did not reach the award's threshold."""
        self._record_tally()

    def _record_tally(self):
        result = internal_payload(self.obj)
        self.obj.council_agree = result.agree
        self.obj.council_disagree = result.disagree
        self.obj.council_abstain = result.abstain
        self.obj.council_base = result.base_count
        self.obj.council_explanation = result.explanation[:255]

    @state.transition(
        source=NomineeState.PASSED,
        target=NomineeState.PENDING,
        label=_("Thẩm định lại do khiếu nại"),
        permission=allowed(Role.BOARD_HEAD),
        custom={"form": ReasonForm},
        conditions=[_dossier_in(DossierState.POSTED)],
    )
    def reappraise(self, *, cleaned_data, actor, comment):
        """A serious complaint during the public posting sends the nominee back to the Board's appraisal."""
        self.obj.board_opinion = ""
        for field in ("council_agree", "council_disagree", "council_abstain", "council_base"):
            setattr(self.obj, field, None)
        self.obj.council_explanation = ""

    @state.transition(
        source=NomineeState.PASSED,
        target=NomineeState.APPROVED,
        label=_("Đồng ý khen thưởng"),
        permission=InternalRule(_("Chủ tịch UBND thành phố (trong quyết định của hồ sơ)")),
        conditions=[_line_not_held],
    )
    def approve(self, *, cleaned_data, actor, comment):
        """Part of the chair's decision: the nominee is awarded (or proposed to the central level)."""
        from .services import award_record_create

        if (batch := _BATCH.get()) is not None:
            batch.loaded(self.obj)  # the dossier's decision read the lines with their award and nominee
        if self.obj.award.route != AwardRoute.PROPOSE_CENTRAL:
            dossier = internal_payload(self.obj)
            award_record_create(
                line=self.obj,
                decision_number=dossier.decision_number,
                decision_date=dossier.decision_date,
                authority=self.obj.award.deciding_authority,
            )

    @state.transition(
        source=NomineeState.PASSED,
        target=NomineeState.REJECTED,
        label=_("Không khen thưởng"),
        permission=InternalRule(_("Chủ tịch UBND thành phố (trong quyết định của hồ sơ)")),
    )
    def reject(self, *, cleaned_data, actor, comment):
        """Part of the chair's decision: the nominee is not awarded."""

    @state.transition(
        source=NomineeState.APPROVED,
        target=NomineeState.FORWARDED,
        label=_("Trình Trung ương"),
        permission=InternalRule(_("Ban TĐKT (khi trình hồ sơ lên Trung ương)")),
    )
    def forward(self, *, cleaned_data, actor, comment):
        """Part of the dossier's forwarding to the central level."""

    @state.transition(
        source=NomineeState.FORWARDED,
        target=NomineeState.CENTRAL_APPROVED,
        label=_("Trung ương quyết định khen"),
        permission=policies.may_record_central_approval,
        custom={"form": CentralDecisionForm},
        conditions=[_dossier_in(DossierState.FORWARDED)],
    )
    def central_approve(self, *, cleaned_data, actor, comment):
        """The central level's decision is recorded; the award enters the register."""
        from .services import award_record_create

        self.obj.central_decision_number = cleaned_data["decision_number"]
        self.obj.central_decision_date = cleaned_data["decision_date"]
        award_record_create(
            line=self.obj,
            decision_number=cleaned_data["decision_number"],
            decision_date=cleaned_data["decision_date"],
            authority=self.obj.award.deciding_authority,
        )

    @state.transition(
        source=NomineeState.FORWARDED,
        target=NomineeState.CENTRAL_REJECTED,
        label=_("Trung ương không khen"),
        permission=policies.may_record_central_rejection,
        custom={"form": ReasonForm},
        conditions=[_dossier_in(DossierState.FORWARDED)],
    )
    def central_reject(self, *, cleaned_data, actor, comment):
        """The central level did not award the nominee."""
