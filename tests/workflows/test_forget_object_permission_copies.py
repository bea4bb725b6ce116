"""organisations 0002 deletes the copies of memberships the hourly sync had written into django-guardian
(`view_unit` on units, `view_councilterm` on council terms) and keeps every other object grant."""

from importlib import import_module

import pytest
from django.apps import apps
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm

from tests.factories import CouncilTermFactory, UserFactory

pytestmark = pytest.mark.django_db

migration = import_module("organisations.migrations.0002_forget_membership_copies_in_object_permissions")


def test_the_copies_go_and_other_grants_stay(unit):
    user, other = UserFactory(username="officer"), UserFactory(username="member")
    term = CouncilTermFactory()
    assign_perm("view_unit", user, unit)
    assign_perm("view_councilterm", other, term)
    kept = assign_perm("change_unit", user, unit)  # a grant memberships never implied
    assert UserObjectPermission.objects.count() == 3
    migration.forget_copies(apps, None)
    assert list(UserObjectPermission.objects.values_list("pk", flat=True)) == [kept.pk]
    migration.forget_copies(apps, None)  # running it again changes nothing
    assert UserObjectPermission.objects.count() == 1
