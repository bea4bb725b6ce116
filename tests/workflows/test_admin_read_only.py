"""The admin of audited models (issue 13): a superuser adds, changes and deletes nothing there directly.

Every registered domain model's admin is read-only, except the ones that go through the audited services:
configuration (workflows.admin.AuditedAdmin: units, councils, rules, the award catalogue… saved by
workflows.config with before/after values) and user administration (memberships and delegations: through
workflows.services, with the second-person rules). Django's own user and group pages and the login-attempt
logs are user administration, not domain data."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from workflows.admin import AuditedAdmin, DelegationAdmin, MembershipAdmin
from workflows.models import AuditEvent, Membership, MembershipStatus, Role

pytestmark = pytest.mark.django_db

#: apps whose admin is user administration or security logs, not domain data
NOT_DOMAIN = {"auth", "axes"}
#: admins that write only through the audited services (checked below to do so)
THROUGH_SERVICES = (AuditedAdmin, MembershipAdmin, DelegationAdmin)


@pytest.fixture
def superuser():
    return UserFactory(username="it.admin", is_superuser=True, is_staff=True)


def _domain_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label not in NOT_DOMAIN
    ]


def test_every_domain_admin_is_read_only_or_goes_through_the_services(rf, superuser):
    request = rf.get("/admin/")
    request.user = superuser
    domain = _domain_admins()
    assert {model._meta.label for model, _admin in domain} >= {
        "workflows.AuditEvent",
        "workflows.Membership",
        "councils.Session",
        "dossiers.Dossier",
        "emulation.Division",
        "innovation.Initiative",
    }
    for model, model_admin in domain:
        label = model._meta.label
        obj = model.objects.first()
        if isinstance(model_admin, THROUGH_SERVICES):
            # deleting audited data is never a service: refused everywhere but configuration that allows it
            if not isinstance(model_admin, AuditedAdmin):
                assert not model_admin.has_delete_permission(request, obj), label
                assert not model_admin.has_change_permission(request, model()), label
            continue
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request, obj), label
        assert not model_admin.has_delete_permission(request, obj), label
        assert not model_admin.get_actions(request).keys() - {"revoke"}, label  # an API key is revoked only


def test_a_superuser_posting_to_a_read_only_admin_is_refused(client, superuser):
    client.force_login(superuser)
    events = AuditEvent.objects.count()
    for name in ("admin:dossiers_dossier_add", "admin:councils_session_add", "admin:emulation_division_add"):
        assert client.post(reverse(name), {}).status_code == 403, name
    assert AuditEvent.objects.count() == events


def test_a_membership_added_in_the_admin_goes_through_the_service_with_its_audit(client, superuser, person):
    client.force_login(superuser)
    newcomer = UserFactory(username="newcomer")
    response = client.post(
        reverse("admin:workflows_membership_add"),
        {
            "user": newcomer.pk,
            "role": Role.AUDITOR,
            "unit": "",
            "council_term": "",
            "valid_from": timezone.localdate().strftime("%d/%m/%Y"),
            "valid_to": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    membership = Membership.objects.get(user=newcomer)
    # a city-wide role is only proposed: a second person approves it
    assert membership.status == MembershipStatus.PENDING and membership.proposed_by == superuser
    proposed = AuditEvent.objects.get(verb="membership_proposed")
    assert proposed.actor == superuser and proposed.role == "admin"
    # the proposer cannot approve it through the admin's action either
    changelist = reverse("admin:workflows_membership_changelist")
    client.post(changelist, {"action": "approve", "_selected_action": [membership.pk]})
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PENDING
    assert not AuditEvent.objects.filter(verb="membership_approved").exists()
    head = person("board.head", Role.BOARD_HEAD)
    head.is_staff = True
    head.is_superuser = True  # a second administrator who is also the Board head
    head.save()
    client.force_login(head)
    client.post(changelist, {"action": "approve", "_selected_action": [membership.pk]})
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    approved = AuditEvent.objects.get(verb="membership_approved")
    assert approved.actor == head and approved.role == Role.BOARD_HEAD
    client.post(changelist, {"action": "end_now", "_selected_action": [membership.pk]})
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED
    assert AuditEvent.objects.get(verb="membership_ended").actor == head


def test_a_membership_is_never_edited_nor_deleted_in_place(client, superuser, person, unit):
    officer = person("unit.officer", Role.UNIT_OFFICER, unit=unit)
    membership = Membership.objects.get(user=officer)
    client.force_login(superuser)
    change = reverse("admin:workflows_membership_change", args=[membership.pk])
    client.post(change, {"user": officer.pk, "role": Role.BOARD_HEAD, "unit": "", "council_term": ""})
    membership.refresh_from_db()
    assert membership.role == Role.UNIT_OFFICER
    delete = reverse("admin:workflows_membership_delete", args=[membership.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert get_user_model().objects.filter(pk=officer.pk).exists()
