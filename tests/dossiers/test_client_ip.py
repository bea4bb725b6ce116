"""One client-address helper: the audit log records the client, not the proxy, and a spoofed header is not
believed (issue 13: one client-IP helper; issue 15: the audit log recorded the proxy's address)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from tests.dossiers.helpers import ready_dossier
from workflows.http import client_ip
from workflows.models import AuditEvent


def test_without_the_proxy_setting_the_socket_address_is_the_client(settings):
    settings.BEHIND_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "203.0.113.9"


def test_behind_the_proxy_the_last_forwarded_address_is_the_client(settings):
    settings.BEHIND_PROXY = True
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7"
    )
    assert client_ip(request) == "198.51.100.7"  # the left-most entry is whatever the client sent


@pytest.mark.django_db
def test_the_audit_event_of_a_web_transition_records_the_client_behind_the_proxy(settings, client, cast):
    settings.BEHIND_PROXY = True
    dossier = ready_dossier(cast)
    client.force_login(cast.head)
    response = client.post(
        f"/thao-tac/dossiers/dossier/{dossier.pk}/submit/",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.7",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(verb="submit").latest("sequence")
    assert event.client_ip == "198.51.100.7"
