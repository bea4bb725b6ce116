"""Signing an audit checkpoint through the API (issue 18): POST /api/v1/audit-checkpoints/ does what the web's
"Ký điểm kiểm chứng" button does (workflows.checkpoints.audit_checkpoint_sign), for those the web lets sign
(workflows.policies.may_verify_audit: auditors, the Board head); a read-only auditor may, as on the page."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from workflows.models import AuditCheckpoint, Role
from workflows.policies import may_only_read

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-checkpoints/"
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory


@pytest.fixture
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    return tmp_path / "checkpoints"


def _token_client(user) -> APIClient:
    """A client sending a real key (the read-only guard of project.middleware reads it, as for a portal)."""
    client = APIClient()
    answer = client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert answer.status_code in (200, 201), answer.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


def test_a_read_only_auditor_signs_a_checkpoint_at_the_chain_head(person, checkpoint_dir):
    from workflows.models import AuditEvent

    auditor = person("kiem.tra", Role.AUDITOR)
    person("can.bo", Role.BOARD_OFFICER)  # a few audited events (the grants)
    assert may_only_read(auditor)
    client = _token_client(auditor)
    head = AuditEvent.objects.order_by("-id").first()
    response = client.post(URL)
    assert response.status_code == 201, response.content
    body = response.json()
    checkpoint = AuditCheckpoint.objects.get()
    assert (body["id"], body["sequence"], body["hash"]) == (
        checkpoint.pk,
        checkpoint.sequence,
        checkpoint.hash,
    )
    # the chain the grants were appended to (chain 1, or another with AUDIT_CHAINS > 1) signed at its head
    signed = {"1": {"sequence": body["sequence"], "hash": body["hash"]}, **body["heads"]}
    assert signed[str(head.chain)] == {"sequence": head.sequence, "hash": head.hash}
    assert body["requested_by"] == auditor.username and checkpoint.requested_by == auditor
    assert body["signature_valid"] is True and body["statement"]["signature"] == checkpoint.signature
    assert [path.name for path in checkpoint_dir.iterdir()]  # its copy outside the database, as the page's
    listed = client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [checkpoint.pk]


def test_the_board_head_signs_too(api, person, checkpoint_dir):
    head = person("truong.ban", Role.BOARD_HEAD)
    response = api(head).post(URL)
    assert response.status_code == 201, response.content
    assert AuditCheckpoint.objects.get().requested_by == head


@pytest.mark.parametrize("role", [Role.BOARD_OFFICER, Role.UNIT_OFFICER, Role.CITY_CHAIRMAN])
def test_other_roles_are_refused_and_nothing_is_signed(api, person, unit, role, checkpoint_dir):
    user = person("nguoi.khac", role, **({"unit": unit} if role == Role.UNIT_OFFICER else {}))
    response = api(user).post(URL)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert api().post(URL).status_code == 401
    assert not AuditCheckpoint.objects.exists()


def test_a_checkpoint_that_may_not_be_signed_is_a_409_in_vietnamese(api, person, settings):
    auditor = person("kiem.tra", Role.AUDITOR)
    settings.AUDIT_CHECKPOINT_DIR = ""  # nowhere to keep its copy: the page refuses too
    response = api(auditor).post(URL)
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "checkpoint_refused" and body["title"] == "Không ký được điểm kiểm chứng"
    assert "AUDIT_CHECKPOINT_DIR" in body["detail"] and "thư mục" in body["detail"]
    assert not AuditCheckpoint.objects.exists()
