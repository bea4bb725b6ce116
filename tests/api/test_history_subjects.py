"""An audit event's subject is typed, as an agenda item's is: {"kind", "id", "url"} (issue 18); the
"app.model:id" text it used to be stays one release as the deprecated `subject_ref` (docs/api-versioning.md)."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from dossiers import services
from tests.dossiers.conftest import cast  # noqa: F401  (the dossier's people)
from tests.dossiers.helpers import ready_dossier, walk_to

pytestmark = pytest.mark.django_db


def test_a_dossiers_history_names_its_subject_by_kind_id_and_url(api, cast):  # noqa: F811
    dossier = ready_dossier(cast)
    line = dossier.lines.get()
    services.line_update(line=line, user=cast.officer, achievement_report="Thành tích xuất sắc năm 2023.")
    walk_to(cast, dossier, "appraised")  # the Board's appraisal is recorded on the line
    events = api(cast.board).get(f"/api/v1/dossiers/{dossier.pk}/history/").json()
    assert events
    for event in events:
        assert event["subject"] == {
            "kind": "dossier",
            "id": dossier.pk,
            "url": f"/api/v1/dossiers/{dossier.pk}/",
        }
        assert event["subject_ref"] == f"dossiers.dossier:{dossier.pk}"
    line_events = api(cast.officer).get(f"/api/v1/dossier-lines/{line.pk}/history/").json()
    assert line_events
    # the same kind and address an agenda item gives a line on it (councils.registry.subject_reference)
    assert {json.dumps(event["subject"]) for event in line_events} == {
        json.dumps({"kind": "dossier_line", "id": line.pk, "url": f"/api/v1/dossier-lines/{line.pk}/"})
    }
    # the address answers: it is the line's detail
    assert api(cast.officer).get(line_events[0]["subject"]["url"]).json()["id"] == line.pk


def test_the_schema_types_the_subject_and_marks_the_old_text_deprecated():
    schema = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    components = schema["components"]["schemas"]
    event = components["AuditEvent"]["properties"]
    assert event["subject"] == {"allOf": [{"$ref": "#/components/schemas/AuditSubject"}], "readOnly": True}
    subject = components["AuditSubject"]
    assert set(subject["properties"]) == {"kind", "id", "url"} and set(subject["required"]) == {
        "kind",
        "id",
        "url",
    }
    assert (
        subject["properties"]["id"]["type"] == "integer" and subject["properties"]["url"]["nullable"] is True
    )
    assert event["subject_ref"]["deprecated"] is True and event["subject_ref"]["type"] == "string"
