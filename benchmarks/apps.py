from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchmarksConfig(AppConfig):
    """The benchmarks (`manage.py bench`, docs/benchmarks.md) and the load generator (`manage.py
    generate_load`). No models: it builds on the engine and the domain apps and nothing imports it."""

    name = "benchmarks"
    verbose_name = _("Đo hiệu năng")
