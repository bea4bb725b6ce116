"""The forwarding package (issue 16): only a decided dossier with state-level nominees is forwarded (the
refusal names the rule, through the service and the API, and builds no package); forwarded through the API, the
ZIP is there for the Board, and the central outcome per nominee is recorded against it through the API, bad
input refused next to the field."""

import io
import json
import zipfile

import pytest

from dossiers.lifecycle import DossierLifecycle
from dossiers.models import AwardRecord, DossierState, ForwardingPackage, NomineeState
from tests.dossiers.consultation_helpers import consult_all
from tests.dossiers.helpers import ready_dossier, walk_to
from workflows import engine

pytestmark = pytest.mark.django_db

FORWARD = {"submission_number": "90/TTr-UBND", "submission_date": "2024-03-05"}
NOTHING_CENTRAL = "Không có đối tượng nào cần trình cấp Trung ương."


def test_a_dossier_without_state_level_nominees_is_not_forwarded(cast, api):
    dossier = walk_to(cast, ready_dossier(cast), "decided")  # a city award only
    check = engine.check(DossierLifecycle(dossier), "forward", cast.board)
    assert not check.allowed and NOTHING_CENTRAL in check.reason
    with pytest.raises(engine.TransitionNotAllowed):
        engine.perform(dossier, "forward", user=cast.board, data=FORWARD)
    answer = api(cast.board).post(f"/api/dossiers/{dossier.pk}/transitions/forward/", FORWARD, format="json")
    assert answer.status_code == 409 and NOTHING_CENTRAL in answer.json()["detail"]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DECIDED and not ForwardingPackage.objects.exists()


def test_forwarded_through_the_api_and_the_central_outcome_recorded_through_it(cast, api):
    dossier = walk_to(cast, ready_dossier(cast, lines=(("cstd-tq", None), ("bk-tp", None))), "decided")
    consult_all(cast, dossier)
    board = api(cast.board)
    bad = board.post(
        f"/api/dossiers/{dossier.pk}/transitions/forward/", {"submission_number": ""}, format="json"
    )
    assert bad.status_code == 400 and "submission_number" in bad.json()["errors"]
    assert not ForwardingPackage.objects.exists()
    done = board.post(f"/api/dossiers/{dossier.pk}/transitions/forward/", FORWARD, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == DossierState.FORWARDED
    central = dossier.lines.get(award__code="cstd-tq")
    package = board.get(f"/api/v1/dossiers/{dossier.pk}/forwarding-package/")
    assert package.status_code == 200 and package["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(package.streaming_content))) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read(next(n for n in names if n.endswith(".json"))))
    assert manifest and names
    assert list(ForwardingPackage.objects.get(dossier=dossier).lines.all()) == [central]

    url = f"/api/dossier-lines/{central.pk}/transitions/central_approve/"
    refused = board.post(url, {"decision_number": "", "decision_date": "31/02/2024"}, format="json")
    assert refused.status_code == 400
    assert {"decision_number", "decision_date"} <= set(refused.json()["errors"])
    central.refresh_from_db()
    assert central.state == NomineeState.FORWARDED
    approved = board.post(
        url, {"decision_number": "1234/QĐ-TTg", "decision_date": "2024-05-01"}, format="json"
    )
    assert approved.status_code == 200, approved.content
    central.refresh_from_db()
    assert central.state == NomineeState.CENTRAL_APPROVED and central.central_decision_number == "1234/QĐ-TTg"
    assert AwardRecord.objects.filter(dossier_nominee=central, decision_number="1234/QĐ-TTg").exists()
    # the city's own award was decided here: it is no line of the package and has no central outcome
    city = dossier.lines.get(award__code="bk-tp")
    again = board.post(
        f"/api/dossier-lines/{city.pk}/transitions/central_approve/",
        {"decision_number": "1/QĐ-TTg", "decision_date": "2024-05-01"},
        format="json",
    )
    assert again.status_code == 409
