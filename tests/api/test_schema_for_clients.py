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


def _untyped(schema: dict | None, components: dict) -> bool:
    """A body a generated client can only hand back as Any: no schema, an empty one, or an object (or a list
    of them) with no properties and no typed additional properties."""
    if not schema:
        return True
    if "$ref" in schema:
        return _untyped(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if "allOf" in schema or "oneOf" in schema or "anyOf" in schema:
        variants = schema.get("allOf") or schema.get("oneOf") or schema.get("anyOf")
        return all(_untyped(variant, components) for variant in variants)
    if schema.get("type") == "array":
        return _untyped(schema.get("items"), components)
    if schema.get("type") == "object" or "properties" in schema:
        return not schema.get("properties") and not schema.get("additionalProperties")
    return "type" not in schema


def test_every_answer_but_the_204s_has_a_typed_body(schema):
    """What a generated client parses: every 2xx other than a 204 documents a body with a schema that has
    fields (or a binary download's format), so no operation returns Any; a 204 documents no body at all."""
    components = schema["components"]["schemas"]
    untyped, without_body = [], []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                if not code.startswith("2"):
                    continue
                name = f"{code} {method.upper()} {path}"
                content = answer.get("content")
                if code == "204":
                    assert not content, name
                    without_body.append(name)
                    continue
                if not content:
                    untyped.append(name)
                    continue
                for media_type, body in content.items():
                    if media_type == JSON or media_type.endswith("+json"):
                        if _untyped(body.get("schema"), components):
                            untyped.append(f"{name} {media_type}")
                    else:  # a download: a file
                        assert body["schema"] == {"type": "string", "format": "binary"}, (name, media_type)
    assert untyped == []
    assert sorted(without_body) == [
        "204 DELETE /api/v1/initiatives/{id}/reviewers/",
        "204 DELETE /api/v1/sessions/{id}/experts/{user_id}/",
        "204 DELETE /api/v1/webhooks/{id}/",
        "204 POST /api/v1/auth/logout/",
    ]


def test_declaring_a_nominees_history_is_one_schema_per_kind_from_the_web_forms(schema):
    """POST …/nominees/{id}/history/ takes a title, a rating or an initiative: a oneOf of one component per
    kind, with `kind` as its discriminator, each with the fields (and the required ones) of the form the nominee
    page renders (dossiers.history_forms.DECLARE_FORMS), not every kind's fields as optional."""
    from dossiers.history_forms import DECLARE_FORMS

    components = schema["components"]["schemas"]
    body = schema["paths"]["/api/v1/nominees/{id}/history/"]["post"]["requestBody"]
    assert body["required"] is True and list(body["content"]) == [JSON]
    one_of = body["content"][JSON]["schema"]
    refs = {kind: f"#/components/schemas/HistoryDeclare{kind.title()}" for kind in DECLARE_FORMS}
    assert one_of["discriminator"] == {"propertyName": "kind", "mapping": refs}
    assert [variant["$ref"] for variant in one_of["oneOf"]] == list(refs.values())
    for kind, form_class in DECLARE_FORMS.items():
        variant = components[refs[kind].rsplit("/", 1)[-1]]
        fields = form_class.base_fields
        assert set(variant["properties"]) == {"kind", *fields}, kind
        assert set(variant["required"]) == {
            "kind",
            *(name for name, field in fields.items() if field.required),
        }
        assert variant["additionalProperties"] is False
        kind_enum = variant["properties"]["kind"]
        kind_enum = components[kind_enum["$ref"].rsplit("/", 1)[-1]] if "$ref" in kind_enum else kind_enum
        assert kind_enum["enum"] == [kind]
        # the web form's labels, in the schema's language
        assert variant["properties"]["year"]["title"] == "Năm"
    title = components["HistoryDeclareTitle"]["properties"]
    assert title["award"]["type"] == "integer" and title["decision_date"]["format"] == "date"
    assert "rating" not in title and "award" not in components["HistoryDeclareRating"]["properties"]
