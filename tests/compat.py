"""What a change of the OpenAPI document breaks for clients generated from the previous one.

`breaking_changes(old, new)` compares two documents and lists each change that a client
generated from `old` (openapi-python-client, openapi-typescript) would trip on against a
server serving `new`:

- an operation removed, or its operationId changed (the generated function's name);
- a component schema removed (the generated model class);
- a parameter removed or renamed, a new required parameter, a parameter made required, or a
  parameter's values narrowed (a type, enum value or range the server used to take);
- a response media type or header removed;
- in a response: a field removed or made optional, a type widened (a new type, `null` where
  there was none, another format) and a new enum value. Response enums are closed: a generated
  client refuses a value it does not know (openapi-python-client raises ValueError), so a new
  member breaks it until it is regenerated;
- an enum member renamed (`x-enum-varnames`: the generated constant's name).

New operations, parameters that are optional, response fields and enum values a client only
sends are additions: not listed. Each change has an `id` (`<kind> <where> [<what>]`) that the
declaration file, openapi/changes.json, names verbatim; `undeclared(changes, declarations)` is
what the gate fails on. docs/compatibility.md explains the policy.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Schema = dict[str, Any]
DECLARATIONS = Path(__file__).resolve().parent.parent / "openapi" / "changes.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Every kind of change reported, the first word of its id.
KINDS = (
    "operation-removed",
    "operation-id-changed",
    "schema-removed",
    "parameter-removed",
    "parameter-required",
    "parameter-type-narrowed",
    "parameter-enum-value-removed",
    "parameter-enum-changed",
    "parameter-narrowed",
    "parameter-alternatives-changed",
    "request-field-required",
    "response-header-removed",
    "response-media-type-removed",
    "response-field-removed",
    "response-field-optional",
    "response-type-widened",
    "response-enum-value-added",
    "response-enum-changed",
    "response-alternatives-changed",
    "enum-member-renamed",
)
# Bounds that narrow what a parameter accepts when they move this way.
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")


@dataclass(frozen=True, order=True)
class Change:
    """One change that breaks clients generated from the previous document."""

    kind: str
    where: str
    what: str = ""

    @property
    def id(self) -> str:
        """How the declaration file names this change."""
        return " ".join(part for part in (self.kind, self.where, self.what) if part)

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind


def load_declarations(path: Path = DECLARATIONS) -> list[dict[str, str]]:
    """The declared breaking changes; each has `change` (an id), `since` and `note`."""
    document = json.loads(path.read_text(encoding="utf-8"))
    declared = document["changes"]
    for entry in declared:
        missing = {"change", "since", "note"} - {key for key, value in entry.items() if value}
        assert not missing, f"{path.name}: {entry} lacks {', '.join(sorted(missing))}"
    return list(declared)


def undeclared(changes: list[Change], declarations: list[dict[str, str]]) -> list[str]:
    """The ids of the changes that no declaration names."""
    declared = {entry["change"] for entry in declarations}
    return sorted(change.id for change in changes if change.id not in declared)


def breaking_changes(old: Schema, new: Schema) -> list[Change]:
    """Every change from `old` to `new` that breaks a client generated from `old`."""
    return sorted(set(_Comparison(old, new).run()))


def enums_in_responses(document: Schema) -> set[str]:
    """Where each enum a response can hold is defined: its component, or an inline place."""
    found: set[str] = set()
    seen: set[str] = set()

    def walk(node: Any, where: str) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{where}/{index}")
        elif isinstance(node, dict):
            if "$ref" in node and node["$ref"] not in seen:
                seen.add(node["$ref"])
                walk(_Comparison._resolve(document, node), node["$ref"])
            if isinstance(node.get("enum"), list):
                found.add(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")

    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            for status, response in item.get(method, {}).get("responses", {}).items():
                response = _Comparison._resolve(document, response)
                for media_type, media in response.get("content", {}).items():
                    walk(media.get("schema", {}), f"{method.upper()} {path} {status} {media_type}")
    return found


def _alternatives(schema: Schema) -> list[Schema]:
    """The non-null alternatives of an `anyOf`/`oneOf`, or the schema itself."""
    listed = schema.get("anyOf", []) + schema.get("oneOf", [])
    alternatives = [alternative for alternative in listed if alternative.get("type") != "null"]
    return alternatives or [schema]


def _side(direction: str) -> str:
    """How a change's kind names where a schema is used."""
    return "response" if direction == "output" else "parameter"


class _Comparison:
    """One walk of two documents, comparing each component once per direction."""

    def __init__(self, old: Schema, new: Schema) -> None:
        self.old, self.new = old, new
        self.seen: set[tuple[str, str, str]] = set()

    def run(self) -> Iterator[Change]:
        old_schemas = self.old.get("components", {}).get("schemas", {})
        new_schemas = self.new.get("components", {}).get("schemas", {})
        for name in old_schemas.keys() - new_schemas.keys():
            yield Change("schema-removed", f"#/components/schemas/{name}")
        new_operations = dict(self._operations(self.new))
        for key, (where, old_item, old_operation) in self._operations(self.old):
            if key not in new_operations:
                yield Change("operation-removed", where)
                continue
            _, new_item, new_operation = new_operations[key]
            yield from self._operation(where, old_item, old_operation, new_item, new_operation)

    def _operations(self, document: Schema) -> Iterator[tuple[str, tuple[str, Schema, Schema]]]:
        """(method and path with its parameters unnamed, (where, path item, operation))."""
        for path, item in document.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    key = f"{method} {re.sub(r'{[^}]*}', '{}', path)}"
                    yield key, (f"{method.upper()} {path}", item, item[method])

    def _operation(
        self, where: str, old_item: Schema, old: Schema, new_item: Schema, new: Schema
    ) -> Iterator[Change]:
        if old.get("operationId") != new.get("operationId"):
            renamed = f"{old.get('operationId')} -> {new.get('operationId')}"
            yield Change("operation-id-changed", where, renamed)
        old_parameters = self._parameters(self.old, old_item, old)
        new_parameters = self._parameters(self.new, new_item, new)
        for key, parameter in old_parameters.items():
            if key not in new_parameters:
                yield Change("parameter-removed", where, key)
            else:
                new_schema = new_parameters[key]["schema"]
                yield from self._schema("input", f"{where} {key}", parameter["schema"], new_schema)
        for key, parameter in new_parameters.items():
            was_required = key in old_parameters and old_parameters[key]["required"]
            if parameter["required"] and not was_required:
                yield Change("parameter-required", where, key)
        old_responses, new_responses = old.get("responses", {}), new.get("responses", {})
        for status in old_responses.keys() & new_responses.keys():
            yield from self._response(
                f"{where} {status}",
                self._resolve(self.old, old_responses[status]),
                self._resolve(self.new, new_responses[status]),
            )

    def _parameters(self, document: Schema, item: Schema, operation: Schema) -> dict[str, Schema]:
        """The parameters of an operation (its path item's too), by `<in>:<name>`."""
        found = {}
        for listed in item.get("parameters", []) + operation.get("parameters", []):
            parameter = self._resolve(document, listed)
            found[f"{parameter['in']}:{parameter['name']}"] = {
                "required": bool(parameter.get("required")),
                "schema": parameter.get("schema", {}),
            }
        return found

    def _response(self, where: str, old: Schema, new: Schema) -> Iterator[Change]:
        for header in old.get("headers", {}).keys() - new.get("headers", {}).keys():
            yield Change("response-header-removed", where, header)
        old_content, new_content = old.get("content", {}), new.get("content", {})
        for media_type, old_media in old_content.items():
            if media_type not in new_content:
                yield Change("response-media-type-removed", where, media_type)
            else:
                old_schema = old_media.get("schema", {})
                new_schema = new_content[media_type].get("schema", {})
                yield from self._schema("output", f"{where} {media_type}", old_schema, new_schema)

    def _types(self, document: Schema, schema: Schema) -> set[str]:
        """The JSON types a schema allows, `null` included, with formats (`string:date`)."""
        schema = self._resolve(document, schema)
        found: set[str] = set()
        declared = schema.get("type")
        for name in [declared] if isinstance(declared, str) else declared or []:
            found.add(f"{name}:{schema['format']}" if "format" in schema else name)
        for alternative in schema.get("anyOf", []) + schema.get("oneOf", []):
            found |= self._types(document, alternative)
        return found

    @staticmethod
    def _resolve(document: Schema, obj: Schema) -> Schema:
        """Follow a local `$ref` to what it names (nothing, if the document lacks it)."""
        while "$ref" in obj:
            node: Any = document
            for part in obj["$ref"].removeprefix("#/").split("/"):
                node = node.get(part, {})
            obj = node
        return obj

    def _schema(self, direction: str, where: str, old: Schema, new: Schema) -> Iterator[Change]:
        """What narrows an input or widens an output between two schemas at one place."""
        old_ref, new_ref = old.get("$ref"), new.get("$ref")
        if old_ref or new_ref:
            if old_ref and old_ref == new_ref:
                # A component: compared once per direction, and reported where it is defined.
                if (direction, old_ref, new_ref) in self.seen:
                    return
                self.seen.add((direction, old_ref, new_ref))
                where = old_ref
            yield from self._schema(
                direction, where, self._resolve(self.old, old), self._resolve(self.new, new)
            )
            return
        output = direction == "output"
        old_types, new_types = self._types(self.old, old), self._types(self.new, new)
        if old_types and new_types:
            added, removed = new_types - old_types, old_types - new_types
            for name in sorted(added if output else removed):
                kind = "response-type-widened" if output else "parameter-type-narrowed"
                yield Change(kind, where, name)
        old_alternatives, new_alternatives = _alternatives(old), _alternatives(new)
        if old_alternatives != [old] or new_alternatives != [new]:
            if len(old_alternatives) != len(new_alternatives):
                yield Change(f"{_side(direction)}-alternatives-changed", where)
                return
            pairs = zip(old_alternatives, new_alternatives, strict=True)
            for index, (before, after) in enumerate(pairs):
                yield from self._schema(direction, f"{where}/anyOf/{index}", before, after)
            return
        if "enum" in old or "enum" in new:
            yield from self._enum(direction, where, old, new)
        if not output:
            yield from self._bounds(where, old, new)
        yield from self._properties(direction, where, old, new)
        if "items" in old and "items" in new:
            yield from self._schema(direction, f"{where}/items", old["items"], new["items"])

    def _enum(self, direction: str, where: str, old: Schema, new: Schema) -> Iterator[Change]:
        old_values, new_values = old.get("enum"), new.get("enum")
        if old_values is None or new_values is None:
            # An enum that appears (narrowing) or disappears (widening): every value changes.
            if (direction == "output") == (new_values is None):
                yield Change(f"{_side(direction)}-enum-changed", where)
            return
        if direction == "output":
            for value in new_values:
                if value not in old_values:
                    yield Change("response-enum-value-added", where, json.dumps(value))
        else:
            for value in old_values:
                if value not in new_values:
                    yield Change("parameter-enum-value-removed", where, json.dumps(value))
        old_names = dict(zip(old_values, old.get("x-enum-varnames", []), strict=False))
        new_names = dict(zip(new_values, new.get("x-enum-varnames", []), strict=False))
        for value, name in old_names.items():
            if value in new_names and new_names[value] != name:
                yield Change("enum-member-renamed", where, f"{name} -> {new_names[value]}")

    def _bounds(self, where: str, old: Schema, new: Schema) -> Iterator[Change]:
        for bound in LOWER_BOUNDS + UPPER_BOUNDS:
            before, after = old.get(bound), new.get(bound)
            if after is None or before == after:
                continue
            lower = bound in LOWER_BOUNDS
            if before is None or (after > before if lower else after < before):
                yield Change("parameter-narrowed", where, f"{bound} {before} -> {after}")
        if new.get("pattern") and new.get("pattern") != old.get("pattern"):
            yield Change("parameter-narrowed", where, "pattern")

    def _properties(self, direction: str, where: str, old: Schema, new: Schema) -> Iterator[Change]:
        old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        if direction == "output":
            for name in old_properties:
                if name not in new_properties:
                    yield Change("response-field-removed", f"{where}/properties/{name}")
                elif name in old_required and name not in new_required:
                    yield Change("response-field-optional", f"{where}/properties/{name}")
        else:
            for name in new_required - old_required:
                yield Change("request-field-required", f"{where}/properties/{name}")
        for name in old_properties.keys() & new_properties.keys():
            yield from self._schema(
                direction, f"{where}/properties/{name}", old_properties[name], new_properties[name]
            )
