"""The API lists a client can use (workflows/filters.py): django-filter on every list, ordering over an
allow-list, `page_size` up to 100, 400 JSON in Vietnamese on a bad value, and filters that only ever narrow
what the caller may see (another unit's id gives no rows, never that unit's rows)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from councils.models import AgendaItem, Session
from dossiers.models import Dossier, DossierNominee, Nominee
from innovation.models import Initiative, Review
from organisations.models import Unit
from plan.models import Activity, Plan
from tests.security.world import build_world
from workflows.models import Membership


@pytest.fixture
def world(db):
    return build_world()


def client_of(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def errors_of(body: dict) -> dict:
    """The per-field messages of a 400 body (flat, or under `errors` in the problem-details shape)."""
    return body.get("errors", body) if isinstance(body.get("errors"), dict) else body


def ids(client, name, **params) -> list[int]:
    """Every id of the list (walking the pages, 100 a page)."""
    found, page = [], 1
    while True:
        response = client.get(reverse(name), {**params, "page_size": 100, "page": page})
        assert response.status_code == 200, (name, params, response.content[:300])
        body = response.json()
        found += [row["id"] for row in body["results"]]
        if not body["next"]:
            return found
        page += 1


def sample(world):
    """One (list, filter, value) per filter, the values taken from the objects of the world (unit A's, unit B's
    where they differ): what each filter is checked with."""
    a, b = world.objects["unit_a"], world.objects["unit_b"]
    dossier_a = Dossier.objects.filter(unit=a).order_by("pk").first()
    line = DossierNominee.objects.order_by("pk").first()
    session = Session.objects.order_by("pk").first()
    initiative = Initiative.objects.order_by("pk").first()
    activity = Activity.objects.order_by("pk").first()
    membership = Membership.objects.exclude(unit=None).order_by("pk").first()
    return [
        ("dossier-list", "state", "draft"),
        ("dossier-list", "unit", b.pk),
        ("dossier-list", "year", dossier_a.year),
        ("dossier-list", "award", line.award.code),
        ("dossier-line-list", "state", line.state),
        ("dossier-line-list", "dossier", dossier_a.pk),
        ("dossier-line-list", "award", line.award.code),
        ("nominee-list", "unit", b.pk),
        ("nominee-list", "kind", Nominee.objects.order_by("pk").first().kind),
        ("session-list", "state", session.state),
        ("session-list", "council", session.council_term.council_id),
        ("session-list", "term", session.council_term_id),
        ("agenda-item-list", "session", session.pk),
        ("agenda-item-list", "state", "pending"),
        ("innovation-round-list", "state", initiative.round.state),
        ("innovation-round-list", "year", initiative.round.submission_opens_on.year),
        ("initiative-list", "state", initiative.state),
        ("initiative-list", "round", initiative.round_id),
        ("initiative-list", "unit", b.pk),
        ("review-list", "round", initiative.round_id),
        ("activity-list", "state", activity.state),
        ("activity-list", "plan", activity.plan_id),
        ("activity-list", "lead_unit", activity.lead_unit_id),
        ("plan-list", "year", activity.plan.year),
        ("membership-list", "role", membership.role),
        ("membership-list", "unit", membership.unit_id),
        ("membership-list", "status", "active"),
        ("membership-list", "council_term", Session.objects.first().council_term_id),
        ("unit-list", "kind", a.kind),
        ("unit-list", "parent", a.parent_id or b.pk),
        ("unit-list", "is_active", "true"),
    ]


# -- each filter narrows to the rows that match, and only ever within what the caller sees ------------------

#: (list, filter, the model, the ORM condition the filter stands for)
MATCHES = {
    ("dossier-list", "state"): (Dossier, "state"),
    ("dossier-list", "unit"): (Dossier, "unit_id"),
    ("dossier-list", "year"): (Dossier, "year"),
    ("dossier-list", "award"): (Dossier, "lines__award__code"),
    ("dossier-line-list", "state"): (DossierNominee, "state"),
    ("dossier-line-list", "dossier"): (DossierNominee, "dossier_id"),
    ("dossier-line-list", "award"): (DossierNominee, "award__code"),
    ("nominee-list", "unit"): (Nominee, "unit_id"),
    ("nominee-list", "kind"): (Nominee, "kind"),
    ("session-list", "state"): (Session, "state"),
    ("session-list", "council"): (Session, "council_term__council_id"),
    ("session-list", "term"): (Session, "council_term_id"),
    ("agenda-item-list", "session"): (AgendaItem, "session_id"),
    ("agenda-item-list", "state"): (AgendaItem, "state"),
    ("innovation-round-list", "state"): (None, "state"),
    ("innovation-round-list", "year"): (None, "submission_opens_on__year"),
    ("initiative-list", "state"): (Initiative, "state"),
    ("initiative-list", "round"): (Initiative, "round_id"),
    ("initiative-list", "unit"): (Initiative, "unit_id"),
    ("review-list", "round"): (Review, "assignment__initiative__round_id"),
    ("activity-list", "state"): (Activity, "state"),
    ("activity-list", "plan"): (Activity, "plan_id"),
    ("activity-list", "lead_unit"): (Activity, "lead_unit_id"),
    ("plan-list", "year"): (Plan, "year"),
    ("membership-list", "role"): (Membership, "role"),
    ("membership-list", "unit"): (Membership, "unit_id"),
    ("membership-list", "status"): (Membership, None),
    ("membership-list", "council_term"): (Membership, "council_term_id"),
    ("unit-list", "kind"): (Unit, "kind"),
    ("unit-list", "parent"): (Unit, "parent_id"),
    ("unit-list", "is_active"): (Unit, "is_active"),
}


def test_every_list_filter_is_checked(world):
    assert {(name, param) for name, param, _value in sample(world)} == set(MATCHES)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["board", "unit_a", "member_in", "reviewer"])
def test_a_filter_keeps_exactly_the_visible_rows_that_match(world, role):
    from innovation.models import Round

    client = client_of(world.users[role])
    wrong = []
    for name, param, value in sample(world):
        visible = set(ids(client, name))
        filtered = ids(client, name, **{param: value})
        model, lookup = MATCHES[(name, param)]
        model = model or Round
        if lookup is None:  # membership status: the property
            matching = {m.pk for m in Membership.objects.all() if m.status == value}
        else:
            condition = {lookup: value == "true" if param == "is_active" else value}
            matching = set(model.objects.filter(**condition).values_list("pk", flat=True))
        if len(filtered) != len(set(filtered)):
            wrong.append(f"{name}?{param}={value}: a row twice")
        if set(filtered) != visible & matching:
            wrong.append(
                f"{name}?{param}={value}: {sorted(set(filtered) - visible)[:5]} not visible, "
                f"{sorted((visible & matching) - set(filtered))[:5]} missing"
            )
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_another_units_id_gives_no_rows_not_that_units_rows(world):
    """Unit B's officer filtering by unit A: nothing, while the Board finds unit A's rows with the same filter."""
    b_client, board = client_of(world.users["unit_b"]), client_of(world.users["board"])
    unit_a = world.objects["unit_a"]
    dossier_a = Dossier.objects.filter(unit=unit_a, lines__isnull=False).order_by("pk").first()
    for name, params in [
        ("dossier-list", {"unit": unit_a.pk}),
        ("nominee-list", {"unit": unit_a.pk}),
        ("dossier-line-list", {"dossier": dossier_a.pk}),
        ("initiative-list", {"unit": unit_a.pk}),
    ]:
        assert ids(board, name, **params), (name, params)
        assert ids(b_client, name, **params) == [], (name, params)
    # an id that names nothing answers the same: no existence oracle
    assert ids(b_client, "dossier-list", unit=10**12) == []
    # sessions, agenda items, reviews: a session or round not theirs likewise
    for name, params in [
        ("session-list", {"term": Session.objects.first().council_term_id}),
        ("agenda-item-list", {"session": Session.objects.first().pk}),
        ("review-list", {"round": Initiative.objects.first().round_id}),
    ]:
        assert ids(b_client, name, **params) == [], (name, params)


# -- ordering -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ordering_over_the_allow_list(world):
    board = client_of(world.users["board"])
    titles = [
        row["title"] for row in board.get(reverse("dossier-list"), {"ordering": "-title"}).json()["results"]
    ]
    assert titles == sorted(titles, reverse=True) and len(set(titles)) > 1
    ascending = ids(board, "dossier-list", ordering="id")
    assert ascending == sorted(ascending)
    assert ids(board, "dossier-list", ordering="-id") == sorted(ascending, reverse=True)
    names = [row["name"] for row in board.get(reverse("unit-list"), {"ordering": "-name"}).json()["results"]]
    assert names == sorted(names, reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["created_by", "-unit__name", "password", "id;drop", "year,,nope"])
def test_ordering_outside_the_allow_list_is_400(world, value):
    response = client_of(world.users["board"]).get(reverse("dossier-list"), {"ordering": value})
    assert response.status_code == 400 and "json" in response["Content-Type"]
    assert "không phải là lựa chọn hợp lệ" in " ".join(errors_of(response.json())["ordering"])


@pytest.mark.django_db
def test_a_tie_in_the_ordering_is_broken_by_the_id(world):
    """Pages of a list ordered by a non-unique key neither repeat nor skip a row."""
    board = client_of(world.users["board"])
    paged = []
    page = 1
    while True:
        body = board.get(reverse("dossier-list"), {"ordering": "state", "page_size": 7, "page": page}).json()
        paged += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        page += 1
    assert len(paged) == len(set(paged)) == Dossier.objects.count()


# -- page size ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_size_is_chosen_and_capped_at_100(world):
    from tests.factories import UnitFactory

    UnitFactory.create_batch(101)
    board = client_of(world.users["board"])
    assert len(board.get(reverse("unit-list"), {"page_size": 3}).json()["results"]) == 3
    assert len(board.get(reverse("unit-list")).json()["results"]) == 50
    assert len(board.get(reverse("unit-list"), {"page_size": 1000}).json()["results"]) == 100


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_a_bad_page_size_is_400(world, value):
    response = client_of(world.users["board"]).get(reverse("unit-list"), {"page_size": value})
    assert response.status_code == 400 and "json" in response["Content-Type"]
    assert errors_of(response.json())["page_size"]


# -- bad values ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,param,value,message",
    [
        ("dossier-list", "state", "nope", "«nope» không phải là lựa chọn hợp lệ."),
        ("dossier-list", "unit", "abc", "Phải là số nguyên."),
        ("dossier-list", "unit", "0", "Phải lớn hơn hoặc bằng 1."),
        ("dossier-list", "year", "99999999999999999999999", "Phải nhỏ hơn hoặc bằng 2200."),
        ("dossier-line-list", "dossier", "1.5", "Phải là số nguyên."),
        ("nominee-list", "kind", "<script>", "không phải là lựa chọn hợp lệ"),
        ("session-list", "council", "-1", "Phải lớn hơn hoặc bằng 1."),
        ("agenda-item-list", "session", "x", "Phải là số nguyên."),
        ("innovation-round-list", "year", "1800", "Phải lớn hơn hoặc bằng 1945."),
        ("initiative-list", "state", "../", "không phải là lựa chọn hợp lệ"),
        ("review-list", "round", "9223372036854775808", "Phải nhỏ hơn hoặc bằng"),
        ("activity-list", "lead_unit", "ninh-kieu", "Phải là số nguyên."),
        ("plan-list", "year", "năm", "Phải là số nguyên."),
        ("membership-list", "status", "everything", "không phải là lựa chọn hợp lệ"),
        ("membership-list", "role", "admin", "không phải là lựa chọn hợp lệ"),
        ("unit-list", "is_active", "maybe", "Phải là true hoặc false."),
        ("unit-list", "parent", "1 OR 1=1", "Phải là số nguyên."),
    ],
)
def test_a_bad_value_is_400_json_in_vietnamese_naming_the_filter(world, name, param, value, message):
    response = client_of(world.users["board"]).get(reverse(name), {param: value})
    assert response.status_code == 400, response.content[:300]
    assert "json" in response["Content-Type"]
    assert message in " ".join(errors_of(response.json())[param])


@pytest.mark.django_db
def test_an_empty_value_is_no_filter_and_filters_apply_to_the_list_only(world):
    board = client_of(world.users["board"])
    assert ids(board, "dossier-list", state="", unit="") == ids(board, "dossier-list")
    dossier = Dossier.objects.exclude(state="draft").order_by("pk").first()
    # a detail is not filtered by the list's parameters
    assert board.get(reverse("dossier-detail", args=[dossier.pk]), {"state": "draft"}).status_code == 200


@pytest.mark.django_db
def test_agenda_items_by_session(world):
    board = client_of(world.users["board"])
    session = Session.objects.filter(items__isnull=False).order_by("pk").first()
    expected = set(AgendaItem.objects.filter(session=session).values_list("pk", flat=True))
    response = board.get(f"/api/v1/agenda-items/?session={session.pk}")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == expected and expected


@pytest.mark.django_db
def test_the_browsable_api_renders_the_filter_form(world):
    client = APIClient()
    client.force_login(world.users["board"])
    response = client.get(reverse("dossier-list"), {"state": "draft"}, HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"ordering" in response.content


# -- the schema documents them ------------------------------------------------------------------------------


def test_the_schema_documents_filters_ordering_and_page_size():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    expected = {
        "/api/v1/dossiers/": {"state", "unit", "year", "award", "q"},
        "/api/v1/dossier-lines/": {"state", "dossier", "award"},
        "/api/v1/nominees/": {"unit", "kind"},
        "/api/v1/sessions/": {"state", "council", "term"},
        "/api/v1/agenda-items/": {"session", "state"},
        "/api/v1/rounds/": {"state", "year"},
        "/api/v1/initiatives/": {"state", "round", "unit"},
        "/api/v1/reviews/": {"round"},
        "/api/v1/activities/": {"state", "plan", "lead_unit"},
        "/api/v1/plans/": {"year"},
        "/api/v1/memberships/": {"role", "unit", "council_term", "status"},
        "/api/v1/units/": {"kind", "parent", "is_active"},
    }
    for path, names in expected.items():
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"] if p["in"] == "query"}
        missing = (names | {"ordering", "page", "page_size"}) - set(parameters)
        assert not missing, f"{path}: {missing} not documented"
        assert parameters["page_size"]["schema"]["maximum"] == 100
        assert parameters["ordering"]["schema"]["items"]["enum"]
    unit = {p["name"]: p for p in schema["paths"]["/api/v1/dossiers/"]["get"]["parameters"]}["unit"]
    assert unit["schema"]["type"] == "integer" and unit["schema"]["minimum"] == 1
    # the list's filters are not documented on a detail action, where they do not apply
    history = schema["paths"]["/api/v1/dossiers/{id}/history/"]["get"].get("parameters", [])
    assert "state" not in {p["name"] for p in history}
