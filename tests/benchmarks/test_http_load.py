"""The HTTP load generator (benchmarks/http_load.py) against a live server: it counts requests, successes and
errors truly, and the audit check afterwards compares what the server wrote with what the client saw. No
timing is asserted (`make bench` measures; docs/benchmarks.md)."""

import pytest

from benchmarks.http_load import SimUser, audit_check, log_positions, prepare_world, run_load
from councils.models import BallotReceipt
from dossiers.models import Dossier

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(audit_flush):
    # a transactional test's flush empties the tables a migration filled: the award catalogue again (idempotent;
    # serialized_rollback would leave the tests after these with neither it nor their content types)
    from dossiers.catalogue import catalogue_load
    from dossiers.models import AwardType, EligibilityRule

    catalogue_load(AwardType, EligibilityRule)
    return prepare_world(units=2, board=1, pairs=1, members=2, items=30)


def test_every_role_of_the_mix_is_served_and_the_trail_matches_what_the_client_saw(live_server, world):
    roles = {user.role for user in world.users}
    assert roles == {"unit", "board", "pair", "member"}
    since = log_positions()

    # one request in flight: the test server shares one in-memory SQLite database between its threads
    # (how many requests fit in the time depends on the machine's load: only that each kind was served counts)
    stats = run_load(live_server.url, world.users, duration_s=5, think_s=0.02, connections=1)

    assert stats.errors == []
    assert stats.transitions_ok > 0 and stats.ballots_ok > 0
    assert {"inbox (web)", "dossier page (web)", "ballot (API)"} <= set(stats.by_name)
    summary = stats.summary()
    assert summary["http_requests"] == stats.requests and summary["http_errors"] == 0
    assert summary["http_p50_ms"] <= summary["http_p95_ms"] <= summary["http_p99_ms"]
    assert BallotReceipt.objects.count() == stats.ballots_ok
    check = audit_check(world, stats, since=since)
    assert check == {"http_lost_or_doubled": 0, "http_chain_ok": 1}
    pair = next(user for user in world.users if user.role == "pair")
    # the pair's dossier went back and forth: in «returned» after an odd number of steps, else «submitted»
    expected = "returned" if stats.transitions_ok % 2 else "submitted"
    assert Dossier.objects.get(pk=pair.dossier_id).state == expected


def test_a_refused_request_is_an_error_and_a_miscount_is_reported(live_server, world):
    stranger = SimUser("unit", token="not-a-key", session_cookie="nope", dossier_id=world.dossier_ids[0])
    stats = run_load(live_server.url, [stranger], duration_s=1, think_s=0.02, connections=1)
    assert stats.requests > 0 and len(stats.errors) == stats.requests

    stats.transitions_ok += 1  # the client claims a transition the server never wrote
    assert audit_check(world, stats, since={})["http_lost_or_doubled"] == 1


def test_the_trail_is_counted_past_each_chain_position(world):
    """gunicorn's workers append to several chains: what was written during the load is counted past each
    chain's own position, the events before it (in any chain) are not."""
    from django.db import transaction
    from django.test import override_settings

    from benchmarks.http_load import Stats
    from workflows import audit

    dossier = Dossier.objects.get(pk=world.dossier_ids[0])
    with override_settings(AUDIT_CHAINS=4):
        for chain in (1, 3):  # before the load: not counted
            with transaction.atomic(), audit.use_chain(chain):
                audit.record(subject=dossier, actor=audit.SYSTEM, verb="resubmit")
        since = log_positions()
        for chain in (3, 2, 1, 2):
            with transaction.atomic(), audit.use_chain(chain):
                audit.record(subject=dossier, actor=audit.SYSTEM, verb="return_for_supplement")
    stats = Stats(transitions_ok=4)
    assert audit_check(world, stats, since=since) == {"http_lost_or_doubled": 0, "http_chain_ok": 1}
    stats.transitions_ok = 3
    assert audit_check(world, stats, since=since)["http_lost_or_doubled"] == 1
