"""Issue 19, "the chain under concurrency": the audit log in several hash chains is verified, signed and checked
chain by chain, and every attack on one chain other than the first is found and named with its chain.

Events are put in chains 1, 2 and 3 with audit.use_chain(); whatever a test does not place itself (a check's
start, a role's grant) goes to chain 4. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.testapp.models import Widget
from workflows import audit, audit_check, checkpoints
from workflows.audit import GENESIS_HASH, SYSTEM, ChainProblem, chain_tails, verify_chain
from workflows.audit_check import start_audit_check
from workflows.checkpoints import (
    CheckpointError,
    SignedCheckpoint,
    audit_checkpoint_sign,
    checkpoint_message,
    verify_log,
)
from workflows.models import AuditCheckMode, AuditCheckpoint, AuditCheckRun, AuditCheckState, AuditEvent, Role

from .test_audit_tamper import as_attacker, rechain_from, verify_audit_fails

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]

#: events put in each chain by the `chains` fixture
COUNTS = {1: 10, 2: 8, 3: 6}
BATCH = 4
#: the chain the rest goes to
OTHER = 4


@pytest.fixture(autouse=True)
def four_chains(settings, tmp_path):
    settings.AUDIT_CHAINS = 4
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.AUDIT_CHECK_BATCH_SIZE = BATCH
    with audit.use_chain(OTHER):
        yield tmp_path / "checkpoints"


@pytest.fixture
def widget(unit):
    return Widget.objects.create(title="Hồ sơ khen thưởng", unit=unit)


def note(widget, chain: int, count: int) -> None:
    with audit.use_chain(chain):
        for number in range(count):
            with transaction.atomic():
                audit.record(
                    subject=widget, actor=SYSTEM, verb="note", comment=f"Chuỗi {chain}, ghi chú {number}"
                )


@pytest.fixture
def chains(widget):
    for chain, count in COUNTS.items():
        note(widget, chain, count)
    return widget


def event(chain: int, sequence: int) -> AuditEvent:
    return AuditEvent.objects.get(chain=chain, sequence=sequence)


def codes(report) -> list[tuple[str, int]]:
    return [(problem.code, problem.chain) for problem in report.problems]


class ReadSpy:
    """The slices of the chains a check run reads, (chain, first, last): each call of verify_chain is a batch."""

    def __init__(self):
        self.slices = []
        self.original = audit_check.verify_chain

    def __call__(self, *args, **kwargs):
        self.slices.append((kwargs["chain"], kwargs["first"], kwargs["last"]))
        return self.original(*args, **kwargs)


def run_check(mode: str) -> tuple[AuditCheckRun, ReadSpy]:
    spy = ReadSpy()
    with mock.patch("workflows.audit_check.verify_chain", spy):
        run, started = start_audit_check(mode=mode, actor=SYSTEM)
    assert started
    return run, spy


def alter(chain: int, sequence: int) -> None:
    as_attacker(
        f"UPDATE workflows_auditevent SET comment = 'Đã sửa' WHERE chain = {chain} AND sequence = {sequence}"
    )


# --- every chain verified ---------------------------------------------------------------------------------


def test_three_chains_verify_each_from_its_own_genesis(chains):
    report = verify_log()
    assert report.intact, report.problems
    assert {chain: sequence for chain, (sequence, _hash) in report.tails.items()} == COUNTS
    assert report.checked == sum(COUNTS.values()) == AuditEvent.objects.count()
    for chain in COUNTS:  # each chain links within itself, from the genesis hash
        assert event(chain, 1).prev_hash == GENESIS_HASH
        assert event(chain, 2).prev_hash == event(chain, 1).hash
    out = io.StringIO()
    call_command("verify_audit", "--workers", "1", stdout=out)
    assert f"Audit chain intact: {sum(COUNTS.values())} events verified in 3 chains in " in out.getvalue()


# --- attacks on a chain other than the first ----------------------------------------------------------------


def test_an_altered_row_in_chain_2_is_named_with_its_chain(chains):
    alter(2, 4)
    report = verify_log()
    assert codes(report) == [("chain", 2)]
    [problem] = report.problems
    assert problem.params == {
        "sequence": 4,
        "event_id": event(2, 4).pk,
        "reason": "content does not match its hash (the row was altered)",
        "chain": 2,
    }
    assert problem.reason.startswith("audit chain broken at event #2·4 (id ")
    assert problem.label.startswith("chuỗi bị phá vỡ tại sự kiện #2·4 (id ")
    assert problem.label.endswith("nội dung không khớp mã băm (dòng đã bị sửa)")
    err = verify_audit_fails()
    assert (
        "Audit chain broken at event #2·4" in err and "The 3 events before it in chain 2 are intact." in err
    )
    with pytest.raises(
        CheckpointError, match="does not verify at event #2·4: content does not match"
    ) as refused:
        audit_checkpoint_sign(actor=SYSTEM)
    assert "chuỗi bị phá vỡ tại sự kiện #2·4" in refused.value.label
    run, _spy = run_check(AuditCheckMode.FULL)
    assert run.state == AuditCheckState.FAILED
    assert (run.failure_chain, run.failure_sequence, run.failure_position) == (2, 4, "2·4")
    assert "content does not match its hash" in run.failure_reason


def test_a_tail_of_chain_3_cut_after_a_checkpoint_is_a_missing_tail_of_chain_3(chains):
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    assert checkpoint.heads["3"] == [6, event(3, 6).hash]
    note(chains, 3, 2)  # chain 3 at #8
    as_attacker("DELETE FROM workflows_auditevent WHERE chain = 3 AND sequence > 4")
    report = verify_log()
    assert codes(report) == [("missing_tail", 3), ("missing_tail", 3)]
    by_head, by_checkpoint = report.problems
    assert by_head.params == {"where": "the chain head", "expected": 8, "last": 4, "missing": 4, "chain": 3}
    assert by_head.reason == (
        "missing tail: the chain head is at event #3·8 but the log ends at #3·4 (4 events missing)"
    )
    assert "the checkpoint signed at" in by_checkpoint.reason
    assert "is at event #3·6 but the log ends at #3·4 (2 events missing)" in by_checkpoint.reason
    assert (
        "mất phần cuối" in by_checkpoint.label
        and "ở sự kiện #3·6 nhưng nhật ký dừng ở #3·4" in by_checkpoint.label
    )
    audit.sync_chain_head()  # the attacker moves the head back: the signed checkpoint still says more
    assert codes(verify_log()) == [("missing_tail", 3)]
    run, spy = run_check(AuditCheckMode.INCREMENTAL)
    assert run.state == AuditCheckState.FAILED and run.problems[0]["code"] == "missing_tail"
    assert (run.failure_chain, run.failure_sequence) == (3, 5)
    assert spy.slices == []  # nothing is linked to a checkpoint the log no longer reaches


def test_a_deleted_head_row_of_chain_3_is_reported(chains):
    as_attacker("DELETE FROM workflows_auditchainhead WHERE id = 3")
    assert 3 in audit.chains()  # its events still name it
    report = verify_log()
    assert codes(report) == [("head_missing", 3)]
    assert report.problems[0].reason == "the head of chain 3 is missing while the chain has 6 events"
    assert report.problems[0].label == "thiếu đầu chuỗi 3 trong khi chuỗi có 6 sự kiện"


def test_a_chain_wiped_with_its_head_after_a_checkpoint_is_reported_by_the_checkpoint(chains):
    audit_checkpoint_sign(actor=SYSTEM)
    as_attacker(
        "DELETE FROM workflows_auditevent WHERE chain = 2",
        "DELETE FROM workflows_auditchainhead WHERE id = 2",
    )
    assert 2 not in audit.chains()
    report = verify_log()
    assert codes(report) == [("empty_log", 2)]
    [problem] = report.problems
    assert problem.reason.startswith("chain 2 is empty where there were events: the checkpoint signed at ")
    assert problem.reason.endswith(" is at event #2·8")
    assert problem.label.startswith("chuỗi 2 trống trong khi đã có sự kiện: điểm kiểm chứng ký lúc ")
    with pytest.raises(CheckpointError, match="does not verify at event #2·8: the event differs"):
        audit_checkpoint_sign(actor=SYSTEM)


@pytest.mark.parametrize("target", [1, 2])
def test_an_event_moved_to_another_chain_breaks_its_hash(chains, target):
    """Chain 3's last event rewritten into the end of another chain, linked to its last event, and every head
    moved to match: the links hold, the hash does not (a chain's number is hashed; chain 1's events hash none)."""
    moved, tail = event(3, 6), event(target, COUNTS[target])
    as_attacker(
        f"UPDATE workflows_auditevent SET chain = {target}, sequence = {tail.sequence + 1}, "
        f"prev_hash = '{tail.hash}' WHERE id = {moved.pk}"
    )
    audit.sync_chain_head()
    assert not [
        p for p in verify_chain(chain=3) if isinstance(p, ChainProblem)
    ]  # chain 3 is one event shorter
    report = verify_log()
    assert codes(report) == [("chain", target)]
    assert report.problems[0].params["sequence"] == tail.sequence + 1
    assert report.problems[0].params["reason"] == "content does not match its hash (the row was altered)"


def test_a_chain_recomputed_under_a_checkpoint_fails_at_its_signed_position(chains):
    audit_checkpoint_sign(actor=SYSTEM)
    rechain_from(3, chain=2)
    assert not [p for p in verify_chain() if isinstance(p, ChainProblem)]  # every chain links up again
    report = verify_log()
    assert codes(report) == [("rewritten", 2)]
    assert report.problems[0].params["sequence"] == 8
    assert report.problems[0].reason.startswith("event #2·8 does not match the checkpoint signed at ")
    run, _spy = run_check(AuditCheckMode.INCREMENTAL)
    assert run.state == AuditCheckState.FAILED and run.problems[0]["code"] == "rewritten"
    assert (run.failure_chain, run.failure_sequence) == (2, 8)


# --- checkpoints over several chains ------------------------------------------------------------------------


def test_a_checkpoint_signs_every_chain_head_and_verifies_with_the_public_key_alone(
    chains, four_chains, settings
):
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    tails = chain_tails()
    assert (checkpoint.sequence, checkpoint.hash) == tails[1]
    assert checkpoint.heads == {"2": [8, tails[2][1]], "3": [6, tails[3][1]]}
    message = checkpoint_message(checkpoint.sequence, checkpoint.hash, checkpoint.signed_at, checkpoint.heads)
    lines = message.decode().split("\n")
    assert lines[:3] == ["tdkt-audit-checkpoint/1", "10", tails[1][1]]
    assert lines[4:] == [f"2:8:{tails[2][1]}", f"3:6:{tails[3][1]}"]  # one line per other chain, by number
    checkpoints.signing_key().public_key().verify(base64.b64decode(checkpoint.signature), message)
    [path] = four_chains.glob("checkpoint-*.json")
    written = json.loads(path.read_text())
    assert written == SignedCheckpoint.of(checkpoint).as_json()
    assert written["heads"] == {"2": [8, tails[2][1]], "3": [6, tails[3][1]]}
    public = checkpoints.signing_key().public_key()
    settings.AUDIT_VERIFY_KEYS = [base64.b64encode(checkpoints.raw_public_key(public)).decode()]
    settings.AUDIT_SIGNING_KEY = ""  # a verifying machine without the private key
    report = verify_log()
    assert report.intact and report.checkpoints == report.checkpoint_files == 1
    # a head moved back in the stored checkpoint no longer matches its signature
    forged = json.dumps({"2": [8, tails[2][1]], "3": [5, event(3, 5).hash]})
    as_attacker(
        lambda cursor: cursor.execute(
            "UPDATE workflows_auditcheckpoint SET heads = %s WHERE id = %s", [forged, checkpoint.pk]
        )
    )
    assert [code for code, _chain in codes(verify_log())] == ["file_not_in_database", "bad_signature"]


@pytest.mark.parametrize("heads", [{"1": [3, "a" * 64]}, {"2": "abc"}, ["2", 8]])
def test_a_stored_checkpoint_with_heads_written_by_hand_is_a_forged_signature_not_a_crash(chains, heads):
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    as_attacker(
        lambda cursor: cursor.execute(
            "UPDATE workflows_auditcheckpoint SET heads = %s WHERE id = %s",
            [json.dumps(heads), checkpoint.pk],
        )
    )
    assert [code for code, _chain in codes(verify_log())] == ["file_not_in_database", "bad_signature"]
    run, _spy = run_check(AuditCheckMode.INCREMENTAL)
    assert run.state == AuditCheckState.FAILED and run.problems[0]["code"] == "bad_signature"


def test_the_hourly_task_signs_when_any_chain_moved(chains):
    from workflows.tasks import sign_audit_checkpoint

    assert sign_audit_checkpoint() == sum(COUNTS.values())  # every event it covers
    assert sign_audit_checkpoint() is None
    note(chains, 3, 1)  # chain 1 has not moved, chain 3 has
    assert sign_audit_checkpoint() == sum(COUNTS.values()) + 1
    latest = AuditCheckpoint.objects.order_by("-signed_at").first()
    assert (latest.sequence, latest.heads["3"][0]) == (10, 7)
    assert AuditCheckpoint.objects.count() == 2 and verify_log().intact


def test_signing_goes_on_from_the_latest_trusted_checkpoint_only(chains):
    """A row the attacker signs with a key of his own, at the heads of a chain he recomputed, is no starting
    point: the next signature checks chain 2 from the last trusted checkpoint, and refuses."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    audit_checkpoint_sign(actor=SYSTEM)
    rechain_from(3, chain=2)
    tails = chain_tails()
    heads = {str(chain): list(tails[chain]) for chain in (2, 3)}
    own_key = Ed25519PrivateKey.generate()
    when = event(2, 8).created_at
    AuditCheckpoint.objects.create(
        sequence=tails[1][0],
        hash=tails[1][1],
        heads=heads,
        signed_at=when,
        key_id=checkpoints.key_id(own_key.public_key()),
        signature=base64.b64encode(own_key.sign(checkpoint_message(*tails[1], when, heads))).decode(),
    )
    with pytest.raises(CheckpointError, match="does not verify at event #2·8: the event differs"):
        audit_checkpoint_sign(actor=SYSTEM)


def test_a_single_chain_checkpoint_signs_the_old_message_and_still_verifies_among_several_chains(widget):
    note(widget, 1, 5)
    old = audit_checkpoint_sign(actor=SYSTEM)
    last = event(1, 5)
    assert (old.sequence, old.hash, old.heads) == (5, last.hash, {})
    before_chains = (
        f"tdkt-audit-checkpoint/1\n5\n{last.hash}\n{old.signed_at.astimezone(UTC).isoformat(timespec='microseconds')}"
    ).encode()  # the message as signed before the log had several chains
    assert checkpoint_message(old.sequence, old.hash, old.signed_at, old.heads) == before_chains
    checkpoints.signing_key().public_key().verify(base64.b64decode(old.signature), before_chains)
    assert set(SignedCheckpoint.of(old).as_json()) == {"sequence", "hash", "signed_at", "key_id", "signature"}
    # a checkpoint signed by the code of before, its message written out by hand, is stored beside it
    private = checkpoints.signing_key()
    when = last.created_at
    handmade = (
        f"tdkt-audit-checkpoint/1\n5\n{last.hash}\n{when.astimezone(UTC).isoformat(timespec='microseconds')}"
    )
    AuditCheckpoint.objects.create(
        sequence=5,
        hash=last.hash,
        signed_at=when,
        key_id=checkpoints.key_id(private.public_key()),
        signature=base64.b64encode(private.sign(handmade.encode())).decode(),
    )
    note(widget, 2, 3)
    note(widget, 3, 2)
    report = verify_log()
    assert report.intact and report.checkpoints == 2, report.problems
    new = audit_checkpoint_sign(actor=SYSTEM)  # goes on from the old one
    assert (new.sequence, new.heads) == (5, {"2": [3, event(2, 3).hash], "3": [2, event(3, 2).hash]})
    assert verify_log().intact
    run, spy = run_check(AuditCheckMode.INCREMENTAL)
    assert run.state == AuditCheckState.PASSED and run.resumed_from == new
    assert run.chain_ranges == {"4": [1, 1]} and spy.slices == [(4, 1, 1)]  # only the run's own start


# --- the check runs over several chains ---------------------------------------------------------------------


def test_a_full_check_walks_every_chain_in_batches(chains):
    audit_checkpoint_sign(actor=SYSTEM)
    run, spy = run_check(AuditCheckMode.FULL)  # its start is event #4·1
    assert run.state == AuditCheckState.PASSED, run.problems
    assert run.chain_ranges == {"1": [1, 10], "2": [1, 8], "3": [1, 6], "4": [1, 1]}
    assert run.checked == run.total == sum(COUNTS.values()) + 1 and run.percent == 100
    assert (run.from_sequence, run.to_sequence, run.checkpoints_checked) == (1, 10, 1)
    assert all(last - first + 1 <= BATCH for _chain, first, last in spy.slices)
    for chain, (first, last) in run.chain_ranges.items():
        read = sorted((a, b) for c, a, b in spy.slices if c == int(chain))
        assert read[0][0] == first and read[-1][1] == last
        assert all(b + 1 == a for (_x, b), (a, _y) in zip(read, read[1:], strict=False))  # no gap, no overlap


def test_an_incremental_check_after_a_checkpoint_reads_only_the_new_events_of_every_chain(
    chains, client, person
):
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    note(chains, 1, 2)
    note(chains, 2, 3)
    note(chains, 3, 1)
    run, spy = run_check(AuditCheckMode.INCREMENTAL)  # chain 4, which the checkpoint does not hold, from #4·1
    assert run.state == AuditCheckState.PASSED, run.problems
    assert run.resumed_from == checkpoint
    assert run.chain_ranges == {"1": [11, 12], "2": [9, 11], "3": [7, 7], "4": [1, 1]}
    assert sorted(spy.slices) == [(1, 11, 12), (2, 9, 11), (3, 7, 7), (4, 1, 1)]
    assert run.checked == run.total == 7 and (run.from_sequence, run.to_sequence) == (11, 12)
    # an event after the checkpoint altered in chain 3: found and named with its chain
    alter(3, 7)
    failed, _spy = run_check(AuditCheckMode.INCREMENTAL)
    assert failed.state == AuditCheckState.FAILED
    assert (failed.failure_chain, failed.failure_sequence, failed.failure_position) == (3, 7, "3·7")
    client.force_login(person("kiem.tra", Role.AUDITOR))
    page = client.get(f"/kiem-tra-nhat-ky/lan/{failed.pk}/").content.decode()
    assert "lỗi đầu tiên tại sự kiện #3·7" in page and "chuỗi bị phá vỡ tại sự kiện #3·7" in page
    assert "Chuỗi 3:" in page and "các sự kiện từ #3·7 đến #3·7" in page
    status = client.get(f"/kiem-tra-nhat-ky/lan/{failed.pk}/tien-do/").json()
    assert (status["failure_chain"], status["failure_position"]) == (3, "3·7")
    assert status["chain_ranges"]["3"] == [7, 7]


def test_an_altered_event_before_the_checkpoint_in_chain_2_is_found_by_the_full_check_only(chains):
    audit_checkpoint_sign(actor=SYSTEM)
    note(chains, 2, 1)
    alter(2, 3)
    assert run_check(AuditCheckMode.INCREMENTAL)[0].state == AuditCheckState.PASSED
    full, _spy = run_check(AuditCheckMode.FULL)
    assert full.state == AuditCheckState.FAILED and (full.failure_chain, full.failure_sequence) == (2, 3)


# --- what the auditor reads -----------------------------------------------------------------------------------


def test_the_api_and_the_page_give_the_other_chains_heads_and_a_check_s_failure_chain(
    chains, api, client, person
):
    auditor = person("kiem.tra", Role.AUDITOR)  # its grant is event #4·1
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    tails = chain_tails()
    [row] = api(auditor).get("/api/v1/audit-checkpoints/").json()["results"]
    assert (row["id"], row["sequence"], row["hash"]) == (checkpoint.pk, 10, tails[1][1])
    assert row["heads"] == {
        str(chain): {"sequence": tails[chain][0], "hash": tails[chain][1]} for chain in (2, 3, OTHER)
    }
    assert row["statement"]["heads"] == {str(chain): list(tails[chain]) for chain in (2, 3, OTHER)}
    assert row["signature_valid"] is True
    client.force_login(auditor)
    page = client.get("/kiem-tra-nhat-ky/").content.decode()
    assert "#2·8" in page and tails[2][1] in page and "#3·6" in page
    response = client.post("/kiem-tra-nhat-ky/", {"action": "sign"}, follow=True)
    assert "Đã ký điểm kiểm chứng tại các sự kiện #10, #2·8, #3·6, #4·" in response.content.decode()
    alter(3, 2)
    started = api(auditor).post("/api/v1/audit-checks/", {"mode": "full"}, format="json")
    assert started.status_code == 201, started.content
    body = api(auditor).get(f"/api/v1/audit-checks/{started.json()['id']}/").json()
    assert (body["state"], body["failure_chain"], body["failure_sequence"]) == ("failed", 3, 2)
    assert body["chain_ranges"]["2"] == [1, 8] and body["problems"][0]["params"]["chain"] == 3
    assert body["problems"][0]["message"].startswith("chuỗi bị phá vỡ tại sự kiện #3·2")


# --- how a checkpoint's problems name it ----------------------------------------------------------------


def test_a_forged_checkpoint_of_a_log_without_chain_1_names_its_chains_events_not_event_0(widget):
    note(widget, 2, 3)
    note(widget, 3, 2)
    signed = audit_checkpoint_sign(actor=SYSTEM)
    assert signed.sequence == 0  # chain 1 had no event
    as_attacker(
        lambda cursor: cursor.execute(
            "UPDATE workflows_auditcheckpoint SET heads = %s WHERE id = %s",
            [json.dumps({**signed.heads, "3": [1, event(3, 1).hash]}), signed.pk],
        )
    )
    forged = SignedCheckpoint.of(AuditCheckpoint.objects.get(pk=signed.pk))
    at = ", ".join(f"#{place}" for place in forged.places())
    assert at.startswith("#2·3, #3·1")  # chain 1 left out, every other chain by its position
    report = verify_log()
    bad = next(problem for problem in report.problems if problem.code == "bad_signature")
    assert bad.reason.startswith(f"the checkpoint at events {at} signed at ")
    assert bad.label.startswith(f"điểm kiểm chứng tại các sự kiện {at} ký lúc ")
    moved = next(problem for problem in report.problems if problem.code == "file_not_in_database")
    on_file = ", ".join(f"#{place}" for place in SignedCheckpoint.of(signed).places())
    assert f"(events {on_file}) is missing" in moved.reason
    assert f"(các sự kiện {on_file}) không có" in moved.label
    run, _spy = run_check(AuditCheckMode.INCREMENTAL)
    assert run.state == AuditCheckState.FAILED and run.problems[0]["code"] == "bad_signature"
    assert run.failure_sequence is None and run.failure_position == ""  # no event #0 to point at
    for text in (run.failure_reason, audit_check.problem_label(run.problems[0]), *map(str, report.problems)):
        assert "#0" not in text and "1·0" not in text


def test_a_checkpoint_problem_stored_before_its_places_reads_as_it_did_or_says_the_log_was_empty():
    params = {"signed_at": "01/12/2026 08:00:00", "origin": "database", "key_id": "abc"}
    assert checkpoints.LogProblem("bad_signature", {**params, "sequence": 30}).reason == (
        "the checkpoint at event #30 signed at 01/12/2026 08:00:00 (database) has a forged signature"
    )
    empty = checkpoints.LogProblem("unknown_key", {**params, "sequence": 0})
    assert empty.reason.startswith("the checkpoint of an empty log signed at ")
    assert empty.label.startswith("điểm kiểm chứng của nhật ký trống ký lúc ")
    one = checkpoints.LogProblem("file_not_in_database", {"origin": "f.json", "sequence": 7, "places": ["7"]})
    assert one.label == "tệp điểm kiểm chứng f.json (sự kiện #7) không có hoặc khác trong cơ sở dữ liệu"


def test_a_broken_link_at_a_signed_position_the_chain_no_longer_holds_names_no_event_id():
    params = {"sequence": 5, "event_id": 0, "reason": "event #5 is missing", "chain": 3}
    problem = checkpoints.LogProblem("chain", params)
    assert problem.reason == "audit chain broken at event #3·5: event #5 is missing"
    assert problem.label == "chuỗi bị phá vỡ tại sự kiện #3·5: thiếu sự kiện #5"
    assert "(id 12)" in checkpoints.LogProblem("chain", {**params, "event_id": 12}).reason
