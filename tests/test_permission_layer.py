"""One permission layer (issue 13): nothing outside it reads roles to decide who may do what.

The layer is workflows/policies.py (its primitives and workflows' own policies) and each app's policies.py
(the app's named policies, registered with @policy); workflows/roles.py resolves memberships and delegations
into authorities for it, and the engine asks it for transitions (workflows/lifecycle.py RoleRule → by_role).
Everywhere else (views, API, serializers, services, selectors, forms, templates' context, middleware) asks a
policy. The scan reads every call with `ast`: a call of a role-reading helper, a read of `.is_superuser` or
`.has_perm(` outside the layer fails, and so does a `Role.X in held` style test of a user's roles.
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

#: The helpers that read a user's roles; only the layer calls them.
ROLE_READERS = {
    "has_role",
    "find_authority",
    "acting_role",
    "authorities_of",
    "can_read_everything",
    "is_board",
    "is_administrator",
    "held_roles",
    "unit_ids_with",
    "council_term_ids_of",
    "by_role",
}
#: The layer itself, and the engine's use of it (RoleRule in lifecycle; the engine's row lock fetches the
#: authorities in the same statement, the inbox selectors ask which transitions a user's roles reach).
LAYER = {
    "workflows/policies.py",
    "workflows/roles.py",
    "workflows/lifecycle.py",
    "workflows/engine.py",
}


def _in_layer(relative: str) -> bool:
    return relative in LAYER or relative.endswith("/policies.py")


def _files(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or _in_layer(relative):
            continue
        yield relative, path


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name in ROLE_READERS:
                found.append(f"line {node.lineno}: {name}(…)")
            elif name == "has_perm":
                found.append(f"line {node.lineno}: .has_perm(…)")
        elif (
            isinstance(node, ast.Attribute) and node.attr == "is_superuser" and isinstance(node.ctx, ast.Load)
        ):
            found.append(f"line {node.lineno}: .is_superuser")
    return found


#: Known places that still decide by themselves, as {file: reason}. Empty: every decision is the layer's. An
#: entry whose file no longer offends fails the test, so the list can only shrink.
ALLOWED: dict[str, str] = {
    # the user-administration forms list accounts that may be given a role: a superuser is an IT
    # administrator, never a domain actor, so they are left out of the choices (a query filter, not a decision)
}


@pytest.mark.parametrize("app", APPS)
def test_no_role_decisions_outside_the_permission_layer(app):
    wrong = []
    for relative, path in _files(app):
        offences = _offences(path)
        if offences and relative not in ALLOWED:
            wrong.append(f"{relative}: " + ", ".join(offences))
    assert not wrong, (
        "these modules decide from roles by themselves; ask a policy of the permission layer "
        "(workflows/policies.py or the app's policies.py) instead:\n" + "\n".join(wrong)
    )


def test_allowed_entries_still_offend():
    stale = [relative for relative in ALLOWED if not _offences(ROOT / relative)]
    assert not stale, f"remove these from ALLOWED, they no longer offend: {stale}"


def test_every_policy_is_named_may_and_documented(db):
    from workflows.policies import REGISTRY

    assert len(REGISTRY) > 10
    for name, entry in REGISTRY.items():
        assert name.startswith("may_"), name
        assert entry.description, f"{name} has no description"


def test_a_superuser_without_a_role_is_refused_by_every_domain_policy(db):
    """An IT administrator holds no domain power: every policy but the administrator's own (configuration,
    reading, the audit check, the API menu) refuses a superuser with no membership."""
    from django.contrib.auth import get_user_model

    from workflows.policies import REGISTRY

    admin_powers = {
        "may_read_everything",
        "may_change_configuration",
        "may_verify_audit",
        "may_use_api_docs",
        "may_view_unit",
        "may_view_council_term",
        "may_read_history",
    }
    admin = get_user_model().objects.create_superuser("root-policy", "root@example.org", "x")
    granted = []
    for name, entry in REGISTRY.items():
        if name in admin_powers or name.startswith(("may_manage_", "may_administer_")):
            continue
        if name.startswith(("may_read_", "may_view_")):
            continue  # reading: an administrator reads everything (may_read_everything); no decision is taken
        try:
            decision = entry(admin, None)
        except (AttributeError, TypeError, ValueError):
            continue  # needs a real object; the per-app tests ask those with one
        if decision.allowed:
            granted.append(name)
    assert not granted, f"a superuser with no role is allowed: {granted}"


def test_docs_permissions_md_is_the_current_table(db):
    """docs/permissions.md is `manage.py policies`'s output: regenerate it when a policy or a rule changes
    (`.venv/bin/python manage.py policies > docs/permissions.md`)."""
    from django.utils import translation

    from workflows.management.commands.policies import permission_table

    with translation.override("vi"):
        current = permission_table()
    written = (ROOT / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert written == current, "docs/permissions.md is stale: run manage.py policies > docs/permissions.md"
