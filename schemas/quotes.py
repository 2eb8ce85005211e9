"""Quotes: every direct or partial quotation in the article."""

import marshmallow as ma

from schemas import common
from schemas.entities import EntitySchema

QUOTE_KINDS = {
    "full": "A whole quoted sentence or passage.",
    "partial": "A fragment quoted inside the article's own sentence.",
}
QUOTE_CHANNELS = {
    "interview": "Said in an interview with a news outlet.",
    "statement": "Made in a statement.",
    "report": "Carried by a news report.",
}
# One closed set for the channel of quotes and claims: one `Channel` type in generated clients.
CHANNEL_DESCRIPTION = common.enum_description("How words reached the article:", QUOTE_CHANNELS)


def channel_field(lead):
    """How words reached the article (a quote's, a claim's): one closed set, one `Channel` enum."""
    return ma.fields.String(
        required=True,
        allow_none=True,
        validate=ma.validate.OneOf(list(QUOTE_CHANNELS)),
        metadata={
            "description": common.enum_description(
                f"{lead}, where the text says so (`null` where it does not):", QUOTE_CHANNELS
            ),
            "example": "interview",
            "enum_name": "Channel",
            "enum_description": CHANNEL_DESCRIPTION,
        },
    )


class QuoteSchema(ma.Schema):
    """A quotation, its speaker and how it reached the article."""

    id = common.fact_id_field("skibytsky-they-are-learning")
    text = common.text_field(
        "The quoted words exactly as printed, without the quotation marks "
        "(and without a trailing comma that only joins the quote to the sentence).",
        "continue without interruption",
    )
    speaker_id = common.slug_field(
        "Id of the entity who said it.", metadata={"example": "vadym-skibytsky"}
    )
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(QUOTE_KINDS)),
        metadata={
            "description": common.enum_description("Extent of the quotation:", QUOTE_KINDS),
            "enum_name": "QuoteKind",
        },
    )
    channel = channel_field("How the words reached the article")
    outlet_id = common.slug_field(
        "Id of the news outlet that carried or obtained the quote, where the text names one.",
        allow_none=True,
        metadata={"example": "reuters"},
    )
    mentions = common.mentions_field("The quoted words in the article text.")
    insertions = ma.fields.List(
        ma.fields.Nested(common.MentionSchema),
        required=True,
        metadata={
            "description": "Words inside the quotation that the editor added to the speaker's "
            'words (a parenthesised or bracketed gloss: "(in this war)"), as spans inside '
            "`mentions`; `text` keeps them, as printed. Empty for most quotes.",
            "example": [{"start": 2583, "end": 2596, "text": "(in this war)"}],
        },
    )
    speaker = common.embedded_field("speaker", EntitySchema, "The speaker entity", many=False)
    outlet = common.embedded_field(
        "outlet", EntitySchema, "The outlet entity or `null`", many=False, allow_none=True
    )

    # Required in the API; an annotation file may leave it out (filled in below), so the
    # file's JSON Schema (api/store/file_schema.py) does not require it.
    optional_in_file = ("insertions",)

    @ma.pre_load
    def no_insertions_by_default(self, data, **kwargs):
        """An annotation file older than `insertions` marks none."""
        if isinstance(data, dict) and "insertions" not in data:
            data = {**data, "insertions": []}
        return data


QUOTE_RELATIONS = {
    "speaker": common.Relation(
        "speaker_id", "entities", False, "the entity who said it, as `speaker`"
    ),
    "outlet": common.Relation("outlet_id", "entities", False, "the outlet entity, as `outlet`"),
}


QuoteViewArgsSchema = common.view_args_schema(QuoteSchema, QUOTE_RELATIONS)


class QuoteQueryArgsSchema(common.ListQueryArgsSchema, QuoteViewArgsSchema):
    """Filters, order and options for the quote list."""

    sort = common.sort_field("Quote", ["position", "speaker_id", "kind", "id"], "`position`")

    speaker = common.entity_filter_field("Only quotes by this entity id.", "dmitry-peskov")
    q = common.search_field("the quoted text")
