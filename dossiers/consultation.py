"""Hiệp y (NĐ 98/2023/NĐ-CP Điều 31): before the city proposes state-level awards to the central level, the
Board asks named agencies (tax, social insurance, environment, labour, the party committee, the police) whether
they object, each with a deadline in working days.

Which agencies must be asked is data of the rule version each state-level line is judged by
(RuleVersion.consultation_agencies, per kind of nominee: individual, collective, a person of an enterprise, an
enterprise; the line's recorded version decides, not today's). Forwarding to the central level (the dossier's
`forward` step) is refused while one of them has not been sent a request ("Chưa gửi hiệp y: …"), unless the
Board head waived it for the dossier with a reason (`consultation_waive`, e.g. the nominee is not an
enterprise: no environment opinion).

Each agency's answer is recorded by the Board through the services below (audited on the dossier): it agrees;
it objects, with its reason and the nominees it objects to; or it did not answer by the deadline (recorded
only once the deadline has passed). Forwarding waits while a request is unanswered and its deadline has not
passed (silence past the deadline counts as no objection), and refuses while an objection stands: an objected
nominee is forwarded only if the Board head records an override with a reason (`consultation_override`);
otherwise the chairman's decision stands and the dossier is forwarded once the objection is overridden.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import UnitKind
from workflows import audit
from workflows.calendar import add_working_days
from workflows.policies import require

from .models import (
    AwardRoute,
    ConsultationAgency,
    ConsultationOutcome,
    ConsultationRequest,
    ConsultationWaiver,
    Dossier,
    DossierNominee,
    DossierState,
    NomineeState,
    RecipientKind,
)
from .policies import may_manage_consultation, may_override_consultation, may_waive_consultation

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
    waiver = (
        ConsultationWaiver.objects.filter(dossier=dossier, agency=agency).select_related("waived_by").first()
    )
    if waiver is not None:
        raise ValidationError(
            {
                "agency": _("Trưởng Ban TĐKT đã miễn hiệp y của %(agency)s cho hồ sơ này (%(reason)s).")
                % {"agency": ConsultationAgency(agency).label, "reason": waiver.reason}
            }
        )
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


@transaction.atomic
def consultation_send_many(*, dossier: Dossier, agencies, working_days, letter_reference: str = "", actor):
    """Send one request to each of `agencies` with the same deadline and letter (all or none): the page's
    "send" form, prefilled with the required agencies not asked yet. A refusal names the field `agencies`."""
    agencies = [str(agency) for agency in agencies or () if str(agency)]
    if not agencies:
        require(may_manage_consultation, actor, dossier)
        raise ValidationError({"agencies": _("Chọn ít nhất một cơ quan hiệp y.")})
    sent = []
    for agency in dict.fromkeys(agencies):
        try:
            sent.append(
                consultation_send(
                    dossier=dossier,
                    agency=agency,
                    working_days=working_days,
                    letter_reference=letter_reference,
                    actor=actor,
                )
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "agency" in exc.error_dict:
                exc.error_dict["agencies"] = exc.error_dict.pop("agency")
            raise
    return sent


@transaction.atomic
def consultation_waive(*, dossier: Dossier, agency: str, reason: str, actor):
    """The Board head decides that `agency`, required by the rules for the dossier's state-level lines, need
    not be consulted about this dossier, saying why (e.g. the nominee is not an enterprise: no environment
    opinion). Refused for an agency not required, already asked or already waived."""
    actor = require(may_waive_consultation, actor, dossier)
    dossier = _open(dossier)
    if agency not in ConsultationAgency.values:
        raise ValidationError({"agency": _("Chọn cơ quan hiệp y trong danh sách.")})
    label = str(ConsultationAgency(agency).label)
    if agency not in required_agencies(dossier, panel_lines(dossier)):
        raise ValidationError(
            {
                "agency": _(
                    "%(agency)s không thuộc các cơ quan phải hiệp y theo quy định áp dụng cho các đối tượng cấp "
                    "Nhà nước của hồ sơ: không cần miễn."
                )
                % {"agency": label}
            }
        )
    if ConsultationRequest.objects.filter(dossier=dossier, agency=agency).exists():
        raise ValidationError(
            {
                "agency": _("Đã gửi đề nghị hiệp y tới %(agency)s: hãy ghi ý kiến trả lời của cơ quan.")
                % {"agency": label}
            }
        )
    if ConsultationWaiver.objects.filter(dossier=dossier, agency=agency).exists():
        raise ValidationError(
            {"agency": _("Đã miễn hiệp y của %(agency)s cho hồ sơ này.") % {"agency": label}}
        )
    reason = _text(reason, "reason", _("Ghi lý do không cần hiệp y của cơ quan này."))
    waiver = ConsultationWaiver.objects.create(
        dossier=dossier, agency=agency, reason=reason, waived_by=actor.user
    )
    audit.record(
        subject=dossier,
        actor=actor,
        verb="consultation_waive",
        data={"waiver": waiver.pk, "agency": agency, "reason": reason},
    )
    return waiver


# -- which agencies the rules require, and where each of them stands ------------------------------------------


def recipient_category(nominee) -> str:
    """The kind of nominee a version lists its required agencies for (RuleVersion.consultation_agencies): a
    person (or household) or a collective, of an enterprise when the nominee's unit is one."""
    base = "collective" if nominee.kind == RecipientKind.COLLECTIVE else "individual"
    if nominee.unit.kind == UnitKind.ENTERPRISE:
        return f"enterprise_{base}"
    return base


def line_agencies(line: DossierNominee, fallback_version=None) -> list[str]:
    """The agencies whose hiệp y `line` needs: its recorded rule version's list for its kind of nominee (an
    enterprise's kind falls back to the plain kind when the version sets none for it)."""
    version = line.rule_version or fallback_version
    if version is None:
        return []
    listed = version.consultation_agencies or {}
    category = recipient_category(line.nominee)
    agencies = listed.get(category)
    if agencies is None and category.startswith("enterprise_"):
        agencies = listed.get(category.removeprefix("enterprise_"))
    return [agency for agency in agencies or [] if agency in ConsultationAgency.values]


def _approved_central(dossier: Dossier):
    return DossierNominee.objects.filter(
        dossier_id=dossier.pk, state=NomineeState.APPROVED, award__route=AwardRoute.PROPOSE_CENTRAL
    )


def panel_lines(dossier: Dossier) -> list[DossierNominee]:
    """The lines hiệp y is about on the page and in the API: once decided, the approved state-level lines (what
    the forward step checks); before, every state-level line still proposed."""
    if dossier.state == DossierState.DECIDED:
        return list(_approved_central(dossier))
    return list(central_lines(dossier))


def required_agencies(dossier: Dossier, lines) -> dict[str, list[DossierNominee]]:
    """{agency: the lines needing it} for `lines`, in the order of ConsultationAgency."""
    from .rule_versions import dossier_version

    lines = list(
        DossierNominee.objects.filter(pk__in=[line.pk for line in lines])
        .select_related("nominee__unit", "rule_version")
        .order_by("position", "pk")
    )
    fallback = None
    if any(line.rule_version_id is None for line in lines):
        fallback = dossier_version(dossier)
    found: dict[str, list[DossierNominee]] = {}
    for line in lines:
        for agency in line_agencies(line, fallback):
            found.setdefault(agency, []).append(line)
    order = list(ConsultationAgency.values)
    return dict(sorted(found.items(), key=lambda item: order.index(item[0])))


def agency_rows(dossier: Dossier, lines=None, today=None) -> list[dict]:
    """Per required agency: the lines needing it, its request or waiver, and its status, one of not_sent,
    pending (before the deadline), past_deadline (silent: no objection), no_answer, agreed, objected,
    overridden, waived; `settled` when it no longer holds the forwarding back on its own account (an objection
    not overridden is settled only for the lines it does not name)."""
    today = today or timezone.localdate()
    lines = panel_lines(dossier) if lines is None else list(lines)
    line_ids = {line.pk for line in lines}
    requests = {
        request.agency: request
        for request in ConsultationRequest.objects.filter(dossier_id=dossier.pk)
        .select_related("recorded_by", "overridden_by")
        .prefetch_related("objected_lines__nominee")
    }
    waivers = {
        waiver.agency: waiver
        for waiver in ConsultationWaiver.objects.filter(dossier_id=dossier.pk).select_related("waived_by")
    }
    rows = []
    for agency, needing in required_agencies(dossier, lines).items():
        request, waiver = requests.get(agency), waivers.get(agency)
        if waiver is not None:
            status, settled = "waived", True
            shown = _("Trưởng Ban miễn hiệp y")
        elif request is None:
            status, settled = "not_sent", False
            shown = _("Chưa gửi đề nghị hiệp y")
        elif request.outcome == ConsultationOutcome.PENDING and today <= request.deadline:
            status, settled = "pending", False
            shown = _("Chờ trả lời đến hết ngày %(day)s") % {"day": request.deadline.strftime("%d/%m/%Y")}
        elif request.outcome == ConsultationOutcome.PENDING:
            status, settled = "past_deadline", True
            shown = consultation_status(request, today)
        elif request.outcome == ConsultationOutcome.OBJECTED and request.overridden_at is not None:
            status, settled = "overridden", True
            shown = _("Có ý kiến không đồng ý; Trưởng Ban quyết định vẫn trình")
        elif request.outcome == ConsultationOutcome.OBJECTED:
            status = "objected"
            settled = not any(line.pk in line_ids for line in request.objected_lines.all())
            shown = request.get_outcome_display()
        else:
            status, settled = request.outcome, True
            shown = request.get_outcome_display()
        rows.append(
            {
                "agency": agency,
                "label": str(ConsultationAgency(agency).label),
                "lines": needing,
                "request": request,
                "waiver": waiver,
                "status": status,
                "status_display": shown,
                "settled": settled,
            }
        )
    return rows


def forwarding_refusals(dossier: Dossier, lines=None, today=None) -> list[str]:
    """Why `lines` (the dossier's approved state-level lines by default) may not be forwarded yet: a required
    agency not asked (nor waived by the Board head), a request unanswered before its deadline, an objection to
    one of them the Board head has not overridden."""
    today = today or timezone.localdate()
    if lines is None:
        lines = _approved_central(dossier)
    lines = list(lines)
    line_ids = {line.pk for line in lines}
    found = []
    missing = [row["label"] for row in agency_rows(dossier, lines, today) if row["status"] == "not_sent"]
    if missing:
        found.append(
            _(
                "Chưa gửi hiệp y: %(agencies)s (bắt buộc theo quy định khen thưởng áp dụng cho đối tượng cấp Nhà "
                "nước; Trưởng Ban TĐKT miễn được cơ quan không liên quan)."
            )
            % {"agencies": ", ".join(missing)}
        )
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
