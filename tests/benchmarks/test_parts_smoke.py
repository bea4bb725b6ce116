"""Smoke tests of the concurrency, incremental-verification and year-round parts: each runs through the bench
runner (its own worker process on a throwaway SQLite database) at BENCH_TINY sizes and reports its keys. No
timing is asserted; a part that fails (a lost transition, a chain that does not verify, an incremental run
that fails or reads more than the new events, a unit round that does not reach its decision with every award recorded,
a city dossier that does not reach the city decision, an award missing from the register, a chain that does not
verify after the round) fails the run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PARTS = {
    "chain_writers": ["chain_writers_1_per_s_sqlite", "floor_writers_1_per_s_sqlite"],
    "verify_incremental": ["verify_audit_incremental_s_sqlite"],
    "year_round": [
        "year_round_s_sqlite",
        "year_round_submit_s_sqlite",
        "year_round_decide_s_sqlite",
        "year_round_city_vote_s_sqlite",
        "year_round_city_decide_s_sqlite",
        "peak_rss_mb_year_round_sqlite",
    ],
    "unit_round_300": [
        "unit_round_300_s_sqlite",
        "unit_round_300_vote_s_sqlite",
        "unit_round_300_decide_s_sqlite",
    ],
}


def test_new_parts_run_on_sqlite_at_tiny_sizes(tmp_path):
    output = tmp_path / "bench.json"
    env = {**os.environ, "BENCH_TINY": "1"}
    env.pop("DATABASE_URL", None)
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench",
            "--no-postgres",
            "--parts",
            ",".join(PARTS),
            "--output",
            str(output),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(output.read_text())
    for keys in PARTS.values():
        for key in keys:
            assert results[key] > 0, key
    assert results["chain_writers_chain_intact_sqlite"] == 1
    assert results["verify_incremental_events_sqlite"] == 101  # the 100 new events and the run's own start
    assert results["year_round_lines_sqlite"] == 12  # 2 units × 6 nominees, on the unit path
    assert results["year_round_city_lines_sqlite"] == 4  # 2 city dossiers of 2 Bằng khen lines
    assert results["year_round_awards_sqlite"] == 16  # every award in the register
    # one unit's round (300 nominees at full size; 6 here) and two of its people on a city dossier
    assert results["unit_round_300_lines_sqlite"] == 6 and results["unit_round_300_awards_sqlite"] == 8
    assert results["unit_round_300_chain_intact_sqlite"] == 1
    assert results["year_round_chain_intact_sqlite"] == 1


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the units-at-once round runs on PostgreSQL only (SQLite takes one writer at a time)",
)
def test_the_round_with_units_at_once_runs_on_postgresql(tmp_path):
    """year_round_parallel: every unit's round in two forked workers at once, then the city side; every award in
    the register and every chain verified afterwards (the part fails the run otherwise)."""
    output = tmp_path / "bench.json"
    env = {**os.environ, "BENCH_TINY": "1", "BENCH_ROUND_WORKERS": "2"}
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench",
            "--parts",
            "year_round_parallel",
            "--output",
            str(output),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(output.read_text())
    assert results["year_round_parallel_workers_postgres"] == 2
    assert results["year_round_parallel_lines_postgres"] == 24  # 4 units × 6 nominees, two units per worker
    assert results["year_round_parallel_awards_postgres"] == 28  # and 2 city dossiers of 2 lines
    assert results["year_round_parallel_chain_intact_postgres"] == 1
    assert results["year_round_parallel_units_s_postgres"] > 0
    assert results["year_round_parallel_worker_vote_s_postgres"] > 0
    assert "year_round_parallel_s_sqlite" not in results
