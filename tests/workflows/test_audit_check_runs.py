"""Issue 15: the auditor's check of the audit log runs as a Celery task in batches, with its progress on the page;
an incremental check resumes from the latest signed checkpoint and reads only the events after it, a full check
reads them all; one run at a time; a failed check notifies the auditors and the Board head."""

from __future__ import annotations

import base64
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tests.testapp.models import Widget
from workflows import audit, audit_check, history
from workflows.audit import SYSTEM
from workflows.audit_check import start_audit_check
from workflows.checkpoints import audit_checkpoint_sign
from workflows.models import (
    AuditCheckMode,
    AuditCheckpoint,
    AuditCheckRun,
    AuditCheckState,
    AuditEvent,
    Notification,
    Role,
)
from workflows.tasks import audit_check_daily

from .test_audit_tamper import as_attacker, at, here, rechain_from, signed_head

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]

BATCH = 7


@pytest.fixture(autouse=True)
def small_batches(settings, tmp_path):
    settings.AUDIT_CHECK_BATCH_SIZE = BATCH
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")


@pytest.fixture
def widget(unit):
    return Widget.objects.create(title="Hồ sơ khen thưởng", unit=unit)


def note(widget, count: int) -> None:
    for number in range(count):
        with transaction.atomic():
            audit.record(subject=widget, actor=SYSTEM, verb="note", comment=f"Ghi chú {number}")


def last_sequence() -> int:
    """The last sequence of this test's chain (every event of a test is in its thread's chain)."""
    return (
        AuditEvent.objects.filter(chain=here())
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )


def alter_comment(sequence: int, comment: str = "Đã sửa") -> None:
    """Change one event's content in place, as an attacker with DDL rights would, without fixing any hash."""
    as_attacker(
        f"UPDATE workflows_auditevent SET comment = '{comment}' WHERE chain = {here()} AND sequence = {int(sequence)}"
    )


class ReadSpy:
    """Records the slices of the chain the run reads (each call of verify_chain is one batch)."""

    def __init__(self):
        self.slices = []
        self.original = audit_check.verify_chain

    def __call__(self, *args, **kwargs):
        self.slices.append((kwargs["first"], kwargs["last"]))
        return self.original(*args, **kwargs)

    @property
    def events(self) -> int:
        return sum(last - first + 1 for first, last in self.slices)


def run_check(mode: str, user=None) -> tuple[AuditCheckRun, ReadSpy]:
    spy = ReadSpy()
    with mock.patch("workflows.audit_check.verify_chain", spy):
        run, started = start_audit_check(mode=mode, actor=audit.Actor(user=user))
    assert started
    return run, spy


# --- what each mode reads -------------------------------------------------------------------------------


def test_a_full_run_reads_every_event_in_batches_and_checks_every_checkpoint(widget):
    note(widget, 20)
    audit_checkpoint_sign(actor=SYSTEM)
    note(widget, 4)
    run, spy = run_check(AuditCheckMode.FULL)
    last = last_sequence()  # the run's own start was recorded too, before it read the chain
    assert run.state == AuditCheckState.PASSED and run.active is None
    assert (run.checked, run.total, run.chain_ranges) == (last, last, {str(here()): [1, last]})
    if here() == 1:  # from_sequence and to_sequence are the first chain's
        assert (run.from_sequence, run.to_sequence) == (1, last)
    assert spy.events == last and spy.slices[0] == (1, BATCH)
    assert all(b - a + 1 <= BATCH for a, b in spy.slices)
    assert run.checkpoints_checked == 1 and run.resumed_from is None
    assert run.percent == 100 and run.started_at <= run.finished_at


def test_an_incremental_run_reads_only_the_events_after_the_latest_checkpoint(widget):
    note(widget, 20)
    audit_checkpoint_sign(actor=SYSTEM)
    note(widget, 3)
    checkpoint = AuditCheckpoint.objects.get()
    signed = signed_head(checkpoint)[0]
    newer = AuditEvent.objects.filter(chain=here(), sequence__gt=signed).count()
    run, spy = run_check(AuditCheckMode.INCREMENTAL)
    assert run.state == AuditCheckState.PASSED
    assert run.resumed_from == checkpoint and run.chain_ranges == {
        str(here()): [signed + 1, signed + newer + 1]
    }
    if here() == 1:
        assert run.from_sequence == checkpoint.sequence + 1
    assert newer == 3 and run.checked == run.total == newer + 1  # and the event that records the run's start
    assert spy.events == newer + 1 and min(first for first, _ in spy.slices) == signed + 1


def test_an_incremental_run_without_a_checkpoint_reads_from_the_start_and_warns(widget):
    note(widget, 10)
    run, spy = run_check(AuditCheckMode.INCREMENTAL)
    assert run.state == AuditCheckState.PASSED and run.resumed_from is None
    assert run.checked == last_sequence() and spy.slices[0][0] == 1
    assert "no_checkpoint" in [w["code"] for w in run.warnings]


def test_progress_is_written_after_each_batch(widget):
    note(widget, 30)
    seen = []
    original = audit_check._progress

    def spy(run_id, **fields):
        original(run_id, **fields)
        if "checked" in fields:
            seen.append(AuditCheckRun.objects.values_list("state", "checked", "total").get(pk=run_id))

    with mock.patch("workflows.audit_check._progress", spy):
        run, _started = start_audit_check(mode=AuditCheckMode.FULL, actor=SYSTEM)
    total = run.total
    assert [checked for _state, checked, _total in seen] == [
        *range(BATCH, total, BATCH),
        total,
    ]
    assert {state for state, _checked, _total in seen} == {AuditCheckState.RUNNING}
    assert {t for _s, _c, t in seen} == {total}


# --- what each mode finds -------------------------------------------------------------------------------


def test_an_altered_event_after_the_checkpoint_is_found_by_both_modes(widget, person):
    note(widget, 20)
    audit_checkpoint_sign(actor=SYSTEM)
    note(widget, 5)
    target = signed_head(AuditCheckpoint.objects.get())[0] + 3
    alter_comment(target)
    for mode in (AuditCheckMode.INCREMENTAL, AuditCheckMode.FULL):
        run, _spy = run_check(mode)
        assert run.state == AuditCheckState.FAILED, mode
        assert run.failure_sequence == target
        assert "content does not match its hash" in run.failure_reason
        assert run.problems[0]["code"] == "chain"
        assert run.checked < run.total  # it stopped at the batch holding the altered event


def test_an_altered_event_before_the_checkpoint_is_found_by_the_full_run_only(widget):
    note(widget, 20)
    audit_checkpoint_sign(actor=SYSTEM)
    note(widget, 2)
    alter_comment(5)
    assert run_check(AuditCheckMode.INCREMENTAL)[0].state == AuditCheckState.PASSED
    full, _spy = run_check(AuditCheckMode.FULL)
    assert full.state == AuditCheckState.FAILED and full.failure_sequence == 5


def test_a_forged_checkpoint_signature_is_reported_and_nothing_is_linked_to_it(widget):
    note(widget, 12)
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    note(widget, 2)
    forged = base64.b64encode(b"x" * 64).decode()
    as_attacker(f"UPDATE workflows_auditcheckpoint SET signature = '{forged}' WHERE id = {checkpoint.pk}")
    run, spy = run_check(AuditCheckMode.INCREMENTAL)
    assert run.state == AuditCheckState.FAILED and run.problems[0]["code"] == "bad_signature"
    # chain 1's signed event (none when every event went to other chains: no "#0" to point at)
    assert run.failure_sequence == (checkpoint.sequence or None) and "forged signature" in run.failure_reason
    assert spy.slices == []  # no event is read from an untrusted starting point


def test_a_chain_recomputed_under_a_checkpoint_is_reported(widget):
    note(widget, 12)
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    rechain_from(4)  # every hash from event 4 on recomputed: the chain alone links up again
    run, _spy = run_check(AuditCheckMode.INCREMENTAL)
    assert run.state == AuditCheckState.FAILED and run.problems[0]["code"] == "rewritten"
    assert (run.failure_chain, run.failure_sequence) == (here(), signed_head(checkpoint)[0])


def test_a_deleted_latest_checkpoint_row_is_noticed_through_its_file(widget):
    note(widget, 8)
    audit_checkpoint_sign(actor=SYSTEM)
    note(widget, 3)
    latest = audit_checkpoint_sign(actor=SYSTEM)
    as_attacker(f"DELETE FROM workflows_auditcheckpoint WHERE id = {latest.pk}")
    run, _spy = run_check(AuditCheckMode.INCREMENTAL)
    assert run.state == AuditCheckState.FAILED
    assert "file_not_in_database" in [p["code"] for p in run.problems]


def test_an_error_inside_the_run_fails_it_instead_of_leaving_it_running(widget):
    note(widget, 3)
    with mock.patch("workflows.audit_check.verify_chain", side_effect=RuntimeError("connection lost")):
        run, _started = start_audit_check(mode=AuditCheckMode.FULL, actor=SYSTEM)
    assert run.state == AuditCheckState.FAILED and run.active is None
    assert "connection lost" in run.failure_reason
    assert start_audit_check(mode=AuditCheckMode.FULL, actor=SYSTEM)[1]  # the next one may start


# --- one at a time, audited, daily ------------------------------------------------------------------------


def test_one_run_at_a_time_and_a_stale_one_is_closed(widget, settings):
    running = AuditCheckRun.objects.create(mode=AuditCheckMode.FULL, state=AuditCheckState.RUNNING)
    events = AuditEvent.objects.count()
    run, started = start_audit_check(mode=AuditCheckMode.INCREMENTAL, actor=SYSTEM)
    assert (run, started) == (running, False)
    assert AuditEvent.objects.count() == events and AuditCheckRun.objects.count() == 1
    AuditCheckRun.objects.filter(pk=running.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    run, started = start_audit_check(mode=AuditCheckMode.INCREMENTAL, actor=SYSTEM)
    assert started and run.state == AuditCheckState.PASSED
    running.refresh_from_db()
    assert running.state == AuditCheckState.FAILED and running.problems[0]["code"] == "abandoned"


def test_starting_a_run_is_audited_with_a_label(client, widget, person):
    auditor = person("auditor", Role.AUDITOR)
    client.force_login(auditor)
    response = client.post("/kiem-tra-nhat-ky/", {"action": "incremental"})
    run = AuditCheckRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kiem-tra-nhat-ky/lan/{run.pk}/"
    event = AuditEvent.objects.get(verb="audit_check_started")
    assert event.actor == auditor and event.role == Role.AUDITOR and event.data["mode"] == "incremental"
    assert event.subject_id == str(run.pk) and run.started_by == auditor
    assert history.verb_label(AuditCheckRun, "audit_check_started") == "Bắt đầu kiểm tra nhật ký"


def test_the_daily_beat_task_runs_an_incremental_check(widget, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-check-daily"]
    assert entry["task"] == "workflows.tasks.audit_check_daily" and entry["schedule"] == 24 * 3600
    note(widget, 5)
    audit_checkpoint_sign(actor=SYSTEM)
    run = AuditCheckRun.objects.get(pk=audit_check_daily())
    assert run.mode == AuditCheckMode.INCREMENTAL and run.started_by is None
    assert run.state == AuditCheckState.PASSED and run.checked == 1  # its own start, after the checkpoint


def test_a_failed_check_notifies_the_auditors_and_the_board_head_and_mails_after_commit(
    widget, person, unit, django_capture_on_commit_callbacks
):
    auditor, head = person("auditor", Role.AUDITOR), person("head", Role.BOARD_HEAD)
    officer = person("officer", Role.UNIT_OFFICER, unit=unit)
    note(widget, 6)
    alter_comment(4)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = AuditCheckRun.objects.get(pk=audit_check_daily())
    assert run.state == AuditCheckState.FAILED
    notified = Notification.objects.filter(key=f"audit-check:{run.pk}")
    assert {n.recipient for n in notified} == {auditor, head} and not notified.filter(recipient=officer)
    assert all(n.mail_status == "pending" and n.url == f"/kiem-tra-nhat-ky/lan/{run.pk}/" for n in notified)
    assert f"#{at(4)}" in notified.first().text and mail.outbox == []  # no mail before the commit
    for callback in queued:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([auditor.email, head.email])
    assert {n.mail_status for n in notified.all()} == {"sent"}


# --- the pages --------------------------------------------------------------------------------------------


def test_the_run_page_and_its_json_status_show_the_progress(client, person):
    client.force_login(person("auditor", Role.AUDITOR))
    run = AuditCheckRun.objects.create(
        mode=AuditCheckMode.FULL, state=AuditCheckState.RUNNING, checked=5000, total=20000, from_sequence=1
    )
    page = client.get(f"/kiem-tra-nhat-ky/lan/{run.pk}/").content.decode()
    assert '<meta http-equiv="refresh"' in page and "5000 / 20000 sự kiện (25%)" in page
    status = client.get(f"/kiem-tra-nhat-ky/lan/{run.pk}/tien-do/").json()
    assert status["state"] == "running" and status["percent"] == 25 and not status["finished"]
    assert (status["checked"], status["total"], status["state_label"]) == (5000, 20000, "Đang kiểm tra")
    overview = client.get("/kiem-tra-nhat-ky/").content.decode()
    assert f"Lần kiểm tra #{run.pk} đang chạy." in overview and "Kiểm tra phần mới" in overview
    assert client.get("/kiem-tra-nhat-ky/lan/999999/").status_code == 404
    assert client.get("/kiem-tra-nhat-ky/lan/999999/tien-do/").status_code == 404


def test_a_second_start_from_the_page_shows_the_running_run(client, person):
    client.force_login(person("head", Role.BOARD_HEAD))
    running = AuditCheckRun.objects.create(mode=AuditCheckMode.FULL, state=AuditCheckState.RUNNING)
    response = client.post("/kiem-tra-nhat-ky/", {"action": "full"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/kiem-tra-nhat-ky/lan/{running.pk}/"
    assert "Một lần kiểm tra khác đang chạy" in response.content.decode()
    assert AuditCheckRun.objects.count() == 1


def test_a_finished_run_page_names_each_problem_in_vietnamese(client, widget, person):
    note(widget, 9)
    alter_comment(6)
    client.force_login(person("auditor", Role.AUDITOR))
    response = client.post("/kiem-tra-nhat-ky/", {"action": "full"}, follow=True)
    page = response.content.decode()
    assert "Nhật ký không toàn vẹn" in page and f"lỗi đầu tiên tại sự kiện #{at(6)}" in page
    assert "nội dung không khớp mã băm (dòng đã bị sửa)" in page
    assert '<meta http-equiv="refresh"' not in page
    run = AuditCheckRun.objects.get()
    status = client.get(f"/kiem-tra-nhat-ky/lan/{run.pk}/tien-do/").json()
    assert status["state"] == "failed" and status["failure_sequence"] == 6 and status["finished"]
    assert (status["failure_chain"], status["failure_position"]) == (here(), at(6))


def test_an_unknown_action_is_refused_with_a_message(client, person):
    client.force_login(person("auditor", Role.AUDITOR))
    response = client.post("/kiem-tra-nhat-ky/", {"action": "everything"}, follow=True)
    assert "Không rõ cần kiểm tra phần nào của nhật ký." in response.content.decode()
    assert not AuditCheckRun.objects.exists()


def test_a_unit_officer_gets_neither_the_run_page_nor_its_status_nor_a_start(client, person, unit):
    run = AuditCheckRun.objects.create(mode=AuditCheckMode.FULL, state=AuditCheckState.PASSED, active=None)
    client.force_login(person("officer", Role.UNIT_OFFICER, unit=unit))
    assert client.get(f"/kiem-tra-nhat-ky/lan/{run.pk}/").status_code == 403
    assert client.get(f"/kiem-tra-nhat-ky/lan/{run.pk}/tien-do/").status_code == 403
    assert client.post("/kiem-tra-nhat-ky/", {"action": "full"}).status_code == 403
    assert AuditCheckRun.objects.count() == 1
