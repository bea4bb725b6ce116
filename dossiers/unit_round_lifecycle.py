"""The state machines of a unit's own round and of its lines (dossiers.unit_round).

Round: draft → on_agenda (every line on one session of the unit's own council) → voted (the council's result for
the last line came back) → decided (the unit head's decision); a draft may be withdrawn.
Line: pending → on_agenda → passed | failed → awarded | not_awarded (in the unit head's decision).
"""

from __future__ import annotations

from contextvars import ContextVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow.fsm import State

from workflows.conditions import evaluated_once
from workflows.forms import DateField, IdListField
from workflows.lifecycle import (
    InternalRule,
    Lifecycle,
    ReasonForm,
    TransitionForm,
    allowed,
    internal_payload,
    internal_steps,
)
from workflows.models import Role

from .models import RoundLineState, RoundState, UnitRound, UnitRoundLine


class RoundSubmitForm(TransitionForm):
    session = forms.ModelChoiceField(
        label=_("Phiên họp hội đồng thi đua – khen thưởng của đơn vị"),
        queryset=None,
        error_messages={
            "required": _("Chọn phiên họp của hội đồng đơn vị sẽ xét danh sách."),
            "invalid_choice": _(
                "Phiên họp này không nhận thêm mục (đã chốt chương trình hoặc không phải hội đồng của đơn vị)."
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
            .filter(state__in=AGENDA_OPEN_STATES, council_term__council__kind=CouncilKind.UNIT)
            .order_by("planned_on", "pk")
        )


class RoundDecideForm(TransitionForm):
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=60)
    decision_date = DateField(label=_("Ngày quyết định"))
    #: line ids the head does not award although the council passed them (an array in the API)
    not_awarded = IdListField(label=_("Đối tượng không khen (mã)"), required=False)


@evaluated_once
def _has_lines(flow):
    """Reads every line of the round once (unit_round.submission_lines), for this condition, the next one and the
    submission itself: nothing is written between the conditions and the transition they allow."""
    from .unit_round import submission_lines

    flow._submission_lines = submission_lines(flow.obj)
    return State.CONDITION(bool(flow._submission_lines), gettext("Đợt bình xét chưa có đối tượng nào."))


@evaluated_once
def _ready_to_submit(flow):
    """Every line still eligible (re-checked for all lines in one pass) and every quota held."""
    from .unit_round import round_submission_refusals

    # the lines _has_lines (evaluated just before, on this flow, whenever this one is) has read
    refusals = round_submission_refusals(flow.obj, getattr(flow, "_submission_lines", None))
    return State.CONDITION(not refusals, " ".join(refusals))


#: the rounds whose lines the results handler has just found none still waiting (unit_round.round_results_receive,
#: in the same transaction, right before it records their results): the condition takes its answer, not asking again
NONE_WAITING: ContextVar[frozenset] = ContextVar("unit_round_none_waiting", default=frozenset())


@evaluated_once
def _all_results_in(flow):
    waiting = flow.obj.pk not in NONE_WAITING.get() and (
        flow.obj.lines.filter(state=RoundLineState.ON_AGENDA).exists()
    )
    return State.CONDITION(not waiting, gettext("Hội đồng đơn vị chưa có kết quả cho mọi đối tượng."))


def _passed_lines(unit_round):
    """The lines the council passed, with their nominee, award and round's unit, by id: read once for the
    decision's conditions and the decision itself."""
    return list(
        unit_round.lines.filter(state=RoundLineState.PASSED)
        .select_related("nominee", "award", "unit_round__unit")
        .order_by("pk")
    )


@evaluated_once
def _some_line_passed(flow):
    """Reads the passed lines once, for this condition, the next one and the decision (nothing is written between
    the conditions and the transition they allow)."""
    flow._passed_lines = _passed_lines(flow.obj)
    return State.CONDITION(
        bool(flow._passed_lines),
        gettext("Không có đối tượng nào được hội đồng đơn vị thông qua."),
    )


@evaluated_once
def _no_hold_on_passed(flow):
    from .integrity import hold_refusals

    passed = getattr(flow, "_passed_lines", None)  # read by _some_line_passed, evaluated just before
    if passed is None:
        passed = _passed_lines(flow.obj)
    found = hold_refusals(passed)
    return State.CONDITION(not found, " ".join(found))


class UnitRoundLifecycle(Lifecycle):
    model = UnitRound
    states = RoundState
    state = State(RoundState, default=RoundState.DRAFT)
    unit_path = "unit"
    council_term_path = "session__council_term"
    unit_reads_history = True
    inbox_select_related = ("unit",)
    inbox_optional = ("withdraw",)

    def history_parts(self):
        return self.obj.lines.select_related("nominee", "award")

    @state.transition(
        source=RoundState.DRAFT,
        target=RoundState.ON_AGENDA,
        label=_("Trình hội đồng đơn vị"),
        permission=allowed(Role.UNIT_OFFICER, Role.UNIT_HEAD),
        conditions=[_has_lines, _ready_to_submit],
        custom={"form": RoundSubmitForm},
    )
    def submit(self, *, cleaned_data, actor, comment):
        """Every line goes on one session of the unit's own council in one go (its pass rule from each award);
        eligibility and quotas are checked for the whole list first."""
        from councils.services import agenda_subjects_add
        from workflows import engine

        from .unit_round import known_councils, own_council_refusal, submission_lines

        session = cleaned_data["session"]
        if (refusal := own_council_refusal(self.obj, session)) is not None:
            raise ValidationError({"session": refusal})
        # the lines the conditions have just read (submission_lines, in the list's order)
        lines = self.__dict__.pop("_submission_lines", None)
        if lines is None:
            lines = submission_lines(self.obj)
        with known_councils(
            session
        ):  # the agenda's terms ask own_council_refusal again: the council is known
            items = agenda_subjects_add(session=session, subjects=lines, actor=actor)
        behalf = getattr(actor.on_behalf_of, "pk", None)
        refs = {int(item.subject_id): str(item.pk) for item in items}
        with internal_steps(lines, role=actor.role, on_behalf_of_id=behalf, payload=refs):
            engine.perform_many(lines, "place_on_agenda", user=actor.user, client_ip=actor.client_ip)
        self.obj.session = session

    @state.transition(
        source=RoundState.ON_AGENDA,
        target=RoundState.VOTED,
        label=_("Ghi nhận kết quả hội đồng đơn vị"),
        permission=InternalRule(_("Hội đồng đơn vị (từ kết quả kiểm phiếu)")),
        conditions=[_all_results_in],
    )
    def record_council_results(self, *, cleaned_data, actor, comment):
        """Runs when the council's result for the round's last line is issued."""

    @state.transition(
        source=RoundState.VOTED,
        target=RoundState.DECIDED,
        label=_("Quyết định khen thưởng"),
        permission=allowed(Role.UNIT_HEAD),
        conditions=[_some_line_passed, _no_hold_on_passed],
        custom={"form": RoundDecideForm},
    )
    def decide(self, *, cleaned_data, actor, comment):
        """The unit head's one decision (Luật TĐKT 2022 Đ.80): the lines the council passed are awarded, except
        those the head names; the register and ratings are written in bulk."""
        from workflows import engine

        from .unit_round import register_write

        unit_round = self.obj
        passed = self.__dict__.pop("_passed_lines", None)  # read by the conditions just before
        if passed is None:
            passed = _passed_lines(unit_round)
        if passed and not UnitRound.unit.is_cached(unit_round):
            unit_round.unit = passed[0].unit_round.unit  # the same row (its calendar: register_write)
        refused_ids = set(cleaned_data.get("not_awarded") or [])
        unknown = refused_ids - {line.pk for line in passed}
        if unknown:
            raise ValidationError(
                {
                    "not_awarded": gettext(
                        "Chỉ chọn không khen đối tượng đã được hội đồng đơn vị thông qua (mã không hợp lệ: "
                        "%(ids)s)."
                    )
                    % {"ids": ", ".join(str(pk) for pk in sorted(unknown))}
                }
            )
        day = cleaned_data["decision_date"]
        issued = getattr(unit_round.session, "resolution_issued_on", None)
        if issued and day < issued:
            raise ValidationError(
                {
                    "decision_date": gettext(
                        "Ngày quyết định không được trước ngày hội đồng đơn vị ban hành kết quả (%(day)s)."
                    )
                    % {"day": issued.strftime("%d/%m/%Y")}
                }
            )
        unit_round.decision_number = cleaned_data["decision_number"]
        unit_round.decision_date = day
        unit_round.decided_by = actor.user
        awarded = [line for line in passed if line.pk not in refused_ids]
        refused = [line for line in passed if line.pk in refused_ids]
        behalf = getattr(actor.on_behalf_of, "pk", None)
        decision = {"decision": {"number": unit_round.decision_number, "date": day}}
        for lines, verb in ((awarded, "grant_award"), (refused, "refuse_award")):
            if lines:
                with internal_steps(lines, role=actor.role, on_behalf_of_id=behalf, payload=unit_round):
                    engine.perform_many(
                        lines, verb, user=actor.user, client_ip=actor.client_ip, extra_audit=decision
                    )
        register_write(unit_round=unit_round, lines=awarded)

    @state.transition(
        source=RoundState.DRAFT,
        target=RoundState.WITHDRAWN,
        label=_("Hủy đợt bình xét"),
        permission=allowed(Role.UNIT_OFFICER, Role.UNIT_HEAD),
        custom={"form": ReasonForm},
    )
    def withdraw(self, *, cleaned_data, actor, comment):
        """The unit drops a round it has not submitted."""


class UnitRoundLineLifecycle(Lifecycle):
    model = UnitRoundLine
    states = RoundLineState
    state = State(RoundLineState, default=RoundLineState.PENDING)
    unit_path = "unit_round__unit"
    council_term_path = "unit_round__session__council_term"
    unit_reads_history = True
    inbox_hidden = True
    state_kinds = {RoundLineState.FAILED: "refused", RoundLineState.NOT_AWARDED: "refused"}

    @state.transition(
        source=RoundLineState.PENDING,
        target=RoundLineState.ON_AGENDA,
        label=_("Đưa vào chương trình họp hội đồng đơn vị"),
        permission=InternalRule(_("Đơn vị (khi trình hội đồng đơn vị)")),
    )
    def place_on_agenda(self, *, cleaned_data, actor, comment):
        """Part of the round's submission: the line is an item of the unit council's session."""
        refs = internal_payload(self.obj) or {}
        self.obj.council_item_ref = refs.get(self.obj.pk, "")

    @state.transition(
        source=RoundLineState.ON_AGENDA,
        target=RoundLineState.PASSED,
        label=_("Hội đồng đơn vị thông qua"),
        permission=InternalRule(_("Hội đồng đơn vị (từ kết quả kiểm phiếu)")),
    )
    def council_pass(self, *, cleaned_data, actor, comment):
        """The unit council's tally reached the award's threshold."""
        self._record_tally()

    @state.transition(
        source=RoundLineState.ON_AGENDA,
        target=RoundLineState.FAILED,
        label=_("Hội đồng đơn vị không thông qua"),
        permission=InternalRule(_("Hội đồng đơn vị (từ kết quả kiểm phiếu)")),
    )
    def council_fail(self, *, cleaned_data, actor, comment):
        """The unit council's tally did not reach the award's threshold."""
        self._record_tally()

    def _record_tally(self):
        result = internal_payload(self.obj)
        if isinstance(result, dict):  # many lines' results at once (unit_round.round_results_receive)
            result = result[self.obj.pk]
        self.obj.council_agree = result.agree
        self.obj.council_disagree = result.disagree
        self.obj.council_abstain = result.abstain
        self.obj.council_base = result.base_count
        self.obj.council_explanation = result.explanation[:255]

    @state.transition(
        source=RoundLineState.PASSED,
        target=RoundLineState.AWARDED,
        label=_("Được khen thưởng"),
        permission=InternalRule(_("Thủ trưởng đơn vị (trong quyết định của đợt bình xét)")),
    )
    def grant_award(self, *, cleaned_data, actor, comment):
        """Part of the unit head's decision: the person is awarded (the register is written with the decision)."""

    @state.transition(
        source=RoundLineState.PASSED,
        target=RoundLineState.NOT_AWARDED,
        label=_("Không khen thưởng"),
        permission=InternalRule(_("Thủ trưởng đơn vị (trong quyết định của đợt bình xét)")),
    )
    def refuse_award(self, *, cleaned_data, actor, comment):
        """Part of the unit head's decision: the person is not awarded."""
