"""Optimistic lock on the Board's appraisal: two officers open the same dossier's appraisal screen; whoever
saves second from a stale screen is refused with a clear message, keeps what they typed, and nothing the
first one saved is overwritten. Web page and API; and, on PostgreSQL, ten officers saving at once."""

import re

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers import appraisal
from dossiers.models import DossierNominee, NomineeState
from tests.dossiers.helpers import ready_dossier, walk_to
from workflows.audit import SYSTEM, history_for, record
from workflows.models import AuditEvent

from .conftest import chain_is_intact, postgres_only, run_in_threads

STALE = "Hồ sơ đã được người khác thay đổi"


def accepted_dossier(cast, lines=1):
    return walk_to(cast, ready_dossier(cast, lines=(("bk-tp", None),) * lines), "accepted")


def opinions(line):
    return [(e.verb, e.comment) for e in history_for(line) if e.verb in appraisal.VERDICTS]


def form_version(page: str, line) -> str:
    """The hidden version field of one line's form, as the browser would send it back."""
    section = page[page.index(f'id="line-{line.pk}"') :]
    return re.search(r'name="version" value="(\d+)"', section).group(1)


@pytest.mark.django_db
class TestWeb:
    def test_the_second_save_from_a_stale_screen_is_refused_and_keeps_the_input(self, cast, client):
        dossier = accepted_dossier(cast)
        line = dossier.lines.get()
        url = reverse("dossiers:appraise", args=[dossier.pk])
        client.force_login(cast.board)
        seen_by_first = form_version(client.get(url).content.decode(), line)
        second = type(client)()
        second.force_login(cast.board2)
        seen_by_second = form_version(second.get(url).content.decode(), line)
        assert seen_by_first == seen_by_second

        first_post = {"line": line.pk, "verdict": "propose", "version": seen_by_first}
        response = client.post(url, {**first_post, "opinion": "Đủ tiêu chuẩn theo Điều 74"})
        assert response.status_code == 302

        typed = "Chưa đủ 2 năm liên tục Chiến sĩ thi đua cơ sở; đề nghị không trình."
        response = second.post(
            url, {"line": line.pk, "verdict": "not_propose", "opinion": typed, "version": seen_by_second}
        )
        assert response.status_code == 409
        page = response.content.decode()
        assert STALE in page and "nội dung bạn đã nhập vẫn được giữ" in page
        assert typed in page  # the second officer's text is on the page, not lost
        line.refresh_from_db()
        assert (line.state, line.board_opinion) == (NomineeState.PROPOSED, "Đủ tiêu chuẩn theo Điều 74")
        assert opinions(line) == [("propose", "Đủ tiêu chuẩn theo Điều 74")]
        assert chain_is_intact()

    def test_a_change_while_the_line_stays_pending_refuses_once_then_the_fresh_form_saves(self, cast, client):
        dossier = accepted_dossier(cast)
        line = dossier.lines.get()
        url = reverse("dossiers:appraise", args=[dossier.pk])
        client.force_login(cast.board)
        stale = form_version(client.get(url).content.decode(), line)
        with transaction.atomic():  # any audited change of the dossier meanwhile (here a correction)
            record(subject=dossier, actor=SYSTEM, verb="correction", comment="Sửa trích yếu")

        typed = "Đủ tiêu chuẩn, thành tích tiêu biểu."
        response = client.post(
            url, {"line": line.pk, "verdict": "propose", "opinion": typed, "version": stale}
        )
        assert response.status_code == 409
        page = response.content.decode()
        assert STALE in page
        assert f">{typed}</textarea>" in page  # still in the editable form, ready to send again
        fresh = form_version(page, line)
        assert fresh != stale
        assert DossierNominee.objects.get(pk=line.pk).state == NomineeState.PENDING

        response = client.post(
            url, {"line": line.pk, "verdict": "propose", "opinion": typed, "version": fresh}
        )
        assert response.status_code == 302
        assert opinions(line) == [("propose", typed)]

    def test_officers_on_different_lines_of_one_dossier_do_not_block_each_other(self, cast, client):
        dossier = accepted_dossier(cast, lines=2)
        first_line, second_line = dossier.lines.order_by("pk")
        url = reverse("dossiers:appraise", args=[dossier.pk])
        client.force_login(cast.board)
        page = client.get(url).content.decode()
        versions = {line.pk: form_version(page, line) for line in (first_line, second_line)}
        for line in (first_line, second_line):
            response = client.post(
                url,
                {
                    "line": line.pk,
                    "verdict": "propose",
                    "opinion": "Đủ tiêu chuẩn",
                    "version": versions[line.pk],
                },
            )
            assert response.status_code == 302
        assert set(dossier.lines.values_list("state", flat=True)) == {NomineeState.PROPOSED}


@pytest.mark.django_db
class TestApi:
    def test_a_stale_version_answers_409_and_overwrites_nothing(self, cast):
        dossier = accepted_dossier(cast)
        line = dossier.lines.get()
        first, second = APIClient(), APIClient()
        first.force_authenticate(cast.board)
        second.force_authenticate(cast.board2)
        read = second.get(f"/api/dossier-lines/{line.pk}/").json()["version"]
        assert first.get(f"/api/dossiers/{dossier.pk}/").json()["lines"][0]["version"] == read

        url = f"/api/dossier-lines/{line.pk}/transitions/"
        response = first.post(url + "propose/", {"comment": "Đủ tiêu chuẩn", "version": read}, format="json")
        assert response.status_code == 200
        assert response.json()["state"] == NomineeState.PROPOSED
        assert response.json()["version"] > read

        response = second.post(
            url + "not_propose/", {"comment": "Không đủ tiêu chuẩn", "version": read}, format="json"
        )
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "stale_version" and body["detail"].startswith(STALE)
        assert body["version"] == appraisal.version(line) > read
        line.refresh_from_db()
        assert (line.state, line.board_opinion) == (NomineeState.PROPOSED, "Đủ tiêu chuẩn")
        assert opinions(line) == [("propose", "Đủ tiêu chuẩn")]

    def test_without_a_version_the_state_machine_still_refuses_a_second_opinion(self, cast):
        dossier = accepted_dossier(cast)
        line = dossier.lines.get()
        client = APIClient()
        client.force_authenticate(cast.board)
        url = f"/api/dossier-lines/{line.pk}/transitions/"
        assert client.post(url + "propose/", {"comment": "Đủ tiêu chuẩn"}, format="json").status_code == 200
        response = client.post(url + "not_propose/", {"comment": "Không"}, format="json")
        assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"
        assert opinions(line) == [("propose", "Đủ tiêu chuẩn")]

    def test_a_garbled_version_is_stale_and_a_unit_officer_is_still_forbidden(self, cast):
        dossier = accepted_dossier(cast)
        line = dossier.lines.get()
        url = f"/api/dossier-lines/{line.pk}/transitions/propose/"
        board = APIClient()
        board.force_authenticate(cast.board)
        response = board.post(url, {"comment": "Đủ", "version": "hôm qua"}, format="json")
        assert response.status_code == 409 and response.json()["code"] == "stale_version"
        officer = APIClient()
        officer.force_authenticate(cast.officer)
        response = officer.post(url, {"comment": "Đủ", "version": 0}, format="json")
        assert response.status_code == 403
        assert opinions(line) == []


@postgres_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_officers_save_the_same_appraisal_at_once_and_one_opinion_stands(cast):
    dossier = accepted_dossier(cast)
    line = dossier.lines.get()
    read = appraisal.version(line)
    events = AuditEvent.objects.count()
    officers = [cast.board, cast.board2]

    def save(index):
        client = APIClient()
        client.force_authenticate(officers[index % 2])
        verdict = "propose" if index % 2 else "not_propose"
        response = client.post(
            f"/api/dossier-lines/{line.pk}/transitions/{verdict}/",
            {"comment": f"Ý kiến số {index}", "version": read},
            format="json",
        )
        return response.status_code, response.json()

    results, errors = run_in_threads(10, save)
    assert errors == [None] * 10
    assert sorted(status for status, _ in results) == [200] + [409] * 9
    assert {body["code"] for status, body in results if status == 409} == {"stale_version"}
    [(verb, comment)] = opinions(line)
    line.refresh_from_db()
    assert (
        line.board_opinion == comment
        and line.state == {"propose": "proposed", "not_propose": "not_proposed"}[verb]
    )
    assert AuditEvent.objects.count() == events + 1
    assert chain_is_intact()
