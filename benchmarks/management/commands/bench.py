"""`manage.py bench`: measure the engine on SQLite and PostgreSQL in throwaway databases.

Each part runs in its own worker process (its own database, its own peak memory); figures are medians of
repeats taken within one run. Prints a table and writes bench-results.json (flat keys, numbers).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def _postgres_admin_url() -> str | None:
    """A PostgreSQL URL to create throwaway databases on: DATABASE_URL if it is one, else the local server."""
    import psycopg

    configured = os.environ.get("DATABASE_URL", "")
    candidates = [configured] if configured.startswith("postgres") else []
    candidates.append(LOCAL_POSTGRES)
    for url in candidates:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


class Command(BaseCommand):
    help = "Benchmark the engine (see docs/benchmarks.md). --quick for a short development run."

    def add_arguments(self, parser):
        parser.add_argument("--quick", action="store_true")
        parser.add_argument("--parts", default="", help="comma-separated part names (default: all)")
        parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "bench-results.json"))
        parser.add_argument("--worker", default="", help=f"internal: run one part here ({sys.argv[0]})")

    def handle(self, *args, quick, parts, no_postgres, output, worker, **options):
        if worker:
            return self._worker(worker, quick)
        from benchmarks.parts import PARTS

        names = [p for p in parts.split(",") if p] or list(PARTS)
        unknown = set(names) - set(PARTS)
        if unknown:
            raise CommandError(f"unknown parts: {', '.join(sorted(unknown))}; known: {', '.join(PARTS)}")
        targets = [("sqlite", None)]
        admin_url = None if no_postgres else _postgres_admin_url()
        if admin_url:
            targets.append(("postgres", admin_url))
        else:
            self.stdout.write(self.style.WARNING("PostgreSQL not reachable: measuring SQLite only."))
        results: dict[str, float] = {}
        self._templates = {}
        try:
            for vendor, url in targets:  # migrated once per database; each part starts from a copy
                self._templates[vendor] = self._migrated_template(vendor, url)
            for name in names:
                for vendor, url in targets:
                    self.stdout.write(f"… {name} on {vendor}")
                    figures = self._run_worker(name, vendor, url, quick)
                    self._merge(results, figures, vendor)
        finally:
            self._drop_templates(admin_url)
        results["quick"] = 1 if quick else 0
        results["measured_at_unix"] = int(time.time())
        Path(output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        self._table(results)
        self.stdout.write(self.style.SUCCESS(f"wrote {output}"))

    @staticmethod
    def _merge(results: dict, figures: dict, vendor: str) -> None:
        for key, value in figures.items():
            results[
                key
                if key.startswith("verify_audit_") and key.endswith("_s") and vendor == "postgres"
                else f"{key}_{vendor}"
            ] = value

    def _bench_env(self) -> dict:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings_bench"}
        env.pop("CELERY_BROKER_URL", None)
        return env

    def _migrated_template(self, vendor: str, admin_url: str | None) -> str:
        """A database migrated once (a SQLite file, or a PostgreSQL database used as TEMPLATE): the parts start
        from copies of it instead of migrating afresh (eight seconds a part, the most of a quick run)."""
        env = self._bench_env()
        if vendor == "sqlite":
            folder = tempfile.mkdtemp(prefix="tdkt-bench-template-")
            path = f"{folder}/template.sqlite3"
            env["DATABASE_URL"] = f"sqlite:///{path}"
            target = path
        else:
            import psycopg

            target = f"tdkt_bench_template_{os.getpid()}"
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
                conn.execute(f'CREATE DATABASE "{target}"')
            env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{target}"
        subprocess.run(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "migrate", "--noinput", "-v0"],
            env=env,
            cwd=settings.BASE_DIR,
            check=True,
        )
        return target

    def _drop_templates(self, admin_url: str | None) -> None:
        template = self._templates.get("postgres")
        if template and admin_url:
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')

    def _run_worker(self, name: str, vendor: str, admin_url: str | None, quick: bool) -> dict:
        env = self._bench_env()
        env["DJANGO_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="tdkt-bench-media-")
        cleanup = None
        template = getattr(self, "_templates", {}).get(vendor)
        if vendor == "sqlite":
            folder = tempfile.mkdtemp(prefix="tdkt-bench-")
            if template:  # with its write-ahead log, if the migrating process left one
                for suffix in ("", "-wal", "-shm"):
                    if Path(template + suffix).exists():
                        shutil.copyfile(template + suffix, f"{folder}/bench.sqlite3{suffix}")
            env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        else:
            import psycopg

            db_name = f"tdkt_bench_{name}_{os.getpid()}"
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
                conn.execute(f'CREATE DATABASE "{db_name}"' + (f' TEMPLATE "{template}"' if template else ""))
            env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{db_name}"

            def cleanup():
                with psycopg.connect(admin_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')

        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--worker", name]
        if quick:
            command.append("--quick")
        try:
            completed = subprocess.run(
                command, env=env, capture_output=True, text=True, cwd=settings.BASE_DIR
            )
        finally:
            if cleanup:
                cleanup()
        if completed.returncode != 0:
            raise CommandError(f"part {name} on {vendor} failed:\n{completed.stderr[-4000:]}")
        last_line = completed.stdout.strip().splitlines()[-1]
        return json.loads(last_line)

    def _worker(self, name: str, quick: bool) -> None:
        from benchmarks.parts import PARTS

        call_command("migrate", verbosity=0, interactive=False)
        figures = PARTS[name](quick)
        figures[f"peak_rss_mb_{name}"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        self.stdout.write(json.dumps(figures))

    def _table(self, results: dict) -> None:
        width = max(len(k) for k in results) + 2
        self.stdout.write("")
        self.stdout.write(f"{'figure'.ljust(width)}value")
        for key in sorted(results):
            self.stdout.write(f"{key.ljust(width)}{results[key]}")
        self.stdout.write("")
