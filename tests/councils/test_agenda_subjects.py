"""Issue 12 item 1: an agenda item about a dossier line or an initiative takes its pass rule, proposing unit,
route and recusals from the subject's own rules, never from a request; free-form items change no record."""

import pytest
from django.core.exceptions import ValidationError

from councils import registry, services
from councils.models import AgendaItem, Recusal, RecusalReason, SessionState
from dossiers import services as dossier_services
from dossiers.models import AwardRoute, AwardType, NomineeState
from innovation.models import Author
from tests.dossiers.conftest import cast, media_root  # noqa: F401  (the dossier's people, uploads in a temp dir)
from tests.dossiers.helpers import ready_dossier, walk_to
from tests.innovation.helpers import make_cast, open_round, submit
from workflows import audit, engine
from workflows.audit import history_for
from workflows.models import AuditEvent, Role

from .conftest import MEETING_DAY, start_voting, threshold

pytestmark = pytest.mark.django_db

PROBE = {
    "title": "Bằng khen của Chủ tịch UBND thành phố",
    "threshold_percent": "0",
    "threshold_base": "votes_cast",
}


def convened(term, actor, secretary, title="Phiên họp xét khen thưởng", source=None):
    session = services.session_create(
        council_term=term, title=title, planned_on=MEETING_DAY, actor=actor, source=source
    )
    engine.perform(session, "convene", user=secretary, data={"planned_on": MEETING_DAY.isoformat()})
    session.refresh_from_db()
    return session


def proposed_line(cast):  # noqa: F811
    """A dossier appraised by the Board, its one line proposed to the council (state "proposed")."""
    dossier = walk_to(cast, ready_dossier(cast), "appraised")
    line = dossier.lines.get()
    assert line.state == NomineeState.PROPOSED
    return dossier, line


def line_events(line) -> list[str]:
    return [event.verb for event in history_for(line)]


def close_and_issue(session, c):
    services.session_close_voting(session=session, user=c.secretary)
    engine.perform(session, "draft_minutes", user=c.secretary, data={"minutes_number": "07/BB-HĐTĐKT"})
    engine.perform(session, "sign_minutes", user=c.chair)
    engine.perform(
        session,
        "issue_resolution",
        user=c.chair,
        data={"resolution_number": "08/TTr-HĐTĐKT", "resolution_issued_on": MEETING_DAY.isoformat()},
    )


@pytest.mark.parametrize("who", ["secretary", "board"])
def test_api_probe_zero_percent_on_a_dossier_line_is_refused(api, council, cast, who):  # noqa: F811
    """The probe of the issue: a 0 % / votes-cast item naming a real line → 400 JSON, nothing created."""
    c = council(size=4)
    session = convened(c.term, cast.board, c.secretary)
    dossier, line = proposed_line(cast)
    before = line_events(line)
    user = c.secretary if who == "secretary" else cast.board
    for subject in (
        {"subject_type": "dossiers.dossiernominee", "subject_id": str(line.pk)},
        {"subject_type": "dossiers.dossiernominee"},
        {"subject": f"dossiers.dossiernominee:{line.pk}"},
    ):
        response = api(user).post(f"/api/sessions/{session.pk}/agenda/", {**PROBE, **subject}, format="json")
        assert response.status_code == 400, response.content
        body = response.json()["errors"]
        for field in subject:
            assert "chính quy trình" in body[field][0]
    assert not AgendaItem.objects.filter(session=session).exists()
    assert not AuditEvent.objects.filter(verb="agenda_item_added").exists()
    line.refresh_from_db()
    assert (line.state, line.council_item_ref, line.council_term_id) == (NomineeState.PROPOSED, "", None)
    assert line_events(line) == before


def test_api_refuses_an_initiative_subject_too(api, council, person):
    c = council(size=4)
    icast = make_cast(person)
    initiative = submit(icast, open_round(icast))
    session = convened(c.term, c.board, c.secretary)
    payload = {**PROBE, "subject_type": "innovation.initiative", "subject_id": str(initiative.pk)}
    response = api(c.secretary).post(f"/api/sessions/{session.pk}/agenda/", payload, format="json")
    assert response.status_code == 400 and "subject_type" in response.json()["errors"]
    assert not AgendaItem.objects.exists()


def test_the_schema_has_no_subject_in_the_agenda_input():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    fields = schema["components"]["schemas"]["AgendaItemInputRequest"]["properties"]  # a request body
    assert "title" in fields and "threshold_percent" in fields
    assert not {"subject", "subject_type", "subject_id"} & set(fields)


def test_web_form_offers_no_subject_and_ignores_injected_subject_fields(client, council, cast):  # noqa: F811
    c = council(size=4)
    session = convened(c.term, cast.board, c.secretary)
    dossier, line = proposed_line(cast)
    before = line_events(line)
    client.force_login(c.secretary)
    address = f"/hoi-dong/phien/{session.pk}/them-muc/"
    page = client.get(address).content.decode()
    assert 'name="threshold_percent"' in page and 'name="subject' not in page
    response = client.post(
        address,
        {
            **PROBE,
            "summary": "",
            "subject_type": "dossiers.dossiernominee",
            "subject_id": str(line.pk),
            "subject": f"dossiers.dossiernominee:{line.pk}",
        },
    )
    assert response.status_code == 302
    [item] = AgendaItem.objects.filter(session=session)
    assert (item.subject_type_id, item.subject_id) == (None, "")
    [event] = AuditEvent.objects.filter(verb="agenda_item_added")
    assert event.data["subject"] is None and event.data["rules"] == "typed"
    line.refresh_from_db()
    assert line.state == NomineeState.PROPOSED and line_events(line) == before


def test_the_free_form_service_refuses_any_subject(council, cast):  # noqa: F811
    c = council(size=4)
    session = convened(c.term, cast.board, c.secretary)
    dossier, line = proposed_line(cast)
    with pytest.raises(ValidationError) as refused:
        services.agenda_item_add(
            session=session, subject=line, title="Mục", threshold=threshold("0"), actor=c.secretary
        )
    assert "subject" in refused.value.message_dict
    assert not AgendaItem.objects.exists()


def test_free_form_item_at_zero_percent_passes_but_changes_no_record(council, cast, monkeypatch):  # noqa: F811
    """0/21 agree "passes" a 0 % free-form item, yet no subject handler runs and the line stays as it was."""
    called = []
    for model, contract in list(registry._CONTRACTS.items()):
        monkeypatch.setitem(
            registry._CONTRACTS,
            model,
            registry.SubjectContract(
                agenda_terms=contract.agenda_terms, on_result=lambda **kwargs: called.append(kwargs)
            ),
        )
    c = council(size=21)
    session = convened(c.term, cast.board, c.secretary)
    dossier, line = proposed_line(cast)
    before = line_events(line)
    item = services.agenda_item_add(
        session=session,
        title=f"{line.nominee.full_name} – {line.award.name}",
        threshold=threshold("0", base="votes_cast"),
        actor=c.secretary,
    )
    start_voting(session, c)
    for member in c.voters:
        services.ballot_cast(item=item, choice="disagree", actor=member)
    close_and_issue(session, c)
    item.refresh_from_db()
    assert item.passed is True and item.result_explanation.startswith("0/21")
    session.refresh_from_db()
    assert session.state == SessionState.RESOLUTION_ISSUED
    assert called == []
    line.refresh_from_db()
    dossier.refresh_from_db()
    assert (line.state, dossier.state) == (NomineeState.PROPOSED, "appraised")
    assert line_events(line) == before


def test_a_scheduled_line_takes_the_awards_rule_and_recuses_the_proposing_unit(council, cast, grant):  # noqa: F811
    c = council(size=5)
    colleague = c.members[0]
    grant(colleague, Role.UNIT_OFFICER, unit=cast.unit)  # a council member who works in the proposing unit
    session = convened(c.term, cast.board, c.secretary)
    dossier, line = proposed_line(cast)
    engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    [item] = AgendaItem.objects.filter(session=session)
    rule = line.award.threshold()
    assert item.subject == line and item.proposing_unit == cast.unit
    assert (item.threshold_percent, item.threshold_base, item.threshold_strict) == (
        rule.percent,
        rule.base,
        rule.strict,
    )
    assert item.threshold_ratio is None
    [recusal] = Recusal.objects.filter(item=item)
    assert (recusal.member, recusal.reason) == (colleague, RecusalReason.PROPOSING_UNIT)
    [added] = AuditEvent.objects.filter(verb="agenda_item_added", subject_id=str(item.pk))
    assert added.data["rules"] == "subject" and added.data["subject"] == f"dossiers.dossiernominee:{line.pk}"
    assert added.data["proposing_unit"] == cast.unit.code
    [recorded] = AuditEvent.objects.filter(verb="recusal_recorded", subject_id=str(item.pk))
    assert recorded.data == {
        "member": colleague.username,
        "item": item.pk,
        "reason": RecusalReason.PROPOSING_UNIT,
        "automatic": True,
    }
    start_voting(session, c)
    with pytest.raises(services.BallotRefused) as refused:
        services.ballot_cast(item=item, choice="agree", actor=colleague)
    assert refused.value.code == "recused"


def test_a_line_cannot_be_scheduled_twice(council, cast):  # noqa: F811
    c = council(size=4)
    first = convened(c.term, cast.board, c.secretary, title="Phiên thứ nhất")
    second = convened(c.term, cast.board, c.secretary, title="Phiên thứ hai")
    dossier, line = proposed_line(cast)
    engine.perform(dossier, "schedule", user=cast.board, data={"session": first.pk})
    line.refresh_from_db()
    assert line.state == NomineeState.ON_AGENDA
    with pytest.raises(engine.TransitionNotAllowed, match="đã có trong chương trình"):
        services.agenda_subject_add(session=second, subject=line, actor=cast.board)
    with pytest.raises(engine.TransitionNotAllowed):
        dossier_services.council_item_add(line=line, session=second, actor=audit.Actor(cast.board))
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform(line, "place_on_agenda", user=cast.board, data={"session": second.pk})
    assert AgendaItem.objects.filter(subject_id=str(line.pk)).count() == 1
    assert not second.items.exists()


def test_a_dossier_line_goes_to_no_other_council(council, cast, person):  # noqa: F811
    icast = make_cast(person)
    session = convened(icast.term, icast.board, icast.secretary, title="Phiên Hội đồng sáng kiến")
    dossier, line = proposed_line(cast)
    before = line_events(line)
    with pytest.raises(ValidationError):  # the schedule form offers only the city councils' sessions
        engine.perform(line, "place_on_agenda", user=cast.board, data={"session": session.pk})
    with pytest.raises(ValidationError) as refused:
        dossier_services.council_item_add(line=line, session=session, actor=audit.Actor(cast.board))
    assert "Hội đồng Thi đua - Khen thưởng thành phố" in refused.value.message_dict["session"][0]
    with pytest.raises(ValidationError):
        services.agenda_subject_add(session=session, subject=line, actor=cast.board)
    assert not AgendaItem.objects.exists()
    line.refresh_from_db()
    assert line.state == NomineeState.PROPOSED and line_events(line) == before


def test_an_award_the_unit_decides_is_not_put_to_the_city_council(council, cast):  # noqa: F811
    c = council(size=4)
    session = convened(c.term, cast.board, c.secretary)
    dossier, line = proposed_line(cast)
    AwardType.objects.filter(pk=line.award_id).update(route=AwardRoute.UNIT_DECIDES)
    with pytest.raises(ValidationError, match="đơn vị tự quyết định"):
        services.agenda_subject_add(session=session, subject=line, actor=cast.board)
    assert not AgendaItem.objects.exists()


def test_an_initiative_goes_only_to_its_rounds_session(council, person):
    c = council(size=4)
    icast = make_cast(person)
    round_ = open_round(icast)
    initiative = submit(icast, round_)
    author = icast.members[0]
    Author.objects.filter(pk=initiative.authors.order_by("pk").first().pk).update(user=author)
    elsewhere = convened(c.term, c.board, c.secretary, title="Phiên Hội đồng Thi đua - Khen thưởng")
    same_term = convened(icast.term, icast.board, icast.secretary, title="Phiên khác của Hội đồng sáng kiến")
    for session in (elsewhere, same_term):
        with pytest.raises(ValidationError, match="chỉ được đưa ra phiên họp của Hội đồng sáng kiến"):
            services.agenda_subject_add(session=session, subject=initiative, actor=icast.board)
    assert not AgendaItem.objects.exists()
    own = convened(icast.term, icast.board, icast.secretary, title="Xét công nhận sáng kiến", source=round_)
    item = services.agenda_subject_add(session=own, subject=initiative, actor=icast.board)
    assert (item.threshold_numerator, item.threshold_denominator, item.threshold_base) == (
        2,
        3,
        "total_members",
    )
    assert item.proposing_unit == initiative.unit
    assert list(Recusal.objects.filter(item=item).values_list("member", "reason")) == [
        (author.pk, RecusalReason.NOMINEE)
    ]


def test_the_result_is_refused_when_the_item_no_longer_carries_the_subjects_rule(council, cast):  # noqa: F811
    """Defence in depth: an item whose stored rule differs from the award's (old data, a write behind the
    services' back) does not push its result into the dossier; the resolution is refused as a whole."""
    c = council(size=4)
    session = convened(c.term, cast.board, c.secretary)
    dossier, line = proposed_line(cast)
    engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    item = AgendaItem.objects.get(session=session)
    AgendaItem.objects.filter(pk=item.pk).update(
        threshold_percent=0, threshold_base="votes_cast", threshold_strict=False
    )
    start_voting(session, c)
    for member in c.voters:
        services.ballot_cast(item=item, choice="disagree", actor=member)
    services.session_close_voting(session=session, user=c.secretary)
    item.refresh_from_db()
    assert item.passed is True  # 0/4 ≥ 0 %: the tampered rule "passes"…
    engine.perform(session, "draft_minutes", user=c.secretary, data={"minutes_number": "09/BB"})
    engine.perform(session, "sign_minutes", user=c.chair)
    with pytest.raises(ValidationError, match="không theo đúng quy định biểu quyết"):
        engine.perform(
            session,
            "issue_resolution",
            user=c.chair,
            data={"resolution_number": "10/TTr", "resolution_issued_on": MEETING_DAY.isoformat()},
        )
    session.refresh_from_db()
    line.refresh_from_db()
    assert session.state == SessionState.MINUTES_SIGNED  # …but nothing reaches the line
    assert line.state == NomineeState.ON_AGENDA
    assert "council_pass" not in line_events(line)


def test_the_untampered_line_gets_its_result(council, cast):  # noqa: F811
    c = council(size=4)
    session = convened(c.term, cast.board, c.secretary)
    dossier, line = proposed_line(cast)
    engine.perform(dossier, "schedule", user=cast.board, data={"session": session.pk})
    item = AgendaItem.objects.get(session=session)
    start_voting(session, c)
    for member in c.voters:
        services.ballot_cast(item=item, choice="disagree", actor=member)
    close_and_issue(session, c)
    line.refresh_from_db()
    assert line.state == NomineeState.FAILED
    assert "council_fail" in line_events(line)


def test_another_councils_secretary_cannot_add_even_a_free_form_item(api, council):
    c = council(size=4)
    other = council(size=4)
    session = convened(c.term, c.board, c.secretary)
    response = api(other.secretary).post(f"/api/sessions/{session.pk}/agenda/", PROBE, format="json")
    assert response.status_code in (403, 404) and response.json()
    assert not AgendaItem.objects.exists()
