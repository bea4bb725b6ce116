"""Issue 14 item 7: deciding is irreversible, so the decision screen states what it does (who is awarded, who is
not, the decision number and date) and acts only on the confirmation; the API still decides in one call."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.models import AwardRecord, Dossier, DossierState, NomineeState

from .helpers import ready_dossier, walk_to

pytestmark = pytest.mark.django_db


def _today():
    """Read at use, not at import: a suite collected before midnight (Asia/Ho_Chi_Minh) runs after it."""
    return timezone.localdate()


def _posted(cast):
    dossier = walk_to(cast, ready_dossier(cast), "posted")
    # the posting period is over, so only the confirmation stands between the chairman and the decision
    Dossier.objects.filter(pk=dossier.pk).update(posted_until=_today() - timedelta(days=1))
    dossier.refresh_from_db()
    return dossier


def test_decide_shows_its_consequence_and_acts_only_when_confirmed(client, cast):
    dossier = _posted(cast)
    line = dossier.lines.get()
    client.force_login(cast.chairman)
    url = reverse("dossiers:decide", args=[dossier.pk])
    typed = {
        "decision_number": "125/QĐ-UBND",
        "decision_date": f"{_today():%d/%m/%Y}",
        f"line_{line.pk}": "approve",
    }
    confirm = client.post(url, typed)
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "Ban hành quyết định khen thưởng?" in text
    assert f"Quyết định số 125/QĐ-UBND, ngày {_today():%d/%m/%Y}." in text
    assert "Khen thưởng 1 đối tượng" in text and str(line.nominee) in text
    assert "Không khen 0 đối tượng" in text and "Bước này không thể hoàn tác." in text
    dossier.refresh_from_db()
    assert dossier.state == DossierState.POSTED
    assert not AwardRecord.objects.filter(decision_number="125/QĐ-UBND").exists()
    edit = client.post(url, {**typed, "edit": "1"}).content.decode()
    assert 'value="125/QĐ-UBND"' in edit and "Ban hành quyết định khen thưởng?" not in edit
    missing = client.post(url, {**typed, f"line_{line.pk}": ""})
    assert missing.status_code == 400 and "Ban hành quyết định khen thưởng?" not in missing.content.decode()
    bad_date = client.post(url, {**typed, "decision_date": "31/02/2024"})
    assert bad_date.status_code == 400 and 'value="31/02/2024"' in bad_date.content.decode()
    done = client.post(url, {**typed, "confirmed": "1"})
    assert done.status_code == 302
    dossier.refresh_from_db()
    line.refresh_from_db()
    assert (dossier.state, line.state) == (DossierState.DECIDED, NomineeState.APPROVED)


def test_a_forged_confirmation_still_goes_through_the_engine(client, cast):
    dossier = _posted(cast)
    line = dossier.lines.get()
    client.force_login(cast.board)
    response = client.post(
        reverse("dossiers:decide", args=[dossier.pk]),
        {
            "decision_number": "1/QĐ",
            "decision_date": f"{_today():%d/%m/%Y}",
            f"line_{line.pk}": "approve",
            "confirmed": "1",
        },
    )
    assert response.status_code == 400
    dossier.refresh_from_db()
    assert dossier.state == DossierState.POSTED


def test_api_decides_in_one_call(api, cast):
    dossier = _posted(cast)
    line = dossier.lines.get()
    response = api(cast.chairman).post(
        f"/api/dossiers/{dossier.pk}/transitions/decide/",
        {"decision_number": "125/QĐ-UBND", "decision_date": _today().isoformat(), "approved": str(line.pk)},
        format="json",
    )
    assert response.status_code == 200, response.json()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DECIDED
