"""The unit's year-end round walked as its users (UX review): no dead end between the steps."""

from __future__ import annotations

from datetime import date

import pytest

from councils.models import Session
from dossiers import unit_round as rounds
from organisations.models import CouncilKind
from tests.dossiers.test_unit_round import a_session, new_round, person_row, vote_and_issue, workbook
from tests.factories import CouncilFactory, CouncilTermFactory
from workflows.audit import Actor
from workflows.models import Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_term(cast, person):
    council = CouncilFactory(kind=CouncilKind.UNIT, unit=cast.unit, name="Hội đồng TĐKT Quận Ninh Kiều")
    term = CouncilTermFactory(council=council, starts_on=date(2024, 1, 1))
    person("unit.council.secretary", Role.COUNCIL_SECRETARY, council_term=term)
    return term


@pytest.fixture
def unit_council(cast, person, unit_term):
    """As tests/dossiers/test_unit_round.py's: a chair and five members on the unit's own council."""
    chair = person("unit.council.chair", Role.COUNCIL_CHAIR, council_term=unit_term)
    members = [person(f"unit.council.m{i}", Role.COUNCIL_MEMBER, council_term=unit_term) for i in range(5)]
    secretary = Membership.objects.get(council_term=unit_term, role=Role.COUNCIL_SECRETARY).user
    return type(
        "UnitCouncil",
        (),
        {"term": unit_term, "chair": chair, "secretary": secretary, "voters": [chair, *members]},
    )


def test_the_unit_officer_plans_the_unit_councils_session_from_the_round_page(cast, unit_term, client):
    """The round page says the unit council has no session yet and links to the form, which the unit's officer
    may use for that council only (before: «Chỉ Ban TĐKT được lập phiên họp hội đồng», 403)."""
    city_term = CouncilTermFactory(council__kind=CouncilKind.EMULATION)
    unit_round = rounds.round_create(
        unit=cast.unit, year=2025, title="Bình xét 2025", actor=Actor(user=cast.officer)
    )
    client.force_login(cast.officer)
    page = client.get(unit_round.get_absolute_url()).content.decode()
    back = f"/hoi-dong/phien/moi/?next=/ho-so/dot-binh-xet/{unit_round.pk}/"
    assert f'href="{back}"' in page
    assert 'href="/hoi-dong/phien/moi/"' in client.get("/hoi-dong/").content.decode()
    form = client.get("/hoi-dong/phien/moi/")
    assert form.status_code == 200
    choices = list(form.context["form"].fields["council_term"].queryset)
    assert choices == [unit_term] and city_term not in choices
    assert form.context["form"].fields["council_term"].initial == unit_term.pk
    planned = date.today().replace(year=date.today().year + 1).strftime("%d/%m/%Y")
    assert 'name="next" value="/ho-so/dot-binh-xet/' in client.get(back).content.decode()
    made = client.post(
        "/hoi-dong/phien/moi/",
        {
            "council_term": unit_term.pk,
            "title": "Họp bình xét năm 2025",
            "planned_on": planned,
            "next": unit_round.get_absolute_url(),
        },
    )
    assert made.status_code == 302 and made.url == unit_round.get_absolute_url()  # back to submit the round
    assert "Họp bình xét năm 2025" in client.get(unit_round.get_absolute_url()).content.decode()
    assert Session.objects.get(title="Họp bình xét năm 2025").council_term == unit_term
    refused = client.post(
        "/hoi-dong/phien/moi/",
        {"council_term": city_term.pk, "title": "Không được", "planned_on": planned},
    )
    assert refused.status_code == 400 and not Session.objects.filter(title="Không được").exists()


def test_another_units_officer_still_may_not_plan_a_session(cast, unit_term, client):
    client.force_login(cast.officer2)
    assert client.get("/hoi-dong/phien/moi/").status_code == 403
    assert 'href="/hoi-dong/phien/moi/"' not in client.get("/hoi-dong/").content.decode()


def test_after_the_decision_the_round_page_links_to_its_awards_in_the_register(cast, unit_council, client):
    unit_round = new_round(cast)
    rounds.round_import(
        unit_round=unit_round,
        rows=rounds.read_rows(workbook([person_row(1), person_row(2)])),
        actor=Actor(user=cast.officer),
    )
    session = a_session(unit_council, cast.officer)
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    vote_and_issue(session, unit_council)
    client.force_login(cast.head)
    voted = client.get(unit_round.get_absolute_url()).content.decode()
    assert "<details open>" not in voted  # nothing ticked yet: the list of the passed stays folded
    line = unit_round.lines.order_by("row_number").first()
    refused = client.post(
        unit_round.get_absolute_url(),
        {"action": "decide", "decision_number": "", "decision_date": "", "not_awarded": [str(line.pk)]},
    ).content.decode()
    assert "<details open>" in refused and f'value="{line.pk}" checked' in refused  # the ticked person shown
    register = f"/ho-so/so-vang/?year={unit_round.year}&amp;unit={unit_round.unit_id}"
    assert register not in voted
    session.refresh_from_db()
    decided_on = session.resolution_issued_on.strftime("%d/%m/%Y")
    done = client.post(
        unit_round.get_absolute_url(),
        {"action": "decide", "decision_number": "12/QĐ-UBND", "decision_date": decided_on},
    )
    assert done.status_code == 302
    page = client.get(unit_round.get_absolute_url()).content.decode()
    assert f'href="{register}"' in page
    listed = client.get(register.replace("&amp;", "&")).content.decode()
    assert line.nominee.full_name in listed


def test_the_convening_form_starts_with_the_planned_date_and_place(cast, unit_term, client):
    """The secretary confirms the convening without typing again what the session was planned with."""
    from councils import services as council_services

    planned = date.today().replace(year=date.today().year + 1)
    session = council_services.session_create(
        council_term=unit_term,
        title="Họp bình xét",
        planned_on=planned,
        place="Phòng họp UBND quận",
        actor=Actor(user=cast.officer),
    )
    secretary = Membership.objects.get(council_term=unit_term, role=Role.COUNCIL_SECRETARY).user
    client.force_login(secretary)
    page = client.get(f"/thao-tac/councils/session/{session.pk}/convene/").content.decode()
    assert f'value="{planned.strftime("%d/%m/%Y")}"' in page and 'value="Phòng họp UBND quận"' in page


def test_the_session_page_numbers_each_round_line_once(cast, unit_council, client):
    """The agenda numbers its items; a line's title names its row of the list after the person (it said
    «1. 1. Nguyễn Văn A – …» on the session page)."""
    unit_round = new_round(cast)
    rounds.round_import(
        unit_round=unit_round,
        rows=rounds.read_rows(workbook([person_row(1)])),
        actor=Actor(user=cast.officer),
    )
    session = a_session(unit_council, cast.officer)
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    item = session.items.get()
    line = unit_round.lines.get()
    assert (
        item.title == f"{line.nominee.full_name} – {line.award.name} (dòng {line.row_number} của danh sách)"
    )
    client.force_login(unit_council.secretary)
    page = client.get(session.get_absolute_url()).content.decode()
    assert f"1. {line.nominee.full_name}" in page and f"1. {line.row_number}. " not in page


def test_a_council_member_reading_the_round_is_not_offered_its_history(cast, unit_council, client):
    """A member of the unit's council reads the round their session votes on, but its history is the Board's
    and the unit's (403): no «Lịch sử» button for them; the unit's officer keeps it."""
    unit_round = new_round(cast)
    rounds.round_import(
        unit_round=unit_round,
        rows=rounds.read_rows(workbook([person_row(1)])),
        actor=Actor(user=cast.officer),
    )
    session = a_session(unit_council, cast.officer)
    rounds.round_submit(unit_round=unit_round, session=session, actor=Actor(user=cast.officer))
    history = f"/lich-su/dossiers/unitround/{unit_round.pk}/"
    member = unit_council.voters[-1]
    client.force_login(member)
    page = client.get(unit_round.get_absolute_url())
    assert page.status_code == 200 and history not in page.content.decode()
    assert client.get(history).status_code == 403
    client.force_login(cast.officer)
    assert history in client.get(unit_round.get_absolute_url()).content.decode()
    assert client.get(history).status_code == 200
