"""A dossier's history over an audit log of several chains (issue 19): its events and its lines' events come in
the order they were written (id order), whatever chain each is in; each shows its place in its chain ("3·12");
the API gives the chain and the position beside the sequence; the appraisal version grows with every event."""

import re

import pytest
from django.test import Client, override_settings
from django.utils.html import strip_tags

from dossiers import appraisal, services
from workflows import audit, engine
from workflows.history import history_events
from workflows.models import AuditEvent

from .helpers import ready_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(cast):
    """A dossier whose steps were written in chains 3, 2, 1 and 4, in that order."""
    with override_settings(AUDIT_CHAINS=4):
        with audit.use_chain(3):
            dossier = ready_dossier(cast)
        line = dossier.lines.get()
        with audit.use_chain(2):
            services.line_update(line=line, user=cast.officer, achievement_report="Thành tích năm 2023.")
        with audit.use_chain(1):
            engine.perform(dossier, "submit", user=cast.head)
        with audit.use_chain(4):
            engine.perform(dossier, "accept", user=cast.board)
    return dossier, line


def test_the_history_is_in_the_order_written_across_chains(cast, spread):
    dossier, line = spread
    events = list(history_events(dossier))
    assert [event.pk for event in events] == sorted(event.pk for event in events)
    assert {event.chain for event in events} == {1, 2, 3, 4}
    verbs = [event.verb for event in events]
    assert verbs.index("nominee_update") < verbs.index("submit") < verbs.index("accept")
    assert [e.chain for e in events if e.verb in ("submit", "accept")] == [1, 4]
    # each chain numbers its own events: by (chain, sequence) the submission (chain 1) would precede the creation
    assert events[0].verb == "create" and events[0].chain == 3
    assert sorted(events, key=lambda e: (e.chain, e.sequence))[0].chain == 1


def test_the_page_shows_each_event_at_its_place_in_its_chain(cast, spread):
    dossier, _line = spread
    client = Client()
    client.force_login(cast.auditor)
    text = " ".join(
        strip_tags(client.get(f"/lich-su/dossiers/dossier/{dossier.pk}/").content.decode()).split()
    )
    accept = AuditEvent.objects.filter(verb="accept", subject_id=str(dossier.pk)).get()
    submit = AuditEvent.objects.filter(verb="submit", subject_id=str(dossier.pk)).get()
    assert f"#4·{accept.sequence}" in text and f"#{submit.sequence}" in text
    assert re.search(rf"#{submit.sequence}\b.*#4·{accept.sequence}\b", text)  # the submission first


def test_the_api_history_gives_chain_and_position(api, cast, spread):
    dossier, _line = spread
    rows = api(cast.auditor).get(f"/api/dossiers/{dossier.pk}/history/").json()
    events = list(history_events(dossier).filter(subject_type__model="dossier"))
    assert [(row["chain"], row["sequence"]) for row in rows] == [(e.chain, e.sequence) for e in events]
    for row in rows:
        expected = str(row["sequence"]) if row["chain"] == 1 else f"{row['chain']}·{row['sequence']}"
        assert row["position"] == expected


def test_the_appraisal_version_grows_with_an_event_in_any_chain(cast, spread):
    dossier, line = spread
    read = appraisal.version(line)
    with override_settings(AUDIT_CHAINS=4), audit.use_chain(2):  # a chain whose sequences are far behind
        engine.perform(line, "propose", user=cast.board, data={"comment": "Đủ tiêu chuẩn"})
    assert appraisal.version(line) > read


def test_the_csv_export_gives_chain_and_position(cast, spread):
    import csv
    import io

    dossier, _line = spread
    client = Client()
    client.force_login(cast.auditor)
    response = client.get(f"/lich-su/dossiers/dossier/{dossier.pk}/?format=csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    accept = AuditEvent.objects.filter(verb="accept", subject_id=str(dossier.pk)).get()
    row = next(r for r in rows if r["verb"] == "accept")
    assert (row["chain"], row["position"], row["sequence"]) == (
        "4",
        f"4·{accept.sequence}",
        str(accept.sequence),
    )
    assert [r["chain"] for r in rows if r["verb"] in ("submit", "accept")] == ["1", "4"]
