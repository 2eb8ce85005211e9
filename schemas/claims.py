"""Claims: every attributed statement in the article, who makes it and in which words."""

import marshmallow as ma

from schemas import common
from schemas.entities import EntitySchema
from schemas.events import EventSchema
from schemas.figures import FigureSchema
from schemas.quotes import QuoteSchema, channel_field

CLAIM_MODES = {
    "direct": "The claim is a quotation: `content` is the quoted words.",
    "partial": "Reported speech with quoted fragments inside it.",
    "indirect": "Reported speech with no quoted words.",
}
POLARITIES = {
    "asserted": 'The claimant says so ("said", "according to", "estimates").',
    "denied": 'The claimant says it is not so: the statement has a denying word ("denies", '
    '"rejects", "dismisses", "not true").',
    "withheld": "The text says the claimant has not stated, provided or confirmed it "
    '("has not provided details"): silence, not a denial.',
}
MODE_DESCRIPTION = common.enum_description("How the claim is reported:", CLAIM_MODES)
POLARITY_DESCRIPTION = common.enum_description("What the text says the claimant does:", POLARITIES)


def _span(description, example):
    return ma.fields.Nested(
        common.MentionSchema,
        required=True,
        metadata={"description": description, "example": example},
    )


class StatementSchema(ma.Schema):
    """One place the article states a claim: its attributing words and what they attribute."""

    cue = _span(
        "The attributing words of this statement, as a span of the text.",
        {"start": 443, "end": 455, "text": "according to"},
    )
    content = _span(
        "What this statement attributes, as a span of the text in the same sentence as the "
        "cue; only what this place attributes (a restatement may say less).",
        {"start": 3608, "end": 3636, "text": "more than 6,000 of them died"},
    )


class ClaimSchema(ma.Schema):
    """An attributed statement: who makes it, the words that attribute it, and what it says."""

    id = common.fact_id_field("skibytsky-shells-since-2023")
    claimant_ids = common.slug_list_field(
        "Ids of the entities who make the claim (one claim may have several).",
        ["vadym-skibytsky"],
        validate=ma.validate.Length(min=1),
    )
    cue = _span(
        'The attributing words ("according to", "said", "noted", "estimates", "told", ...), '
        "as a span of the text; a `withheld` claim's cue carries its negation where the words "
        'allow ("not provided"). The cue of the first of `statements`.',
        {"start": 2976, "end": 2985, "text": "estimates"},
    )
    content = _span(
        "What is claimed, as a span of the text: the quoted words of a `direct` claim, the "
        "reported clause otherwise. Where the attribution interrupts the claim, the part after "
        "it (`summary` says it whole). The content of the first of `statements`.",
        {
            "start": 731,
            "end": 767,
            "text": 'will "continue without interruption"',
        },
    )
    summary = common.text_field(
        "The claim in one sentence, in the article's terms, with pronouns "
        "resolved; for a `withheld` claim, what the claimant has not stated.",
        "The military ties between North Korea and Russia will continue without interruption.",
    )
    mode = common.enum_field("ClaimMode", CLAIM_MODES, MODE_DESCRIPTION, example="indirect")
    polarity = common.enum_field(
        "ClaimPolarity", POLARITIES, POLARITY_DESCRIPTION, example="asserted"
    )
    channel = channel_field("How the claim reached the article")
    outlet_id = common.slug_field(
        'Id of the news outlet that carried the claim, where the text names one ("told '
        'Reuters", "The Telegraph recalls").',
        allow_none=True,
        metadata={"example": "reuters"},
    )
    quote_ids = common.slug_list_field(
        "Ids of the quotes the claim carries (a `direct` or `partial` claim has at least one).",
        ["skibytsky-they-are-learning"],
    )
    figure_ids = common.slug_list_field(
        "Ids of the figures the claim states: which claim gives a number.",
        ["artillery-shells-total"],
    )
    event_ids = common.slug_list_field(
        "Ids of the timeline events the claim reports.",
        ["artillery-shell-shipments-counted-from"],
    )
    mentions = common.mentions_field(
        "Every place the article states the claim, each the smallest span holding the "
        "claimant's words, the cue and the content of that place's statement (`statements`, "
        "one per mention); the one holding `cue` and `content` states it in full, the others "
        "restate it (the standfirst)."
    )
    statements = ma.fields.List(
        ma.fields.Nested(StatementSchema),
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={
            "description": "Every place the article states the claim, in reading order, one per "
            "mention (each inside one of `mentions`): the cue and content of each. The first is "
            "`cue` and `content`; a restatement (the standfirst) has its own cue and says only "
            "what that place attributes.",
        },
    )
    claimants = common.embedded_field("claimants", EntitySchema, "The claimant entities")
    outlet = common.embedded_field(
        "outlet", EntitySchema, "The outlet entity or `null`", many=False, allow_none=True
    )
    quotes = common.embedded_field("quotes", QuoteSchema, "The quotes it carries")
    figures = common.embedded_field("figures", FigureSchema, "The figures it states")
    events = common.embedded_field("events", EventSchema, "The events it reports")

    # Required in the API; an annotation file may leave it out (filled in below), so the
    # file's JSON Schema (api/store/file_schema.py) does not require it.
    optional_in_file = ("statements",)

    @ma.pre_load
    def first_statement_by_default(self, data, **kwargs):
        """An annotation file older than `statements` states each claim once: at its cue."""
        if isinstance(data, dict) and "statements" not in data and {"cue", "content"} <= set(data):
            data = {**data, "statements": [{"cue": data["cue"], "content": data["content"]}]}
        return data


CLAIM_RELATIONS = {
    "claimants": common.Relation(
        "claimant_ids", "entities", True, "the entities who make it, as `claimants`"
    ),
    "outlet": common.Relation("outlet_id", "entities", False, "the outlet entity, as `outlet`"),
    "quotes": common.Relation("quote_ids", "quotes", True, "the quotes it carries, as `quotes`"),
    "figures": common.Relation(
        "figure_ids", "figures", True, "the figures it states, as `figures`"
    ),
    "events": common.Relation("event_ids", "events", True, "the events it reports, as `events`"),
}


ClaimViewArgsSchema = common.view_args_schema(ClaimSchema, CLAIM_RELATIONS)


class ClaimQueryArgsSchema(common.ListQueryArgsSchema, ClaimViewArgsSchema):
    """Filters, order and options for the claim list."""

    sort = common.sort_field("Claim", ["position", "mode", "polarity", "id"], "`position`")

    claimant = common.entity_filter_field("Only claims made by this entity id.", "vadym-skibytsky")
    mode = common.enum_filter(
        "ClaimMode", CLAIM_MODES, "Only claims reported this way.", "direct", MODE_DESCRIPTION
    )
    polarity = common.enum_filter(
        "ClaimPolarity",
        POLARITIES,
        "Only claims with this polarity (asserted, denied or withheld).",
        "withheld",
        POLARITY_DESCRIPTION,
    )
    q = common.search_field("the claimed words and the summary")


class ExcludedCueSchema(ma.Schema):
    """An attribution word in the text that is no claim's `cue`, and why (annotation only)."""

    mention = ma.fields.Nested(
        common.MentionSchema,
        required=True,
        metadata={"description": "Where the word is in the text."},
    )
    claim_id = common.slug_field(
        "The claim whose statement holds the word (its outlet's verb, its channel, a "
        "restatement), or `null` where the word attributes nothing.",
        allow_none=True,
    )
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={"description": "Why the word is not a claim's cue."},
    )
