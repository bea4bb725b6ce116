"""Benchmark parts. Each runs inside a worker process on a throwaway, migrated database and returns a flat
dict of figures (keys without the database suffix; the runner adds it)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

PARTS: dict[str, Callable[[bool], dict]] = {}


def part(name: str):
    def register(func):
        PARTS[name] = func
        return func

    return register


def median(values) -> float:
    return float(statistics.median(values))


@part("transition")
def transition_ratio(quick: bool) -> dict:
    """Engine transitions per second ÷ the raw floor (one UPDATE + one INSERT per transaction, plain SQL)."""
    from organisations.models import Unit
    from tests.testapp.models import Widget
    from workflows import engine
    from workflows.audit import SYSTEM
    from workflows.models import Role
    from workflows.roles import forget_cached_authorities
    from workflows.services import membership_grant

    count = 300 if quick else 1500
    repeats = 3 if quick else 5
    unit = Unit.objects.create(code="bench-unit", name="Đơn vị đo")
    head = get_user_model().objects.create(username="bench-head")
    membership_grant(user=head, role=Role.UNIT_HEAD, unit=unit, actor=SYSTEM)
    engine_rates, floor_rates, ratios = [], [], []
    for _ in range(repeats):
        Widget.objects.bulk_create([Widget(title=f"w{i}", unit=unit) for i in range(count // 2)])
        engine_ids = list(Widget.objects.filter(state="draft").order_by("pk").values_list("pk", flat=True))
        floor_rate = _floor_rate(len(engine_ids))  # as many state writes, on rows of its own
        started = time.perf_counter()
        for pk in engine_ids:
            forget_cached_authorities(head)  # a real request loads the user's roles afresh
            engine.perform(Widget(pk=pk, unit_id=unit.pk), "submit", user=head)
        engine_rate = len(engine_ids) / (time.perf_counter() - started)
        engine_rates.append(engine_rate)
        floor_rates.append(floor_rate)
        ratios.append(engine_rate / floor_rate)
    return {
        "transition_ratio": round(median(ratios), 3),
        "transitions_per_s": round(median(engine_rates), 1),
        "floor_per_s": round(median(floor_rates), 1),
    }


@part("batch")
def batch_ratio(quick: bool) -> dict:
    """engine.perform_many on 1 000 objects in one transaction: objects per second ÷ the per-row floor (one
    transaction of one UPDATE + one INSERT per object), and the chain verified afterwards."""
    from organisations.models import Unit
    from tests.testapp.models import Widget
    from workflows import audit, engine
    from workflows.audit import SYSTEM
    from workflows.models import Role
    from workflows.roles import forget_cached_authorities
    from workflows.services import membership_grant

    count = 300 if quick else 1000
    repeats = 3 if quick else 5
    unit = Unit.objects.create(code="bench-batch", name="Đơn vị đo hàng loạt")
    head = get_user_model().objects.create(username="bench-batch-head")
    membership_grant(user=head, role=Role.UNIT_HEAD, unit=unit, actor=SYSTEM)
    rates, floors, ratios = [], [], []
    for _ in range(repeats):
        Widget.objects.bulk_create([Widget(title=f"b{i}", unit=unit) for i in range(count)])
        objects = list(Widget.objects.filter(state="draft").order_by("pk"))
        floor = _floor_rate(len(objects))
        forget_cached_authorities(head)
        started = time.perf_counter()
        engine.perform_many(objects, "submit", user=head)
        rate = len(objects) / (time.perf_counter() - started)
        rates.append(rate)
        floors.append(floor)
        ratios.append(rate / floor)
    intact = not any(isinstance(step, audit.ChainProblem) for step in audit.verify_chain())
    return {
        "batch_ratio": round(median(ratios), 3),
        "batch_objects_per_s": round(median(rates), 1),
        "batch_size": count,
        "batch_chain_intact": 1 if intact else 0,
    }


@part("peers")
def peers(quick: bool) -> dict:
    """The engine against its peers in the same process, on the same database, interleaved: the engine's
    transition (Widget submit: lock, role check, audit event in the hash chain), a bare viewflow.fsm + ORM +
    one audit row transition, and one task of a three-task viewflow.workflow process (benchmarks/peers).
    Rates are transitions (or tasks) per second; the ratios are the engine's rate ÷ the peer's."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from benchmarks.peers import fsm as peer_fsm
    from benchmarks.peers.flows import ThreeTaskFlow
    from benchmarks.peers.models import PeerDocument
    from organisations.models import Unit
    from tests.testapp.models import Widget
    from workflows import engine
    from workflows.audit import SYSTEM
    from workflows.models import Role
    from workflows.roles import forget_cached_authorities
    from workflows.services import membership_grant

    count = 300 if quick else 1200
    repeats = 3 if quick else 5
    unit = Unit.objects.create(code="bench-peers", name="Đơn vị đo so sánh")
    head = get_user_model().objects.create(username="bench-peers-head")
    membership_grant(user=head, role=Role.UNIT_HEAD, unit=unit, actor=SYSTEM)
    engine_rates, fsm_rates, workflow_rates = [], [], []
    tasks = (ThreeTaskFlow.review, ThreeTaskFlow.approve, ThreeTaskFlow.publish)
    for _ in range(repeats):
        Widget.objects.bulk_create([Widget(title=f"p{i}", unit=unit) for i in range(count)])
        widget_ids = list(Widget.objects.filter(state="draft").order_by("pk").values_list("pk", flat=True))
        started = time.perf_counter()
        for pk in widget_ids:
            forget_cached_authorities(head)
            engine.perform(Widget(pk=pk, unit_id=unit.pk), "submit", user=head)
        engine_rates.append(len(widget_ids) / (time.perf_counter() - started))

        PeerDocument.objects.bulk_create([PeerDocument(title=f"p{i}") for i in range(count)])
        document_ids = list(PeerDocument.objects.filter(state="draft").values_list("pk", flat=True))
        started = time.perf_counter()
        for pk in document_ids:
            peer_fsm.submit(pk, head)
        fsm_rates.append(len(document_ids) / (time.perf_counter() - started))

        processes = [ThreeTaskFlow.start.run(title=f"p{i}") for i in range(count // 3)]
        started = time.perf_counter()
        done = 0
        for process in processes:
            for node in tasks:
                task = Task.objects.get(process=process, flow_task=node, status=STATUS.NEW)
                node.run(task)
                done += 1
        workflow_rates.append(done / (time.perf_counter() - started))
    engine_rate, fsm_rate, workflow_rate = median(engine_rates), median(fsm_rates), median(workflow_rates)
    return {
        "engine_vs_fsm": round(engine_rate / fsm_rate, 3),
        "engine_vs_workflow": round(engine_rate / workflow_rate, 3),
        "peer_engine_per_s": round(engine_rate, 1),
        "peer_fsm_per_s": round(fsm_rate, 1),
        "peer_workflow_tasks_per_s": round(workflow_rate, 1),
    }


def generate_audit_chain(total: int, batch: int = 10_000) -> None:
    """Append `total` valid, hash-chained events quickly (the same hashing as record(); see load.py)."""
    from benchmarks.load import LoadEvent, append_events
    from organisations.models import Unit

    content_type = ContentType.objects.get_for_model(Unit)
    label = f"{content_type.app_label}.{content_type.model}"
    start_time = datetime(2023, 1, 1, tzinfo=UTC)
    data = {"changes": {"state": ["planned", "in_progress"]}}
    append_events(
        (
            LoadEvent(
                content_type.pk,
                label,
                str(index % 500 + 1),
                None,
                "board_officer",
                "start",
                data,
                start_time + timedelta(seconds=index),
            )
            for index in range(1, total + 1)
        ),
        batch=batch,
    )


@part("vote_session")
def vote_session(quick: bool) -> dict:
    """A council of 25 members votes on 500 items: every member casts a ballot sheet at once (25 threads, own
    connections), then the session closes and every item is counted (its sealed ballots opened, counted and
    deleted). Lost or doubled ballots, or a count that differs from the sheets, fail the run."""
    import random
    import threading
    from decimal import Decimal

    from django.db import connections
    from django.utils import timezone

    from councils import services
    from councils.models import AgendaItem, Ballot, BallotReceipt
    from councils.registry import Threshold
    from organisations.models import Council, CouncilKind, CouncilTerm, Unit
    from workflows import engine
    from workflows.audit import SYSTEM
    from workflows.models import Role
    from workflows.services import membership_grant

    if connection.vendor != "postgresql":
        return {}  # a race needs concurrent writers; SQLite serialises them (the key is PostgreSQL's)
    members_count, items_count = 25, (100 if quick else 500)
    users = get_user_model().objects
    unit = Unit.objects.create(code="bench-board", name="Ban TĐKT (đo)")
    council = Council.objects.create(
        code="bench-council", name="Hội đồng (đo)", kind=CouncilKind.EMULATION, unit=unit
    )
    today = timezone.localdate()
    term = CouncilTerm.objects.create(council=council, name="đo", starts_on=today - timedelta(days=30))
    board = users.create(username="bench-board")
    membership_grant(user=board, role=Role.BOARD_OFFICER, actor=SYSTEM)
    secretary = users.create(username="bench-secretary")
    membership_grant(user=secretary, role=Role.COUNCIL_SECRETARY, council_term=term, actor=SYSTEM)
    members = []
    for index in range(members_count):
        user = users.create(username=f"bench-member-{index}")
        role = Role.COUNCIL_CHAIR if index == 0 else Role.COUNCIL_MEMBER
        membership_grant(user=user, role=role, council_term=term, actor=SYSTEM)
        members.append(user)
    meeting_day = today + timedelta(days=1)
    session = services.session_create(
        council_term=term, title="Phiên đo", planned_on=meeting_day, actor=board
    )
    engine.perform(
        session,
        "convene",
        user=secretary,
        data={"planned_on": meeting_day.isoformat(), "place": "Hội trường"},
    )
    rule = Threshold(percent=Decimal("50"))
    for index in range(items_count):
        services.agenda_item_add(session=session, title=f"Mục {index + 1}", threshold=rule, actor=secretary)
    engine.perform(session, "lock_agenda", user=secretary)
    for member in members:
        services.attendance_record(session=session, member=member, status="present", actor=secretary)
    engine.perform(session, "open", user=members[0])
    engine.perform(session, "open_voting", user=secretary, data={"voting_mode": "all_items"})
    item_ids = list(AgendaItem.objects.filter(session=session).order_by("pk").values_list("pk", flat=True))
    rng = random.Random(2023)
    sheets = [{pk: rng.choice(["agree", "disagree"]) for pk in item_ids} for _ in members]
    expected_agree = {pk: sum(sheet[pk] == "agree" for sheet in sheets) for pk in item_ids}
    connections.close_all()
    barrier = threading.Barrier(members_count)
    errors: list = []

    def cast(index: int) -> None:
        try:
            barrier.wait()
            services.ballot_sheet_cast(session=session, choices=sheets[index], actor=members[index])
        except Exception as exc:  # reported below; the run fails
            errors.append(exc)
        finally:
            connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=cast, args=(i,)) for i in range(members_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cast_s = time.perf_counter() - started
    ballots = Ballot.objects.filter(item__session=session).count()  # sealed, until counted
    closing_started = time.perf_counter()
    services.session_close_voting(session=session, user=secretary)
    total_s = cast_s + (time.perf_counter() - closing_started)
    if errors:
        raise RuntimeError(f"{len(errors)} ballot sheets failed: {errors[0]!r}")
    receipts = BallotReceipt.objects.filter(item__session=session).count()
    left = Ballot.objects.filter(item__session=session).count()  # counted ballots are deleted
    counted = {
        pk: (agree, disagree)
        for pk, agree, disagree in AgendaItem.objects.filter(session=session).values_list(
            "pk", "agree_count", "disagree_count"
        )
    }
    expected = {pk: (expected_agree[pk], members_count - expected_agree[pk]) for pk in item_ids}
    if receipts != ballots or ballots != members_count * items_count or left or counted != expected:
        raise RuntimeError(
            f"lost or doubled ballots: {receipts} receipts, {ballots} sealed ballots, {left} left after counting"
        )
    key = "vote_session_s" if items_count == 500 else f"vote_session_{items_count}_items_s"
    return {key: round(total_s, 2), "vote_cast_s": round(cast_s, 2), "vote_ballots": ballots}


def _blank_pdf() -> bytes:
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@part("dossier_lifecycle")
def dossier_lifecycle(quick: bool) -> dict:
    """Whole dossier lifecycles, submit → accept → appraise (opinion + sign-off) → schedule → council result (the
    councils contract's handler) → post → decide, for ready one-nominee dossiers prepared beforehand; and the
    same as a ratio to the floor for the same number of state writes. Every dossier is scheduled to the one
    planned session of the city emulation council that the Board plans for the run."""
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile

    from councils.registry import ItemResult, handler_for
    from councils.services import session_create
    from dossiers import services
    from dossiers.models import AwardRecord, AwardType, Dossier, Nominee
    from organisations.models import Council, CouncilKind, CouncilTerm, Unit
    from workflows import engine
    from workflows.audit import SYSTEM, Actor
    from workflows.models import AuditEvent, Role
    from workflows.roles import forget_cached_authorities
    from workflows.services import membership_grant

    count = 20 if quick else 100
    users = get_user_model().objects
    unit = Unit.objects.create(code="bench-district", name="Quận (đo)")
    people = {}
    for name, role, scoped in [
        ("officer", Role.UNIT_OFFICER, True),
        ("head", Role.UNIT_HEAD, True),
        ("board", Role.BOARD_OFFICER, False),
        ("board_head", Role.BOARD_HEAD, False),
        ("chairman", Role.CITY_CHAIRMAN, False),
    ]:
        people[name] = users.create(username=f"bench-{name}")
        membership_grant(user=people[name], role=role, unit=unit if scoped else None, actor=SYSTEM)
    council = Council.objects.create(
        code="bench-emulation",
        name="Hội đồng Thi đua - Khen thưởng (đo)",
        kind=CouncilKind.EMULATION,
        unit=Unit.objects.create(code="bench-city", name="Thành phố (đo)"),
    )
    term = CouncilTerm.objects.create(council=council, name="đo", starts_on=date.today() - timedelta(days=30))
    session = session_create(
        council_term=term,
        title="Phiên xét khen thưởng (đo)",
        planned_on=date.today() + timedelta(days=1),
        actor=people["board"],
    )
    year = date.today().year - 1  # last year's achievements, judged by the rules in force at its end
    award = AwardType.objects.effective_on(date(year, 12, 31)).get(code="bk-tp")
    grassroots = AwardType.objects.effective_on(date(year, 12, 31)).get(code="cstdcs")
    pdf = _blank_pdf()  # a structurally valid PDF: workflows.uploads parses every upload
    dossiers = []
    for index in range(count):
        nominee = Nominee.objects.create(
            unit=unit,
            kind="individual",
            full_name=f"Nguyễn Văn {index}",
            birth_year=1980,
            gender="male",
            position="Chuyên viên",
        )
        for past in (year - 1, year):
            AwardRecord.objects.create(
                nominee=nominee,
                award=grassroots,
                year=past,
                authority="UBND quận",
                decision_number=f"{past}/QĐ",
                decision_date=date(past, 12, 1),
            )
        dossier = services.dossier_create(
            unit=unit, year=year, occasion="annual", title=f"Hồ sơ {index}", user=people["officer"]
        )
        line = services.line_add(
            dossier=dossier,
            nominee=nominee,
            award=award,
            user=people["officer"],
            achievement_report="Hoàn thành xuất sắc nhiệm vụ.",
        )
        for kind in award.required_documents:
            services.document_upload(
                dossier=dossier,
                kind=kind,
                upload=SimpleUploadedFile(f"{kind}.pdf", pdf),
                user=people["officer"],
                line=None if kind in services.DOSSIER_LEVEL_KINDS else line,
            )
        dossiers.append(Dossier.objects.get(pk=dossier.pk))

    def fresh(name):
        forget_cached_authorities(people[name])  # each step is its own request
        return people[name]

    before = AuditEvent.objects.count()
    started = time.perf_counter()
    for dossier in dossiers:
        engine.perform(dossier, "submit", user=fresh("head"))
        engine.perform(dossier, "accept", user=fresh("board"))
        for line in dossier.lines.all():
            engine.perform(line, "propose", user=fresh("board"), data={"comment": "Đủ tiêu chuẩn"})
        engine.perform(dossier, "sign_off", user=fresh("board_head"))
        engine.perform(dossier, "schedule", user=fresh("board"), data={"session": session.pk})
        for line in dossier.lines.all():
            result = ItemResult(
                passed=True,
                agree=19,
                disagree=2,
                abstain=0,
                base_count=21,
                explanation="19/21 đồng ý",
                session_id=0,
                item_id=line.pk,
            )
            handler_for(line)(subject=line, result=result, actor=Actor(None, role="council_secretary"))
        posted = engine.perform(dossier, "post", user=fresh("board"), data={"working_days": 10})
        approved = ",".join(str(pk) for pk in dossier.lines.values_list("pk", flat=True))
        after_posting = posted.posted_until + timedelta(days=1)
        # the public posting lasts ten working days: the decision comes the day after it ends (the clock is
        # moved there for this step only; the engine's checks run unchanged)
        with mock.patch("django.utils.timezone.localdate", return_value=after_posting):
            engine.perform(
                dossier,
                "decide",
                user=fresh("chairman"),
                data={
                    "decision_number": "1/QĐ-UBND",
                    "decision_date": after_posting.isoformat(),
                    "approved": approved,
                },
            )
    elapsed = time.perf_counter() - started
    decided = Dossier.objects.filter(pk__in=[d.pk for d in dossiers], state="decided").count()
    if decided != count:
        raise RuntimeError(f"only {decided} of {count} dossiers reached «decided»")
    writes = (AuditEvent.objects.count() - before) / count  # audit events = state writes per lifecycle
    floor_rate = _floor_rate(int(writes * 20))
    lifecycles_per_s = count / elapsed
    return {
        "dossier_lifecycle_per_s": round(lifecycles_per_s, 2),
        "dossier_lifecycle_events": round(writes, 1),
        "dossier_lifecycle_ratio": round(lifecycles_per_s * writes / floor_rate, 3),
    }


def _floor_rate(count: int) -> float:
    """The raw floor: `count` transactions of one UPDATE of a state plus one INSERT of an audit-like row, in
    plain SQL on the same connection (the engine does the same writes, and everything else)."""
    serial = "INTEGER" if connection.vendor == "sqlite" else "BIGSERIAL"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor_rows (id INTEGER PRIMARY KEY, state VARCHAR(32))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS bench_floor_audit (id {serial} PRIMARY KEY, subject_id VARCHAR(64),"
            " verb VARCHAR(64), source_state VARCHAR(64), target_state VARCHAR(64), data TEXT,"
            " created_at VARCHAR(40), hash VARCHAR(64))"
        )
        cursor.execute("DELETE FROM bench_floor_rows")
        for pk in range(1, count + 1):
            cursor.execute("INSERT INTO bench_floor_rows (id, state) VALUES (%s, %s)", [pk, "draft"])
    started = time.perf_counter()
    for pk in range(1, count + 1):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE bench_floor_rows SET state = %s WHERE id = %s", ["submitted", pk])
            cursor.execute(
                "INSERT INTO bench_floor_audit (subject_id, verb, source_state, target_state, data, created_at,"
                " hash) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [str(pk), "submit", "draft", "submitted", "{}", datetime.now(UTC).isoformat(), "0" * 64],
            )
    return count / (time.perf_counter() - started)


@part("reads")
def reads(quick: bool) -> dict:
    """Pages through the real views on a generated data set (generate_load): a Board officer's inbox, a unit
    officer's dossier list and one dossier's history. p95 over repeated requests; queries per page at 25
    and at 100 rows (constant is the target)."""
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dossiers.models import Dossier

    dossiers, events = (10_000, 50_000) if quick else (100_000, 1_000_000)
    started = time.perf_counter()
    call_command("generate_load", dossiers=dossiers, events=events, units=500, seed=2023, verbosity=0)
    generated_s = time.perf_counter() - started
    users = get_user_model().objects
    board, unit_officer = users.get(username="load.board"), users.get(username="load.unit")
    dossier = Dossier.objects.filter(unit__code="load-unit-1").order_by("pk").first()
    pages = {
        "inbox": (board, "/?limit={rows}"),
        "dossier_list": (unit_officer, "/ho-so/?per_page={rows}"),
        "history": (board, f"/lich-su/dossiers/dossier/{dossier.pk}/"),
    }
    repeats = 20 if quick else 50
    figures: dict = {
        "reads_generate_s": round(generated_s, 1),
        "reads_dossiers": dossiers,
        "reads_events": events,
    }
    for name, (user, address) in pages.items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for rows in (25, 100):
            url = address.format(rows=rows)
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            figures[f"queries_per_page_{name}_{rows}"] = len(queries)
        url = address.format(rows=25)
        timings = []
        for _ in range(repeats):
            begin = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - begin) * 1000)
        timings.sort()
        figures[f"{name}_p95_ms"] = round(timings[int(0.95 * (len(timings) - 1))], 1)
    figures.update(_verify(events))
    return figures


def _verify(total_events: int) -> dict:
    """verify_audit over the generated chain (1 000 000 events in a full run), in parallel slices."""
    import os

    from workflows.audit import verify_chain_parallel
    from workflows.models import AuditEvent

    total = AuditEvent.objects.count()
    started = time.perf_counter()
    checked, problem = verify_chain_parallel(min(os.cpu_count() or 1, 4))
    elapsed = time.perf_counter() - started
    if problem is not None or checked != total:
        raise RuntimeError(f"generated chain does not verify: {problem}, {checked} of {total}")
    key = "verify_audit_1m_s" if total_events == 1_000_000 else f"verify_audit_{total_events // 1000}k_s"
    return {key: round(elapsed, 2), "verify_audit_events": checked}


def _writer(conn, barrier, kind: str, pks: list[int], user_pk: int, unit_pk: int) -> None:
    """One concurrent writer (a forked process with its own connection): waits for the others, then performs
    its transitions (`engine`: Widget submit through engine.perform; `floor`: the floor's UPDATE + INSERT per
    transaction on rows of its own) and sends back (started, finished) on the monotonic clock."""
    from django.db import connections

    connections.close_all()  # never share the parent's socket: open a connection of this process's own
    try:
        from tests.testapp.models import Widget
        from workflows import engine
        from workflows.roles import forget_cached_authorities

        user = get_user_model().objects.get(pk=user_pk)
        connection.ensure_connection()
        barrier.wait()
        started = time.monotonic()
        for pk in pks:
            if kind == "engine":
                forget_cached_authorities(user)
                engine.perform(Widget(pk=pk, unit_id=unit_pk), "submit", user=user)
            else:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("UPDATE bench_floor_rows SET state = %s WHERE id = %s", ["submitted", pk])
                    cursor.execute(
                        "INSERT INTO bench_floor_audit (subject_id, verb, source_state, target_state, data,"
                        " created_at, hash) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                        [
                            str(pk),
                            "submit",
                            "draft",
                            "submitted",
                            "{}",
                            datetime.now(UTC).isoformat(),
                            "0" * 64,
                        ],
                    )
        conn.send(("ok", started, time.monotonic()))
    except BaseException as exc:  # reported to the parent, which fails the run
        conn.send(("error", repr(exc), 0.0))
    finally:
        connections.close_all()


def _concurrent_rate(kind: str, writers: int, per_writer: int, user, unit) -> float:
    """Transitions per second of `writers` forked processes, each performing `per_writer` transitions on
    objects of its own, from the first start to the last finish."""
    import multiprocessing

    from django.db import connections

    from tests.testapp.models import Widget

    if kind == "engine":
        Widget.objects.bulk_create(
            [Widget(title=f"c{i}", unit=unit) for i in range(writers * per_writer)], batch_size=1000
        )
        ids = list(Widget.objects.filter(state="draft").order_by("pk").values_list("pk", flat=True))
    else:
        _floor_rate(0)  # the floor's tables
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM bench_floor_rows")
            cursor.executemany(
                "INSERT INTO bench_floor_rows (id, state) VALUES (%s, %s)",
                [(pk, "draft") for pk in range(1, writers * per_writer + 1)],
            )
        ids = list(range(1, writers * per_writer + 1))
    connections.close_all()  # the children must not inherit an open connection
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(writers)
    pipes, processes = [], []
    for index in range(writers):
        parent_end, child_end = context.Pipe(duplex=False)
        chunk = ids[index * per_writer : (index + 1) * per_writer]
        process = context.Process(target=_writer, args=(child_end, barrier, kind, chunk, user.pk, unit.pk))
        process.start()
        pipes.append(parent_end)
        processes.append(process)
    replies = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join()
    failures = [reply[1] for reply in replies if reply[0] != "ok"]
    if failures:
        raise RuntimeError(f"{len(failures)} of {writers} writers failed: {failures[0]}")
    elapsed = max(reply[2] for reply in replies) - min(reply[1] for reply in replies)
    return writers * per_writer / elapsed


@part("chain_writers")
def chain_writers(quick: bool) -> dict:
    """The chain under concurrency: engine transitions per second with 1, 8 and 32 concurrent writers (forked
    processes, each with its own connection, each submitting Widgets of its own). Each transition takes its
    chain's head row lock: with one chain (`single_chain_writers_<n>`, AUDIT_CHAINS=1) every writer queues on it;
    with the deployment's chains (`chain_writers_<n>`, AUDIT_CHAINS, 8 on PostgreSQL) each writer appends to the
    chain of its process. The same harness runs the floor (UPDATE + INSERT per transaction, no shared row) so that
    the scaling the machine allows is measured beside the engine's; `chain_partition_gain_<n>` = chains ÷ one chain.
    `chain_scaling_<n>` = rate at n writers ÷ rate at 1 writer (engine), `floor_scaling_<n>` the same for the
    floor. SQLite serialises every writer on its one database lock: 1 writer only. The chain is verified."""
    from django.test import override_settings

    from organisations.models import Unit
    from workflows import audit
    from workflows.audit import SYSTEM
    from workflows.models import AuditEvent, Role
    from workflows.services import membership_grant

    unit = Unit.objects.create(code="bench-writers", name="Đơn vị đo ghi đồng thời")
    head = get_user_model().objects.create(username="bench-writers-head")
    membership_grant(user=head, role=Role.UNIT_HEAD, unit=unit, actor=SYSTEM)
    total = 16 if tiny() else (240 if quick else 1600)
    levels = (1, 8, 32) if connection.vendor == "postgresql" else (1,)
    chains = audit.chain_count()  # the deployment's setting (AUDIT_CHAINS: 8 on PostgreSQL, 1 on SQLite)
    figures: dict = {"audit_chains": chains}
    before = AuditEvent.objects.count()
    performed = 0
    for writers in levels:
        per_writer = max(1, total // writers)
        # the same writers on one chain (every writer queues on one head row: the code before the partition) and on
        # the deployment's chains, interleaved; the forked writers inherit the setting
        if chains > 1:
            with override_settings(AUDIT_CHAINS=1):
                single_rate = _concurrent_rate("engine", writers, per_writer, head, unit)
            performed += writers * per_writer
            figures[f"single_chain_writers_{writers}_per_s"] = round(single_rate, 1)
        engine_rate = _concurrent_rate("engine", writers, per_writer, head, unit)
        performed += writers * per_writer
        floor_rate = _concurrent_rate("floor", writers, per_writer, head, unit)
        figures[f"chain_writers_{writers}_per_s"] = round(engine_rate, 1)
        figures[f"floor_writers_{writers}_per_s"] = round(floor_rate, 1)
        if chains > 1:
            figures[f"chain_partition_gain_{writers}"] = round(engine_rate / single_rate, 3)
    for writers in levels[1:]:
        figures[f"chain_scaling_{writers}"] = round(
            figures[f"chain_writers_{writers}_per_s"] / figures["chain_writers_1_per_s"], 3
        )
        figures[f"floor_scaling_{writers}"] = round(
            figures[f"floor_writers_{writers}_per_s"] / figures["floor_writers_1_per_s"], 3
        )
        if chains > 1:
            figures[f"single_chain_scaling_{writers}"] = round(
                figures[f"single_chain_writers_{writers}_per_s"] / figures["single_chain_writers_1_per_s"], 3
            )
    if AuditEvent.objects.count() - before != performed:
        raise RuntimeError("lost or doubled transitions under concurrency")
    figures["chain_writers_chains_used"] = len(audit.chain_tails())
    intact = not any(isinstance(step, audit.ChainProblem) for step in audit.verify_chain())
    if not intact:
        raise RuntimeError("the chain does not verify after the concurrent writers")
    figures["chain_writers_chain_intact"] = 1
    return figures


@part("verify_incremental")
def verify_incremental(quick: bool) -> dict:
    """verify_audit's incremental check (workflows.audit_check, mode «incremental», the daily beat task's):
    a large generated chain (quick: 100 000 events; full: 1 000 000) is signed as a checkpoint, 10 000 new
    events are appended, then a run is started and performed (the Celery task's body, here): it checks the
    checkpoint's signature and hash and reads only the events after it. `verify_audit_incremental_s` is the
    run's time; the run must pass and have read only the new events (plus its own start event)."""
    import base64
    import os
    import tempfile

    from django.test import override_settings

    from workflows.audit import SYSTEM
    from workflows.audit_check import perform_run, start_audit_check
    from workflows.checkpoints import audit_checkpoint_sign
    from workflows.models import AuditCheckMode, AuditCheckState

    base, new = (300, 100) if tiny() else ((100_000 if quick else 1_000_000), 10_000)
    key = base64.b64encode(os.urandom(32)).decode()
    folder = tempfile.mkdtemp(prefix="tdkt-bench-checkpoints-")
    with override_settings(
        AUDIT_SIGNING_KEY=key, AUDIT_CHECKPOINT_DIR=folder, AUDIT_SIGNING_KEY_IS_DEVELOPMENT=False
    ):
        started = time.perf_counter()
        generate_audit_chain(base)
        generated_s = time.perf_counter() - started
        started = time.perf_counter()
        checkpoint = audit_checkpoint_sign(actor=SYSTEM)  # verifies the whole chain before signing it
        signed_s = time.perf_counter() - started
        generate_audit_chain(new)
        started = time.perf_counter()
        run, created = start_audit_check(mode=AuditCheckMode.INCREMENTAL, actor=SYSTEM)
        run = perform_run(run.pk)
        elapsed = time.perf_counter() - started
    if not created or run.state != AuditCheckState.PASSED:
        raise RuntimeError(f"the incremental check did not pass: {run.state} {run.problems}")
    if run.from_sequence != checkpoint.sequence + 1 or run.checked != new + 1:
        raise RuntimeError(f"the incremental check read {run.checked} events from #{run.from_sequence}")
    return {
        "verify_audit_incremental_s": round(elapsed, 3),
        "verify_incremental_events": run.checked,
        "verify_incremental_base_events": base,
        "verify_incremental_sign_s": round(signed_s, 2),
        "verify_incremental_generate_s": round(generated_s, 1),
    }


def tiny() -> bool:
    """BENCH_TINY=1: the smoke tests' sizes (tests/benchmarks), far below a quick run's; no figure is meant."""
    import os

    return os.environ.get("BENCH_TINY") == "1"


@part("unit_round_300")
def unit_round_300(quick: bool) -> dict:
    """One unit's year-end round of 300 nominees (issue 16's batch round, the same paths as `year_round`'s unit
    side: import → eligibility → one unit council session → the head's one decision → the register), plus ten of
    its people on a city dossier; the same size in the quick run. Keys `unit_round_300_*` (the stages' seconds)."""
    sizes = (1, 6, 1, 2) if tiny() else (1, 300, 1, 10)
    figures = _year_round(sizes)
    return {key.replace("year_round", "unit_round_300", 1): value for key, value in figures.items()}


@part("year_round")
def year_round(quick: bool) -> dict:
    if tiny():
        sizes = (2, 6, 2, 2)
    elif quick:
        sizes = (10, 20, 3, 10)
    else:
        sizes = (500, 20, 30, 10)
    return _year_round(sizes)


def _year_round(sizes: tuple[int, int, int, int], workers: int = 1) -> dict:
    """A year-end round at volume (issue 19), on the product's paths. The unit side, per unit, on the unit path
    (dossiers.unit_round; full: 500 units × 20 nominees, 10 000 lines; quick: 10 × 20; tiny: 2 × 6): the Excel
    list read and imported (every person recorded, eligibility for every row in one pass), the eligibility
    re-read, the submission of every line onto one session of the unit's own council (7 voting members), the
    meeting (attendance, one ballot sheet per member over every line, the count), its minutes and result, and
    the unit head's one decision writing the register and the ratings. The city side (full: 300 lines, 10 in
    each of 30 units' city dossiers; quick: 30; tiny: 4): people whose confirmed history (last year's Chiến sĩ
    thi đua cơ sở, declared by the unit and confirmed by the Board) and this year's unit decision (this year's
    CSTĐCS) make them eligible for Bằng khen của Chủ tịch UBND thành phố; each unit's city dossier prepared
    (lines, documents), submitted by its head, accepted, appraised and signed off by the Board, scheduled onto
    one session of the city council (25 voting members), voted (attendance, 25 ballot sheets over every line,
    the count), its minutes and resolution (each line's result delivered), posted, and decided by the city
    chairman under one decision number. `year_round_s` is the whole round; `year_round_<stage>_s` each stage;
    afterwards every award is checked in the register and the audit chain verified."""
    from contextlib import contextmanager
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from councils import services as council_services
    from dossiers import services as dossier_services
    from dossiers import unit_round as rounds
    from dossiers.models import AwardRecord, AwardType, Dossier, UnitRound
    from organisations.models import Council, CouncilKind, CouncilTerm, Unit
    from workflows import audit, engine
    from workflows.audit import SYSTEM, Actor
    from workflows.models import Role
    from workflows.roles import forget_cached_authorities
    from workflows.services import membership_grant

    units_count, per_unit, city_units, city_per_unit = sizes
    users = get_user_model().objects
    today = datetime.now(UTC).date()
    year = today.year - 1
    stages: dict[str, float] = {}

    @contextmanager
    def timed(stage):
        started = time.perf_counter()
        yield
        stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - started

    def person(unit_index: int, n: int) -> tuple[str, str, date]:
        number = unit_index * 100_000 + n
        return f"Trần Thị Đo {number}", f"092{number:09d}", date(1970 + n % 30, 1 + n % 12, 1 + n % 28)

    def city_person(unit_index: int, n: int) -> bool:
        return unit_index < city_units and n <= city_per_unit

    def workbook(unit_index: int) -> SimpleUploadedFile:
        book = Workbook()
        sheet = book.active
        sheet.append([str(heading) for _key, heading, _text in rounds.COLUMNS])
        for n in range(1, per_unit + 1):
            name, cccd, born = person(unit_index, n)
            city = city_person(unit_index, n)
            sheet.append(
                [
                    name,
                    cccd,
                    born.strftime("%d/%m/%Y"),
                    "Chuyên viên",
                    "cstdcs" if city else "ldtt",
                    "HTXS" if city else "HTT",
                    f"Hoàn thành {'xuất sắc' if city else 'tốt'} nhiệm vụ năm {year}.",
                ]
            )
        buffer = BytesIO()
        book.save(buffer)
        return SimpleUploadedFile("danh-sach.xlsx", buffer.getvalue())

    def grant(username: str, role: str, **scope):
        user = users.create(username=username)
        membership_grant(user=user, role=role, actor=SYSTEM, **scope)
        return user

    board = grant("bench-round-board", Role.BOARD_OFFICER)
    board_head = grant("bench-round-board-head", Role.BOARD_HEAD)
    chairman = grant("bench-round-chairman", Role.CITY_CHAIRMAN)
    grassroots_last_year = AwardType.objects.effective_on(date(year - 1, 12, 31)).get(code="cstdcs")
    city_award = AwardType.objects.effective_on(date(year, 12, 31)).get(code="bk-tp")

    # the city council: a secretary, a chair and 24 members (25 voting), one session planned for the round
    city_council = Council.objects.create(
        code="bench-round-city-council",
        name="Hội đồng Thi đua - Khen thưởng thành phố (đo)",
        kind=CouncilKind.EMULATION,
        unit=Unit.objects.create(code="bench-round-city", name="Thành phố (đo)"),
    )
    city_term = CouncilTerm.objects.create(
        council=city_council, name="2021-2026", starts_on=today - timedelta(days=400)
    )
    city_secretary = grant("bench-round-city-secretary", Role.COUNCIL_SECRETARY, council_term=city_term)
    city_chair = grant("bench-round-city-chair", Role.COUNCIL_CHAIR, council_term=city_term)
    city_voters = [city_chair] + [
        grant(f"bench-round-city-member-{m}", Role.COUNCIL_MEMBER, council_term=city_term) for m in range(24)
    ]
    city_planned = today + timedelta(days=5)
    city_session = council_services.session_create(
        council_term=city_term,
        title=f"Phiên xét khen thưởng năm {year}",
        planned_on=city_planned,
        actor=Actor(user=board),  # the Board plans the city council's sessions
    )
    engine.perform(
        city_session, "convene", user=city_secretary, data={"planned_on": city_planned.isoformat()}
    )

    city_people: dict[int, list] = {}  # unit index → its nominees with a city line
    unit_people: dict[int, tuple] = {}  # unit index → (unit, officer, head)
    plans: list[dict] = []  # per unit, the ids its round needs (setup, untimed)
    for index in range(units_count):
        unit = Unit.objects.create(code=f"bench-round-{index}", name=f"Đơn vị {index} (đo)")
        officer = grant(f"bench-round-officer-{index}", Role.UNIT_OFFICER, unit=unit)
        head = grant(f"bench-round-head-{index}", Role.UNIT_HEAD, unit=unit)
        unit_people[index] = (unit, officer, head)
        # the city people's history: last year's CSTĐCS, declared by the unit and confirmed by the Board
        for n in range(1, per_unit + 1):
            if not city_person(index, n):
                continue
            name, cccd, born = person(index, n)
            nominee = dossier_services.nominee_create(
                unit=unit,
                user=officer,
                kind="individual",
                full_name=name,
                cccd=cccd,
                date_of_birth=born,
                birth_year=born.year,
                position="Chuyên viên",
            )
            record = dossier_services.record_declare(
                nominee=nominee,
                kind="title",
                fields={
                    "year": year - 1,
                    "award": grassroots_last_year,
                    "authority": f"Thủ trưởng đơn vị {index}",
                    "decision_number": f"{index + 1}/QĐ-ĐV-{year - 1}",
                    "decision_date": date(year - 1, 12, 20),
                },
                actor=Actor(user=officer),
            )
            dossier_services.record_confirm(record=record, actor=Actor(user=board))
            city_people.setdefault(index, []).append(nominee)
        council = Council.objects.create(
            code=f"bench-round-council-{index}",
            name=f"Hội đồng TĐKT đơn vị {index}",
            kind=CouncilKind.UNIT,
            unit=unit,
        )
        term = CouncilTerm.objects.create(
            council=council, name="2021-2026", starts_on=today - timedelta(days=400)
        )
        secretary = grant(f"bench-round-secretary-{index}", Role.COUNCIL_SECRETARY, council_term=term)
        chair = grant(f"bench-round-chair-{index}", Role.COUNCIL_CHAIR, council_term=term)
        voters = [chair] + [
            grant(f"bench-round-member-{index}-{m}", Role.COUNCIL_MEMBER, council_term=term) for m in range(6)
        ]
        planned = today + timedelta(days=3)
        session = council_services.session_create(
            council_term=term,
            title=f"Họp bình xét năm {year}",
            planned_on=planned,
            actor=Actor(user=secretary),
        )
        engine.perform(session, "convene", user=secretary, data={"planned_on": planned.isoformat()})
        unit_round = rounds.round_create(
            unit=unit, year=year, title=f"Bình xét năm {year}", actor=Actor(user=officer)
        )
        plans.append(
            {
                "index": index,
                "officer": officer.pk,
                "head": head.pk,
                "secretary": secretary.pk,
                "chair": chair.pk,
                "voters": [user.pk for user in voters],
                "session": session.pk,
                "round": unit_round.pk,
                "planned": planned,
            }
        )

    def unit_round_run(plan: dict) -> None:
        """One unit's round, import to decision, on the unit path (each stage timed)."""
        from councils.models import Session

        index, planned = plan["index"], plan["planned"]
        officer, head, secretary, chair = (
            users.get(pk=plan[role]) for role in ("officer", "head", "secretary", "chair")
        )
        voters = list(users.filter(pk__in=plan["voters"]).order_by("pk"))
        session = Session.objects.get(pk=plan["session"])
        unit_round = UnitRound.objects.get(pk=plan["round"])
        upload = workbook(index)
        with timed("import"):
            rounds.round_import(
                unit_round=unit_round, rows=rounds.read_rows(upload), actor=Actor(user=officer)
            )
        with timed("eligibility"):
            refused = rounds.round_eligibility(unit_round)
        if refused:
            raise RuntimeError(f"{len(refused)} lines of the round are not eligible")
        forget_cached_authorities(officer)
        with timed("submit"):
            rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=officer))
        with timed("vote"):
            engine.perform(session, "lock_agenda", user=secretary)
            council_services.attendance_roster_record(
                session=session, statuses={user.pk: "present" for user in voters}, actor=secretary
            )
            engine.perform(session, "open", user=chair)
            engine.perform(session, "open_voting", user=secretary, data={"voting_mode": "all_items"})
            items = list(session.items.values_list("pk", flat=True))
            for user in voters:
                council_services.ballot_sheet_cast(
                    session=session, choices={pk: "agree" for pk in items}, actor=user
                )
            council_services.session_close_voting(session=session, user=secretary)
        with timed("results"):
            engine.perform(session, "draft_minutes", user=secretary, data={"minutes_number": "01/BB-HĐTĐKT"})
            engine.perform(session, "sign_minutes", user=chair)
            engine.perform(
                session,
                "issue_resolution",
                user=chair,
                data={"resolution_number": "01/NQ-HĐTĐKT", "resolution_issued_on": planned.isoformat()},
            )
        forget_cached_authorities(head)
        with timed("decide"):
            rounds.round_decide(
                unit_round=unit_round,
                decision_number=f"{index + 1}/QĐ-ĐV",
                decision_date=planned,
                actor=Actor(user=head),
            )
        unit_round = UnitRound.objects.get(pk=unit_round.pk)
        awarded = AwardRecord.objects.filter(round_line__unit_round=unit_round).count()
        if unit_round.state != "decided" or awarded != per_unit:
            raise RuntimeError(
                f"round {unit_round.pk}: {unit_round.state}, {awarded} of {per_unit} awards recorded"
            )

    if workers == 1:
        for plan in plans:
            unit_round_run(plan)
    else:  # the units at once, in `workers` forked processes (each with its connection and its audit chain)
        started = time.perf_counter()
        worker_stages = _in_workers(plans, unit_round_run, workers, stages)
        stages.clear()
        stages["units"] = time.perf_counter() - started  # wall clock of the whole unit side
        unit_stage_sums = worker_stages
    lines_total = per_unit * units_count

    # -- the city side: one city dossier per unit with city people, Bằng khen của Chủ tịch UBND thành phố ------
    pdf = _blank_pdf()  # a structurally valid PDF: workflows.uploads parses every upload
    dossiers = []
    with timed("city_prepare"):
        for index, nominees in city_people.items():
            unit, officer, _head = unit_people[index]
            dossier = dossier_services.dossier_create(
                unit=unit, year=year, occasion="annual", title=f"Đề nghị Bằng khen năm {year}", user=officer
            )
            for kind in city_award.required_documents:
                if kind in dossier_services.DOSSIER_LEVEL_KINDS:
                    dossier_services.document_upload(
                        dossier=dossier,
                        kind=kind,
                        upload=SimpleUploadedFile(f"{kind}.pdf", pdf),
                        user=officer,
                    )
            for nominee in nominees:
                line = dossier_services.line_add(
                    dossier=dossier,
                    nominee=nominee,
                    award=city_award,
                    user=officer,
                    achievement_report=f"Hai năm liên tục Chiến sĩ thi đua cơ sở ({year - 1}, {year}).",
                )
                for kind in city_award.required_documents:
                    if kind not in dossier_services.DOSSIER_LEVEL_KINDS:
                        dossier_services.document_upload(
                            dossier=dossier,
                            kind=kind,
                            upload=SimpleUploadedFile(f"{kind}.pdf", pdf),
                            user=officer,
                            line=line,
                        )
            dossiers.append(dossier)
    city_lines = sum(len(nominees) for nominees in city_people.values())
    heads = {unit.pk: head for unit, _officer, head in unit_people.values()}
    with timed("city_submit"):  # per dossier: each unit's head signs its own tờ trình
        for dossier in dossiers:
            head = heads[dossier.unit_id]
            forget_cached_authorities(head)
            engine.perform(dossier, "submit", user=head)
    from dossiers.models import DossierNominee

    city_line_objects = list(DossierNominee.objects.filter(dossier__in=dossiers).order_by("pk"))
    with timed("city_appraise"):  # the Board, in batches: accept, one opinion per line, sign-off
        engine.perform_many(dossiers, "accept", user=board)
        engine.perform_many(city_line_objects, "propose", user=board, data={"comment": "Đủ tiêu chuẩn"})
        engine.perform_many(dossiers, "sign_off", user=board_head)
    with timed("city_schedule"):
        engine.perform_many(dossiers, "schedule", user=board, data={"session": city_session.pk})
    with timed("city_vote"):
        engine.perform(city_session, "lock_agenda", user=city_secretary)
        council_services.attendance_roster_record(
            session=city_session, statuses={user.pk: "present" for user in city_voters}, actor=city_secretary
        )
        engine.perform(city_session, "open", user=city_chair)
        engine.perform(city_session, "open_voting", user=city_secretary, data={"voting_mode": "all_items"})
        items = list(city_session.items.values_list("pk", flat=True))
        if len(items) != city_lines:
            raise RuntimeError(f"{len(items)} items on the city session for {city_lines} lines")
        for user in city_voters:
            council_services.ballot_sheet_cast(
                session=city_session, choices={pk: "agree" for pk in items}, actor=user
            )
        council_services.session_close_voting(session=city_session, user=city_secretary)
    with timed("city_results"):
        engine.perform(
            city_session, "draft_minutes", user=city_secretary, data={"minutes_number": "05/BB-HĐTĐKT"}
        )
        engine.perform(city_session, "sign_minutes", user=city_chair)
        engine.perform(
            city_session,
            "issue_resolution",
            user=city_chair,
            data={"resolution_number": "05/NQ-HĐTĐKT", "resolution_issued_on": city_planned.isoformat()},
        )
    with timed("city_post"):
        posted = engine.perform_many(
            list(Dossier.objects.filter(pk__in=[d.pk for d in dossiers])),
            "post",
            user=board,
            data={"working_days": 10},
        )
    after_posting = max(d.posted_until for d in posted) + timedelta(days=1)
    decision_number = f"{year}/QĐ-UBND"
    with timed(
        "city_decide"
    ):  # one decision number; the lifecycle's decide per dossier (its own awardee list)
        # the public posting lasts ten working days: the decision comes the day after it ends (the clock is
        # moved there for this step only; the engine's checks run unchanged)
        with mock.patch("django.utils.timezone.localdate", return_value=after_posting):
            for dossier in posted:
                approved = [line.pk for line in city_line_objects if line.dossier_id == dossier.pk]
                engine.perform(
                    dossier,
                    "decide",
                    user=chairman,
                    data={
                        "decision_number": decision_number,
                        "decision_date": after_posting.isoformat(),
                        "approved": ",".join(str(pk) for pk in approved),
                    },
                )

    # -- afterwards: every award in the register, nothing lost, the chain intact ---------------------------------
    unit_awards = AwardRecord.objects.filter(
        round_line__unit_round__unit__code__startswith="bench-round-"
    ).count()
    city_awards = AwardRecord.objects.filter(
        award=city_award, year=year, decision_number=decision_number
    ).count()
    decided = Dossier.objects.filter(pk__in=[d.pk for d in dossiers], state="decided").count()
    if unit_awards != lines_total or city_awards != city_lines or decided != len(dossiers):
        raise RuntimeError(
            f"register: {unit_awards} of {lines_total} unit awards, {city_awards} of {city_lines} city awards, "
            f"{decided} of {len(dossiers)} city dossiers decided"
        )
    problems = [step for step in audit.verify_chain() if isinstance(step, audit.ChainProblem)]
    if problems:
        raise RuntimeError(f"the audit chain does not verify: {problems[0]}")
    figures = {f"year_round_{name}_s": round(seconds, 2) for name, seconds in stages.items()}
    figures["year_round_s"] = round(sum(stages.values()), 2)
    figures["year_round_units"] = units_count
    figures["year_round_lines"] = lines_total
    figures["year_round_city_lines"] = city_lines
    figures["year_round_awards"] = unit_awards + city_awards
    figures["year_round_chain_intact"] = 1
    figures["year_round_workers"] = workers
    if (
        workers > 1
    ):  # each stage's seconds summed over the workers (against the one-process figures: contention)
        for name, seconds in unit_stage_sums.items():
            figures[f"year_round_worker_{name}_s"] = round(seconds, 2)
    return figures


def _in_workers(
    plans: list[dict], run: Callable[[dict], None], workers: int, stages: dict
) -> dict[str, float]:
    """`run(plan)` for every plan, in `workers` forked processes at once (the plans dealt in turn), each with its
    own database connection (so its own audit chain); `stages` is the timing dict `run` adds to. Returns each
    stage's seconds summed over the workers; fails if a worker fails."""
    import multiprocessing
    import traceback

    from django.db import connections

    connections.close_all()  # the children must not inherit an open connection
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for index in range(workers):
        parent_end, child_end = context.Pipe(duplex=False)

        def target(chunk=plans[index::workers], conn=child_end):
            connections.close_all()
            stages.clear()
            try:
                for plan in chunk:
                    run(plan)
                conn.send(("ok", dict(stages)))
            except BaseException:  # reported to the parent, which fails the run
                conn.send(("error", traceback.format_exc()))
            finally:
                connections.close_all()

        process = context.Process(target=target)
        process.start()
        pipes.append(parent_end)
        processes.append(process)
    replies = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join()
    failures = [reply[1] for reply in replies if reply[0] != "ok"]
    if failures:
        raise RuntimeError(f"{len(failures)} of {workers} round workers failed:\n{failures[0]}")
    summed: dict[str, float] = {}
    for _status, worker_stages in replies:
        for name, seconds in worker_stages.items():
            summed[name] = summed.get(name, 0.0) + seconds
    return summed


@part("year_round_parallel")
def year_round_parallel(quick: bool) -> dict:
    """The same year-end round with the units working at once, as a province's do: every unit's round (import to
    decision) in BENCH_ROUND_WORKERS forked processes (default 2, the machine's cores), each with its own
    connection and audit chain; then the city side as in `year_round`. Keys `year_round_parallel_*`:
    `_units_s` the unit side's wall clock, `_s` that plus the city stages, `_worker_<stage>_s` each stage's
    seconds summed over the workers. PostgreSQL only (SQLite takes one writer at a time)."""
    import os

    if connection.vendor != "postgresql":
        return {}
    workers = int(os.environ.get("BENCH_ROUND_WORKERS", "2"))
    if tiny():
        sizes = (4, 6, 2, 2)
    elif quick:
        sizes = (10, 20, 3, 10)
    else:
        sizes = (500, 20, 30, 10)
    figures = _year_round(sizes, workers=workers)
    return {key.replace("year_round", "year_round_parallel", 1): value for key, value in figures.items()}


@part("http_load")
def http_load(quick: bool) -> dict:
    """Simulated users of every role against gunicorn with the production configuration, PostgreSQL and Redis
    (benchmarks/http_load.py): requests per second, latency percentiles, errors, and afterwards the audit
    trail against what the client saw (none lost or doubled) and the chain verified. PostgreSQL only."""
    from .http_load import measure

    return measure(quick, tiny=tiny())
