"""/metrics: for the addresses in DJANGO_METRICS_ALLOWED_IPS only (404 for others), with django-prometheus'
request metrics and the application's own: transitions per lifecycle, audit chain length, Celery queue length."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from project import health
from tests.dossiers.helpers import ready_dossier
from workflows import engine


def _value(text: str, name: str, labels: str = "") -> float | None:
    pattern = (
        rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$"
        if labels
        else rf"^{re.escape(name)} ([0-9.e+-]+)$"
    )
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else None


@pytest.mark.django_db
def test_metrics_from_loopback_has_request_and_application_metrics(client):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert "django_http_responses_total_by_status_total" in text
    assert _value(text, "tdkt_audit_chain_length") is not None
    assert "# TYPE tdkt_transitions_total counter" in text


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["10.0.0.5", "203.0.113.9", "2001:db8::1"])
def test_metrics_is_404_for_other_addresses(address):
    response = Client(REMOTE_ADDR=address).get("/metrics")
    assert response.status_code == 404
    assert b"tdkt_" not in response.content


@pytest.mark.django_db
def test_the_allowed_addresses_are_configurable_networks(settings):
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16", "192.0.2.7"]
    assert Client(REMOTE_ADDR="10.1.42.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.7").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.8").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404


@pytest.mark.django_db
def test_behind_the_proxy_a_forged_forwarded_address_does_not_open_metrics(settings):
    """client_ip believes only the entry the proxy appended: a client that sends X-Forwarded-For: 127.0.0.1
    through nginx is seen at its own address."""
    settings.BEHIND_PROXY = True
    forged = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 198.51.100.4")
    assert forged.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_transitions_are_counted_per_lifecycle_incrementally(client, cast):
    cache.delete(health.TRANSITIONS_CACHE_KEY)
    dossier = ready_dossier(cast)
    before = health.transition_counts()
    engine.perform(dossier, "submit", user=cast.head)
    after = health.transition_counts()
    assert after.get(("dossiers.dossier", "submit"), 0) == before.get(("dossiers.dossier", "submit"), 0) + 1
    # the cache holds the counts up to the last sequence, and a recount from nothing agrees
    cache.delete(health.TRANSITIONS_CACHE_KEY)
    assert health.transition_counts() == after
    text = client.get("/metrics").content.decode()
    assert _value(text, "tdkt_transitions_total", '{lifecycle="dossiers.dossier",transition="submit"}') == 1.0
    from workflows.models import AuditChainHead

    heads = list(AuditChainHead.objects.values_list("pk", "sequence"))
    assert _value(text, "tdkt_audit_chain_length") == float(sum(sequence for _chain, sequence in heads))
    for chain, sequence in heads:
        assert _value(text, "tdkt_audit_chain_head", f'{{chain="{chain}"}}') == float(sequence)


@pytest.mark.django_db
def test_transitions_are_counted_per_chain_with_three_chains(client, person, unit):
    """Each chain's position is kept apart: events of three chains are each counted once, whatever order their
    chains' scrapes see them in, and the log's length is the sum of the chains' heads."""
    from django.test import override_settings

    from tests.testapp.models import Widget
    from workflows import audit
    from workflows.models import AuditChainHead, Role

    head = person("unit-head", Role.UNIT_HEAD, unit=unit)
    board_head = person("board-head", Role.BOARD_HEAD)
    cache.delete(health.TRANSITIONS_CACHE_KEY)
    key = ("testapp.widget", "submit")
    with override_settings(AUDIT_CHAINS=4):
        widgets = [Widget.objects.create(title=f"W{i}", unit=unit) for i in range(6)]
        before = health.transition_counts()
        assert before.get(key, 0) == 0
        for index, widget in enumerate(widgets[:3]):
            with audit.use_chain(1 + index):
                engine.perform(widget, "submit", user=head)
        assert health.transition_counts()[key] == 3
        # more in chains 3 and 2, then one approval in chain 1: only the new ones are added
        for chain, widget in zip((3, 2, 3), widgets[3:], strict=True):
            with audit.use_chain(chain):
                engine.perform(widget, "submit", user=head)
        with audit.use_chain(1):
            engine.perform(widgets[0], "approve", user=board_head, data={"score": 5})
        counted = health.transition_counts()
        assert counted[key] == 6 and counted[("testapp.widget", "approve")] == 1
        assert health.transition_counts() == counted  # nothing new: the same counts
        state = cache.get(health.TRANSITIONS_CACHE_KEY)
        tails = audit.chain_tails()
        assert state["positions"] == {str(chain): sequence for chain, (sequence, _h) in tails.items()}
        assert {"1", "2", "3"} <= set(state["positions"])
        cache.delete(health.TRANSITIONS_CACHE_KEY)  # a recount from nothing agrees
        assert health.transition_counts() == counted
        text = client.get("/metrics").content.decode()
    assert _value(text, "tdkt_transitions_total", '{lifecycle="testapp.widget",transition="submit"}') == 6.0
    heads = dict(AuditChainHead.objects.values_list("pk", "sequence"))
    assert {1, 2, 3} <= set(heads)
    assert _value(text, "tdkt_audit_chain_length") == float(sum(heads.values()))
    for chain in (1, 2, 3):
        assert _value(text, "tdkt_audit_chain_head", f'{{chain="{chain}"}}') == float(heads[chain])


@pytest.mark.django_db
def test_the_single_chain_cache_carries_over_as_the_first_chain(cast):
    """A deployment upgraded from the single chain keeps its counts: the old cache's sequence is chain 1's
    position (every event it counted is in chain 1); the other chains are counted from their start."""
    from workflows import audit
    from workflows.models import AuditEvent

    dossier = ready_dossier(cast)
    engine.perform(dossier, "submit", user=cast.head)
    tails = audit.chain_tails()
    first_tail = tails.get(1, (0, ""))[0]
    cache.delete(health.TRANSITIONS_CACHE_KEY)
    cache.set(
        health.OLD_TRANSITIONS_CACHE_KEY,
        {"sequence": first_tail, "counts": {"dossiers.dossier|submit": 41}},
        timeout=None,
    )
    try:
        carried = health.transition_counts()
    finally:
        cache.delete(health.OLD_TRANSITIONS_CACHE_KEY)
    elsewhere = (
        AuditEvent.objects.filter(verb="submit", subject_type__model="dossier")
        .exclude(chain=1)
        .exclude(target_state="")
        .count()
    )
    assert carried[("dossiers.dossier", "submit")] == 41 + elsewhere
    positions = cache.get(health.TRANSITIONS_CACHE_KEY)["positions"]
    assert {chain: n for chain, n in positions.items() if n} == {
        str(chain): sequence for chain, (sequence, _h) in tails.items()
    }
    cache.delete(health.TRANSITIONS_CACHE_KEY)


@pytest.mark.django_db
def test_queue_length_is_read_from_the_redis_broker(client, settings):
    import redis

    queue = f"tdkt-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/7"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    connection = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        connection.rpush(queue, "a", "b", "c")
        text = client.get("/metrics").content.decode()
    finally:
        connection.delete(queue)
        connection.close()
    assert _value(text, "tdkt_celery_queue_length", f'{{queue="{queue}"}}') == 3.0


@pytest.mark.django_db
def test_an_unreachable_broker_does_not_break_the_other_metrics(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert "tdkt_audit_chain_length" in text and "tdkt_celery_queue_length" not in text
