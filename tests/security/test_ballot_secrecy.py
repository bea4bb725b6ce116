"""Secret ballots: after a session's members have voted and the votes are counted, nothing that any role can
read (the API, the web pages, the history as HTML, JSON and CSV, the audit log, the admin) ties a member to
a choice. Ballots are stored as (random id, item, sealed choice) while the item is open and deleted once it is
counted; receipts as (item, member) with no choice. The database-level probes (physical order, xmin, dumps,
dead tuples) are in tests/councils/test_ballot_storage.py."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from councils.models import Ballot, BallotReceipt
from workflows.models import AuditEvent

from .world import build_world

CHOICES = {"agree", "disagree", "abstain"}


@pytest.fixture
def world(db):
    return build_world()


def test_the_storage_itself_cannot_link_a_member_to_a_choice():
    assert {f.name for f in Ballot._meta.get_fields()} == {"id", "item", "sealed"}
    assert "choice" not in {f.name for f in BallotReceipt._meta.get_fields()}
    assert not Ballot._meta.ordering


def _readers(world):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return [
        world.users["board"],
        world.users["auditor"],
        world.users["member_in"],
        users.get(username="council.secretary"),
        users.get(username="chairman"),
        users.get(username="admin"),
    ]


def _urls(world):
    session, item = world.objects["voted_session"], world.objects["voted_item"]
    history = {"app_label": "councils", "model_name": "session", "pk": str(session.pk)}
    item_history = {"app_label": "councils", "model_name": "agendaitem", "pk": str(item.pk)}
    return [
        reverse("session-detail", args=[session.pk]),
        reverse("session-agenda", args=[session.pk]),
        reverse("session-ballots", args=[session.pk]),
        reverse("session-attendance", args=[session.pk]),
        reverse("session-history", args=[session.pk]),
        reverse("agenda-item-detail", args=[item.pk]),
        reverse("agenda-item-history", args=[item.pk]),
        reverse("agenda-item-list"),
        reverse("councils:session_detail", args=[session.pk]),
        reverse("history", kwargs=history),
        reverse("history", kwargs=history) + "?format=json",
        reverse("history", kwargs=history) + "?format=csv",
        reverse("history", kwargs=item_history) + "?format=json",
        reverse("history", kwargs=item_history) + "?format=csv",
        "/admin/councils/",
        f"/admin/councils/session/{session.pk}/change/",
        f"/admin/councils/agendaitem/{item.pk}/change/",
        "/admin/workflows/auditevent/",
    ]


def _member_choice_pairs(value, voters, found, member=None):
    """Walk a JSON value: a dict naming a voter (by id or username) that also holds a choice is a leak."""
    if isinstance(value, dict):
        named = {str(v) for v in value.values() if isinstance(v, str | int)} & voters
        choice = {v for v in value.values() if isinstance(v, str)} & CHOICES
        if named and choice:
            found.append(value)
        for inner in value.values():
            _member_choice_pairs(inner, voters, found)
    elif isinstance(value, list):
        for inner in value:
            _member_choice_pairs(inner, voters, found)


def test_no_page_api_history_export_or_admin_ties_a_member_to_a_choice(world):
    voters = world.objects["voters"]
    voter_keys = {u.username for u in voters} | {str(u.pk) for u in voters}
    world.objects["voted_item"].refresh_from_db()
    assert world.objects["voted_item"].state == "counted"
    # counted: no ballot is left to leak, and none of the sealed ballots the members cast is stored any more
    assert not Ballot.objects.filter(item=world.objects["voted_item"]).exists()
    ballot_ids = {str(pk) for pk in Ballot.objects.values_list("pk", flat=True)}
    assert BallotReceipt.objects.filter(item=world.objects["voted_item"]).count() == len(voters)
    leaks = []
    for reader in _readers(world):
        client = Client()
        client.force_login(reader)
        for url in _urls(world):
            response = client.get(url)
            if response.status_code != 200:
                continue
            body = response.content.decode()
            if any(ballot_id in body for ballot_id in ballot_ids):
                leaks.append(f"{reader.username} {url}: a ballot id")
            if "json" in response.get("Content-Type", ""):
                found = []
                _member_choice_pairs(json.loads(body), voter_keys, found)
                leaks += [f"{reader.username} {url}: {row}" for row in found]
            if "csv" in response.get("Content-Type", ""):
                for line in body.splitlines():
                    cells = set(line.split(","))
                    if cells & voter_keys and cells & CHOICES:
                        leaks.append(f"{reader.username} {url}: {line}")
    assert not leaks, "\n".join(leaks)


def test_the_audit_log_of_the_vote_holds_no_choice_of_a_member(world):
    voters = {u.pk for u in world.objects["voters"]}
    for event in AuditEvent.objects.filter(actor_id__in=voters):
        text = json.dumps(event.data, ensure_ascii=False) + (event.comment or "")
        assert not CHOICES & set(_strings(event.data)), (event.verb, event.data)
        assert not any(
            ballot_id in text for ballot_id in map(str, Ballot.objects.values_list("pk", flat=True))
        )


def _strings(value):
    if isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)
    elif isinstance(value, str):
        yield value


def test_ballots_and_receipts_have_no_admin_page(world):
    client = Client()
    client.force_login(world.objects["voters"][0].__class__.objects.get(username="admin"))
    assert client.get("/admin/councils/ballot/").status_code == 404
    assert client.get("/admin/councils/ballotreceipt/").status_code == 404
