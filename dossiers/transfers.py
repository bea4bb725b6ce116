"""A person's transfer to another unit (chuyển công tác), and where a person worked on a given day.

The rule (issue 17, docs/transfers.md):
- Who: the Board (dossiers.policies.may_transfer_nominee), citing the decision that moved the person.
- What moves: the person's whole record. Titles, ratings, initiatives and holds belong to the Nominee, not to a
  unit, so the receiving unit sees the person with all of it, proposes them, and eligibility counts every year
  whatever the unit it was earned at (a CSTĐCS streak begun at the old unit goes on at the new one).
- What the old unit keeps: its own dossiers (and the lines it proposed in them, with their outcomes) and, in the
  award register, the titles the person was awarded while working there (the unit then, see
  `award_unit_then_q`). It no longer opens the person's page (their identity, ratings, holds), which is the
  new unit's to keep.
- Refused while the person is on a line still open in a dossier (not yet settled, dossier neither closed nor
  withdrawn): that line is the old unit's proposal and its outcome must land there; the unit removes the line
  from a draft, or the dossier reaches its result, then the transfer is recorded.
- Dated: the current period ends the day before the transfer, the new one starts that day; a transfer is not
  dated in the future (Nominee.unit is the unit today) nor on or before the start of the current period.

Every transfer is one audit event on the nominee (`nominee_transferred`) with the unit, sub-unit and position
before and after and the employment periods before and after.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import Unit
from organisations.timeline import is_in_force
from workflows import audit
from workflows.policies import require

from .models import DossierNominee, Nominee, NomineeEmployment, NomineeState, RecipientKind
from .models.dossier import FINAL_STATES
from .policies import may_transfer_nominee

ONE_DAY = datetime.timedelta(days=1)

#: A line in these states still waits for an outcome (appraisal, the council, the decision, the centre).
OPEN_LINE_STATES = (
    NomineeState.PENDING,
    NomineeState.PROPOSED,
    NomineeState.ON_AGENDA,
    NomineeState.PASSED,
    NomineeState.FORWARDED,
)

TEXT_LIMITS = {"legal_act": 255, "note": 1000, "position": 255, "sub_unit": 255}


def _day(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "…"


# -- read side --------------------------------------------------------------------------------------------
def employments_of(nominee: Nominee) -> list[NomineeEmployment]:
    """The nominee's employment periods, oldest first; a nominee never transferred has one (unsaved) period at
    Nominee.unit since always."""
    if "employments" in getattr(nominee, "_prefetched_objects_cache", {}):  # a list prefetched them
        periods = sorted(
            nominee.employments.all(), key=lambda p: (p.valid_from is not None, p.valid_from or 0, p.pk)
        )
    else:
        periods = list(nominee.employments.select_related("unit"))
    if periods:
        return periods
    return [NomineeEmployment(nominee=nominee, unit=nominee.unit, valid_from=None, valid_to=None)]


def unit_on(nominee: Nominee, day: datetime.date) -> Unit | None:
    """The unit the nominee worked at on `day` (None before their first recorded period)."""
    for period in employments_of(nominee):
        if (period.valid_from is None or period.valid_from <= day) and (
            period.valid_to is None or day <= period.valid_to
        ):
            return period.unit
    return None


def employment_covering_q(unit_ids, day_field: str, nominee_field: str = "nominee") -> Exists:
    """For a queryset of rows that name a nominee and a day (an award record and its decision date): whether
    the nominee worked at one of `unit_ids` on that day, by the recorded periods."""
    periods = NomineeEmployment.objects.filter(nominee=OuterRef(nominee_field), unit_id__in=unit_ids).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=OuterRef(day_field)),
        Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef(day_field)),
    )
    return Exists(periods)


def award_unit_then_q(unit_ids) -> Q:
    """Award records won while the person worked at one of `unit_ids`: the proposing dossier's unit for a title
    decided here, else the unit of the employment period covering the decision date, else (a person never
    transferred) their unit."""
    unit_ids = list(unit_ids)
    any_period = Exists(NomineeEmployment.objects.filter(nominee=OuterRef("nominee")))
    return Q(dossier_nominee__isnull=False, dossier_nominee__dossier__unit_id__in=unit_ids) | Q(
        Q(dossier_nominee__isnull=True)
        & (
            employment_covering_q(unit_ids, "decision_date")
            | (~any_period & Q(nominee__unit_id__in=unit_ids))
        )
    )


def with_unit_then(records):
    """Award records annotated with `unit_then_id`: the unit the person worked at when it was awarded (as
    `award_unit_then_q` reads it)."""
    covering = NomineeEmployment.objects.filter(nominee=OuterRef("nominee")).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=OuterRef("decision_date")),
        Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef("decision_date")),
    )
    return records.annotate(
        unit_then_id=Coalesce(
            F("dossier_nominee__dossier__unit_id"),
            Subquery(covering.order_by("-valid_from").values("unit_id")[:1]),
            F("nominee__unit_id"),
            output_field=BigIntegerField(),
        )
    )


def open_lines(nominee: Nominee):
    return (
        DossierNominee.objects.filter(nominee=nominee, state__in=OPEN_LINE_STATES)
        .exclude(dossier__state__in=FINAL_STATES)
        .select_related("dossier", "award")
        .order_by("dossier_id")
    )


def _periods_data(nominee: Nominee) -> list[dict]:
    return [
        {
            "unit": period.unit.code,
            "valid_from": period.valid_from.isoformat() if period.valid_from else None,
            "valid_to": period.valid_to.isoformat() if period.valid_to else None,
            "legal_act": period.legal_act,
        }
        for period in employments_of(nominee)
    ]


# -- write side -------------------------------------------------------------------------------------------
def _clean(value) -> str:
    return " ".join(str(value or "").split())


def nominee_transfer(
    *,
    nominee: Nominee,
    to_unit: Unit | None,
    on: datetime.date | None,
    legal_act: str,
    actor,
    note: str = "",
    position: str | None = None,
    sub_unit: str = "",
) -> NomineeEmployment:
    """Record that the person `nominee` works at `to_unit` from `on`, by the decision `legal_act`: the current
    period ends the day before, a new one opens, Nominee.unit moves (and the sub-unit, which named a part of
    the old unit, becomes `sub_unit`; `position` when given). Refused (ValidationError, by field, nothing
    written) as the module says. Returns the new period."""
    actor = require(may_transfer_nominee, actor, nominee)
    legal_act, note, sub_unit = _clean(legal_act), _clean(note), _clean(sub_unit)
    position = None if position is None else _clean(position)
    with transaction.atomic():
        nominee = Nominee.objects.select_for_update().select_related("unit").get(pk=nominee.pk)
        today = timezone.localdate()
        current = employments_of(nominee)[-1]
        errors: dict[str, str] = {}
        if nominee.kind != RecipientKind.INDIVIDUAL:
            raise ValidationError(
                _(
                    "Chỉ cá nhân mới chuyển công tác; tập thể, hộ gia đình đi theo đơn vị của mình "
                    "(sáp nhập, chia tách ghi ở kế thừa đơn vị)."
                )
            )
        if on is None:
            errors["on"] = _("Hãy nhập ngày chuyển công tác (dd/mm/yyyy).")
        elif on > today:
            errors["on"] = _("Ngày chuyển công tác (%(day)s) không được sau hôm nay.") % {"day": _day(on)}
        elif current.valid_from is not None and on <= current.valid_from:
            errors["on"] = _(
                "Ngày chuyển công tác phải sau ngày bắt đầu công tác tại «%(unit)s» (%(day)s)."
            ) % {"unit": current.unit, "day": _day(current.valid_from)}
        if to_unit is None:
            errors["to_unit"] = _("Hãy chọn đơn vị chuyển đến.")
        elif to_unit.pk == nominee.unit_id:
            errors["to_unit"] = _("«%(name)s» đang công tác tại «%(unit)s».") % {
                "name": nominee.full_name,
                "unit": to_unit,
            }
        elif on is not None and not is_in_force(to_unit, on):
            errors["to_unit"] = _("Đơn vị «%(unit)s» không có hiệu lực vào ngày %(day)s.") % {
                "unit": to_unit,
                "day": _day(on),
            }
        if not legal_act:
            errors["legal_act"] = _("Ghi quyết định điều động, chuyển công tác (số, ngày, cơ quan ban hành).")
        fields = {"legal_act": legal_act, "note": note, "sub_unit": sub_unit, "position": position or ""}
        for field, limit in TEXT_LIMITS.items():
            if len(fields[field]) > limit and field not in errors:
                errors[field] = _("Tối đa %(limit)s ký tự (đã nhập %(length)s).") % {
                    "limit": limit,
                    "length": len(fields[field]),
                }
        if errors:
            raise ValidationError(errors)
        pending = list(open_lines(nominee))
        if pending:
            raise ValidationError(
                _(
                    "%(name)s đang được đề nghị trong hồ sơ chưa có kết quả của «%(unit)s»: %(lines)s. "
                    "Hãy bỏ đối tượng khỏi hồ sơ dự thảo hoặc chờ hồ sơ có kết quả rồi mới ghi chuyển công tác."
                )
                % {
                    "name": nominee.full_name,
                    "unit": nominee.unit,
                    "lines": "; ".join(
                        f"«{line.dossier.title}» (#{line.dossier_id}, {line.award.name}, "
                        f"{line.dossier.get_state_display()})"
                        for line in pending
                    ),
                },
                code="open_dossier_line",
            )
        before_periods = _periods_data(nominee)
        before = {"unit": nominee.unit.name, "sub_unit": nominee.sub_unit, "position": nominee.position}
        from_unit = nominee.unit
        current.valid_to = on - ONE_DAY
        if current.pk is None:  # never transferred: the period at the unit so far, since always
            current.save()
        else:
            current.save(update_fields=["valid_to"])
        period = NomineeEmployment(
            nominee=nominee,
            unit=to_unit,
            valid_from=on,
            legal_act=legal_act,
            note=note,
            created_by=actor.user,
        )
        period.save()
        nominee.unit = to_unit
        nominee.sub_unit = sub_unit
        if position:
            nominee.position = position
        nominee.save(update_fields=["unit", "sub_unit", "position"])
        after = {"unit": to_unit.name, "sub_unit": nominee.sub_unit, "position": nominee.position}
        audit.record(
            subject=nominee,
            actor=actor,
            verb="nominee_transferred",
            comment=note,
            data={
                "from_unit": from_unit.code,
                "to_unit": to_unit.code,
                "transferred_on": on.isoformat(),
                "legal_act": legal_act,
                "changes": {key: [before[key], after[key]] for key in before if before[key] != after[key]},
                "periods": {"before": before_periods, "after": _periods_data(nominee)},
            },
        )
    return period
