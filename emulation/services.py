"""Drafting the year's division: groups with members, head and deputy; council members overseeing a group."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import Unit
from workflows import audit
from workflows.models import COUNCIL_ROLES, Membership
from workflows.policies import require
from workflows.roles import active_q

from .models import Division, DivisionState, EmulationGroup
from .policies import may_assign_group_overseer, may_draft_division, may_open_division


@transaction.atomic
def division_open(*, year: int, actor: audit.Actor) -> Division:
    """The Board opens a year's division before (or without) the plan activity that announces it."""
    actor = require(may_open_division, actor)
    division, created = Division.objects.get_or_create(year=year)
    if created:
        audit.record(subject=division, actor=actor, verb="created", data={"year": year})
    return division


@transaction.atomic
def group_add(
    *, division: Division, kind: str, name: str, members, head_unit, deputy_unit=None, actor: audit.Actor
) -> EmulationGroup:
    """The Board drafts one cluster or block; a unit belongs to one group a year; head and deputy are members."""
    actor = require(may_draft_division, actor, division)
    division = Division.objects.select_for_update().get(pk=division.pk)
    if division.state != DivisionState.DRAFT:
        raise ValidationError({"name": _("Phân chia đã được thông báo, không thể sửa.")})
    members = list(members)
    member_ids = {unit.pk for unit in members}
    errors = {}
    if head_unit.pk not in member_ids:
        errors["head_unit"] = _("Đơn vị Trưởng phải là thành viên.")
    if deputy_unit is not None and (deputy_unit.pk not in member_ids or deputy_unit.pk == head_unit.pk):
        errors["deputy_unit"] = _("Đơn vị Phó phải là thành viên khác đơn vị Trưởng.")
    taken = sorted(
        set(
            Unit.objects.filter(pk__in=member_ids, emulation_groups__year=division.year).values_list(
                "name", flat=True
            )
        )
    )
    if taken:
        errors["members"] = _("Đã thuộc Cụm, Khối khác năm %(year)s: %(units)s.") % {
            "year": division.year,
            "units": ", ".join(taken),
        }
    if EmulationGroup.objects.filter(year=division.year, name=name.strip()).exists():
        errors["name"] = _("Tên Cụm, Khối đã có.")
    if errors:
        raise ValidationError(errors)
    group = EmulationGroup.objects.create(
        division=division,
        year=division.year,
        kind=kind,
        name=name.strip(),
        head_unit=head_unit,
        deputy_unit=deputy_unit,
    )
    group.members.set(members)
    audit.record(
        subject=division,
        actor=actor,
        verb="group_added",
        data={
            "group": group.name,
            "kind": kind,
            "members": sorted(u.code for u in members),
            "head": head_unit.code,
            "deputy": deputy_unit.code if deputy_unit else None,
        },
    )
    return group


@transaction.atomic
def group_assign_overseer(*, group: EmulationGroup, member, actor: audit.Actor) -> None:
    """The Board head assigns a council member to oversee a cluster or block (plan section III.2)."""
    actor = require(may_assign_group_overseer, actor, group)
    if not Membership.objects.filter(
        active_q(timezone.localdate()), user=member, role__in=COUNCIL_ROLES
    ).exists():
        raise ValidationError({"member": _("Người được phân công phải là thành viên hội đồng.")})
    if group.overseers.filter(pk=member.pk).exists():
        return
    group.overseers.add(member)
    audit.record(
        subject=group.division,
        actor=actor,
        verb="overseer_assigned",
        data={"group": group.name, "member": member.username},
    )
