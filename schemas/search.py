"""Search across every kind of fact in an article."""

import marshmallow as ma

from schemas import common
from schemas.kinds import KINDS

HIT_KINDS = {kind.singular: f"{kind.noun} (`/{kind.path}/{{id}}`)" for kind in KINDS}
HIT_FIELDS = {
    "text": "the words occur in the article text, inside one of the fact's mentions",
    "annotation": "the words occur only in the fact's annotation (name, alias, description, "
    "summary)",
}


class SearchQueryArgsSchema(common.ListQueryArgsSchema, common.VersionArgsSchema):
    """What to search for, and in which kinds of fact."""

    q = ma.fields.String(
        required=True,
        validate=[ma.validate.Length(min=1, max=200), ma.validate.Regexp(common.PRINTABLE_PATTERN)],
        metadata={
            "description": "Words to find, case-insensitively, in the text and the annotation.",
            "example": "Kursk",
        },
    )
    kind = common.QueryList(
        common.enum_item("FactKind", list(HIT_KINDS), "A kind of fact."),
        validate=ma.validate.Length(min=1, max=len(HIT_KINDS)),
        metadata={
            "description": "Kinds of fact to search; all by default. "
            + common.list_forms("kind", "entity", "quote"),
            "example": ["entity", "quote"],
        },
    )


class SearchHitSchema(ma.Schema):
    """One fact that matches, with where in the text it matched."""

    kind = common.enum_field(
        "FactKind",
        HIT_KINDS,
        common.enum_description("Kind of fact:", HIT_KINDS),
        example="entity",
        enum_description="A kind of fact.",
    )
    id = ma.fields.String(
        required=True, metadata={"description": "Id of the fact.", "example": "kursk-oblast"}
    )
    label = ma.fields.String(
        required=True,
        metadata={
            "description": "The fact's name, words, description or summary.",
            "example": "Kursk Oblast",
        },
    )
    url = ma.fields.String(
        required=True,
        metadata={
            "description": "API path of the fact.",
            "example": "/v1/articles/north-korean-troops-help-russian-army-clear-mines/entities/"
            "kursk-oblast",
        },
    )
    field = common.enum_field(
        "MatchField",
        HIT_FIELDS,
        common.enum_description("Where it matched:", HIT_FIELDS),
        example="text",
    )
    match = ma.fields.Nested(
        common.MentionSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "The exact span of the words in the article text; `null` for an "
            "annotation-only match."
        },
    )
    mention = ma.fields.Nested(
        common.MentionSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "The fact's mention that contains `match`; `null` for an "
            "annotation-only match."
        },
    )
