"""Services are the only writers (issue 13): views, the API, the admin, forms, selectors, template tags,
middleware, management commands and Celery tasks call a service to change data; they never save, create,
update or delete a model themselves. Services audit what they write (one `audit.record()`), so a write
elsewhere would be a change without an audit event.

The scan reads those entry-point modules with `ast` and fails on
- `.save(…)` and `.delete(…)` on anything (a model instance or a form whose save writes one), and
- `.create / .update / .bulk_create / .bulk_update / .get_or_create / .update_or_create / .delete` on a manager
  or queryset (a call chain that goes through `.objects`, `.filter(…)`, `.exclude(…)`, `.all()` or
  `.select_for_update()`), which tells them apart from `dict.update`.
Migrations, the demo data, the benchmarks and the tests are not entry points and are not scanned.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "organisations",
    "workflows",
    "councils",
    "dossiers",
    "emulation",
    "innovation",
    "plan",
    "webhooks",
    "project",
)

#: File names (or directories) that are entry points, not services.
ENTRY_POINTS = (
    "views.py",
    "api.py",
    "admin.py",
    "forms.py",
    "serializers.py",
    "selectors.py",
    "tasks.py",
    "middleware.py",
    "context_processors.py",
    "urls.py",
    "exports.py",
)
ENTRY_DIRS = ("management/commands/", "templatetags/")

INSTANCE_WRITES = {"save", "delete"}
QUERY_WRITES = {
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "delete",
}
QUERYSET_STEPS = {"objects", "filter", "exclude", "all", "select_for_update", "using", "get_queryset"}

#: Known writes outside services, as {(file, line text stripped): why it is not a data write}. An entry that no
#: longer matches fails the test, so the list can only shrink.
ALLOWED: dict[tuple[str, str], str] = {
    ("plan/views.py", "workbook.save(buffer)"): "an openpyxl workbook written to the response, not a model",
    (
        "workflows/exports.py",
        "book.save(buffer)",
    ): "an openpyxl workbook written to the response, not a model",
    ("workflows/admin.py", "instances = formset.save(commit=False)"): (
        "commit=False only builds the inline objects; config_save / config_delete write them, audited"
    ),
}


def _entry_point(relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return name in ENTRY_POINTS or name.endswith("_views.py") or any(part in relative for part in ENTRY_DIRS)


def _chain(node) -> list[str]:
    """The attribute and call names a receiver is built from: `A.objects.filter(x).update` → [A, objects, filter]."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


def _writes(path: Path) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        receiver = _chain(node.func.value)
        if method in INSTANCE_WRITES and not (set(receiver) & QUERYSET_STEPS):
            found.append((node.lineno, lines[node.lineno - 1].strip()))
        elif method in QUERY_WRITES and set(receiver) & QUERYSET_STEPS:
            found.append((node.lineno, lines[node.lineno - 1].strip()))
    return found


def _scanned():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative and _entry_point(relative):
                yield app, relative, path


@pytest.mark.parametrize("app", APPS)
def test_entry_points_write_only_through_services(app):
    wrong = []
    for owner, relative, path in _scanned():
        if owner != app:
            continue
        for lineno, text in _writes(path):
            if (relative, text) not in ALLOWED:
                wrong.append(f"{relative}:{lineno}: {text}")
    assert not wrong, "these entry points write data themselves; call a service instead:\n" + "\n".join(wrong)


def test_allowed_writes_still_exist():
    present = {(relative, text) for _app, relative, path in _scanned() for _lineno, text in _writes(path)}
    stale = sorted(set(ALLOWED) - present)
    assert not stale, f"remove these from ALLOWED, they are gone: {stale}"


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """The scan itself: each kind of write is found, and a dict's update is not."""
    probe = tmp_path / "views.py"
    probe.write_text(
        "def view(request, obj, form, Model):\n"
        "    obj.save()\n"
        "    form.save()\n"
        "    Model.objects.create(a=1)\n"
        "    Model.objects.filter(a=1).update(a=2)\n"
        "    Model.objects.filter(a=1).delete()\n"
        "    obj.delete()\n"
        "    context = {}\n"
        "    context.update(a=1)\n"
        "    context.setdefault('x', {}).update(b=2)\n",
        encoding="utf-8",
    )
    assert [lineno for lineno, _text in _writes(probe)] == [2, 3, 4, 5, 6, 7]
