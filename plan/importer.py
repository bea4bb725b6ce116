"""Import a city plan from its YAML file (plan/data/plan_2023.yaml is the schema's reference).

Idempotent: rows are matched by the plan's year and the activities' numbers; only what differs is
written, and a second import of the same file writes nothing. Every error names the file and line.
Units the file lists are created when missing (existing units are left as they are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.db import transaction

from organisations.models import Unit, UnitKind
from plan.models import Activity, ActivityKind, Plan
from workflows import audit


class PlanFileError(Exception):
    """A problem in the plan file, with the line it is on."""


class _Mapping(dict):
    """A YAML mapping that remembers its own line and the line of each value."""

    line: int = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict = {}


class _List(list):
    line: int = 0


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    result = _Mapping()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise PlanFileError(f"dòng {key_node.start_mark.line + 1}: khóa «{key}» bị lặp")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = value_node.start_mark.line + 1
    return result


def _construct_sequence(loader, node):
    result = _List(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)

PLAN_FIELDS = ("year", "number", "title", "issuing_body", "issued_on")
ACTIVITY_FIELDS = ("number", "quarter", "content", "lead_unit", "kind", "due_date")


@dataclass
class ImportResult:
    plan: Plan
    created_units: list[str] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    plan_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created_units or self.created or self.updated or self.plan_changed)


class _Reader:
    def __init__(self, source: str):
        self.source = source

    def error(self, line: int, message: str) -> PlanFileError:
        return PlanFileError(f"{self.source}, dòng {line}: {message}")

    def mapping(self, parent, key, line_hint: int) -> _Mapping:
        value = self.require(parent, key, line_hint)
        if not isinstance(value, _Mapping):
            raise self.error(parent.lines.get(key, line_hint), f"«{key}» phải là một bảng khóa: giá trị")
        return value

    def require(self, parent: _Mapping, key: str, line_hint: int | None = None):
        if key not in parent or parent[key] in (None, ""):
            raise self.error(parent.line or line_hint or 1, f"thiếu trường bắt buộc «{key}»")
        return parent[key]

    def text(self, parent: _Mapping, key: str, required: bool = True) -> str:
        value = self.require(parent, key) if required else parent.get(key)
        if value is None:
            return ""
        if not isinstance(value, str | int):
            raise self.error(parent.lines[key], f"«{key}» phải là chuỗi ký tự")
        return str(value).strip()

    def day(self, parent: _Mapping, key: str, required: bool = True) -> date | None:
        value = self.require(parent, key) if required else parent.get(key)
        if value is None:
            return None
        if not isinstance(value, date):
            raise self.error(parent.lines[key], f"«{key}» phải là ngày dạng YYYY-MM-DD, gặp «{value}»")
        return value

    def integer(self, parent: _Mapping, key: str, low: int, high: int) -> int:
        value = self.require(parent, key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.error(
                parent.lines[key], f"«{key}» phải là số nguyên từ {low} đến {high}, gặp «{value}»"
            )
        return value


def load(path: str | Path) -> _Mapping:
    """Parse the file; YAML syntax errors name their line too."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanFileError(f"{path}: không đọc được tệp ({exc.strerror})") from exc
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except PlanFileError as exc:
        raise PlanFileError(f"{path}, {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"dòng {mark.line + 1}" if mark else "?"
        raise PlanFileError(f"{path}, {where}: lỗi cú pháp YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, _Mapping):
        raise PlanFileError(
            f"{path}, dòng 1: tệp phải là một bảng với các khóa version, plan, units, activities"
        )
    return data


def parse(path: str | Path) -> dict:
    """Read and validate the whole file into plain values before anything touches the database."""
    reader = _Reader(str(path))
    data = load(path)
    version = data.get("version")
    if version != 1:
        raise reader.error(
            data.lines.get("version", 1), f"phiên bản tệp không được hỗ trợ: «{version}» (cần 1)"
        )
    plan_node = reader.mapping(data, "plan", 1)
    duties = plan_node.get("duties") or []
    if not isinstance(duties, list) or not all(isinstance(d, str) for d in duties):
        raise reader.error(plan_node.lines.get("duties", plan_node.line), "«duties» phải là danh sách chuỗi")
    plan = {
        "year": reader.integer(plan_node, "year", 2000, 2100),
        "number": reader.text(plan_node, "number"),
        "title": reader.text(plan_node, "title"),
        "issuing_body": reader.text(plan_node, "issuing_body"),
        "issued_on": reader.day(plan_node, "issued_on"),
        "purposes": reader.text(plan_node, "purposes", required=False),
        "requirements": reader.text(plan_node, "requirements", required=False),
        "duties": [d.strip() for d in duties],
    }
    units = {}
    for row in data.get("units") or []:
        if not isinstance(row, _Mapping):
            raise reader.error(
                getattr(data.get("units"), "line", 1), "mỗi đơn vị phải là một bảng khóa: giá trị"
            )
        code = reader.text(row, "code")
        if code in units:
            raise reader.error(row.lines["code"], f"mã đơn vị «{code}» bị lặp")
        kind = reader.text(row, "kind")
        if kind not in UnitKind.values:
            raise reader.error(row.lines["kind"], f"loại đơn vị không hợp lệ: «{kind}»")
        parent = row.get("parent")
        if parent is not None and parent not in units:
            raise reader.error(row.lines["parent"], f"đơn vị cấp trên «{parent}» phải được khai báo trước")
        units[code] = {
            "name": reader.text(row, "name"),
            "short_name": reader.text(row, "short_name", False),
            "kind": kind,
            "parent": parent,
            "line": row.line,
        }
    activity_rows = data.get("activities")
    if not isinstance(activity_rows, list) or not activity_rows:
        raise reader.error(data.lines.get("activities", data.line), "thiếu danh sách «activities»")
    activities = []
    seen = {}
    known_units = set(units) | set(Unit.objects.values_list("code", flat=True))
    for row in activity_rows:
        if not isinstance(row, _Mapping):
            raise reader.error(activity_rows.line, "mỗi hoạt động phải là một bảng khóa: giá trị")
        number = reader.integer(row, "number", 1, 999)
        if number in seen:
            raise reader.error(
                row.lines["number"], f"số thứ tự {number} bị lặp (đã có ở dòng {seen[number]})"
            )
        seen[number] = row.lines["number"]
        quarter = reader.integer(row, "quarter", 1, 4)
        kind = reader.text(row, "kind")
        if kind not in ActivityKind.values:
            raise reader.error(row.lines["kind"], f"loại hoạt động không hợp lệ: «{kind}»")
        lead = reader.text(row, "lead_unit")
        if lead not in known_units:
            raise reader.error(
                row.lines["lead_unit"], f"đơn vị chủ trì «{lead}» không có trong danh sách đơn vị"
            )
        coordinating = row.get("coordinating_units") or []
        if not isinstance(coordinating, list):
            raise reader.error(
                row.lines["coordinating_units"], "«coordinating_units» phải là danh sách mã đơn vị"
            )
        for code in coordinating:
            if code not in known_units:
                raise reader.error(
                    row.lines["coordinating_units"],
                    f"đơn vị phối hợp «{code}» không có trong danh sách đơn vị",
                )
        due = reader.day(row, "due_date")
        if due.year != plan["year"] or (due.month - 1) // 3 + 1 != quarter:
            raise reader.error(
                row.lines["due_date"],
                f"thời hạn {due.isoformat()} không thuộc quý {quarter} năm {plan['year']}",
            )
        activities.append(
            {
                "number": number,
                "quarter": quarter,
                "content": reader.text(row, "content"),
                "kind": kind,
                "lead_unit": lead,
                "coordinating_units": sorted(set(coordinating)),
                "coordinates_with_related_agencies": bool(row.get("coordinates_with_related_agencies")),
                "lead_note": reader.text(row, "lead_note", required=False),
                "due_text": reader.text(row, "due_text", required=False),
                "due_date": due,
            }
        )
    return {"plan": plan, "units": units, "activities": activities}


def _differences(obj, values: dict) -> dict:
    return {key: [getattr(obj, key), value] for key, value in values.items() if getattr(obj, key) != value}


@transaction.atomic
def import_plan(path: str | Path, *, actor: audit.Actor = audit.SYSTEM) -> ImportResult:
    """Create or bring up to date the plan in `path`; audit each change; write nothing when nothing differs."""
    parsed = parse(path)
    created_units = _create_missing_units(parsed["units"], actor)
    units = {unit.code: unit for unit in Unit.objects.all()}
    values = parsed["plan"]
    plan = Plan.objects.filter(year=values["year"]).first()
    result = ImportResult(plan=plan, created_units=created_units)
    if plan is None:
        plan = Plan.objects.create(**values)
        result.plan, result.plan_changed = plan, True
        audit.record(subject=plan, actor=actor, verb="plan_imported", data={"file": Path(path).name})
    else:
        changes = _differences(plan, values)
        if changes:
            for key, (_old, new) in changes.items():
                setattr(plan, key, new)
            plan.save(update_fields=list(changes))
            result.plan_changed = True
            audit.record(
                subject=plan,
                actor=actor,
                verb="plan_updated_from_file",
                data={"file": Path(path).name, "changes": changes},
            )
    existing = {
        activity.number: activity for activity in plan.activities.prefetch_related("coordinating_units")
    }
    for row in parsed["activities"]:
        _import_activity(plan, row, existing.get(row["number"]), units, actor, result)
    return result


def _create_missing_units(rows: dict, actor: audit.Actor) -> list[str]:
    created = []
    for code, row in rows.items():
        if Unit.objects.filter(code=code).exists():
            continue
        parent = Unit.objects.get(code=row["parent"]) if row["parent"] else None
        unit = Unit.objects.create(
            code=code, name=row["name"], short_name=row["short_name"], kind=row["kind"], parent=parent
        )
        audit.record(subject=unit, actor=actor, verb="unit_created_from_plan_file", data={"code": code})
        created.append(code)
    return created


def _import_activity(plan, row, activity, units, actor, result: ImportResult) -> None:
    values = {
        "quarter": row["quarter"],
        "content": row["content"],
        "kind": row["kind"],
        "lead_unit_id": units[row["lead_unit"]].pk,
        "coordinates_with_related_agencies": row["coordinates_with_related_agencies"],
        "lead_note": row["lead_note"],
        "due_text": row["due_text"],
        "planned_due_date": row["due_date"],
    }
    coordinating = sorted(units[code].pk for code in row["coordinating_units"])
    if activity is None:
        activity = Activity.objects.create(
            plan=plan, number=row["number"], due_date=row["due_date"], **values
        )
        activity.coordinating_units.set(coordinating)
        result.created.append(activity.number)
        audit.record(
            subject=activity,
            actor=actor,
            verb="imported",
            data={"values": values, "coordinating_units": row["coordinating_units"]},
        )
        return
    changes = _differences(activity, values)
    # The current due date follows the file only while no postponement has moved it.
    if activity.due_date == activity.planned_due_date and activity.due_date != row["due_date"]:
        changes["due_date"] = [activity.due_date, row["due_date"]]
    current = sorted(unit.pk for unit in activity.coordinating_units.all())
    if current != coordinating:
        changes["coordinating_units"] = [current, coordinating]
    if not changes:
        return
    for key, (_old, new) in changes.items():
        if key != "coordinating_units":
            setattr(activity, key, new)
    fields = [key for key in changes if key != "coordinating_units"]
    if fields:
        activity.save(update_fields=[key.removesuffix("_id") for key in fields])
    if "coordinating_units" in changes:
        activity.coordinating_units.set(coordinating)
    result.updated.append(activity.number)
    audit.record(subject=activity, actor=actor, verb="updated_from_file", data={"changes": changes})
