"""Issue 18, "Reading what a client needs" (councils): agenda subjects typed as {kind, id, url}; a member declares a
conflict of interest through the API (the service and policy the session page uses); the council's voting rule,
whether the secretary votes among it, is on the council."""

import pytest

from councils import services
from councils.models import AgendaItem, Recusal, RecusalReason
from tests.dossiers.conftest import cast, media_root  # noqa: F401  (the dossier's people, uploads in a temp dir)
from tests.innovation.helpers import make_cast, open_round, submit
from workflows import engine
from workflows.models import AuditEvent

from .conftest import start_voting
from .test_agenda_subjects import convened, proposed_line

pytestmark = pytest.mark.django_db


def test_a_dossier_line_on_the_agenda_is_named_by_kind_id_and_link(api, council, cast):  # noqa: F811
    c = council(size=4)
    session = convened(c.term, cast.board, c.secretary)
    dossier, line = proposed_line(cast)
    engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    item = AgendaItem.objects.get(session=session)
    expected = {"kind": "dossier_line", "id": line.pk, "url": f"/api/v1/dossier-lines/{line.pk}/"}
    agenda = api(c.secretary).get(f"/api/v1/sessions/{session.pk}/agenda/").json()
    assert [row["subject"] for row in agenda] == [expected]
    assert api(c.secretary).get(f"/api/v1/agenda-items/{item.pk}/").json()["subject"] == expected
    # the link leads to the line (for whoever may see it: the Board)
    assert api(cast.board).get(expected["url"]).json()["id"] == line.pk


def test_an_initiative_on_the_agenda_is_named_by_kind_id_and_link(api, person):
    icast = make_cast(person)
    round_ = open_round(icast)
    initiative = submit(icast, round_)
    session = convened(icast.term, icast.board, icast.secretary, title="Xét sáng kiến", source=round_)
    item = services.agenda_subject_add(session=session, subject=initiative, actor=icast.board)
    body = api(icast.board).get(f"/api/v1/agenda-items/{item.pk}/").json()
    assert body["subject"] == {
        "kind": "initiative",
        "id": initiative.pk,
        "url": f"/api/v1/initiatives/{initiative.pk}/",
    }


def test_a_free_form_item_has_no_subject(api, council, session_for):
    c = council(size=4)
    session = session_for(c)
    [row] = api(c.secretary).get(f"/api/v1/sessions/{session.pk}/agenda/").json()
    assert row["subject"] is None


def test_the_schema_types_the_agenda_subject():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    subject = components["AgendaItem"]["properties"]["subject"]
    assert subject.get("nullable") or "oneOf" in subject or "allOf" in subject
    assert set(components["AgendaSubject"]["properties"]) == {"kind", "id", "url"}


# -- conflict of interest ----------------------------------------------------------------------------------------
def test_a_member_declares_a_conflict_of_interest_through_the_api(api, council, session_for):
    c = council(size=5)
    session = session_for(c)
    item = session.items.get()
    member = c.members[0]
    url = f"/api/v1/agenda-items/{item.pk}/recusal/"
    response = api(member).post(url, {"note": "Người thân của người được đề nghị"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["item"], body["member"], body["reason"]) == (item.pk, member.pk, RecusalReason.DECLARED)
    assert body["note"] == "Người thân của người được đề nghị"
    recusal = Recusal.objects.get(item=item, member=member)
    assert recusal.reason == RecusalReason.DECLARED
    event = AuditEvent.objects.get(verb="recusal_recorded", subject_id=str(item.pk))
    assert event.actor == member and event.data["member"] == member.username
    # declared again: the same record, 200, not a second event
    again = api(member).post(url, {"note": "Lần nữa"}, format="json")
    assert again.status_code == 200
    assert AuditEvent.objects.filter(verb="recusal_recorded", subject_id=str(item.pk)).count() == 1
    # once voting is open, the recused member's ballot is refused
    start_voting(session, c)
    with pytest.raises(services.BallotRefused):
        services.ballot_cast(item=item, choice="agree", actor=member)


def test_a_conflict_needs_a_reason_and_a_refusal_changes_nothing(api, council, session_for):
    c = council(size=5)
    item = session_for(c).items.get()
    url = f"/api/v1/agenda-items/{item.pk}/recusal/"
    for payload in ({}, {"note": "   "}):
        response = api(c.members[0]).post(url, payload, format="json")
        assert response.status_code == 400 and "note" in response.json()["errors"]
    assert not Recusal.objects.exists() and not AuditEvent.objects.filter(verb="recusal_recorded").exists()


def test_only_a_member_of_the_sessions_council_declares(api, council, session_for, person):
    c = council(size=5)
    item = session_for(c).items.get()
    url = f"/api/v1/agenda-items/{item.pk}/recusal/"
    other = council(size=4)  # a member of another council does not see the session
    assert api(other.members[0]).post(url, {"note": "x"}, format="json").status_code == 404
    # the Board sees the session but is not a voting member of it
    refused = api(c.board).post(url, {"note": "x"}, format="json")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert api().post(url, {"note": "x"}, format="json").status_code == 401
    assert not Recusal.objects.exists()


def test_a_conflict_after_voting_answers_409(api, council, session_for):
    c = council(size=5)
    session = start_voting(session_for(c), c)
    item = session.items.get()
    member = c.members[0]
    services.ballot_cast(item=item, choice="agree", actor=member)
    response = api(member).post(f"/api/v1/agenda-items/{item.pk}/recusal/", {"note": "x"}, format="json")
    assert response.status_code == 409
    assert not Recusal.objects.filter(member=member).exists()


# -- the council's rule ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("secretary_votes", [True, False])
def test_the_council_exposes_its_voting_rule(api, council, secretary_votes):
    c = council(size=4, secretary_votes=secretary_votes, abstain_allowed=True)
    body = api(c.members[0]).get(f"/api/v1/councils/{c.term.council.pk}/").json()
    assert body["rule"]["secretary_votes"] is secretary_votes
    assert body["rule"]["abstain_allowed"] is True
    assert {"quorum_numerator", "quorum_denominator", "written_votes_allowed"} <= set(body["rule"])
    listed = api(c.members[0]).get("/api/v1/councils/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["rule"] for row in rows if row["id"] == c.term.council.pk] == [body["rule"]]


def test_a_council_without_a_rule_says_so(api, council):
    c = council(size=4)
    assert api(c.members[0]).get(f"/api/v1/councils/{c.term.council.pk}/").json()["rule"] is None
