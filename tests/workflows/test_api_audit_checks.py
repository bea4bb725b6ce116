"""Issue 18, "Reading what a client needs": the audit-chain checks and the signed checkpoints are readable as JSON
by the auditor (and the Board head, as the web's check page); every other role 403, nobody signed in 401."""

from __future__ import annotations

import base64

import pytest

from workflows import audit
from workflows.audit import SYSTEM
from workflows.audit_check import start_audit_check
from workflows.checkpoints import audit_checkpoint_sign
from workflows.models import AuditCheckMode, AuditCheckState, Role

from .test_audit_tamper import as_attacker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")


@pytest.fixture
def auditor(person):
    return person("kiem.tra", Role.AUDITOR)


def _rows(body):
    return body["results"] if isinstance(body, dict) and "results" in body else body


def test_the_auditor_reads_each_check_with_its_state_progress_and_problems(api, auditor, person):
    person("can.bo", Role.BOARD_OFFICER)  # a few audited events (the grants)
    run, started = start_audit_check(mode=AuditCheckMode.FULL, actor=audit.Actor(user=auditor))
    assert started
    run.refresh_from_db()
    assert run.state == AuditCheckState.PASSED
    listed = api(auditor).get("/api/v1/audit-checks/")
    assert listed.status_code == 200
    [row] = _rows(listed.json())
    assert (row["id"], row["mode"], row["state"], row["finished"], row["percent"]) == (
        run.pk,
        "full",
        "passed",
        True,
        100,
    )
    assert row["state_label"] == "Toàn vẹn" and row["mode_label"] == "Toàn bộ"
    assert row["started_by"] == auditor.username and row["problems"] == [] and row["checked"] == run.checked
    detail = api(auditor).get(f"/api/v1/audit-checks/{run.pk}/").json()
    assert detail == row


def test_a_failed_check_names_each_problem_by_code_and_in_vietnamese(api, auditor, person):
    person("can.bo", Role.BOARD_OFFICER)
    checkpoint = audit_checkpoint_sign(actor=SYSTEM)
    forged = base64.b64encode(b"x" * 64).decode()
    as_attacker(f"UPDATE workflows_auditcheckpoint SET signature = '{forged}' WHERE id = {checkpoint.pk}")
    run, _started = start_audit_check(mode=AuditCheckMode.INCREMENTAL, actor=audit.Actor(user=auditor))
    run.refresh_from_db()
    body = api(auditor).get(f"/api/v1/audit-checks/{run.pk}/").json()
    assert body["state"] == "failed" and body["failure_sequence"] == (
        checkpoint.sequence or None
    )  # None: chain 1 empty, no event
    problem = body["problems"][0]
    assert problem["code"] == "bad_signature" and problem["message"]
    assert [p["code"] for p in body["problems"]] == [p["code"] for p in run.problems]
    assert problem["message"] != problem["code"]
    # the checkpoint list says its signature does not verify
    [row] = _rows(api(auditor).get("/api/v1/audit-checkpoints/").json())
    assert row["id"] == checkpoint.pk and row["signature_valid"] is False
    # filters: ?state=
    assert [r["id"] for r in _rows(api(auditor).get("/api/v1/audit-checks/?state=failed").json())] == [run.pk]
    assert _rows(api(auditor).get("/api/v1/audit-checks/?state=passed").json()) == []
    refused = api(auditor).get("/api/v1/audit-checks/?state=khong-co")
    assert refused.status_code == 400 and "state" in refused.json()["errors"]


def test_the_auditor_reads_the_signed_checkpoints_as_statements_to_keep(api, auditor, person):
    person("can.bo", Role.BOARD_OFFICER)
    first = audit_checkpoint_sign(actor=audit.Actor(user=auditor))
    person("can.bo2", Role.BOARD_OFFICER)
    second = audit_checkpoint_sign(actor=SYSTEM)
    rows = _rows(api(auditor).get("/api/v1/audit-checkpoints/").json())
    assert [row["id"] for row in rows] == [second.pk, first.pk]  # newest first
    newest, oldest = rows
    assert (newest["sequence"], newest["hash"], newest["key_id"]) == (
        second.sequence,
        second.hash,
        second.key_id,
    )
    assert newest["signature_valid"] is True and newest["requested_by"] is None
    assert oldest["requested_by"] == auditor.username
    statement = newest["statement"]
    one_chain = {"sequence", "hash", "signed_at", "key_id", "signature"}
    assert set(statement) == (one_chain | {"heads"} if second.heads else one_chain)  # heads: AUDIT_CHAINS > 1
    assert newest["heads"] == {c: {"sequence": s, "hash": h} for c, (s, h) in second.heads.items()}
    assert statement["signature"] == second.signature and statement["signed_at"].endswith("+00:00")


def test_the_board_head_reads_them_too(api, person):
    head = person("truong.ban", Role.BOARD_HEAD)
    assert api(head).get("/api/v1/audit-checks/").status_code == 200
    assert api(head).get("/api/v1/audit-checkpoints/").status_code == 200


@pytest.mark.parametrize(
    "role", [Role.BOARD_OFFICER, Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.COUNCIL_MEMBER, Role.CITY_CHAIRMAN]
)
def test_other_roles_are_refused_with_403(api, person, unit, role, auditor):
    from tests.factories import CouncilTermFactory

    kwargs = {}
    if role in (Role.UNIT_OFFICER, Role.UNIT_HEAD):
        kwargs["unit"] = unit
    if role == Role.COUNCIL_MEMBER:
        kwargs["council_term"] = CouncilTermFactory()
    user = person("nguoi.khac", role, **kwargs)
    run, _started = start_audit_check(mode=AuditCheckMode.FULL, actor=audit.Actor(user=auditor))
    for url in ("/api/v1/audit-checks/", f"/api/v1/audit-checks/{run.pk}/", "/api/v1/audit-checkpoints/"):
        response = api(user).get(url)
        assert response.status_code == 403, (url, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert "kiểm tra viên" in response.json()["detail"]


def test_nobody_signed_in_gets_401(api):
    for url in ("/api/v1/audit-checks/", "/api/v1/audit-checkpoints/"):
        assert api().get(url).status_code == 401


def test_a_read_only_auditor_starts_a_check_through_the_api_and_polls_it(api, auditor, person):
    from workflows.models import AuditCheckRun, AuditEvent
    from workflows.policies import may_only_read

    person("can.bo", Role.BOARD_OFFICER)
    assert may_only_read(auditor)  # the read-only guard lets this one write through, as the web page's
    response = api(auditor).post("/api/v1/audit-checks/", {"mode": "incremental"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    run = AuditCheckRun.objects.get()
    assert (body["id"], body["mode"], body["started_by"]) == (run.pk, "incremental", auditor.username)
    polled = api(auditor).get(f"/api/v1/audit-checks/{run.pk}/").json()
    assert polled["finished"] is True and polled["state"] == "passed"  # no broker in tests: run at once
    started = AuditEvent.objects.get(verb="audit_check_started")
    assert started.actor == auditor and started.role == Role.AUDITOR and started.data["mode"] == "incremental"
    # the default is a full check
    again = api(auditor).post("/api/v1/audit-checks/", {}, format="json")
    assert again.status_code == 201 and again.json()["mode"] == "full"


def test_while_a_check_runs_a_second_start_answers_that_one(api, auditor):
    from workflows.models import AuditCheckRun

    running = AuditCheckRun.objects.create(mode="full", state="running")
    response = api(auditor).post("/api/v1/audit-checks/", {"mode": "full"}, format="json")
    assert response.status_code == 200 and response.json()["id"] == running.pk
    assert AuditCheckRun.objects.count() == 1


def test_a_bad_mode_is_refused_and_starts_nothing(api, auditor):
    from workflows.models import AuditCheckRun

    response = api(auditor).post("/api/v1/audit-checks/", {"mode": "mot-phan"}, format="json")
    assert response.status_code == 400 and "mode" in response.json()["errors"]
    assert not AuditCheckRun.objects.exists()


def test_other_roles_start_nothing(api, person, unit):
    from workflows.models import AuditCheckRun

    for user in (person("cv.ban", Role.BOARD_OFFICER), person("cb.dv", Role.UNIT_OFFICER, unit=unit)):
        assert api(user).post("/api/v1/audit-checks/", {"mode": "full"}, format="json").status_code == 403
    assert api().post("/api/v1/audit-checks/", {"mode": "full"}, format="json").status_code == 401
    assert not AuditCheckRun.objects.exists()


def test_checkpoints_are_signed_but_never_changed(api, auditor):
    """POST signs a new one (tests/api/test_audit_checkpoint_sign.py); a signed one is never edited or removed."""
    assert api(auditor).post("/api/v1/audit-checkpoints/", {}, format="json").status_code == 201
    for method in ("put", "patch", "delete"):
        assert getattr(api(auditor), method)("/api/v1/audit-checkpoints/").status_code == 405
