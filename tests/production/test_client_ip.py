"""One proxy-aware client address (workflows/http.py client_ip) for the audit log (also of the admin), axes
and the throttles."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory

from tests.factories import UserFactory
from workflows import throttle
from workflows.models import AuditEvent, Membership


def test_axes_uses_the_one_function():
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "workflows.http.client_ip"


def test_the_throttles_count_anonymous_callers_at_the_address_the_proxy_saw(settings):
    from django.contrib.auth.models import AnonymousUser

    settings.BEHIND_PROXY = True
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    request.user = AnonymousUser()
    assert throttle.ident_of(request) == "ip:198.51.100.7"


@pytest.mark.django_db
def test_an_admin_action_records_the_client_behind_the_proxy(settings, cast):
    settings.BEHIND_PROXY = True
    admin_user = UserFactory(username="root.admin", is_staff=True, is_superuser=True)
    membership = Membership.objects.get(user=cast.officer)
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.7")
    client.force_login(admin_user)
    response = client.post(
        "/admin/workflows/membership/",
        {"action": "end_now", "_selected_action": [membership.pk]},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(subject_id=str(membership.pk)).latest("sequence")
    assert event.actor == admin_user
    assert event.client_ip == "198.51.100.7"
