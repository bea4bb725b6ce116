"""What a client generated from the schema relies on (workflows/schema_hooks.py, COMPONENT_SPLIT_REQUEST)."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

JSON, MULTIPART, FORM = "application/json", "multipart/form-data", "application/x-www-form-urlencoded"


def _schema(language: str = "vi") -> dict:
    with translation.override(language):
        raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(raw, default=str))


@pytest.fixture(scope="module")
def schema() -> dict:
    return _schema()


def _bodies(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                yield f"{method.upper()} {path}", operation["requestBody"]["content"]


def test_each_request_body_has_the_one_encoding_that_carries_it(schema):
    bodies = dict(_bodies(schema))
    assert all(FORM not in content for content in bodies.values())
    assert list(bodies["POST /api/v1/auth/token/"]) == [JSON]
    assert list(bodies["POST /api/v1/dossiers/"]) == [JSON]
    assert list(bodies["POST /api/v1/dossiers/{id}/documents/"]) == [MULTIPART]  # the PDF
    upload = bodies["POST /api/v1/dossiers/{id}/documents/"][MULTIPART]["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][upload]
    assert fields["properties"]["file"]["format"] == "binary" and set(fields["required"]) == {"kind", "file"}
    # a transition that takes a file (an activity's evidence) is sent as multipart, the others as JSON
    assert set(bodies["POST /api/v1/activities/{id}/transitions/{transition}/"]) == {JSON, MULTIPART}
    assert list(bodies["POST /api/v1/dossiers/{id}/transitions/{transition}/"]) == [JSON]


def test_request_bodies_leave_out_the_read_only_fields(schema):
    components = schema["components"]["schemas"]
    [body] = dict(_bodies(schema))["POST /api/v1/dossiers/"].values()
    request = components[body["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert {"unit", "year", "title"} <= set(request["properties"])
    assert not {"id", "state", "lines", "documents", "returns"} & set(request["properties"])
    assert {"id", "state"} <= set(components["Dossier"]["properties"])  # the answer still has them


def _enum_titles(node, found: list) -> list:
    if isinstance(node, dict):
        if "enum" in node and "title" in node:
            found.append(node)
        for value in node.values():
            _enum_titles(value, found)
    elif isinstance(node, list):
        for value in node:
            _enum_titles(value, found)
    return found


def test_no_enum_is_named_by_its_label_in_one_language(schema):
    assert _enum_titles(schema, []) == []
    state = next(p for p in schema["paths"]["/api/v1/dossiers/"]["get"]["parameters"] if p["name"] == "state")
    assert "draft" in state["schema"]["enum"] and "title" not in state["schema"]
    english = _schema("en")
    assert _enum_titles(english, []) == []


def _path_parameters(schema, path: str, method: str) -> dict:
    return {p["name"]: p["schema"] for p in schema["paths"][path][method]["parameters"] if p["in"] == "path"}


def test_ids_in_paths_are_integers_and_transition_names_an_enum(schema):
    document = _path_parameters(schema, "/api/v1/dossiers/{id}/documents/{document_id}/", "get")
    assert document == {"id": {"type": "integer"}, "document_id": {"type": "integer", "minimum": 0}}
    assert _path_parameters(schema, "/api/v1/nominees/{id}/holds/{hold_id}/lift/", "post")["hold_id"][
        "type"
    ] == ("integer")
    transition = _path_parameters(schema, "/api/v1/dossiers/{id}/transitions/{transition}/", "post")[
        "transition"
    ]
    assert {"submit", "return_for_supplement", "resubmit", "decide"} <= set(transition["enum"])
    body = schema["paths"]["/api/v1/dossiers/{id}/transitions/{transition}/"]["post"]["requestBody"]
    assert transition["enum"] == sorted(
        variant["title"] for variant in body["content"][JSON]["schema"]["oneOf"]
    )
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"].endswith(("id", "_pk")):
                    assert parameter["schema"]["type"] == "integer", (method, path, parameter["name"])
