"""Published innovation results stay private (issue 12, item 5): once a round publishes its results, everyone
signed in reads the result (rank, title, unit, authors, score, recognition), but an initiative's full text and
its evidence files stay with its unit, the Board, the assigned reviewers, the round's council and the auditors
(who audit, so they read everything): for anyone else the text is left out of the page and of the API, and the
evidence answers 404 on the web and the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from innovation import selectors, services
from innovation.models import InitiativeState, RoundState
from tests.innovation.helpers import make_cast, open_round, pdf_upload, recognise, submit
from workflows import engine
from workflows.models import Role

pytestmark = pytest.mark.django_db

SUMMARY = "Tóm tắt riêng của đơn vị: quy trình nội bộ chưa công bố."
SOLUTION = "Giải pháp chi tiết chỉ hội đồng được đọc."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def published(person):
    """A round whose only initiative (with an evidence PDF) is recognised, and whose results are published."""
    cast = make_cast(person, reviewers=3)
    round_ = open_round(cast)
    initiative = submit(cast, round_, title="Ứng dụng bản đồ số trong quản lý chiếu sáng công cộng")
    type(initiative).objects.filter(pk=initiative.pk).update(summary=SUMMARY, solution=SOLUTION)
    evidence = services.evidence_upload(
        initiative=initiative, upload=pdf_upload("bao-cao-hieu-qua.pdf"), actor=cast.officer
    )
    recognise(cast, round_, [initiative])
    engine.perform(round_, "publish_results", user=cast.board)
    round_.refresh_from_db()
    initiative.refresh_from_db()
    assert round_.state == RoundState.RESULTS_PUBLISHED
    assert initiative.state == InitiativeState.RECOGNISED
    assigned = {a.reviewer_id for a in initiative.assignments.all()}
    users = {
        "unit_a": cast.officer,
        "board": cast.board,
        "reviewer": next(user for user in cast.reviewers if user.pk in assigned),
        "council_member": cast.members[0],
        "auditor": person("auditor.sk", Role.AUDITOR),
        "unit_b": cast.other_officer,
        "pool_reviewer_not_assigned": next(user for user in cast.reviewers if user.pk not in assigned),
        "other_council_member": person("member.other-term", Role.COUNCIL_MEMBER, council_term=other_term()),
    }
    return initiative, evidence, users


def other_term():
    from tests.factories import CouncilTermFactory

    return CouncilTermFactory()


#: Who reads the initiative in full after publication (True) and who reads only its published result (False).
READERS = {
    "unit_a": True,
    "board": True,
    "reviewer": True,
    "council_member": True,
    "auditor": True,
    "unit_b": False,
    "pool_reviewer_not_assigned": False,
    "other_council_member": False,
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("role", "in_full"), READERS.items())
def test_detail_page_shows_the_text_and_evidence_only_to_full_readers(published, role, in_full):
    initiative, evidence, users = published
    response = signed_in(users[role]).get(initiative.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert initiative.title in page and initiative.unit.name in page
    assert "Lê Thị Mai" in page  # the authors are part of the published result
    assert str(initiative.average_score).replace(".", ",") in page  # 80,00: the Vietnamese decimal comma
    assert (SUMMARY in page) is in_full
    assert (SOLUTION in page) is in_full
    assert (evidence.get_absolute_url() in page) is in_full
    assert ("bao-cao-hieu-qua.pdf" in page) is in_full


@pytest.mark.parametrize(("role", "in_full"), READERS.items())
def test_evidence_download_answers_404_to_results_readers(published, role, in_full):
    _initiative, evidence, users = published
    response = signed_in(users[role]).get(evidence.get_absolute_url())
    assert response.status_code == (200 if in_full else 404)
    if in_full:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(("role", "in_full"), READERS.items())
def test_api_detail_and_list_leave_out_the_text_for_results_readers(published, api, role, in_full):
    initiative, _evidence, users = published
    client = api(users[role])
    detail = client.get(f"/api/initiatives/{initiative.pk}/")
    assert detail.status_code == 200
    listed = [row for row in client.get("/api/initiatives/").json()["results"] if row["id"] == initiative.pk]
    assert len(listed) == 1
    for payload in (detail.json(), listed[0]):
        assert payload["title"] == initiative.title and payload["unit"] == initiative.unit_id
        assert payload["average_score"] == str(initiative.average_score)
        assert payload["recognised_scope"] == initiative.recognised_scope
        assert {author["full_name"] for author in payload["authors"]} == {"Lê Thị Mai", "Trần Văn Bình"}
        for name in selectors.FULL_TEXT_FIELDS:
            assert (name in payload) is in_full, name
        if in_full:
            assert payload["summary"] == SUMMARY and payload["solution"] == SOLUTION


@pytest.mark.parametrize(("role", "in_full"), READERS.items())
def test_api_evidence_answers_404_to_results_readers(published, api, role, in_full):
    initiative, evidence, users = published
    response = api(users[role]).get(f"/api/initiatives/{initiative.pk}/evidence/")
    assert response.status_code == (200 if in_full else 404)
    if in_full:
        assert [row["id"] for row in response.json()] == [evidence.pk]
    else:
        assert "json" in response["Content-Type"] and "bao-cao" not in response.content.decode()


def test_a_results_reader_cannot_attach_evidence_either(published, api):
    initiative, _evidence, users = published
    outsider = users["unit_b"]
    url = reverse("innovation:evidence_upload", args=[initiative.pk])
    assert signed_in(outsider).post(url, {"file": pdf_upload()}).status_code == 404
    upload = api(outsider).post(
        f"/api/initiatives/{initiative.pk}/evidence/", {"file": pdf_upload()}, format="multipart"
    )
    assert upload.status_code == 404
    assert initiative.evidence.count() == 1


def test_the_ranking_stays_public_after_publication(published, api):
    initiative, _evidence, users = published
    rows = api(users["unit_b"]).get(f"/api/rounds/{initiative.round_id}/ranking/").json()
    assert [(row["rank"], row["title"], row["unit"]) for row in rows] == [
        (1, initiative.title, initiative.unit.name)
    ]
    assert all(SUMMARY not in str(row) for row in rows)
