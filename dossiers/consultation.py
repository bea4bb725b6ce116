"""Hiệp y (NĐ 98/2023/NĐ-CP Điều 31): before the city proposes state-level awards to the central level, the
Board asks named agencies (tax, social insurance, environment, labour, the party committee, the police) whether
they object, each with a deadline in working days.

Each agency's answer is recorded by the Board through the services below (audited on the dossier): it agrees;
it objects, with its reason and the nominees it objects to; or it did not answer by the deadline (recorded
only once the deadline has passed). Forwarding to the central level (the dossier's `forward` step) waits while
a request is unanswered and its deadline has not passed, and refuses while an objection stands: an objected
nominee is forwarded only if the Board head records an override with a reason (`consultation_override`);
otherwise the chairman's decision stands and the dossier is forwarded once the objection is overridden. A
dossier with no request sent is not held back here (the Board decides when hiệp y applies).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import audit
from workflows.calendar import add_working_days
from workflows.policies import require

from .models import (
    AwardRoute,
    ConsultationAgency,
    ConsultationOutcome,
    ConsultationRequest,
    Dossier,
    DossierNominee,
    DossierState,
    NomineeState,
)
from .policies import may_manage_consultation, may_override_consultation

#: The dossier steps in which a request may be sent or answered (from acceptance until forwarding).
OPEN_DOSSIER_STATES = (
    DossierState.ACCEPTED,
    DossierState.APPRAISED,
    DossierState.ON_AGENDA,
    DossierState.VOTED,
    DossierState.POSTED,
    DossierState.DECIDED,
)
#: Lines no longer proposed: hiệp y is not about them.
_DROPPED = (NomineeState.NOT_PROPOSED, NomineeState.FAILED, NomineeState.REJECTED)
MAX_WORKING_DAYS = 30
TEXT_LIMIT = 2000


def central_lines(dossier: Dossier):
    """The dossier's state-level lines still proposed (what hiệp y is about)."""
    return (
        DossierNominee.objects.filter(dossier_id=dossier.pk, award__route=AwardRoute.PROPOSE_CENTRAL)
        .exclude(state__in=_DROPPED)
        .select_related("nominee", "award")
        .order_by("position", "pk")
    )


def _open(dossier: Dossier) -> Dossier:
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if dossier.state not in OPEN_DOSSIER_STATES:
        raise ValidationError(
            _("Hồ sơ ở bước «%(state)s»: không gửi hoặc ghi ý kiến hiệp y được nữa.")
            % {"state": dossier.get_state_display()}
        )
    return dossier


def _text(value, field: str, required: str | None = None) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError({field: required})
    if len(text) > TEXT_LIMIT:
        raise ValidationError(
            {
                field: _("Tối đa %(limit)s ký tự (đã nhập %(length)s).")
                % {"limit": TEXT_LIMIT, "length": len(text)}
            }
        )
    return text


@transaction.atomic
def consultation_send(*, dossier: Dossier, agency: str, working_days, letter_reference: str = "", actor):
    """The Board sends a hiệp y request to `agency` about the dossier's state-level nominees, to be answered
    within `working_days` working days (1–30) from today. One request per agency and dossier."""
    actor = require(may_manage_consultation, actor, dossier)
    dossier = _open(dossier)
    if not central_lines(dossier).exists():
        raise ValidationError(
            _("Hồ sơ không có đối tượng đề nghị khen thưởng cấp Nhà nước: không cần hiệp y.")
        )
    if agency not in ConsultationAgency.values:
        raise ValidationError({"agency": _("Chọn cơ quan hiệp y trong danh sách.")})
    if ConsultationRequest.objects.filter(dossier=dossier, agency=agency).exists():
        raise ValidationError(
            {
                "agency": _("Đã gửi đề nghị hiệp y tới %(agency)s.")
                % {"agency": ConsultationAgency(agency).label}
            }
        )
    try:
        days = int(working_days)
    except (TypeError, ValueError):
        raise ValidationError({"working_days": _("Ghi thời hạn trả lời (số ngày làm việc).")}) from None
    if not 1 <= days <= MAX_WORKING_DAYS:
        raise ValidationError(
            {
                "working_days": _("Thời hạn trả lời từ 1 đến %(max)s ngày làm việc (đã nhập %(days)s).")
                % {"max": MAX_WORKING_DAYS, "days": days}
            }
        )
    reference = _text(letter_reference, "letter_reference")[:60]
    today = timezone.localdate()
    request = ConsultationRequest.objects.create(
        dossier=dossier,
        agency=agency,
        letter_reference=reference,
        sent_on=today,
        working_days=days,
        deadline=add_working_days(today, days),
        sent_by=actor.user,
    )
    audit.record(
        subject=dossier,
        actor=actor,
        verb="consultation_send",
        data={
            "consultation": request.pk,
            "agency": agency,
            "working_days": days,
            "deadline": request.deadline.isoformat(),
            "letter_reference": reference,
        },
    )
    return request


def _pending(consultation: ConsultationRequest) -> tuple[ConsultationRequest, Dossier]:
    dossier = _open(consultation.dossier)
    consultation = ConsultationRequest.objects.select_for_update().get(pk=consultation.pk)
    if consultation.outcome != ConsultationOutcome.PENDING:
        raise ValidationError(
            _("Ý kiến hiệp y của %(agency)s đã được ghi: «%(outcome)s».")
            % {"agency": consultation.get_agency_display(), "outcome": consultation.get_outcome_display()}
        )
    return consultation, dossier


@transaction.atomic
def consultation_answer(
    *, consultation: ConsultationRequest, outcome: str, reason: str = "", lines=(), answer_reference="", actor
):
    """The Board records the agency's written answer: `agreed`, or `objected` with the reason and the ids of
    the nominee lines objected to (at least one, among the dossier's state-level lines)."""
    actor = require(may_manage_consultation, actor, consultation.dossier)
    consultation, dossier = _pending(consultation)
    if outcome not in (ConsultationOutcome.AGREED, ConsultationOutcome.OBJECTED):
        raise ValidationError({"outcome": _("Chọn: đồng ý hoặc không đồng ý.")})
    reference = _text(answer_reference, "answer_reference")[:60]
    objected = []
    if outcome == ConsultationOutcome.OBJECTED:
        reason = _text(reason, "reason", _("Ghi lý do cơ quan không đồng ý."))
        wanted = {int(pk) for pk in lines or () if str(pk).isdigit()}
        objected = [line for line in central_lines(dossier) if line.pk in wanted]
        if not objected or len(objected) != len(set(str(pk) for pk in lines or ())):
            raise ValidationError(
                {"lines": _("Chọn (các) đối tượng cấp Nhà nước của hồ sơ mà cơ quan không đồng ý.")}
            )
    else:
        reason = ""
    consultation.outcome = outcome
    consultation.reason = reason
    consultation.answer_reference = reference
    consultation.answered_on = timezone.localdate()
    consultation.recorded_by = actor.user
    consultation.save(update_fields=["outcome", "reason", "answer_reference", "answered_on", "recorded_by"])
    consultation.objected_lines.set(objected)
    audit.record(
        subject=dossier,
        actor=actor,
        verb="consultation_answer",
        data={
            "consultation": consultation.pk,
            "agency": consultation.agency,
            "outcome": outcome,
            "reason": reason,
            "lines": [line.pk for line in objected],
            "answer_reference": reference,
        },
    )
    return consultation


@transaction.atomic
def consultation_no_answer(*, consultation: ConsultationRequest, actor):
    """The Board records that the agency did not answer by the deadline (refused before it has passed)."""
    actor = require(may_manage_consultation, actor, consultation.dossier)
    consultation, dossier = _pending(consultation)
    if timezone.localdate() <= consultation.deadline:
        raise ValidationError(
            _("Chưa hết hạn trả lời hiệp y của %(agency)s (đến hết ngày %(day)s).")
            % {"agency": consultation.get_agency_display(), "day": consultation.deadline.strftime("%d/%m/%Y")}
        )
    consultation.outcome = ConsultationOutcome.NO_ANSWER
    consultation.answered_on = timezone.localdate()
    consultation.recorded_by = actor.user
    consultation.save(update_fields=["outcome", "answered_on", "recorded_by"])
    audit.record(
        subject=dossier,
        actor=actor,
        verb="consultation_no_answer",
        data={"consultation": consultation.pk, "agency": consultation.agency},
    )
    return consultation


@transaction.atomic
def consultation_override(*, consultation: ConsultationRequest, reason: str, actor):
    """The Board head decides to forward the nominees an agency objected to anyway, saying why (once)."""
    actor = require(may_override_consultation, actor, consultation)
    dossier = _open(consultation.dossier)
    consultation = ConsultationRequest.objects.select_for_update().get(pk=consultation.pk)
    if consultation.outcome != ConsultationOutcome.OBJECTED:
        raise ValidationError(_("Chỉ quyết định vẫn trình khi cơ quan hiệp y không đồng ý."))
    if consultation.overridden_at is not None:
        raise ValidationError(_("Trưởng Ban đã quyết định vẫn trình đối với ý kiến này."))
    reason = _text(reason, "reason", _("Ghi lý do vẫn trình Trung ương."))
    consultation.override_reason = reason
    consultation.overridden_by = actor.user
    consultation.overridden_at = timezone.now()
    consultation.save(update_fields=["override_reason", "overridden_by", "overridden_at"])
    audit.record(
        subject=dossier,
        actor=actor,
        verb="consultation_override",
        data={"consultation": consultation.pk, "agency": consultation.agency, "reason": reason},
    )
    return consultation


def forwarding_refusals(dossier: Dossier, lines=None, today=None) -> list[str]:
    """Why `lines` (the dossier's approved state-level lines by default) may not be forwarded yet: a request
    unanswered before its deadline, an objection to one of them the Board head has not overridden."""
    today = today or timezone.localdate()
    if lines is None:
        lines = DossierNominee.objects.filter(
            dossier_id=dossier.pk, state=NomineeState.APPROVED, award__route=AwardRoute.PROPOSE_CENTRAL
        )
    line_ids = {line.pk for line in lines}
    found = []
    requests = ConsultationRequest.objects.filter(dossier_id=dossier.pk).prefetch_related(
        "objected_lines__nominee"
    )
    for request in requests:
        agency = request.get_agency_display()
        if request.outcome == ConsultationOutcome.PENDING and today <= request.deadline:
            found.append(
                _("Hiệp y: %(agency)s chưa trả lời (hạn đến hết ngày %(day)s).")
                % {"agency": agency, "day": request.deadline.strftime("%d/%m/%Y")}
            )
        elif request.outcome == ConsultationOutcome.OBJECTED and request.overridden_at is None:
            names = [line.nominee.full_name for line in request.objected_lines.all() if line.pk in line_ids]
            if names:
                found.append(
                    _(
                        "Hiệp y: %(agency)s không đồng ý với %(names)s (%(reason)s); Trưởng Ban TĐKT chưa quyết "
                        "định vẫn trình."
                    )
                    % {"agency": agency, "names": ", ".join(names), "reason": request.reason}
                )
    return found


def consultation_status(request: ConsultationRequest, today=None) -> str:
    """What the Board reads on the page: the outcome, or "quá hạn, chưa ghi" for a silent agency."""
    today = today or timezone.localdate()
    if request.outcome == ConsultationOutcome.PENDING and today > request.deadline:
        return _("Quá hạn trả lời (coi như không có ý kiến)")
    return request.get_outcome_display()
