"""Constant queries per page (issue 12, item 16): each API list, and the Board's overdue page, runs the same
number of SQL queries for a page of 5 rows as for a page of 50 (no query per row), and the overdue page is
paginated (50 a page; a page number that is not one answers the nearest page, never an error)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.models import AwardType, Dossier, DossierDocument
from dossiers.rule_versions import version_for_year
from plan.models import Activity, Plan
from tests.factories import AwardRecordFactory, CouncilTermFactory, NomineeFactory, UnitFactory
from workflows.models import Role

pytestmark = pytest.mark.django_db

YEAR = 2023


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def board(person):
    return person("board.query", Role.BOARD_OFFICER)


@pytest.fixture
def officer(person, unit):
    return person("officer.query", Role.UNIT_OFFICER, unit=unit)


def queries(client, url, expected_rows) -> int:
    """The number of queries of one GET (a warm one: the first request of a client loads the session)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    if url.startswith("/api/"):
        assert len(response.json()["results"]) == expected_rows
    return len(captured.captured_queries)


def api_client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


# -- data: each grow_* brings the number of listed rows up to `n` -----------------------------------------------


def grow_dossiers(n, *, unit, officer):
    award = AwardType.objects.get(code="bk-tp", rule_version=version_for_year(YEAR))  # the rules of YEAR
    while Dossier.objects.count() < n:
        index = Dossier.objects.count()
        dossier = dossier_services.dossier_create(
            unit=unit, year=YEAR, occasion="annual", title=f"Đề nghị khen thưởng số {index}", user=officer
        )
        for offset in range(2):
            nominee = NomineeFactory(unit=unit)
            AwardRecordFactory(nominee=nominee, award=award, year=YEAR - 1 - offset)
            line = dossier_services.line_add(
                dossier=dossier,
                nominee=nominee,
                award=award,
                achievement_report="Hoàn thành xuất sắc nhiệm vụ.",
                user=officer,
            )
            DossierDocument.objects.create(
                dossier=dossier,
                line=line,
                kind="achievement_report",
                version=1,
                file=f"dossiers/{YEAR}/bao-cao-{index}-{offset}.pdf",
                original_name="bao-cao.pdf",
                size=100,
                sha256="0" * 64,
                uploaded_by=officer,
            )


def grow_sessions(n, *, board, term):
    from councils import services as council_services
    from councils.models import Session

    while Session.objects.count() < n:
        index = Session.objects.count()
        council_services.session_create(
            council_term=term,
            title=f"Phiên họp số {index}",
            planned_on=timezone.localdate() + timedelta(days=index + 1),
            place="Hội trường",
            actor=board,
        )


def grow_activities(n, *, plan, units):
    while Activity.objects.count() < n:
        index = Activity.objects.count()
        activity = Activity.objects.create(
            plan=plan,
            number=index + 1,
            quarter=1 + index % 4,
            content=f"Hoạt động số {index + 1}",
            kind="report",
            lead_unit=units[index % len(units)],
            due_text="Quý I",
            planned_due_date=date(YEAR, 3, 31),
            due_date=date(YEAR, 3, 31),
        )
        activity.coordinating_units.set(units[:2])


# -- the lists --------------------------------------------------------------------------------------------------


def test_dossier_and_line_and_nominee_lists_run_constant_queries(board, officer, unit):
    client = api_client(board)
    counts = {}
    for n in (5, 50):
        grow_dossiers(n, unit=unit, officer=officer)
        counts[n] = {
            "dossiers": queries(client, "/api/dossiers/", n),
            "lines": queries(client, "/api/dossier-lines/", min(2 * n, 50)),
            "nominees": queries(client, "/api/nominees/", min(2 * n, 50)),
        }
    assert counts[5] == counts[50], counts
    # The unit's own officer sees the same constant counts (their list is scoped by unit, not filtered per row).
    own = api_client(officer)
    assert queries(own, "/api/dossiers/", 50) == counts[50]["dossiers"]


def test_dossier_list_carries_each_lines_version(board, officer, unit):
    """The appraisal version of every line, computed for the whole page at once, equals the detail's."""
    grow_dossiers(5, unit=unit, officer=officer)
    client = api_client(board)
    listed = {
        line["id"]: line["version"]
        for dossier in client.get("/api/dossiers/").json()["results"]
        for line in dossier["lines"]
    }
    assert len(listed) == 10 and all(version > 0 for version in listed.values())
    for pk, version in listed.items():
        assert client.get(f"/api/dossier-lines/{pk}/").json()["version"] == version


def test_session_list_runs_constant_queries(board):
    term = CouncilTermFactory(starts_on=timezone.localdate() - timedelta(days=30))
    client = api_client(board)
    counts = {}
    for n in (5, 50):
        grow_sessions(n, board=board, term=term)
        counts[n] = queries(client, "/api/sessions/", n)
    assert counts[5] == counts[50], counts


def test_initiative_list_runs_constant_queries(person):
    from tests.innovation.helpers import make_cast, open_round, submit

    cast = make_cast(person, reviewers=2)
    round_ = open_round(cast)
    counts = {}
    for n in (5, 50):
        while round_.initiatives.count() < n:
            submit(cast, round_, title=f"Sáng kiến số {round_.initiatives.count()}")
        counts[n] = {
            role: queries(api_client(user), "/api/initiatives/", n)
            for role, user in (("board", cast.board), ("unit", cast.officer))
        }
    assert counts[5] == counts[50], counts


def test_activity_list_runs_constant_queries(board):
    plan = Plan.objects.create(year=YEAR, title="Kế hoạch thi đua năm 2023", issuing_body="UBND thành phố")
    units = [UnitFactory(name=f"Đơn vị {index}") for index in range(3)]
    client = api_client(board)
    counts = {}
    for n in (5, 50):
        grow_activities(n, plan=plan, units=units)
        counts[n] = queries(client, "/api/activities/", n)
    assert counts[5] == counts[50], counts


# -- the overdue page --------------------------------------------------------------------------------------------


def overdue_dossiers(n, *, unit, officer):
    """`n` dossiers whose step is past its deadline, and as many waiting to be received."""
    for index in range(n):
        Dossier.objects.create(
            unit=unit,
            year=YEAR,
            title=f"Hồ sơ quá hạn {index}",
            state="accepted",
            deadline=timezone.localdate() - timedelta(days=1 + index),
            created_by=officer,
        )
        Dossier.objects.create(
            unit=unit,
            year=YEAR,
            title=f"Hồ sơ chờ tiếp nhận {index}",
            state="submitted",
            submitted_at=timezone.now() - timedelta(hours=index),
            deadline=timezone.localdate() + timedelta(days=5),
            created_by=officer,
        )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_overdue_page_runs_constant_queries(board, officer, unit):
    client = signed_in(board)
    url = reverse("dossiers:overdue")
    overdue_dossiers(5, unit=unit, officer=officer)
    few = queries(client, url, 5)
    overdue_dossiers(60, unit=unit, officer=officer)
    many = queries(client, url, 50)
    assert few == many


def test_overdue_page_is_paginated_by_50(board, officer, unit):
    overdue_dossiers(70, unit=unit, officer=officer)
    client = signed_in(board)
    url = reverse("dossiers:overdue")
    first = client.get(url)
    assert first.status_code == 200
    page = first.context["page"]
    assert page.number == 1 and page.paginator.num_pages == 2 and len(page.object_list) == 50
    html = first.content.decode()
    assert "Hồ sơ quá hạn 69" in html and "Hồ sơ quá hạn 19" not in html  # oldest deadline first
    assert "?page=2" in html
    # The intake queue beside it shows its 50 oldest and says how many wait.
    assert len(first.context["intake"]) == 50 and first.context["intake_count"] == 70
    second = client.get(url, {"page": 2})
    assert second.status_code == 200 and len(second.context["page"].object_list) == 20
    assert "Hồ sơ quá hạn 19" in second.content.decode()
    shown = {d.pk for d in first.context["page"].object_list} | {
        d.pk for d in second.context["page"].object_list
    }
    assert len(shown) == 70  # no row twice, none left out
    for bad in ("abc", "-1", "0", "999", "1e9", "2.5", "%00", "9" * 40):
        response = client.get(url, {"page": bad})
        assert response.status_code == 200, bad
        assert response.context["page"].number in (1, 2), bad
