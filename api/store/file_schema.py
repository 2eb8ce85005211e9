"""The JSON Schema of the annotation file, generated from the marshmallow schemas that load it
(`schemas.dataset.AnnotationSchema`), so the file, the loader and the API cannot disagree.

apispec's marshmallow converter writes the schemas as OpenAPI 3.1 components, which are JSON
Schema 2020-12; this module moves them under `$defs`, lets every span be written with offsets
or as a quote, leaves out what only responses carry, and requires no field a fact's schema
fills in when the file leaves it out.
"""

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from schemas.common import TextQuoteSchema
from schemas.dataset import FORMAT_VERSION, AnnotationSchema
from schemas.kinds import KINDS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
COMPONENTS = "#/components/schemas/"


def annotation_file_schema() -> dict[str, Any]:
    """The JSON Schema an annotation file (`<article-id>.json`) satisfies."""
    spec = APISpec(
        title="Article Facts annotation file",
        version=str(FORMAT_VERSION),
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
    )
    spec.components.schema("Annotation", schema=AnnotationSchema)
    spec.components.schema("TextQuote", schema=TextQuoteSchema)
    definitions = _to_json_schema(spec.to_dict()["components"]["schemas"])
    # Fields a fact's schema fills in when an older file leaves them out are not required.
    for kind in KINDS:
        definition = definitions[kind.schema.__name__.removesuffix("Schema")]
        optional = getattr(kind.schema, "optional_in_file", ())
        if optional:
            definition["required"] = [
                name for name in definition["required"] if name not in optional
            ]
    # Wherever a span is expected, offsets (a Mention) or a quote (a TextQuote) will do.
    definitions["Span"] = {
        "description": "A span of the article text: its offsets (`start`, `end`, `text`), or "
        "its words as a quote (`text`, with `prefix`, `suffix` or `occurrence` where the words "
        "occur more than once).",
        "oneOf": [{"$ref": "#/$defs/Mention"}, {"$ref": "#/$defs/TextQuote"}],
    }
    root = definitions.pop("Annotation")
    return {
        "$schema": DIALECT,
        "title": "Article Facts annotation file",
        "description": "One article's annotation (`<article-id>.json`, beside `<article-id>.txt`)"
        f", format version {FORMAT_VERSION}. `article-facts check` validates a file against "
        "this schema and against the rules no JSON Schema can state (spans that slice the "
        "text, references that resolve, every name marked).",
        **root,
        "$defs": dict(sorted(definitions.items())),
    }


def _to_json_schema(value: Any) -> Any:
    """OpenAPI components as JSON Schema: `$defs` references, spans as `Span`, `examples`
    for `example`, and no read-only (response) properties."""
    if isinstance(value, list):
        return [_to_json_schema(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted: dict[str, Any] = {}
    for key, item in value.items():
        if key == "$ref":
            name = item.removeprefix(COMPONENTS)
            converted[key] = "#/$defs/" + ("Span" if name == "Mention" else name)
        elif key == "example":
            converted["examples"] = [item]
        elif key == "properties":
            converted[key] = {
                name: _to_json_schema(field)
                for name, field in item.items()
                if not field.get("readOnly")
            }
        else:
            converted[key] = _to_json_schema(item)
    return converted
