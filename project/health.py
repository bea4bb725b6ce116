"""Operations endpoints: /healthz (the process answers), /readyz (it can serve), /metrics (Prometheus).

/healthz touches nothing but the process: a load balancer or systemd watchdog restarts a worker that does not
answer it. /readyz checks the database, the cache, the Celery broker (when one is configured) and that every
migration is applied: 200 with each check when all pass, 503 when one fails. Neither needs a login, and both
answer the same to everyone: what failed is named by the exception's class, never by its message (which may
hold a host name or a password from a URL); the details go to the log.

/metrics is for the Prometheus server only: it answers to the addresses in DJANGO_METRICS_ALLOWED_IPS (default
loopback; addresses or networks, comma-separated, compared with workflows.http.client_ip) and is a 404 for
everyone else. Besides django-prometheus' request counters and latency histograms it exports, computed when it
is scraped: transitions per lifecycle (from the audit log, counted incrementally past the last position seen in each of its
chains), the audit log's length (all chains; each chain's head apart) and, when the broker is Redis, the length
of each Celery queue. docs/deployment.md.
"""

from __future__ import annotations

import ipaddress
import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from workflows.http import client_ip

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


# -- readiness ---------------------------------------------------------------------------------------------


def check_database() -> dict:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache() -> dict:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    found = cache.get(key)
    cache.delete(key)
    if found != "1":
        raise RuntimeError("the cache did not keep a value")
    return {}


def check_broker() -> dict:
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url:
        return {"configured": False}
    from kombu import Connection

    with Connection(url, connect_timeout=2) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    return {"configured": True}


#: Once a process has seen every migration applied it does not look again (its code cannot change).
_migrated = False


def check_migrations() -> dict:
    global _migrated
    if _migrated:
        return {}
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return {"ok": False, "unapplied": len(plan)}
    _migrated = True
    return {}


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "migrations": check_migrations,
}


def run_checks() -> tuple[bool, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            result = {"ok": True, **check()}
        except Exception as exc:  # any failure makes the process not ready; never a 500
            logger.warning("readiness check %s failed", name, exc_info=True)
            result = {"ok": False, "error": type(exc).__name__}
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = result
    return all(result["ok"] for result in results.values()), results


@never_cache
@require_safe
def readyz(request):
    ready, results = run_checks()
    return JsonResponse(
        {"status": "ok" if ready else "fail", "checks": results}, status=200 if ready else 503
    )


# -- metrics -----------------------------------------------------------------------------------------------


def _networks() -> list:
    networks = []
    for part in getattr(settings, "METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"]):
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            logger.warning("DJANGO_METRICS_ALLOWED_IPS: %r is not an address or a network", part)
    return networks


def metrics_allowed(request) -> bool:
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return any(ip.version == network.version and ip in network for network in _networks())


TRANSITIONS_CACHE_KEY = "metrics:transitions:v2"
#: the cache of the single chain's time ({"sequence": n, "counts": …}): every event it counted is in chain 1
OLD_TRANSITIONS_CACHE_KEY = "metrics:transitions:v1"


def _cached_transitions() -> tuple[dict, bool]:
    """The cached counts and their positions, and whether they were carried over from the single chain's cache
    (then to be stored under the new key)."""
    state = cache.get(TRANSITIONS_CACHE_KEY)
    if state is not None:
        return state, False
    old = cache.get(OLD_TRANSITIONS_CACHE_KEY)
    if old is not None and "sequence" in old:
        return {"positions": {"1": int(old["sequence"])}, "counts": old["counts"]}, True
    return {"positions": {}, "counts": {}}, False


def transition_counts() -> dict[tuple[str, str], int]:
    """Events with a target state (what the notifier calls a transition) per (lifecycle, transition), counted
    incrementally: the cache keeps the counts up to a position per chain of the log, each scrape adds the events
    past them up to each chain's tail (index range scans on the unique (chain, sequence)). A chain's sequences
    are taken under its head's lock and committed in order, so no event below a chain's highest visible one can
    still appear in that chain; the chains' positions are kept apart because between chains they are not."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count, Q

    from workflows import audit
    from workflows.models import AuditEvent

    state, carried = _cached_transitions()
    seen = {str(chain): int(sequence) for chain, sequence in state["positions"].items()}
    tails = {str(chain): sequence for chain, (sequence, _hash) in audit.chain_tails().items()}
    if any(tails.get(chain, 0) < sequence for chain, sequence in seen.items()):
        # a new (or flushed) database: start again
        cache.delete(TRANSITIONS_CACHE_KEY)
        cache.delete(OLD_TRANSITIONS_CACHE_KEY)
        state, seen, carried = {"positions": {}, "counts": {}}, {}, False
    counts = dict(state["counts"])
    ahead = {chain: tail for chain, tail in tails.items() if tail > seen.get(chain, 0)}
    if ahead:
        where = Q(pk__in=[])
        for chain, tail in ahead.items():
            where |= Q(chain=int(chain), sequence__gt=seen.get(chain, 0), sequence__lte=tail)
        rows = (
            AuditEvent.objects.filter(where)
            .exclude(target_state="")
            .values("subject_type", "verb")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            content_type = ContentType.objects.get_for_id(row["subject_type"])
            key = f"{content_type.app_label}.{content_type.model}|{row['verb']}"
            counts[key] = counts.get(key, 0) + row["n"]
    if ahead or carried:
        cache.set(TRANSITIONS_CACHE_KEY, {"positions": {**seen, **ahead}, "counts": counts}, timeout=None)
    return {tuple(key.split("|", 1)): n for key, n in counts.items()}


def celery_queues() -> list[str]:
    names = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")}
    for queue in getattr(settings, "CELERY_TASK_QUEUES", None) or ():
        names.add(getattr(queue, "name", queue))
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    return sorted(str(name) for name in names)


def queue_lengths() -> dict[str, int] | None:
    """LLEN of each queue's list when the broker is Redis (kombu keeps a queue as a list of that name)."""
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return {name: int(client.llen(name)) for name in celery_queues()}
    finally:
        client.close()


class ApplicationCollector:
    """The application's own metrics, computed at scrape time (prometheus_client's custom collector)."""

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        from workflows.models import AuditChainHead

        transitions = CounterMetricFamily(
            "tdkt_transitions",
            "Lifecycle transitions recorded in the audit log",
            labels=["lifecycle", "transition"],
        )
        for (lifecycle, verb), n in sorted(transition_counts().items()):
            transitions.add_metric([lifecycle, verb], n)
        yield transitions
        heads = dict(AuditChainHead.objects.order_by("pk").values_list("pk", "sequence"))
        yield GaugeMetricFamily(
            "tdkt_audit_chain_length",
            "Events in the audit log (all its hash chains)",
            value=sum(heads.values()),
        )
        per_chain = GaugeMetricFamily(
            "tdkt_audit_chain_head", "The last sequence of each hash chain of the audit log", labels=["chain"]
        )
        for chain, sequence in heads.items():
            per_chain.add_metric([str(chain)], sequence)
        yield per_chain
        try:
            lengths = queue_lengths()
        except Exception:  # the broker is down: the other metrics still count; /readyz tells
            logger.warning("metrics: cannot read the Celery queue lengths", exc_info=True)
            lengths = None
        if lengths is not None:
            queues = GaugeMetricFamily(
                "tdkt_celery_queue_length", "Messages waiting in each Celery queue", labels=["queue"]
            )
            for name, length in lengths.items():
                queues.add_metric([name], length)
            yield queues


@never_cache
@require_safe
def metrics(request):
    if not metrics_allowed(request):
        raise Http404
    import prometheus_client
    from django_prometheus.exports import ExportToDjangoView

    exported = ExportToDjangoView(request)
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(ApplicationCollector())
    body = exported.content + prometheus_client.generate_latest(registry)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
