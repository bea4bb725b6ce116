"""Issue 14 item 4: the unit sees why its dossier was returned (the page, the notification, the API) and reads
its own dossier's history, never another unit's. Item 6: a public posting of 0 working days and a decision
while the posting period runs are refused, next to the field on the web and as 400 JSON naming it in the API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Dossier, DossierState
from workflows import engine
from workflows.models import Notification
from workflows.tasks import dispatch_notifications

from .helpers import ready_dossier, walk_to

pytestmark = pytest.mark.django_db

REASON = "Tờ trình thiếu chữ ký của thủ trưởng đơn vị."
ITEMS = "Bổ sung biên bản họp Hội đồng TĐKT đơn vị\nBản sao quyết định CSTĐCS năm 2022"


def _returned(cast):
    dossier = walk_to(cast, ready_dossier(cast), "submitted")
    line = dossier.lines.select_related("nominee").get()
    engine.perform(
        dossier,
        "return_for_supplement",
        user=cast.board,
        data={
            "comment": REASON,
            "items": f"{ITEMS}\n{line.nominee.full_name}: thiếu báo cáo thành tích",
            "working_days": 5,
        },
    )
    dossier.refresh_from_db()
    return dossier, line


def test_the_unit_sees_the_reason_and_each_item_on_the_dossier_page(client, cast):
    dossier, line = _returned(cast)
    client.force_login(cast.officer)
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert REASON in page
    for item in [*ITEMS.splitlines(), f"{line.nominee.full_name}: thiếu báo cáo thành tích"]:
        assert f"<li>{item}</li>" in page
    assert dossier.deadline.strftime("%d/%m/%Y") in page and "Trả lại lần 1" in page


def test_the_return_notification_gives_the_reason_items_and_deadline_to_the_unit(cast):
    dossier, _line = _returned(cast)
    dispatch_notifications()
    for user in (cast.head, cast.officer):  # the head resubmits; the officer supplements the documents
        note = Notification.objects.get(recipient=user, event__verb="return_for_supplement")
        assert REASON in note.text and "1) Bổ sung biên bản họp Hội đồng TĐKT đơn vị" in note.text
        assert "2) Bản sao quyết định CSTĐCS năm 2022" in note.text
        assert dossier.deadline.strftime("%d/%m/%Y") in note.text
    assert not Notification.objects.filter(recipient__in=[cast.officer2, cast.head2]).exists()


def test_the_api_gives_each_return_with_reason_items_and_deadline(api, cast):
    dossier, _line = _returned(cast)
    detail = api(cast.officer).get(f"/api/dossiers/{dossier.pk}/").json()
    [first] = detail["returns"]
    assert first["round"] == 1 and first["reason"] == REASON
    assert first["items"][:2] == ITEMS.splitlines() and len(first["items"]) == 3
    assert first["deadline"] == dossier.deadline.isoformat() and first["returned_by"]
    listed = api(cast.officer).get("/api/dossiers/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["returns"] for row in rows if row["id"] == dossier.pk] == [detail["returns"]]


def test_a_unit_reads_its_own_dossiers_history_and_not_another_units(client, api, cast):
    dossier, _line = _returned(cast)
    url = reverse("history", args=["dossiers", "dossier", dossier.pk])
    client.force_login(cast.officer)
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert url in page
    history = client.get(url)
    assert history.status_code == 200 and REASON in history.content.decode()
    assert api(cast.head).get(f"/api/dossiers/{dossier.pk}/history/").status_code == 200
    client.force_login(cast.officer2)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}?format=json").status_code == 404
    assert api(cast.officer2).get(f"/api/dossiers/{dossier.pk}/history/").status_code == 404


# -- item 6: the public posting and the decision ----------------------------------------------------------------
def test_web_refuses_a_public_posting_of_zero_working_days(client, cast):
    dossier = walk_to(cast, ready_dossier(cast), "voted")
    client.force_login(cast.board)
    response = client.post(
        reverse("transition", args=["dossiers", "dossier", dossier.pk, "post"]), {"working_days": "0"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["working_days"] == [
        "Thời hạn công khai phải có ít nhất 1 ngày làm việc."
    ]
    assert 'value="0"' in response.content.decode()
    dossier.refresh_from_db()
    assert (dossier.state, dossier.posted_until) == (DossierState.VOTED, None)


def test_api_refuses_a_public_posting_of_zero_working_days(api, cast):
    dossier = walk_to(cast, ready_dossier(cast), "voted")
    response = api(cast.board).post(
        f"/api/dossiers/{dossier.pk}/transitions/post/", {"working_days": 0}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["working_days"] == [
        "Thời hạn công khai phải có ít nhất 1 ngày làm việc."
    ]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.VOTED


def _decision(dossier, day):
    line = dossier.lines.get()
    return {"decision_number": "12/QĐ-UBND", "decision_date": day, "approved": str(line.pk)}


def test_no_decision_while_the_posting_period_runs(client, api, cast):
    dossier = walk_to(cast, ready_dossier(cast), "posted")  # a Bằng khen: no mandatory notice, still posted
    assert dossier.posted_until >= timezone.localdate()
    response = api(cast.chairman).post(
        f"/api/dossiers/{dossier.pk}/transitions/decide/",
        _decision(dossier, timezone.localdate().isoformat()),
        format="json",
    )
    assert response.status_code == 409 and "Chưa hết thời hạn công khai" in response.json()["detail"]
    client.force_login(cast.chairman)
    page = client.get(reverse("dossiers:decide", args=[dossier.pk])).content.decode()
    assert "Chưa hết thời hạn công khai (đến hết ngày" in page and "disabled" in page
    dossier.refresh_from_db()
    assert dossier.state == DossierState.POSTED and dossier.decision_number == ""


def test_a_decision_dated_within_the_posting_period_is_refused_next_to_the_date(client, api, cast):
    dossier = walk_to(cast, ready_dossier(cast), "posted")
    ended = timezone.localdate() - timedelta(days=1)
    Dossier.objects.filter(pk=dossier.pk).update(posted_until=ended)
    typed = (ended - timedelta(days=3)).strftime("%d/%m/%Y")
    line = dossier.lines.get()
    client.force_login(cast.chairman)
    response = client.post(
        reverse("dossiers:decide", args=[dossier.pk]),
        {"decision_number": "12/QĐ-UBND", "decision_date": typed, f"line_{line.pk}": "approve"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    message = f"Ngày quyết định phải sau ngày hết thời hạn công khai ({ended.strftime('%d/%m/%Y')})."
    assert f'<ul class="errorlist" id="decision_date_error"><li>{message}</li>' in page
    assert f'value="{typed}"' in page and 'value="12/QĐ-UBND"' in page
    api_response = api(cast.chairman).post(
        f"/api/dossiers/{dossier.pk}/transitions/decide/",
        _decision(dossier, ended.isoformat()),
        format="json",
    )
    assert api_response.status_code == 400 and api_response.json()["errors"]["decision_date"] == [message]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.POSTED and dossier.decision_date is None
    assert (
        api(cast.chairman)
        .post(
            f"/api/dossiers/{dossier.pk}/transitions/decide/",
            _decision(dossier, timezone.localdate().isoformat()),
            format="json",
        )
        .status_code
        == 200
    )
