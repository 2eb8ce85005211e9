"""Pieces shared by every resource: text spans, slugs and list query arguments."""

from typing import NamedTuple

import marshmallow as ma
from webargs.fields import DelimitedList

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_SLUG_LENGTH = 100
MAX_PAGE_SIZE = 100
# Far beyond any real page; bounds the integer a client can make us compute with.
MAX_PAGE = 100_000


def enum_description(lead, members):
    """Document an enum in its field's description: each value with its meaning."""
    return lead + " " + "; ".join(f"`{name}`: {meaning}" for name, meaning in members.items())


def slug_field(description, **kwargs):
    """A readable identifier: lower-case words joined by hyphens."""
    return ma.fields.String(
        required=True,
        validate=[
            ma.validate.Regexp(SLUG_PATTERN, error="Not a slug (lower-case words joined by '-')."),
            ma.validate.Length(max=MAX_SLUG_LENGTH),
        ],
        metadata={"description": description, **kwargs.pop("metadata", {})},
        **kwargs,
    )


def fact_id_field(example):
    """The readable id of an entity, quote, figure, event or claim."""
    return slug_field(
        "Readable identifier, unique within the article.", metadata={"example": example}
    )


def slug_list_field(description, example, **kwargs):
    """A list of slugs referring to other objects of the same article."""
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.Regexp(SLUG_PATTERN)),
        required=True,
        metadata={"description": description, "example": example},
        **kwargs,
    )


class MentionSchema(ma.Schema):
    """A span of the article text (W3C Web Annotation TextPositionSelector)."""

    start = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=0),
        metadata={
            "description": "0-based offset of the first character, counted in Unicode code "
            "points (not bytes, not UTF-16 units).",
            "example": 13,
        },
    )
    end = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=1),
        metadata={
            "description": "Offset just past the last character (exclusive), in Unicode code "
            "points, so that `text == article_text[start:end]`.",
            "example": 26,
        },
    )
    text = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={
            "description": "The characters of the article between `start` and `end`, exactly.",
            "example": "Dmitry Peskov",
        },
    )

    @ma.validates_schema
    def end_after_start(self, data, **kwargs):
        """A span covers at least one character and its text has the span's length."""
        if data["end"] <= data["start"]:
            raise ma.ValidationError("end must be greater than start.", "end")
        if len(data["text"]) != data["end"] - data["start"]:
            raise ma.ValidationError("text length differs from end - start.", "text")


def mentions_field(description="Every place in the article text where this object appears."):
    """The spans anchoring an object to the article text, in text order."""
    return ma.fields.List(
        ma.fields.Nested(MentionSchema),
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={
            "description": description
            + " Spans follow the W3C Web Annotation TextPositionSelector convention: "
            "0-based Unicode code point offsets, `end` exclusive, and "
            "`text == article_text[start:end]`.",
        },
    )


class ListQueryArgsSchema(ma.Schema):
    """Paging arguments every list accepts; resources add their own filters."""

    # A typo'd parameter must not silently widen the result: name it and say why.
    error_messages = {"unknown": "Unknown query parameter for this operation."}

    page = ma.fields.Integer(
        load_default=1,
        validate=ma.validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": "Page number, from 1. A page past the end is an empty list."},
    )
    page_size = ma.fields.Integer(
        load_default=50,
        validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page, at most {MAX_PAGE_SIZE}."},
    )


# Printable text: control characters (NUL, CR, LF, ...) are refused before any view runs.
PRINTABLE_PATTERN = r"^[^\x00-\x1f\x7f]+$"


def search_field(searched):
    """The free-text filter `q`, matched case-insensitively as a substring."""
    return ma.fields.String(
        validate=[ma.validate.Length(min=1, max=200), ma.validate.Regexp(PRINTABLE_PATTERN)],
        metadata={
            "description": f"Case-insensitive substring searched in {searched}.",
        },
    )


def entity_filter_field(description, example):
    """A query filter naming an entity of the article by id."""
    return ma.fields.String(
        validate=[
            ma.validate.Regexp(SLUG_PATTERN, error="Not an entity id."),
            ma.validate.Length(max=MAX_SLUG_LENGTH),
        ],
        metadata={"description": description, "example": example},
    )


def sort_field(keys, default):
    """`sort`: comma-separated keys, each optionally prefixed with `-` for descending."""
    choices = [*keys, *(f"-{key}" for key in keys)]
    return DelimitedList(
        ma.fields.String(validate=ma.validate.OneOf(choices)),
        validate=ma.validate.Length(min=1, max=len(keys)),
        metadata={
            "description": "Comma-separated sort keys, applied left to right; prefix a key "
            "with `-` for descending order. `position` is reading order (first mention in "
            f"the text). Default: {default}.",
            "example": [f"-{keys[1]}"] if len(keys) > 1 else [keys[0]],
        },
    )


def fields_field(schema_class):
    """`fields`: a sparse fieldset naming which fields of each object to return."""
    names = [name for name, field in schema_class().fields.items() if not field.dump_only]
    return DelimitedList(
        ma.fields.String(validate=ma.validate.OneOf(names)),
        data_key="fields",
        validate=ma.validate.Length(min=1, max=len(names)),
        metadata={
            "description": "Comma-separated fields to return for each object (a sparse "
            "fieldset); `id` is always returned. In CSV they are the columns, in this order.",
            "example": ["id", names[1]],
        },
    )


class Relation(NamedTuple):
    """What `embed=<name>` puts inline: the facts named by the ids in `id_field`."""

    id_field: str
    kind: str  # entities, quotes, figures, events or claims
    many: bool
    description: str


def embed_field(relations):
    """`embed`: related objects to return inline, beside the ids that name them."""
    return DelimitedList(
        ma.fields.String(validate=ma.validate.OneOf(list(relations))),
        validate=ma.validate.Length(min=1, max=len(relations)),
        metadata={
            "description": enum_description(
                "Comma-separated related objects to include inline, saving a request per "
                "id; the ids stay. In CSV an embedded object is its name (or words).",
                {name: relation.description for name, relation in relations.items()},
            ),
            "example": [next(iter(relations))],
        },
    )


def as_served(schema_class, **kwargs):
    """The schema as documented for responses: only `id` is sure to be present.

    A sparse fieldset (`fields`) may leave any other field out, so the OpenAPI document must
    not promise them. The dataset itself is loaded with the plain schema, where every field is
    required. All response uses share these modifiers, so OpenAPI has one component per schema.
    """
    optional = tuple(name for name in schema_class._declared_fields if name != "id")
    return schema_class(partial=optional, **kwargs)
