"""The organisation over time, write side: a reorganisation recorded as successions, a unit moved under
another parent from a date. Each call is one audited event with the before/after values it changed
(`unit_succession_recorded`, `unit_parent_changed`) and is refused with a field-level ValidationError in
Vietnamese when it would make the history inconsistent. Who may: whoever may change configuration
(workflows.policies.may_change_configuration: the Board head, or an administrator recorded as "admin").

The read side (units_on, parent_on, successors_of, predecessors_of, as_of) is organisations.timeline.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import SuccessionKind, Unit, UnitParentPeriod, UnitSuccession
from organisations.timeline import (
    ancestors_on,
    is_in_force,
    overlapping_periods,
    parent_on,
    predecessor_ids,
    successor_ids,
)

from . import audit
from .policies import PolicyDenied, may_change_configuration, require

ONE_DAY = datetime.timedelta(days=1)


def _acting(actor: audit.Actor) -> audit.Actor:
    try:
        return require(may_change_configuration, actor)
    except PolicyDenied as refused:
        raise PolicyDenied(
            _("Chỉ Trưởng Ban TĐKT hoặc quản trị viên được sửa cơ cấu tổ chức."), refused.status
        ) from None


def _day(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "…"


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _periods(unit: Unit) -> list[dict]:
    return [
        {"parent": parent, "valid_from": _iso(start), "valid_to": _iso(end)}
        for parent, start, end in UnitParentPeriod.objects.filter(unit=unit)
        .order_by(F("valid_from").asc(nulls_first=True))
        .values_list("parent__code", "valid_from", "valid_to")
    ]


def _start_dated_tree(unit: Unit) -> None:
    """A unit without parent periods (made before the dated tree, or by an import) had its current parent for
    its whole life: write that down before changing it, so the history keeps it."""
    if unit.parent_id and not UnitParentPeriod.objects.filter(unit=unit).exists():
        UnitParentPeriod.objects.create(
            unit=unit, parent_id=unit.parent_id, valid_from=unit.valid_from, valid_to=unit.valid_to
        )


def _sync_current_parent(unit: Unit) -> None:
    """Unit.parent is the parent today (None once the unit has ended or moved out of every parent)."""
    today = parent_on(unit, timezone.localdate())
    if unit.parent_id != (today.pk if today else None):
        unit.parent = today
        unit.save(update_fields=["parent"])


def unit_parents_follow_today(
    *, today: datetime.date | None = None, actor: audit.Actor = audit.SYSTEM
) -> int:
    """Unit.parent is the parent today: a parent change recorded ahead of its date (unit_parent_change with a
    future effective_on, a merge planned for 1 July) takes effect on that day. Run by the beat
    (workflows.tasks.sync_unit_parents, every hour) and idempotent: each unit whose current parent moved is
    updated with one audit event (`unit_parent_followed`, the parent before and after and the period in force),
    the others are not touched. Returns how many moved."""
    today = today or timezone.localdate()
    moved = 0
    dated = Unit.objects.filter(parent_periods__isnull=False).distinct().values_list("pk", flat=True)
    with transaction.atomic():
        for unit in Unit.objects.select_for_update().filter(pk__in=list(dated)).order_by("pk"):
            now = parent_on(unit, today)
            if unit.parent_id == (now.pk if now else None):
                continue
            before = unit.parent.code if unit.parent_id else None
            unit.parent = now
            unit.save(update_fields=["parent"])
            audit.record(
                subject=unit,
                actor=actor,
                verb="unit_parent_followed",
                data={
                    "unit": unit.code,
                    "day": today.isoformat(),
                    "changes": {"parent": [before, now.code if now else None]},
                },
            )
            moved += 1
    return moved


def _close_parent_periods(unit: Unit, last_day: datetime.date) -> None:
    """End the unit's parent periods on `last_day` (periods starting later are removed: the unit has ended)."""
    periods = UnitParentPeriod.objects.filter(unit=unit)
    periods.filter(valid_from__gt=last_day).delete()
    for period in periods.filter(valid_to__isnull=True) | periods.filter(valid_to__gt=last_day):
        period.valid_to = last_day
        period.save(update_fields=["valid_to"])


def unit_parent_change(
    *,
    unit: Unit,
    parent: Unit | None,
    effective_on: datetime.date,
    actor: audit.Actor,
    valid_to: datetime.date | None = None,
    comment: str = "",
) -> Unit:
    """Put `unit` under `parent` from `effective_on` (to `valid_to`, or open-ended; `parent` None: no parent
    from then on). The period in force the day before ends then; a period that would overlap a later one is
    refused. Unit.parent follows the parent today. One audit event with the periods before and after."""
    acting = _acting(actor)
    if effective_on is None:
        raise ValidationError({"effective_on": _("Hãy nhập ngày có hiệu lực.")})
    if valid_to is not None and valid_to < effective_on:
        raise ValidationError({"valid_to": _("Ngày kết thúc phải từ ngày có hiệu lực trở đi.")})
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if not is_in_force(unit, effective_on):
            raise ValidationError(
                {
                    "effective_on": _("Đơn vị «%(unit)s» không có hiệu lực vào ngày %(day)s.")
                    % {"unit": unit, "day": _day(effective_on)}
                }
            )
        if parent is not None:
            if parent.pk == unit.pk or unit in ancestors_on(parent, effective_on):
                raise ValidationError(
                    {
                        "parent": _(
                            "Đơn vị cấp trên không được là chính đơn vị này hoặc đơn vị cấp dưới của nó."
                        )
                    }
                )
            if not is_in_force(parent, effective_on):
                raise ValidationError(
                    {
                        "parent": _("Đơn vị cấp trên «%(unit)s» không có hiệu lực vào ngày %(day)s.")
                        % {"unit": parent, "day": _day(effective_on)}
                    }
                )
        _start_dated_tree(unit)
        before = _periods(unit)
        before_parent = unit.parent.code if unit.parent_id else None
        later = overlapping_periods(unit, effective_on, valid_to).filter(valid_from__gte=effective_on)
        if later.exists():
            first = later.order_by("valid_from").first()
            raise ValidationError(
                {
                    "effective_on": _(
                        "Giai đoạn mới chồng lên giai đoạn trực thuộc «%(parent)s» từ ngày %(day)s; "
                        "hãy chọn ngày có hiệu lực sau giai đoạn đó."
                    )
                    % {"parent": first.parent, "day": _day(first.valid_from)}
                }
            )
        # the period in force on the day (begun earlier): it ends the day before
        current = overlapping_periods(unit, effective_on, effective_on).first()
        if current is not None:
            if valid_to is not None and current.valid_to is not None and current.valid_to > valid_to:
                raise ValidationError(
                    {
                        "valid_to": _(
                            "Giai đoạn mới nằm giữa giai đoạn trực thuộc «%(parent)s» (đến ngày %(day)s): "
                            "không chia đôi một giai đoạn được."
                        )
                        % {"parent": current.parent, "day": _day(current.valid_to)}
                    }
                )
            current.valid_to = effective_on - ONE_DAY
            current.save(update_fields=["valid_to"])
        if parent is not None:
            period = UnitParentPeriod(unit=unit, parent=parent, valid_from=effective_on, valid_to=valid_to)
            period.full_clean()
            period.save()
        _sync_current_parent(unit)
        after = _periods(unit)
        after_parent = unit.parent.code if unit.parent_id else None
        if before == after:
            return unit
        audit.record(
            subject=unit,
            actor=acting,
            verb="unit_parent_changed",
            comment=comment,
            data={
                "unit": unit.code,
                "effective_on": effective_on.isoformat(),
                "new_parent": parent.code if parent else None,
                "changes": {"parent": [before_parent, after_parent], "parent_periods": [before, after]},
            },
        )
    return unit


def unit_end(
    *,
    unit: Unit,
    last_day: datetime.date,
    actor: audit.Actor,
    legal_act: str = "",
    comment: str = "",
) -> Unit:
    """End a unit's validity on `last_day` without a successor of its own (a district on the end of the
    district level: its powers pass to the communes, NĐ 129/2025); its parent periods end with it. Audited
    (`unit_ended`) with valid_to before and after; nothing recorded when it already ends that day."""
    acting = _acting(actor)
    if last_day is None:
        raise ValidationError({"valid_to": _("Hãy nhập ngày kết thúc hiệu lực.")})
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if unit.valid_from is not None and last_day < unit.valid_from:
            raise ValidationError(
                {
                    "valid_to": _(
                        "«%(unit)s» chỉ có hiệu lực từ ngày %(start)s: không kết thúc trước ngày đó được."
                    )
                    % {"unit": unit, "start": _day(unit.valid_from)}
                }
            )
        if unit.valid_to == last_day:
            return unit
        _start_dated_tree(unit)
        before = _iso(unit.valid_to)
        unit.valid_to = last_day
        unit.save(update_fields=["valid_to"])
        _close_parent_periods(unit, last_day)
        _sync_current_parent(unit)
        audit.record(
            subject=unit,
            actor=acting,
            verb="unit_ended",
            comment=comment,
            data={
                "unit": unit.code,
                "legal_act": legal_act,
                "changes": {"valid_to": [before, last_day.isoformat()]},
            },
        )
    return unit


def unit_succession_record(
    *,
    predecessors: Iterable[Unit],
    successor: Unit,
    kind: str,
    effective_on: datetime.date,
    actor: audit.Actor,
    legal_act: str = "",
    note: str = "",
    close_predecessors: bool = True,
) -> list[UnitSuccession]:
    """Record that `predecessors` continue as `successor` from `effective_on` (a merge, a split's part, a
    rename, an absorption), by `legal_act`. Unless told otherwise the predecessors' validity (and their parent
    periods) end the day before; the successor must be in force that day. One audit event on the successor
    with each predecessor's valid_to before and after."""
    acting = _acting(actor)
    predecessors = list(dict.fromkeys(predecessors))
    if kind not in SuccessionKind.values:
        raise ValidationError({"kind": _("Hình thức kế thừa không hợp lệ.")})
    if effective_on is None:
        raise ValidationError({"effective_on": _("Hãy nhập ngày có hiệu lực.")})
    if not predecessors:
        raise ValidationError({"predecessors": _("Hãy chọn ít nhất một đơn vị trước.")})
    if kind == SuccessionKind.RENAME and len(predecessors) != 1:
        raise ValidationError({"predecessors": _("Đổi tên chỉ có đúng một đơn vị trước.")})
    last_day = effective_on - ONE_DAY
    with transaction.atomic():
        successor = Unit.objects.select_for_update().get(pk=successor.pk)
        if not is_in_force(successor, effective_on):
            raise ValidationError(
                {
                    "successor": _("Đơn vị kế thừa «%(unit)s» không có hiệu lực vào ngày %(day)s.")
                    % {"unit": successor, "day": _day(effective_on)}
                }
            )
        ahead = successor_ids(successor) | {successor.pk}
        locked = list(Unit.objects.select_for_update().filter(pk__in=[p.pk for p in predecessors]))
        changes = {}
        links = []
        for predecessor in sorted(locked, key=lambda u: u.code):
            if predecessor.pk in ahead:
                raise ValidationError(
                    {
                        "predecessors": _(
                            "«%(unit)s» đã là đơn vị kế thừa của «%(successor)s» (hoặc chính nó): "
                            "kế thừa vòng tròn không được phép."
                        )
                        % {"unit": predecessor, "successor": successor}
                    }
                )
            if successor.pk in predecessor_ids(predecessor):
                raise ValidationError({"predecessors": _("Kế thừa vòng tròn không được phép.")})
            if UnitSuccession.objects.filter(predecessor=predecessor, successor=successor).exists():
                raise ValidationError(
                    {
                        "predecessors": _("Đã ghi nhận «%(unit)s» kế thừa bởi «%(successor)s».")
                        % {"unit": predecessor, "successor": successor}
                    }
                )
            if close_predecessors:
                if predecessor.valid_from is not None and predecessor.valid_from > last_day:
                    raise ValidationError(
                        {
                            "effective_on": _(
                                "«%(unit)s» chỉ có hiệu lực từ ngày %(start)s: không kết thúc trước ngày đó được."
                            )
                            % {"unit": predecessor, "start": _day(predecessor.valid_from)}
                        }
                    )
                if predecessor.valid_to is None or predecessor.valid_to > last_day:
                    _start_dated_tree(predecessor)
                    before = _iso(predecessor.valid_to)
                    predecessor.valid_to = last_day
                    predecessor.save(update_fields=["valid_to"])
                    _close_parent_periods(predecessor, last_day)
                    _sync_current_parent(predecessor)
                    changes[predecessor.code] = {"valid_to": [before, last_day.isoformat()]}
            link = UnitSuccession(
                predecessor=predecessor,
                successor=successor,
                kind=kind,
                effective_on=effective_on,
                legal_act=legal_act,
                note=note,
            )
            link.full_clean()
            link.save()
            links.append(link)
        audit.record(
            subject=successor,
            actor=acting,
            verb="unit_succession_recorded",
            comment=note,
            data={
                "unit": successor.code,
                "kind": kind,
                "effective_on": effective_on.isoformat(),
                "legal_act": legal_act,
                "predecessors": [link.predecessor.code for link in links],
                "changes": changes,
            },
        )
    return links
