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
