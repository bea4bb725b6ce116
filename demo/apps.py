from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The Cần Thơ demo data (`manage.py seed_demo` and the per-app seed commands it runs). No models: it
    builds on every domain app and nothing imports it."""

    name = "demo"
    verbose_name = _("Dữ liệu trình diễn")
