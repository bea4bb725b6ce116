"""Concurrent HTTP load on the deployed stack: simulated users of several roles against a running server.

`prepare_world()` builds, through the product's own services, what the simulated users work on: units with
their officers and heads, Board officers, a city council of 25 in an open vote on many items, and one submitted
dossier per unit–Board pair. `run_load()` then drives the server with asyncio and httpx: each simulated user
loops over its role's mix with a think time between requests (exponential, mean `think_s`), as a person at a
browser or an integrating system does, and every request's status and latency is kept.

The mix, by role:
- unit officer: the inbox (home page), the unit's dossier list (API), a dossier page (web);
- Board officer: the inbox, the dossier list (API), a dossier page;
- unit–Board pair: the dossier's transitions, back and forth through the API (the Board returns it for
  supplement, the unit head resubmits), reading its transitions list between steps;
- council member: the turnout (API) and one secret ballot per request on the next open item.

Every answer other than the expected status is an error. `audit_check()` afterwards counts the transitions and
ballots the server wrote against those the client saw succeed (none lost, none doubled) and verifies the chain.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

#: the statuses each kind of request must answer with
EXPECTED = {"GET": (200,), "POST": (200, 201)}


@dataclass
class SimUser:
    role: str
    token: str = ""
    session_cookie: str = ""
    dossier_id: int | None = None
    head_token: str = ""
    session_id: int | None = None
    items: list[int] = field(default_factory=list)


@dataclass
class World:
    users: list[SimUser]
    dossier_ids: list[int]
    session_id: int | None
    session_cookie_name: str = "sessionid"


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    by_name: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    transitions_ok: int = 0
    ballots_ok: int = 0
    requests: int = 0
    elapsed_s: float = 0.0

    def add(self, name: str, ms: float) -> None:
        self.requests += 1
        self.latencies_ms.append(ms)
        self.by_name.setdefault(name, []).append(ms)

    def summary(self) -> dict:
        ordered = sorted(self.latencies_ms) or [0.0]

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

        return {
            "http_requests": self.requests,
            "http_rps": round(self.requests / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "http_p50_ms": pct(50),
            "http_p95_ms": pct(95),
            "http_p99_ms": pct(99),
            "http_errors": len(self.errors),
            "http_transitions": self.transitions_ok,
            "http_ballots": self.ballots_ok,
        }

    def slowest(self, count: int = 5) -> list[tuple[str, float]]:
        """The request kinds by their p95, slowest first (for the profile note)."""
        rows = []
        for name, values in self.by_name.items():
            values = sorted(values)
            rows.append((name, round(values[int(0.95 * (len(values) - 1))], 1)))
        return sorted(rows, key=lambda row: -row[1])[:count]


# -- the world -------------------------------------------------------------------------------------------------
def _blank_pdf() -> bytes:
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _web_session(user) -> str:
    """A signed-in web session for `user`, as the login form leaves it (database sessions)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    return store.session_key


def prepare_world(*, units: int, board: int, pairs: int, members: int, items: int) -> World:
    """The people and the work of the run, through the product's services (nothing written behind them)."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from councils import services as council_services
    from councils.registry import Threshold
    from dossiers import services
    from dossiers.models import AwardRecord, AwardType, Dossier, Nominee
    from organisations.models import Council, CouncilKind, CouncilTerm, Unit
    from workflows import engine
    from workflows.audit import SYSTEM
    from workflows.models import Role
    from workflows.services import membership_grant
    from workflows.tokens import token_issue

    people = get_user_model().objects
    today = timezone.localdate()
    year = today.year - 1
    award = AwardType.objects.effective_on(date(year, 12, 31)).get(code="bk-tp")
    grassroots = AwardType.objects.effective_on(date(year, 12, 31)).get(code="cstdcs")
    pdf = _blank_pdf()
    sim: list[SimUser] = []
    dossier_ids: list[int] = []

    def person(name: str, role: str, **scope):
        user = people.create(username=name, first_name=name)
        membership_grant(user=user, role=role, actor=SYSTEM, **scope)
        return user

    def token(user) -> str:
        return token_issue(user=user, name="load")[1]

    board_people = [person(f"load-board-{i}", Role.BOARD_OFFICER) for i in range(max(board, pairs, 1))]
    for i in range(board):
        sim.append(
            SimUser("board", token=token(board_people[i]), session_cookie=_web_session(board_people[i]))
        )

    unit_rows = []
    for i in range(max(units, pairs)):
        unit = Unit.objects.create(code=f"load-unit-{i}", name=f"Đơn vị (đo) {i}")
        officer = person(f"load-officer-{i}", Role.UNIT_OFFICER, unit=unit)
        head = person(f"load-head-{i}", Role.UNIT_HEAD, unit=unit)
        unit_rows.append((unit, officer, head))

    # one submitted dossier per unit: the pairs work theirs back and forth, the others' are read
    for index, (unit, officer, head) in enumerate(unit_rows):
        nominee = Nominee.objects.create(
            unit=unit, kind="individual", full_name=f"Trần Thị {index}", birth_year=1980, gender="female"
        )
        for past in (year - 1, year):
            AwardRecord.objects.create(
                nominee=nominee,
                award=grassroots,
                year=past,
                authority="UBND",
                decision_number=f"{past}/QĐ",
                decision_date=date(past, 12, 1),
            )
        dossier = services.dossier_create(
            unit=unit, year=year, occasion="annual", title=f"Hồ sơ đo {index}", user=officer
        )
        line = services.line_add(
            dossier=dossier,
            nominee=nominee,
            award=award,
            user=officer,
            achievement_report="Hoàn thành xuất sắc.",
        )
        for kind in award.required_documents:
            services.document_upload(
                dossier=dossier,
                kind=kind,
                upload=SimpleUploadedFile(f"{kind}.pdf", pdf),
                user=officer,
                line=None if kind in services.DOSSIER_LEVEL_KINDS else line,
            )
        engine.perform(Dossier.objects.get(pk=dossier.pk), "submit", user=head)
        dossier_ids.append(dossier.pk)
        if index < units:  # the unit's officer reads the unit's own dossier
            sim.append(
                SimUser(
                    "unit", token=token(officer), session_cookie=_web_session(officer), dossier_id=dossier.pk
                )
            )
        if index < pairs:
            sim.append(
                SimUser(
                    "pair",
                    token=token(board_people[index % len(board_people)]),
                    head_token=token(head),
                    dossier_id=dossier.pk,
                )
            )
    for number, user in enumerate(sim):
        if user.role == "board" and dossier_ids:  # the Board reads every unit's
            user.dossier_id = dossier_ids[number % len(dossier_ids)]

    session_id = None
    if members:
        city = Unit.objects.create(code="load-city", name="Thành phố (đo)")
        council = Council.objects.create(
            code="load-council", name="Hội đồng (đo)", kind=CouncilKind.EMULATION, unit=city
        )
        term = CouncilTerm.objects.create(council=council, name="đo", starts_on=today - timedelta(days=30))
        secretary = person("load-secretary", Role.COUNCIL_SECRETARY, council_term=term)
        council_members = [
            person(
                f"load-member-{i}", Role.COUNCIL_CHAIR if i == 0 else Role.COUNCIL_MEMBER, council_term=term
            )
            for i in range(25)
        ]
        meeting = today + timedelta(days=1)
        session = council_services.session_create(
            council_term=term, title="Phiên đo tải", planned_on=meeting, actor=board_people[0]
        )
        engine.perform(
            session,
            "convene",
            user=secretary,
            data={"planned_on": meeting.isoformat(), "place": "Hội trường"},
        )
        rule = Threshold(percent=Decimal("50"))
        item_ids = [
            council_services.agenda_item_add(
                session=session, title=f"Mục {n + 1}", threshold=rule, actor=secretary
            ).pk
            for n in range(items)
        ]
        engine.perform(session, "lock_agenda", user=secretary)
        for member in council_members:
            council_services.attendance_record(
                session=session, member=member, status="present", actor=secretary
            )
        engine.perform(session, "open", user=council_members[0])
        engine.perform(session, "open_voting", user=secretary, data={"voting_mode": "all_items"})
        session_id = session.pk
        for member in council_members[:members]:
            sim.append(SimUser("member", token=token(member), session_id=session.pk, items=list(item_ids)))
    return World(users=sim, dossier_ids=dossier_ids, session_id=session_id)


# -- the client ------------------------------------------------------------------------------------------------
async def _simulate(client, user: SimUser, stats: Stats, deadline: float, rng: random.Random, think_s: float):
    import httpx

    api = {"Authorization": f"Token {user.token}", "Accept": "application/json"}
    head = {"Authorization": f"Token {user.head_token}", "Accept": "application/json"}
    web = {"Cookie": f"sessionid={user.session_cookie}", "Accept": "text/html"}
    next_pair_step = "return_for_supplement"
    vote_index = 0

    async def call(name: str, method: str, url: str, headers: dict, body: dict | None = None) -> int:
        started = time.perf_counter()
        try:
            response = await client.request(method, url, headers=headers, json=body)
        except httpx.HTTPError as exc:
            stats.errors.append(f"{name}: {type(exc).__name__}")
            return 0
        stats.add(name, (time.perf_counter() - started) * 1000)
        if response.status_code not in EXPECTED[method]:
            stats.errors.append(f"{name}: {response.status_code} {response.text[:200]}")
        return response.status_code

    while time.perf_counter() < deadline:
        await asyncio.sleep(rng.expovariate(1 / think_s) if think_s else 0)
        if time.perf_counter() >= deadline:
            break
        if user.role in ("unit", "board"):
            pick = rng.random()
            if pick < 0.4:
                await call("inbox (web)", "GET", "/", web)
            elif pick < 0.7:
                await call("dossier page (web)", "GET", f"/ho-so/{user.dossier_id}/", web)
            else:
                await call("dossier list (API)", "GET", "/api/v1/dossiers/?page_size=20", api)
        elif user.role == "pair":
            base = f"/api/v1/dossiers/{user.dossier_id}/transitions/"
            if rng.random() < 0.3:
                await call(
                    "transitions list (API)", "GET", base, head if next_pair_step == "resubmit" else api
                )
                continue
            if next_pair_step == "return_for_supplement":
                body = {"items": "Bổ sung bản sao quyết định", "working_days": 5, "comment": "Thiếu tài liệu"}
                status = await call(
                    "return (API transition)", "POST", base + "return_for_supplement/", api, body
                )
                if status in (200, 201):
                    stats.transitions_ok += 1
                    next_pair_step = "resubmit"
            else:
                status = await call("resubmit (API transition)", "POST", base + "resubmit/", head, {})
                if status in (200, 201):
                    stats.transitions_ok += 1
                    next_pair_step = "return_for_supplement"
        elif user.role == "member":
            base = f"/api/v1/sessions/{user.session_id}/ballots/"
            if vote_index >= len(user.items) or rng.random() < 0.3:
                await call("turnout (API)", "GET", base, api)
                continue
            body = {"item": user.items[vote_index], "choice": rng.choice(["agree", "agree", "disagree"])}
            vote_index += 1
            status = await call("ballot (API)", "POST", base, api, body)
            if status == 201:
                stats.ballots_ok += 1


async def _run(
    base_url: str, users: list[SimUser], duration_s: float, think_s: float, seed: int, connections: int | None
) -> Stats:
    import httpx

    stats = Stats()
    connections = connections or len(users)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        started = time.perf_counter()
        deadline = started + duration_s
        await asyncio.gather(
            *(
                _simulate(client, user, stats, deadline, random.Random(seed + n), think_s)
                for n, user in enumerate(users)
            )
        )
        stats.elapsed_s = time.perf_counter() - started
    return stats


def run_load(
    base_url: str,
    users: list[SimUser],
    *,
    duration_s: float,
    think_s: float = 1.0,
    seed: int = 2023,
    connections: int | None = None,
) -> Stats:
    """Drive the server; `connections` caps the requests in flight (default: one per user)."""
    return asyncio.run(_run(base_url, users, duration_s, think_s, seed, connections))


# -- afterwards ------------------------------------------------------------------------------------------------
def log_positions() -> dict[str, int]:
    """Where each chain of the audit log stands ({"<chain>": its last sequence}), to count what comes after."""
    from workflows import audit

    return {str(chain): sequence for chain, (sequence, _hash) in audit.chain_tails().items()}


def audit_check(world: World, stats: Stats, *, since: dict) -> dict:
    """What the server wrote against what the client saw succeed, and every chain of the log verified. `since`
    is log_positions() before the load: each chain is counted past its own position (gunicorn's workers append
    to several chains, whose sequences do not compare)."""
    from councils.models import BallotReceipt
    from workflows.audit import ChainProblem, after_positions, verify_chain
    from workflows.models import AuditEvent

    written = AuditEvent.objects.filter(
        after_positions(since),
        subject_type__model="dossier",
        subject_id__in=[str(pk) for pk in world.dossier_ids],
        verb__in=["return_for_supplement", "resubmit"],
    ).count()
    receipts = (
        BallotReceipt.objects.filter(item__session_id=world.session_id).count() if world.session_id else 0
    )
    problems = [item for item in verify_chain() if isinstance(item, ChainProblem)]
    return {
        "http_lost_or_doubled": abs(written - stats.transitions_ok) + abs(receipts - stats.ballots_ok),
        "http_chain_ok": 0 if problems else 1,
    }


# -- the bench part: gunicorn with the production configuration ------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(base_url: str, process, timeout_s: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz")


def measure(quick: bool, *, tiny: bool = False, redis_url: str = "redis://127.0.0.1:6379/6") -> dict:
    """Start gunicorn (deploy/gunicorn.conf.py, debug off, this run's database, Redis as cache and broker),
    drive it with the simulated users, stop it, then check the audit trail. PostgreSQL only: the production
    stack; {} with a stated reason on stderr when PostgreSQL or Redis is not there."""
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from django.conf import settings
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        return {}
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=3).flushdb()
    except Exception as exc:  # noqa: BLE001 — any failure to reach Redis skips the part, with the reason
        print(f"http_load: Redis at {redis_url} unavailable ({exc}); not measured", file=sys.stderr)
        return {}
    if tiny:
        sizes, duration, think = {"units": 2, "board": 1, "pairs": 1, "members": 1, "items": 20}, 3.0, 0.2
    elif quick:
        sizes, duration, think = {"units": 8, "board": 4, "pairs": 4, "members": 4, "items": 300}, 10.0, 1.0
    else:
        sizes, duration, think = (
            {"units": 20, "board": 10, "pairs": 10, "members": 10, "items": 1500},
            60.0,
            1.0,
        )
    world = prepare_world(**sizes)
    since = log_positions()
    connections.close_all()

    root = Path(settings.BASE_DIR)
    work = Path(tempfile.mkdtemp(prefix="tdkt-http-load-"))
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the web sessions above are signed with it
        "DJANGO_CACHE_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,  # notifications are queued, as in production (no worker drains them)
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(work / "prometheus"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    (work / "prometheus").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=root, env=env, check=True
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(work / "access.log", "wb") as access, open(work / "error.log", "wb") as errors:
        server = subprocess.Popen(
            [str(gunicorn), "-c", "deploy/gunicorn.conf.py"], cwd=root, env=env, stdout=access, stderr=errors
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_ready(base_url, server)
            stats = run_load(base_url, world.users, duration_s=duration, think_s=think)
        finally:
            server.terminate()
            server.wait(timeout=60)
    figures = stats.summary()
    figures.update(audit_check(world, stats, since=since))
    figures["http_users"] = len(world.users)
    figures["http_duration_s"] = duration
    print(f"http_load: slowest p95 by request: {stats.slowest()}", file=sys.stderr)
    for line in stats.errors[:10]:
        print(f"http_load error: {line}", file=sys.stderr)
    return figures
