"""System checks of the audit checkpoint settings (`manage.py check`, `check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def audit_keys_readable(app_configs=None, **kwargs):
    """A malformed key is an error everywhere: checkpoints could neither be signed nor verified."""
    from .checkpoints import CheckpointError, trusted_keys

    try:
        trusted_keys()
    except (CheckpointError, ValueError) as exc:
        return [checks.Error(f"audit checkpoint keys: {exc}", id="workflows.E101")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def audit_checkpoints_configured(app_configs=None, **kwargs):
    problems = []
    if not settings.AUDIT_SIGNING_KEY:
        problems.append(
            checks.Error(
                "AUDIT_SIGNING_KEY is not set: no audit checkpoint can be signed, so a rewritten, truncated "
                "or wiped audit log can go unnoticed.",
                hint="Generate one with `manage.py audit_checkpoint --new-key` (docs/operations.md).",
                id="workflows.E102",
            )
        )
    elif getattr(settings, "AUDIT_SIGNING_KEY_IS_DEVELOPMENT", False):
        problems.append(
            checks.Error(
                "AUDIT_SIGNING_KEY is the development key derived from the secret key.",
                hint="Set a key of its own: `manage.py audit_checkpoint --new-key`.",
                id="workflows.E103",
            )
        )
    if not settings.AUDIT_CHECKPOINT_DIR:
        problems.append(
            checks.Error(
                "AUDIT_CHECKPOINT_DIR is not set: checkpoints need a copy outside the database.",
                hint="A directory the application can write and a backup job copies off the machine.",
                id="workflows.E104",
            )
        )
    return problems
