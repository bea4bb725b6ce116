"""The layers (issue 13): the engine core `workflows/` imports no app built on it, and the demo data and the
benchmarks sit on top, imported by no app.

Layers, bottom to top: `organisations` (units, councils, terms) and the engine core `workflows`; the domain
apps built on the engine (`councils`, `dossiers`, `emulation`, `innovation`, `plan`); `demo` and
`benchmarks`, which use them all. An import may only go down. The scan reads every import statement with
`ast` (also the ones inside functions) and every `importlib.import_module("…")` with a literal name, so a
lazy import cannot slip past it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "workflows"

#: Top-level packages the engine core must not import (`plan` is the annual plan's own app since issue 13).
ABOVE_THE_CORE = {"councils", "dossiers", "emulation", "innovation", "plan", "webhooks", "demo", "benchmarks"}

#: Paths of workflows/ not scanned because they are about to move out (each must still exist). Empty: the
#: annual plan has moved to its own app `plan/` (issue 13); its old migration 0003_plan stays in workflows/
#: (the history of the tables) and is scanned like the rest: it imports nothing from `plan`.
SCHEDULED_TO_MOVE: tuple[str, ...] = ()

#: Known exceptions, as (file under the repository root, imported top-level package): why each one remains.
#: Empty today. An entry that no longer matches an import fails the test, so the list can only shrink.
ALLOWED: dict[tuple[str, str], str] = {}

#: Apps on the top layer: nothing but themselves and the tests may import them.
TOP = {"demo", "benchmarks"}


def _imported_packages(path: Path) -> set[str]:
    """The top-level packages that the module imports (absolute imports only: relative ones stay inside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "import_module"
                or isinstance(node.func, ast.Name)
                and node.func.id in {"import_module", "__import__"}
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.split(".")[0])
    return names


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _scheduled_to_move(path: Path) -> bool:
    name = _relative(path)
    return any(name == moving or name.startswith(moving + "/") for moving in SCHEDULED_TO_MOVE)


def _core_files() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts and not _scheduled_to_move(p))


def test_the_scanner_sees_imports_inside_functions_and_import_module(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "import os.path\n"
        "from . import sibling\n"
        "from workflows.audit import record\n"
        "def lazy():\n"
        "    from dossiers.models import Dossier\n"
        "    import councils.services\n"
        "    importlib.import_module('innovation.models')\n"
        "    return import_module('emulation')\n",
        encoding="utf-8",
    )
    assert _imported_packages(module) == {
        "os",
        "workflows",
        "dossiers",
        "councils",
        "innovation",
        "emulation",
    }


def test_the_engine_core_imports_no_app_built_on_it():
    files = _core_files()
    assert CORE / "engine.py" in files and CORE / "audit.py" in files  # the scan does reach the core
    found = {
        (_relative(path), package) for path in files for package in _imported_packages(path) & ABOVE_THE_CORE
    }
    unexpected = sorted(found - set(ALLOWED))
    assert not unexpected, (
        "the engine core (workflows/) imports an app built on it; invert the dependency (a registry the app "
        "fills in its AppConfig.ready(), as workflows.processes does) instead of importing it: "
        + ", ".join(f"{name} imports {package}" for name, package in unexpected)
    )
    stale = sorted(set(ALLOWED) - found)
    assert not stale, f"no longer imported, remove from ALLOWED: {stale}"


def test_the_paths_excluded_until_the_plan_moves_still_exist():
    missing = [name for name in SCHEDULED_TO_MOVE if not (ROOT / name).exists()]
    assert not missing, (
        f"moved out of workflows/: remove from SCHEDULED_TO_MOVE so the rest is scanned: {missing}"
    )


def test_no_app_imports_the_demo_data_or_the_benchmarks():
    offenders = []
    for package in sorted(p.parent for p in ROOT.glob("*/__init__.py")):
        if package.name in TOP | {"tests", ".venv"}:
            continue
        for path in sorted(package.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            for imported in sorted(_imported_packages(path) & TOP):
                offenders.append(f"{_relative(path)} imports {imported}")
    assert not offenders, "demo/ and benchmarks/ are the top layer; nothing may import them: " + ", ".join(
        offenders
    )


#: Every app of the project and its layer (docs/architecture.md): an import may go to a lower layer, or stay
#: in its own app. Apps on the same layer do not import each other.
LAYERS = {
    "organisations": 0,
    "workflows": 1,
    "councils": 2,
    "plan": 2,
    "webhooks": 2,
    "dossiers": 3,
    "emulation": 3,
    "innovation": 4,
    "demo": 5,
    "benchmarks": 5,
    "project": 6,
}


def test_every_import_between_the_apps_goes_down():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages <= set(LAYERS), (
        f"add the new app to LAYERS (docs/architecture.md): {packages - set(LAYERS)}"
    )
    upward = []
    for app, layer in LAYERS.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            for imported in sorted(_imported_packages(path) & set(LAYERS) - {app}):
                if LAYERS[imported] >= layer:
                    upward.append(
                        f"{_relative(path)} ({app}, layer {layer}) imports {imported} (layer {LAYERS[imported]})"
                    )
    assert not upward, "an import goes up or sideways (docs/architecture.md): " + "; ".join(upward)
