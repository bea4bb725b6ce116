from django.apps import AppConfig


class PeersConfig(AppConfig):
    """Bench-only peers of the engine (installed by project/settings_bench.py only, never in the product)."""

    name = "benchmarks.peers"
    label = "bench_peers"
    default_auto_field = "django.db.models.BigAutoField"
