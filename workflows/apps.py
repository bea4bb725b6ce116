from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Quy trình và nhật ký")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import (
            audit_labels,  # noqa: F401  (labels of workflows' own audit verbs)
            language,  # noqa: F401  (applies a user's own language at login)
            tokens,  # noqa: F401  (revokes API keys when a password changes)
        )
        from .checks import audit_checkpoints_configured  # noqa: F401  (registers the audit checks)
        from .sqlite_text import register

        connection_created.connect(register, dispatch_uid="workflows.sqlite_text")
