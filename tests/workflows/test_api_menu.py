"""The header's API link is for the roles that use the API from the web: the Board, auditors and administrators.
A unit, a council member or the chairman does not see it (integrators use a key, not the menu); the page
itself still answers whoever the API documentation settings let in (tests/security/test_api_docs.py)."""

import pytest
from django.urls import reverse

from tests.factories import CouncilTermFactory, UserFactory
from workflows.models import Role

pytestmark = pytest.mark.django_db

API_LINK = f'href="{reverse("swagger")}"'


@pytest.mark.parametrize(
    "role,shown",
    [
        (Role.BOARD_OFFICER, True),
        (Role.BOARD_HEAD, True),
        (Role.AUDITOR, True),
        (Role.UNIT_OFFICER, False),
        (Role.UNIT_HEAD, False),
        (Role.COUNCIL_MEMBER, False),
        (Role.COUNCIL_SECRETARY, False),
        (Role.CITY_CHAIRMAN, False),
    ],
)
def test_the_api_link_shows_only_to_the_roles_that_use_it(client, person, unit, role, shown):
    scope = {}
    if role in (Role.UNIT_OFFICER, Role.UNIT_HEAD):
        scope["unit"] = unit
    elif role in (Role.COUNCIL_MEMBER, Role.COUNCIL_SECRETARY):
        scope["council_term"] = CouncilTermFactory()
    client.force_login(person(f"menu.{role}", role, **scope))
    page = client.get(reverse("home")).content.decode()
    assert 'id="site-menu"' in page
    assert (API_LINK in page) is shown


def test_an_administrator_sees_it_and_a_person_with_no_role_does_not(client):
    client.force_login(UserFactory(username="it.admin", is_superuser=True, is_staff=True))
    assert API_LINK in client.get(reverse("home")).content.decode()
    client.force_login(UserFactory(username="no.role"))
    assert API_LINK not in client.get(reverse("home")).content.decode()


def test_the_menu_button_is_there_for_signed_in_users_only(client, person):
    assert "data-menu-toggle" not in client.get(reverse("login")).content.decode()
    client.force_login(person("menu.board", Role.BOARD_OFFICER))
    page = client.get(reverse("home")).content.decode()
    assert 'aria-controls="site-menu"' in page and 'aria-expanded="false"' in page
