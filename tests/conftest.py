import pytest
from rest_framework.test import APIClient

from workflows.audit import SYSTEM
from workflows.models import Role
from workflows.services import membership_grant

from .factories import UnitFactory, UserFactory


@pytest.fixture(autouse=True)
def vietnamese_by_default():
    """Each test starts in the default locale (a request in English must not leak into the next test)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def unit(db):
    return UnitFactory(name="Quận Ninh Kiều")


@pytest.fixture
def other_unit(db):
    return UnitFactory(name="Sở Y tế")


@pytest.fixture
def grant():
    """grant(user, role, unit=None, council_term=None, **dates) through the audited service."""

    def _grant(user, role, unit=None, council_term=None, **dates):
        return membership_grant(
            user=user, role=role, unit=unit, council_term=council_term, actor=SYSTEM, **dates
        )

    return _grant


@pytest.fixture
def person(db, grant):
    """person("name", Role.X, unit=...) → a user holding that role."""

    def _person(username, role=None, unit=None, council_term=None, **dates):
        user = UserFactory(username=username)
        if role:
            grant(user, role, unit=unit, council_term=council_term, **dates)
        return user

    return _person


@pytest.fixture
def api():
    def _api(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _api


__all__ = ["Role"]
