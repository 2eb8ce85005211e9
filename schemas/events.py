"""Timeline events: everything the article places in time."""

import marshmallow as ma

from schemas import common
from schemas.dates import PRECISIONS, PartialDate, date_precision
from schemas.entities import EntitySchema
from schemas.figures import FigureSchema
from schemas.quotes import QuoteSchema

PRECISION_MEANINGS = {
    "year": "`date` is `YYYY`: the event falls somewhere in that year.",
    "month": "`date` is `YYYY-MM`: somewhere in that month.",
    "day": "`date` is `YYYY-MM-DD`.",
}


class EventSchema(ma.Schema):
    """Something that happened, dated as precisely as the article dates it."""

    id = common.fact_id_field("ukraine-assaults-kursk")
    date = PartialDate(
        required=True,
        metadata={
            "description": "ISO 8601 date cut to the precision the article gives.",
            "example": "2024-08",
        },
    )
    precision = common.enum_field(
        "DatePrecision",
        PRECISIONS,
        common.enum_description("How precise `date` is:", PRECISION_MEANINGS),
        example="month",
    )
    date_text = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={"description": "The article's words for the date.", "example": "in August 2024"},
    )
    relative = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "True when the article dates the event relative to its publication "
            '("last year", "last month", "currently"); `date` is then resolved against '
            "the publication date, 2025-11-16 for the built-in article.",
            "example": False,
        },
    )
    summary = common.text_field(
        "What happened, in one sentence.",
        "Ukrainian forces launch a massive assault on Kursk, resulting in one of "
        "their biggest battlefield victories since the full-scale Russian invasion began.",
    )
    entity_ids = common.slug_list_field(
        "Ids of the entities involved.", ["ukrainian-army", "kursk-oblast"]
    )
    quote_ids = common.slug_list_field("Ids of quotes the event produced.", [])
    figure_ids = common.slug_list_field("Ids of figures that describe the event.", [])
    mentions = common.mentions_field("The words of the article that place the event in time.")
    as_of = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "True when the event is a state the text says holds at publication "
            '("currently", "now"): `date` is then the date by which it holds (the publication '
            "date), not when it began, which the text does not say. It sorts and filters by "
            "that date. False for everything that happened at `date`.",
            "example": False,
        },
    )
    entities = common.embedded_field("entities", EntitySchema, "The entities involved")
    quotes = common.embedded_field("quotes", QuoteSchema, "The quotes it produced")
    figures = common.embedded_field("figures", FigureSchema, "The figures describing it")

    # Required in the API; an annotation file may leave it out (filled in below), so the
    # file's JSON Schema (api/store/file_schema.py) does not require it.
    optional_in_file = ("as_of",)

    @ma.pre_load
    def not_as_of_by_default(self, data, **kwargs):
        """An annotation file older than `as_of` dates only what happened at its date."""
        if isinstance(data, dict) and "as_of" not in data:
            data = {**data, "as_of": False}
        return data

    @ma.validates_schema
    def precision_matches_date(self, data, **kwargs):
        """`precision` says how much of `date` is given."""
        if (
            "date" in data
            and "precision" in data
            and date_precision(data["date"]) != data["precision"]
        ):
            raise ma.ValidationError(
                f"precision {data['precision']!r} does not match date {data['date']!r}.",
                "precision",
            )


EVENT_RELATIONS = {
    "entities": common.Relation(
        "entity_ids", "entities", True, "the entities involved, as `entities`"
    ),
    "quotes": common.Relation("quote_ids", "quotes", True, "the quotes it produced, as `quotes`"),
    "figures": common.Relation(
        "figure_ids", "figures", True, "the figures describing it, as `figures`"
    ),
}


EventViewArgsSchema = common.view_args_schema(EventSchema, EVENT_RELATIONS)


class TimelineQueryArgsSchema(common.ListQueryArgsSchema, EventViewArgsSchema):
    """Filters, order and options for the timeline."""

    sort = common.sort_field("Event", ["date", "position", "id"], "`date`, then `position`")

    from_ = PartialDate(
        data_key="from",
        metadata={
            "description": "Only events that may fall on or after the start of this date "
            "(`YYYY`, `YYYY-MM` or `YYYY-MM-DD`). An event dated to a year or month is kept when "
            "its span overlaps the range; a range that ends before it starts matches nothing.",
            "example": "2024",
        },
    )
    to = PartialDate(
        metadata={
            "description": "Only events that may fall on or before the end of this date "
            "(`YYYY`, `YYYY-MM` or `YYYY-MM-DD`): `to=2024` includes all of 2024.",
            "example": "2024-12",
        },
    )
    entity = common.entity_filter_field(
        "Only events involving this entity id.", "north-korean-troops"
    )
