"""Issue 19: `manage.py verify_audit --since-checkpoint` reads only the events after the latest signed checkpoint,
each chain from its signed position, records the check as a run, and exits 1 naming a problem it finds there."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.management import call_command

from workflows import audit_check
from workflows.audit import SYSTEM
from workflows.checkpoints import audit_checkpoint_sign
from workflows.models import AuditCheckMode, AuditCheckRun, AuditCheckState

from .test_audit_check_runs import (  # noqa: F401
    BATCH,
    ReadSpy,
    alter_comment,
    last_sequence,
    note,
    small_batches,
    widget,  # noqa: F401
)

pytestmark = [pytest.mark.django_db]


def verify_since(*, expect_exit: int | None = None) -> tuple[str, str, ReadSpy]:
    out, err, spy = io.StringIO(), io.StringIO(), ReadSpy()
    with mock.patch("workflows.audit_check.verify_chain", spy):
        if expect_exit is None:
            call_command("verify_audit", "--since-checkpoint", stdout=out, stderr=err)
        else:
            with pytest.raises(SystemExit) as exit_info:
                call_command("verify_audit", "--since-checkpoint", stdout=out, stderr=err)
            assert exit_info.value.code == expect_exit
    return out.getvalue(), err.getvalue(), spy


def test_it_reads_only_the_events_after_the_checkpoint_and_records_a_run(widget):  # noqa: F811
    note(widget, 30)
    audit_checkpoint_sign(actor=SYSTEM)
    signed = last_sequence()
    note(widget, 5)
    out, _err, spy = verify_since()
    run = AuditCheckRun.objects.get()
    assert run.mode == AuditCheckMode.INCREMENTAL and run.state == AuditCheckState.PASSED
    assert run.checked == 6  # the five new events and the run's own start
    assert spy.events == 6 and min(first for first, _ in spy.slices) == signed + 1
    assert "Audit chain intact after the checkpoint signed at" in out and "6 events verified" in out


def test_an_altered_event_after_the_checkpoint_fails_it(widget):  # noqa: F811
    note(widget, 10)
    audit_checkpoint_sign(actor=SYSTEM)
    note(widget, 4)
    alter_comment(last_sequence() - 1)
    _out, err, _spy = verify_since(expect_exit=1)
    assert "Audit log not intact" in err
    assert AuditCheckRun.objects.get().state == AuditCheckState.FAILED


def test_without_a_checkpoint_it_checks_from_the_start(widget):  # noqa: F811
    note(widget, 3)
    out, _err, _spy = verify_since()
    assert "from the start (no checkpoint yet)" in out


def test_a_run_in_progress_is_not_doubled(widget):  # noqa: F811
    run, created = audit_check.start_audit_check(mode=AuditCheckMode.FULL, actor=SYSTEM, queue=False)
    assert created and run.state == AuditCheckState.QUEUED
    _out, err, _spy = verify_since(expect_exit=2)
    assert f"run #{run.pk}" in err and AuditCheckRun.objects.count() == 1
