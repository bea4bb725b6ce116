from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhook cho hệ thống liên thông")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import (
            audit_labels,  # noqa: F401  (labels of the webhook verbs)
            policies,  # noqa: F401  (registers the webhook policies in the permission layer)
        )
