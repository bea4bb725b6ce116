"""The demo's tree after 1 July 2025 (demo/data/can_tho.yaml, `reorganisation_2025`), laid over the 2023 tree
through the audited services of workflows.organisation_services: the three provinces merge into the new city
of Cần Thơ, three wards into phường Ninh Kiều, the districts end on 30/6/2025, and the units directly under
the old city continue under the new one. Idempotent: a step already in the data is not done again.
"""

from __future__ import annotations

from organisations.models import Unit, UnitSuccession
from organisations.timeline import is_in_force, parent_on
from workflows.audit import SYSTEM
from workflows.organisation_services import unit_end, unit_parent_change, unit_succession_record


def apply(data: dict) -> dict[str, Unit]:
    """Create the 2025 units, then record the successions, the ends and the moves that are not there yet."""
    units = _units(data["units"])
    units.update({unit.code: unit for unit in Unit.objects.all()})
    moved = data["moved"]
    # first the units that continue (their parent must be in force when they move), then the ends
    day = moved["effective_on"]
    new_parent = units[moved["parent"]]
    old_parent = units[moved["from_parent"]]
    ended = set(data["ended"]["units"]) | {
        code for link in data["successions"] for code in link["predecessors"]
    }
    for child in Unit.objects.filter(parent=old_parent).order_by("code"):
        child.refresh_from_db()
        if child.code in ended or not is_in_force(child, day):
            continue
        if parent_on(child, day) != new_parent:
            unit_parent_change(unit=child, parent=new_parent, effective_on=day, actor=SYSTEM)
    for link in data["successions"]:
        successor = units[link["successor"]]
        missing = [
            units[code]
            for code in link["predecessors"]
            if not UnitSuccession.objects.filter(predecessor=units[code], successor=successor).exists()
        ]
        if missing:
            unit_succession_record(
                predecessors=missing,
                successor=successor,
                kind=link["kind"],
                effective_on=link["effective_on"],
                legal_act=link.get("legal_act", ""),
                note=link.get("source", ""),
                actor=SYSTEM,
            )
    ends = data["ended"]
    for code in ends["units"]:
        unit = Unit.objects.get(code=code)
        if unit.valid_to != ends["last_day"]:
            unit_end(
                unit=unit,
                last_day=ends["last_day"],
                legal_act=ends.get("legal_act", ""),
                comment=ends.get("source", ""),
                actor=SYSTEM,
            )
    return {code: Unit.objects.get(pk=unit.pk) for code, unit in units.items()}


def _units(rows) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for row in rows:
        parent = Unit.objects.filter(code=row["parent"]).first() if row.get("parent") else None
        unit, _ = Unit.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "short_name": row.get("short_name", ""),
                "kind": row["kind"],
                "valid_from": row.get("valid_from"),
            },
            # the parent is the unit's first parent: later changes go through the dated tree
            create_defaults={
                "name": row["name"],
                "short_name": row.get("short_name", ""),
                "kind": row["kind"],
                "valid_from": row.get("valid_from"),
                "parent": parent,
            },
        )
        units[unit.code] = unit
    return units
