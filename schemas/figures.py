"""Figures: every numeric claim in the article, with what it counts and who claims it."""

import math

import marshmallow as ma

from schemas import common
from schemas.dates import PartialDate
from schemas.entities import EntitySchema

QUALIFIERS = {
    "exact": "The number as stated, with no hedge.",
    "approximately": 'Hedged as approximate ("some", "around").',
    "more_than": 'A lower bound, exceeded ("more than").',
    "at_least": 'A lower bound, possibly reached ("at least").',
    "less_than": 'An upper bound, not reached ("fewer than").',
    "up_to": 'An upper bound, possibly reached ("up to").',
    "estimated": "Presented as the source's estimate.",
    "multiple_of": 'A vague amount ("millions of"): an unspecified multiple of `value`, '
    "so `value` is the order of magnitude, not a count.",
}


class Quantity(ma.fields.Number):
    """A number that stays an integer in JSON when it is a whole number (14000, not 14000.0)."""

    num_type = float

    def _format_num(self, value):
        number = float(value)
        if not math.isfinite(number):
            raise self.make_error("invalid")
        return int(number) if number.is_integer() else number


class PeriodSchema(ma.Schema):
    """The time a figure covers, as the article states it."""

    start = PartialDate(
        required=True,
        metadata={
            "description": "First year, month or day covered (partial ISO 8601).",
            "example": "2023",
        },
    )
    end = PartialDate(
        required=True,
        allow_none=True,
        metadata={
            "description": "Last year, month or day covered (partial ISO 8601); `null` when the "
            "period runs up to the article's publication.",
            "example": None,
        },
    )
    text = ma.fields.String(
        required=True,
        metadata={
            "description": "The article's words for the period.",
            "example": "from Since 2023",
        },
    )
    mention = ma.fields.Nested(
        common.MentionSchema,
        required=True,
        metadata={"description": "Where the article states the period."},
    )


class AttributionSchema(ma.Schema):
    """Who gives a figure at one of its mentions."""

    mention = ma.fields.Nested(
        common.MentionSchema,
        required=True,
        metadata={"description": "The mention, exactly as in the figure's `mentions`."},
    )
    source_ids = common.slug_list_field(
        "Ids of the entities the article attributes the number to at this place; empty where "
        "the article states it in its own voice.",
        ["vadym-skibytsky"],
    )
    claim_id = common.slug_field(
        "Id of the claim whose statement gives the number at this place (its claimants are "
        "`source_ids`), or `null` where the narrator gives it.",
        allow_none=True,
        metadata={"example": "skibytsky-shells-since-2023"},
    )


class FigureSchema(ma.Schema):
    """A number the article states: its value, what it counts and who claims it."""

    id = common.fact_id_field("artillery-shells-total")
    value = Quantity(
        required=True,
        metadata={
            "description": 'The number as a plain number: "6.5 million" is 6500000.',
            "example": 6500000,
        },
    )
    unit = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={"description": "What is counted.", "example": "artillery shells"},
    )
    qualifier = common.enum_field(
        "FigureQualifier",
        QUALIFIERS,
        common.enum_description("How the wording qualifies the number:", QUALIFIERS),
        example="estimated",
    )
    description = common.text_field(
        "What the number counts, in one sentence from the article's terms.",
        "Total artillery shells North Korea has sent to Russia since 2023, by "
        "Skibytsky's estimate.",
    )
    source_ids = common.slug_list_field(
        "Ids of the entities the article attributes the figure to anywhere (the union of "
        "`attributions`); empty when the article states it only in its own voice.",
        ["vadym-skibytsky"],
    )
    entity_ids = common.slug_list_field(
        "Ids of the entities the figure counts or concerns.",
        ["artillery-shells", "north-korea", "russia"],
    )
    period = ma.fields.Nested(
        PeriodSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The time the figure covers, where stated; otherwise `null`."},
    )
    mentions = common.mentions_field(
        'Every place the article states the figure, with its hedge words ("some 14,000 '
        'soldiers"). A figure stated twice is one figure with two mentions.'
    )
    attributions = ma.fields.List(
        ma.fields.Nested(AttributionSchema),
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={
            "description": "Who gives the number in each place: one per mention, in the order "
            "of `mentions` (a figure the sources give in one place may be the narrator's in "
            "another).",
        },
    )
    sources = common.embedded_field("sources", EntitySchema, "The source entities")
    entities = common.embedded_field("entities", EntitySchema, "The entities counted")


FIGURE_RELATIONS = {
    "sources": common.Relation(
        "source_ids", "entities", True, "the entities it is attributed to, as `sources`"
    ),
    "entities": common.Relation(
        "entity_ids", "entities", True, "the entities it counts or concerns, as `entities`"
    ),
}


FigureViewArgsSchema = common.view_args_schema(FigureSchema, FIGURE_RELATIONS)


class FigureQueryArgsSchema(common.ListQueryArgsSchema, FigureViewArgsSchema):
    """Filters, order and options for the figure list."""

    sort = common.sort_field(
        "Figure", ["position", "value", "unit", "qualifier", "id"], "`position`"
    )

    source = common.entity_filter_field(
        "Only figures attributed to this entity id.", "vadym-skibytsky"
    )
    q = common.search_field("the unit and description")
