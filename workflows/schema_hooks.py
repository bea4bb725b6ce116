"""Post-processing of the OpenAPI schema for clients generated from it (tests/api/test_generated_client.py).

drf-spectacular documents every request body once per parser of the view (JSON, form, multipart), each with the
same schema. A generated client (openapi-python-client, openapi-generator) turns that into one body parameter of
the same type three times, cannot tell which encoding the caller meant, and sends JSON for all of them (or
nothing, for the multipart of a oneOf). So each body is documented in the encoding that carries it:

* a body without a file: `application/json` only;
* a body with a file (`format: binary`): `multipart/form-data` only;
* the body of `transitions/{transition}/` (a oneOf of one schema per transition) where some transition takes a
  file: `application/json` for the others and `multipart/form-data` for that one, both kept.

The server still accepts the other encodings (the web's forms post them); the schema names the one to use.

A generator also names the class of an inline enum (a list's `?state=`, a transition's choice) after its
`title`, which is the field's label in the language the schema was generated in ("Trạng thái" made
`DossiersListTrẠngThÁi`, and another name in English). `enum_titles_as_descriptions` moves such a title into
the description, so the class is named after the operation and the field (`DossiersListState`), the same in
every language.

Path parameters say what the URL accepts (`typed_path_parameters`): an id matched by a digits-only pattern
(`documents/<document_id>/`) is an integer, as `{id}` is, and the `{transition}` of `transitions/{transition}/`
is one of the machine's transitions, the names of the body's oneOf.
"""

from __future__ import annotations

import re

JSON = "application/json"
MULTIPART = "multipart/form-data"
DIGITS = re.compile(r"^\^(\[0-9\]|\\d)(\+|\{1,\d+\})\$$")


def one_media_type_per_body(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: keep one encoding per request body (see the module)."""
    components = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            content = (
                (operation.get("requestBody") or {}).get("content") if isinstance(operation, dict) else None
            )
            if not content or len(content) < 2:
                continue
            keep = _media_types(content, components)
            for media_type in [media_type for media_type in content if media_type not in keep]:
                del content[media_type]
    return result


def _media_types(content: dict, components: dict) -> set[str]:
    schema = (content.get(MULTIPART) or content.get(JSON) or next(iter(content.values()))).get("schema", {})
    if not _has_file(schema, components):
        return {JSON} if JSON in content else set(content)
    if "oneOf" in schema and JSON in content:
        return {JSON, MULTIPART} & set(content)
    return {MULTIPART} if MULTIPART in content else set(content)


def _has_file(schema, components: dict, seen: frozenset = frozenset()) -> bool:
    if isinstance(schema, list):
        return any(_has_file(item, components, seen) for item in schema)
    if not isinstance(schema, dict):
        return False
    if schema.get("format") == "binary":
        return True
    reference = schema.get("$ref")
    if isinstance(reference, str):
        name = reference.rsplit("/", 1)[-1]
        return name not in seen and _has_file(components.get(name, {}), components, seen | {name})
    return any(_has_file(value, components, seen) for value in schema.values())


def enum_titles_as_descriptions(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: no `title` on an inline enum (see the module)."""
    _untitle_enums(result.get("paths", {}))
    _untitle_enums(result.get("components", {}).get("schemas", {}))
    return result


def _untitle_enums(node) -> None:
    if isinstance(node, list):
        for item in node:
            _untitle_enums(item)
        return
    if not isinstance(node, dict):
        return
    if "enum" in node and isinstance(node.get("title"), str):
        title = node.pop("title")
        if not node.get("description"):
            node["description"] = title
    for value in node.values():
        _untitle_enums(value)


def typed_path_parameters(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: ids as integers, transition names as an enum (the module)."""
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "path":
                    continue
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and DIGITS.match(schema.get("pattern", "")):
                    parameter["schema"] = {"type": "integer", "minimum": 0}
                elif parameter.get("name") == "transition" and path.endswith("/transitions/{transition}/"):
                    names = _transition_names(operation)
                    if names:
                        parameter["schema"] = {"type": "string", "enum": names}
    return result


def _transition_names(operation: dict) -> list[str]:
    content = (operation.get("requestBody") or {}).get("content", {})
    variants = (content.get(JSON) or content.get(MULTIPART) or {}).get("schema", {}).get("oneOf", [])
    return sorted({variant["title"] for variant in variants if isinstance(variant.get("title"), str)})
