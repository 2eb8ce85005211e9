"""Pieces shared by every resource: text spans, slugs and list query arguments."""

import functools
from typing import NamedTuple

import marshmallow as ma
from webargs.fields import DelimitedFieldMixin

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


def text_field(description, example):
    """Some words the annotation gives (a name, a description, a summary): never empty."""
    return ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={"description": description, "example": example},
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
    text = text_field(
        "The characters of the article between `start` and `end`, exactly.",
        "Dmitry Peskov",
    )

    @ma.validates_schema
    def end_after_start(self, data, **kwargs):
        """A span covers at least one character and its text has the span's length."""
        if data["end"] <= data["start"]:
            raise ma.ValidationError("end must be greater than start.", "end")
        if len(data["text"]) != data["end"] - data["start"]:
            raise ma.ValidationError("text length differs from end - start.", "text")


class TextQuoteSchema(ma.Schema):
    """A span of the article text given by its words (W3C Web Annotation TextQuoteSelector).

    Annotation files only: wherever a span is expected, the file may quote it instead of giving
    offsets, and validation resolves it to a `Mention` (`start`, `end`, `text`) before the rest
    of the file is checked. The API always serves offsets.
    """

    text = text_field(
        "The characters of the span, exactly as the text has them.",
        "Dmitry Peskov",
    )
    prefix = ma.fields.String(
        validate=ma.validate.Length(min=1),
        metadata={
            "description": "The text immediately before the span, to tell it from other "
            "occurrences of the same words.",
            "example": "spokesman ",
        },
    )
    suffix = ma.fields.String(
        validate=ma.validate.Length(min=1),
        metadata={
            "description": "The text immediately after the span, to tell it from other "
            "occurrences of the same words.",
            "example": " said",
        },
    )
    occurrence = ma.fields.Integer(
        strict=True,
        validate=ma.validate.Range(min=1),
        metadata={
            "description": "Which of the occurrences that fit `prefix` and `suffix` is meant, "
            "counting from 1 in reading order.",
            "example": 2,
        },
    )


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


class QueryArgsSchema(ma.Schema):
    """The query parameters of one operation; any other is refused with one message everywhere.

    A typo'd parameter must not silently widen the result, so the 422 names it and the
    parameters the operation does take.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = [field.data_key or name for name, field in self.load_fields.items()]
        takes = f"takes {', '.join(names)}" if names else "takes no query parameters"
        self.error_messages = {
            **self.error_messages,
            "unknown": f"Unknown parameter: this operation {takes}.",
        }


class VersionArgsSchema(QueryArgsSchema):
    """`version`, which every URL of one article takes: without it, the latest version."""

    version = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=MAX_PAGE),
        metadata={
            "description": "The version of the article's annotation to serve (1 is the first; "
            "`GET /v1/articles/{article_id}/versions` lists them). Without it, the latest. A "
            "version's representations never change, so they may be cached for a year.",
            "example": 1,
        },
    )


class ListQueryArgsSchema(QueryArgsSchema):
    """Paging arguments every list accepts; resources add their own filters."""

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


# A Wikidata item id: across articles, the one name of an entity that every article shares.
QID_PATTERN = r"^Q[1-9][0-9]*$"


def qid_filter_field(description: str, example: str) -> ma.fields.String:
    """A query filter naming an entity by its Wikidata QID, whatever article names it."""
    return ma.fields.String(
        validate=ma.validate.Regexp(
            QID_PATTERN,
            error="Not a Wikidata QID (Q followed by digits, e.g. Q423). Across articles an "
            "entity is named by its QID: ids such as 'kharkiv' are unique only within one "
            "article.",
        ),
        metadata={"description": description, "example": example},
    )


class QueryList(DelimitedFieldMixin, ma.fields.List):
    """A list in the query string, given as repeated keys (`fields=name&fields=type`, what
    generated clients send), as comma-separated values (`fields=name,type`), or both."""

    # webargs' MultiDictProxy hands a field every value of its key when it says it takes
    # several; the values are then split on commas as webargs' DelimitedList splits one.
    is_multiple = True
    default_error_messages = {"invalid": "Not a valid list."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list | tuple):
            if not all(isinstance(item, str) for item in value):
                raise self.make_error("invalid")
            value = self.delimiter.join(value)
        return super()._deserialize(value, attr, data, **kwargs)


# How every list parameter is described: the form generators send, and the short one.
LIST_FORMS = (
    "Give several values by repeating the parameter (`{name}={first}&{name}={second}`, "
    "`style: form, explode: true`, what generated clients send) or comma-separated in one "
    "(`{name}={first},{second}`)."
)


def list_forms(name, first, second):
    """The sentence saying how to give a list parameter several values."""
    return LIST_FORMS.format(name=name, first=first, second=second)


def enum_item(enum_name, values, description, **metadata):
    """One value of a closed set: an enum named `enum_name` in the OpenAPI document (see
    api.web.openapi), so generated clients get one type for it wherever it is used."""
    return ma.fields.String(
        validate=ma.validate.OneOf(values),
        metadata={"enum_name": enum_name, "enum_description": description, **metadata},
    )


def sort_field(subject, keys, default):
    """`sort`: keys applied left to right, each optionally prefixed with `-` for descending.

    The keys are an enum named `<subject>SortKey` in the OpenAPI document, each value with a
    member name (`NAME`, `NAME_DESCENDING`) for the generators that name enum members.
    """
    choices = [*keys, *(f"-{key}" for key in keys)]
    member_names = [*(key.upper() for key in keys), *(f"{key.upper()}_DESCENDING" for key in keys)]
    example = [f"-{keys[1]}"] if len(keys) > 1 else [keys[0]]
    return QueryList(
        enum_item(
            f"{subject}SortKey",
            choices,
            f"A key to sort {subject.lower()}s by; `-` before it sorts in descending order.",
            x_enum_varnames=member_names,
        ),
        validate=ma.validate.Length(min=1, max=len(keys)),
        metadata={
            "description": "Sort keys, applied left to right; prefix a key with `-` for "
            "descending order. `position` is reading order (first mention in the text). "
            f"Default: {default}. " + list_forms("sort", choices[-1], choices[0]),
            "example": example,
        },
    )


def fields_field(schema_class):
    """`fields`: a sparse fieldset naming which fields of each object to return."""
    subject = schema_class.__name__.removesuffix("Schema")
    names = [name for name, field in schema_class().fields.items() if not field.dump_only]
    return QueryList(
        enum_item(
            f"{subject}Field", names, f"A field of a {subject.lower()} that `fields` can ask for."
        ),
        data_key="fields",
        validate=ma.validate.Length(min=1, max=len(names)),
        metadata={
            "description": "Fields to return for each object (a sparse fieldset); `id` is "
            f"always returned, and each object is then a `Sparse{subject}`. In CSV they are the "
            "columns, in this order. " + list_forms("fields", names[1], names[2]),
            "example": ["id", names[1]],
        },
    )


class Relation(NamedTuple):
    """What `embed=<name>` puts inline: the facts named by the ids in `id_field`."""

    id_field: str
    kind: str  # entities, quotes, figures, events or claims
    many: bool
    description: str


def embedded_field(name, schema_class, what, *, many=True, allow_none=False):
    """The related object (or list) that `embed=<name>` puts inline; absent without it."""
    metadata = {"description": f"{what}; present with `embed={name}`."}
    if many:
        return ma.fields.List(ma.fields.Nested(schema_class), dump_only=True, metadata=metadata)
    return ma.fields.Nested(schema_class, dump_only=True, allow_none=allow_none, metadata=metadata)


def embed_field(subject, relations):
    """`embed`: related objects to return inline, beside the ids that name them."""
    names = list(relations)
    return QueryList(
        enum_item(
            f"{subject}Embed",
            names,
            f"A related object `embed` can put inside a {subject.lower()}.",
        ),
        validate=ma.validate.Length(min=1, max=len(relations)),
        metadata={
            "description": enum_description(
                "Related objects to include inline, saving a request per id; the ids stay. "
                "In CSV an embedded object is its name (or words). "
                + list_forms("embed", names[0], names[-1]),
                {name: relation.description for name, relation in relations.items()},
            ),
            "example": [names[0]],
        },
    )


@functools.cache
def sparse_schema(schema_class):
    """The schema of an object returned with `fields`: only `id` is sure to be present.

    A class of its own (`SparseQuote` beside `Quote`), so the OpenAPI document names it and
    generated clients get a type for it, rather than one type where every field may be unset.
    """
    subject = schema_class.__name__.removesuffix("Schema")
    meta = type(
        "Meta",
        (schema_class.Meta,),
        {
            "description": f"A {subject.lower()} as returned with `fields`: `id`, the fields "
            "asked for, and the objects asked for with `embed`.",
        },
    )
    return type(f"Sparse{schema_class.__name__}", (schema_class,), {"Meta": meta})


def served(schema_class):
    """What a response holds for one object: the whole of it, or a sparse fieldset.

    Without `fields` every field is there, so the document marks them required; with `fields`
    only `id` is sure, so the sparse schema promises no more. OpenAPI cannot tie a schema to a
    parameter's presence, so the response is either (`anyOf`), the whole object first:
    generated clients parse a whole object as the whole type. The dataset itself is loaded
    with the plain schema.
    """
    optional = tuple(name for name in schema_class._declared_fields if name != "id")
    return {"anyOf": [schema_class(), sparse_schema(schema_class)(partial=optional)]}


def view_args_schema(schema_class, relations=None):
    """The options of one object of a kind, in a schema of its own: `fields`, and `embed`
    where the kind names other facts."""
    subject = schema_class.__name__.removesuffix("Schema")
    options = {"fields_": fields_field(schema_class)}
    if relations:
        options["embed"] = embed_field(subject, relations)
    return type(
        f"{subject}ViewArgsSchema",
        (QueryArgsSchema,),
        {"__doc__": f"Options for how each {subject.lower()} is returned.", **options},
    )


def enum_field(enum_name, members, description, **metadata):
    """A response field holding one of `members`: an enum named `enum_name` in the OpenAPI
    document, one type for generated clients, closed (a new member is a declared change)."""
    return ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(members)),
        metadata={"description": description, **metadata, "enum_name": enum_name},
    )


def enum_filter(enum_name, members, description, example, member_description):
    """A query filter taking one of `members`, the same named enum as the field it filters."""
    return ma.fields.String(
        validate=ma.validate.OneOf(list(members)),
        metadata={
            "description": description,
            "example": example,
            "enum_name": enum_name,
            "enum_description": member_description,
        },
    )
