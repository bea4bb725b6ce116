"""Ballots cannot be linked to voters at the database level (issue 12, item 2): the probes of the outside
review, run against the storage itself. Whoever holds the database (a dump, a backup, the files, SQL access)
during or after voting finds no plaintext choice paired with a receipt:

1. receipts by id against ballot rows in physical order (rowid, ctid): the ballot rows carry no readable choice;
2. PostgreSQL: no row version that carries a plaintext choice shares its xmin with a receipt;
3. a dump (pg_dump --data-only, SQLite iterdump) taken during voting and after close holds no plaintext choice;
4. after close, before VACUUM: no tuple, live or dead, read with pageinspect (PostgreSQL) or in the raw database
   image with its free pages (SQLite), holds a plaintext choice.

The PostgreSQL probes commit each ballot in its own transaction (transaction=True), as in production.
"""

import os
import re
import subprocess
import sys
from unittest import mock

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection

from councils import selectors, services
from councils.models import AgendaItem, Ballot, BallotReceipt, ItemState
from tests.reliability.conftest import postgres_only
from workflows import engine

from .conftest import start_voting, threshold

CHOICE_TOKEN = re.compile(r"(?<![A-Za-z_])(agree|disagree|abstain)(?![A-Za-z_])")
CHOICE_BYTES = re.compile(rb"(?<![A-Za-z_])(agree|disagree|abstain)(?![A-Za-z_])")
PG_REASON = "needs PostgreSQL (set DATABASE_URL): xmin, ctid, pg_dump and pageinspect are PostgreSQL's"
ITEMS = [("Bằng khen cho bà A", threshold("50")), ("Bằng khen cho ông B", threshold("50"))]


def choice_of(index: int, position: int) -> str:
    return ("agree", "disagree", "agree", "abstain")[(index + position) % 4]


def vote_everyone(c, session):
    """Each voter casts a sheet (the first) or single ballots (the others), with varied choices."""
    items = list(session.items.order_by("order"))
    for index, member in enumerate(c.voters):
        choices = {item.pk: choice_of(index, position) for position, item in enumerate(items)}
        if index % 2:
            services.ballot_sheet_cast(session=session, choices=choices, actor=member)
        else:
            for item in items:
                services.ballot_cast(item=item, choice=choices[item.pk], actor=member)
    return items


def expected(c, items):
    counts = {item.pk: {"agree": 0, "disagree": 0, "abstain": 0} for item in items}
    for index in range(len(c.voters)):
        for position, item in enumerate(items):
            counts[item.pk][choice_of(index, position)] += 1
    return counts


def physical_rows(table: str) -> list[tuple]:
    order = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY {order}')  # noqa: S608 (a fixed table name)
        return cursor.fetchall()


def readable_choice(row) -> str | None:
    """What a database holder reads as a choice in a row: a value that is, or spells, a choice."""
    for value in row:
        if isinstance(value, memoryview | bytes | bytearray):
            found = CHOICE_BYTES.search(bytes(value))
            if found:
                return found.group(0).decode()
        elif isinstance(value, str) and CHOICE_TOKEN.search(value):
            return CHOICE_TOKEN.search(value).group(0)
    return None


def assert_pairing_reveals_nothing(session):
    receipts = list(
        BallotReceipt.objects.filter(item__session=session).order_by("pk").values_list("member_id", "item_id")
    )
    ballots = physical_rows(Ballot._meta.db_table)
    assert len(ballots) == len(receipts) > 0
    attributed = [(member, readable_choice(row)) for (member, _), row in zip(receipts, ballots, strict=True)]
    assert [pair for pair in attributed if pair[1] is not None] == []
    columns = [f.column for f in Ballot._meta.concrete_fields]
    assert columns == ["id", "item_id", "sealed"]
    sealed = [bytes(row[columns.index("sealed")]) for row in ballots]
    assert len({len(value) for value in sealed}) == 1  # the length says nothing about the choice
    stranger = AESGCM(AESGCM.generate_key(bit_length=256))
    for row, value in zip(ballots, sealed, strict=True):
        with pytest.raises(InvalidTag):  # without the application's key a ballot does not open
            stranger.decrypt(value[:12], value[12:], f"councils.ballot:item={row[1]}".encode())


# --- SQLite and PostgreSQL alike (in the test's transaction) ---------------------------------------------------


@pytest.mark.django_db
def test_receipts_by_id_against_ballots_in_physical_order_attribute_no_choice(council, session_for):
    c = council(size=12, abstain_allowed=True)
    session = start_voting(session_for(c, items=ITEMS), c)
    items = vote_everyone(c, session)
    assert_pairing_reveals_nothing(session)
    assert {item.pk: selectors.tally(item) for item in items} == expected(c, items)
    services.session_close_voting(session=session, user=c.secretary)
    assert physical_rows(Ballot._meta.db_table) == []  # counted: the sealed ballots are gone
    for item in AgendaItem.objects.filter(session=session):
        counts = expected(c, items)[item.pk]
        assert (item.agree_count, item.disagree_count, item.abstain_count) == (
            counts["agree"],
            counts["disagree"],
            counts["abstain"],
        )


def database_as_sql_sees_it() -> str:
    """Everything a dump or SQL access shows: SQLite's iterdump(); on PostgreSQL every row of every table as JSON
    (inside the test's transaction pg_dump would not see the rows; the committed runs below use pg_dump)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    with connection.cursor() as cursor:
        texts = []
        for table in _user_tables():
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')  # noqa: S608
            texts += [row[0] for row in cursor.fetchall()]
        return "\n".join(texts)


def database_as_files_hold_it() -> bytes:
    """Every page of the database: SQLite's raw image (free pages and freeblocks included); on PostgreSQL every
    tuple, live or dead, on every page of every table, read with pageinspect."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return connection.connection.serialize()
    return b"\n".join(bytes(row[2]) for table in _user_tables() for row in _tuples(table))


@pytest.mark.django_db
def test_the_dump_and_the_raw_pages_hold_no_plaintext_choice_during_voting_or_after_close(
    council, session_for
):
    c = council(size=12, abstain_allowed=True)
    session = start_voting(session_for(c, items=ITEMS), c)
    vote_everyone(c, session)
    during = database_as_sql_sees_it()
    assert CHOICE_TOKEN.findall(during) == []
    assert CHOICE_BYTES.findall(database_as_files_hold_it()) == []
    sealed = [bytes(value) for value in Ballot.objects.values_list("sealed", flat=True)]
    services.session_close_voting(session=session, user=c.secretary)
    assert CHOICE_TOKEN.findall(database_as_sql_sees_it()) == []
    image = database_as_files_hold_it()
    assert CHOICE_BYTES.findall(image) == []  # the deleted ballots left ciphertext at most
    if (
        connection.vendor == "sqlite"
    ):  # deleted rows are overwritten (PostgreSQL: the VACUUM after commit, below)
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA secure_delete").fetchone() == (1,)
        assert [value for value in sealed if value in image] == []


@pytest.mark.django_db
def test_a_sealed_ballot_is_bound_to_its_item_and_fixed_in_length():
    from councils import sealing

    sealed = {choice: sealing.seal_choice(7, choice) for choice in ("agree", "disagree", "abstain")}
    assert {len(value) for value in sealed.values()} == {sealing.NONCE_BYTES + sealing.CHOICE_BYTES + 16}
    assert sealing.open_choice(7, sealed["disagree"]) == "disagree"
    assert sealing.seal_choice(7, "agree") != sealed["agree"]  # a fresh nonce each time
    with pytest.raises(sealing.BrokenSeal):  # copied to another item, it does not open
        sealing.open_choice(8, sealed["agree"])
    altered = bytearray(sealed["agree"])
    altered[-1] ^= 1
    with pytest.raises(sealing.BrokenSeal):
        sealing.open_choice(7, bytes(altered))


@pytest.mark.django_db
def test_ballots_added_or_altered_outside_the_application_stop_the_count(council, session_for, settings):
    from councils import sealing

    c = council(size=6)
    session = start_voting(session_for(c, items=ITEMS[:1]), c)
    item = session.items.get()
    for member in c.voters:
        services.ballot_cast(item=item, choice="agree", actor=member)
    stuffed = Ballot.objects.create(item=item, sealed=sealing.seal_choice(item.pk, "disagree"))
    with pytest.raises(engine.TransitionNotAllowed) as mismatch:
        engine.perform(item, "close_ballot", user=c.secretary)
    assert "không khớp số thành viên đã bỏ phiếu" in mismatch.value.message
    stuffed.delete()
    settings.BALLOT_KEY = os.urandom(32)  # the key changed while the vote was open
    with pytest.raises(engine.TransitionNotAllowed) as unreadable:
        services.session_close_voting(session=session, user=c.secretary)
    assert "Không mở được phiếu kín" in unreadable.value.message
    item.refresh_from_db()
    assert item.state == ItemState.PENDING and Ballot.objects.filter(item=item).count() == len(c.voters)


@pytest.mark.parametrize("value", ["not base64!", "c2hvcnQ="])
def test_settings_refuse_a_ballot_key_that_is_not_32_bytes(value):
    env = {**os.environ, "DJANGO_BALLOT_KEY": value, "DJANGO_DEBUG": "1"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import project.settings"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "DJANGO_BALLOT_KEY must be 32 bytes" in result.stderr


# --- PostgreSQL: committed ballots, xmin, pg_dump, pageinspect -------------------------------------------------


def _pg_vote(c, session_for):
    with connection.cursor() as cursor:  # keep every dead tuple for the probe: no autovacuum on these tables
        for table in ("councils_ballot", "councils_agendaitem", "councils_ballotreceipt"):
            cursor.execute(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)')
    session = start_voting(session_for(c, items=ITEMS), c)
    return session, vote_everyone(c, session)


def _user_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        return [row[0] for row in cursor.fetchall()]


def _receipt_xmins() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM councils_ballotreceipt")
        return {row[0] for row in cursor.fetchall()}


def _rows_with_choice_written_by(xmins: set[str]) -> list[tuple[str, str]]:
    """Every live row, in every table, written by a receipt's transaction and carrying a plaintext choice."""
    found = []
    with connection.cursor() as cursor:
        for table in _user_tables():
            cursor.execute(f'SELECT xmin::text, row_to_json(t)::text FROM "{table}" t')  # noqa: S608
            found += [
                (table, text)
                for xmin, text in cursor.fetchall()
                if xmin in xmins and CHOICE_TOKEN.search(text)
            ]
    return found


def _pg_dump() -> str:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    command = [
        "pg_dump",
        "--data-only",
        "--no-owner",
        "-h",
        db["HOST"] or "127.0.0.1",
        "-p",
        str(db["PORT"] or 5432),
    ]
    command += ["-U", db["USER"] or "postgres", db["NAME"]]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=120).stdout  # noqa: S603


def _tuples(table: str) -> list[tuple]:
    """(t_xmin, t_xmax, t_data) of every tuple on every page of `table`, dead ones included."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        cursor.execute("SELECT pg_relation_size(%s) / current_setting('block_size')::int", [table])
        pages = cursor.fetchone()[0]
        rows = []
        for page in range(pages):
            cursor.execute(
                "SELECT t_xmin::text, t_xmax::text, t_data FROM heap_page_items(get_raw_page(%s, %s))"
                " WHERE t_data IS NOT NULL",
                [table, page],
            )
            rows += cursor.fetchall()
        return rows


@pytest.mark.postgres
@postgres_only(PG_REASON)
@pytest.mark.django_db(transaction=True)
def test_postgres_no_row_with_a_plaintext_choice_shares_a_receipts_xmin(council, session_for):
    c = council(size=12, abstain_allowed=True)
    session, items = _pg_vote(c, session_for)
    xmins = _receipt_xmins()
    assert len(xmins) > len(c.voters)  # one transaction per ballot or sheet
    assert _rows_with_choice_written_by(xmins) == []
    assert_pairing_reveals_nothing(session)  # ctid order against receipts
    services.session_close_voting(session=session, user=c.secretary)
    assert _rows_with_choice_written_by(xmins) == []
    assert {i.pk: (i.agree_count, i.disagree_count, i.abstain_count) for i in session.items.all()} == {
        pk: (n["agree"], n["disagree"], n["abstain"]) for pk, n in expected(c, items).items()
    }


@pytest.mark.postgres
@postgres_only(PG_REASON)
@pytest.mark.django_db(transaction=True)
def test_postgres_a_dump_during_voting_or_after_close_holds_no_plaintext_choice(council, session_for):
    c = council(size=12, abstain_allowed=True)
    session, _ = _pg_vote(c, session_for)
    during = _pg_dump()
    assert "COPY public.councils_ballot " in during and "COPY public.councils_ballotreceipt " in during
    assert CHOICE_TOKEN.findall(during) == []
    services.session_close_voting(session=session, user=c.secretary)
    assert CHOICE_TOKEN.findall(_pg_dump()) == []


@pytest.mark.postgres
@postgres_only(PG_REASON)
@pytest.mark.django_db(transaction=True)
def test_postgres_dead_tuples_after_close_hold_no_plaintext_choice(council, session_for):
    from councils import results

    c = council(size=12, abstain_allowed=True)
    session, items = _pg_vote(c, session_for)
    xmins = _receipt_xmins()
    with mock.patch.object(results, "vacuum_ballots", lambda: None):  # as if the VACUUM had not run yet
        services.session_close_voting(session=session, user=c.secretary)
    ballots = _tuples("councils_ballot")
    dead = [row for row in ballots if row[1] != "0"]
    assert len(dead) >= len(c.voters) * len(items)  # the pre-close tuples are still on the pages
    assert [row for row in ballots if CHOICE_BYTES.search(bytes(row[2]))] == []
    for table in _user_tables():
        leaked = [row for row in _tuples(table) if row[0] in xmins and CHOICE_BYTES.search(bytes(row[2]))]
        assert leaked == [], table
    results.vacuum_ballots()  # what the close runs once it has committed: the sealed ballots leave the pages
    assert _tuples("councils_ballot") == []


@pytest.mark.postgres
@postgres_only(PG_REASON)
@pytest.mark.django_db(transaction=True)
def test_postgres_closing_vacuums_the_counted_ballots_away(council, session_for):
    c = council(size=6, abstain_allowed=True)
    session, _ = _pg_vote(c, session_for)
    assert _tuples("councils_ballot")
    services.session_close_voting(session=session, user=c.secretary)
    assert _tuples("councils_ballot") == []  # not even a dead, sealed tuple is left to open with a stolen key
