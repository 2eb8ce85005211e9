"""The kinds of fact an article holds, each declared once.

Everything that handles "every kind" iterates `KINDS`: the annotation file's schema, the
article's counts and facets, the store's cross-checks, filters and search, the API's list and
detail operations, links, JSON-LD, Web Annotations, the reader page and the tests. Adding a
kind is a schema module and one `Kind` here (docs/contributing.md lists the rest).

Inside the code a kind is called by its annotation key (`events`); on the wire it keeps the
names clients know: `singular` in search hits and annotations (`event`), `path` in URLs
(`/timeline`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import marshmallow as ma

from schemas.claims import (
    CLAIM_RELATIONS,
    ClaimQueryArgsSchema,
    ClaimSchema,
    ClaimViewArgsSchema,
)
from schemas.common import Relation
from schemas.entities import EntityQueryArgsSchema, EntitySchema, EntityViewArgsSchema
from schemas.events import (
    EVENT_RELATIONS,
    EventSchema,
    EventViewArgsSchema,
    TimelineQueryArgsSchema,
)
from schemas.figures import (
    FIGURE_RELATIONS,
    FigureQueryArgsSchema,
    FigureSchema,
    FigureViewArgsSchema,
)
from schemas.quotes import QUOTE_RELATIONS, QuoteQueryArgsSchema, QuoteSchema, QuoteViewArgsSchema
from schemas.relations import (
    RELATION_RELATIONS,
    RelationQueryArgsSchema,
    RelationSchema,
    RelationViewArgsSchema,
)

# How a filter tests a fact's field against the query argument:
# equals: the field is the value; contains: the list field holds it; either: one of several
# fields is it; text: `q`, words in the kind's search text; after/before: a partial ISO date
# whose span overlaps the range; wikidata: a QID, or "true"/"false" for having one.
FilterTest = Literal["equals", "contains", "either", "text", "after", "before", "wikidata"]


@dataclass(frozen=True)
class Filter:
    """One query filter of a kind's list."""

    parameter: str  # as the client writes it: `from`, `speaker`
    test: FilterTest
    fields: tuple[str, ...] = ()
    # A per-article entity id: a name the article lacks is a 404 naming the parameter.
    names_entity: bool = False

    @property
    def argument(self) -> str:
        """The key of the parsed arguments (webargs appends `_` to Python keywords)."""
        return "from_" if self.parameter == "from" else self.parameter


@dataclass(frozen=True)
class Facet:
    """A count an article carries for a kind: how many facts have each value of a field."""

    name: str
    field: str
    description: str
    example: dict[str, int]


@dataclass(frozen=True)
class Kind:
    """A kind of fact, with everything the API and the data need to know about it."""

    name: str  # the annotation file's key and the code's name: "events"
    singular: str  # a fact's kind on the wire: "event"
    path: str  # the URL segment: "timeline"
    noun: str  # "a timeline event", in documentation
    plural_noun: str  # "timeline events"
    schema: type[ma.Schema]
    query_args: type[ma.Schema]
    view_args: type[ma.Schema]
    example_id: str
    # The blueprint's description and each operation's docstring (summary, then description).
    description: str
    list_doc: str
    detail_doc: str
    list_operation: str
    detail_operation: str
    filters: tuple[Filter, ...]
    # What `q` searches, and what names a fact in one line (dotted names reach into spans).
    search_fields: tuple[str, ...]
    label_field: str
    # The default order: reading order, reading order then cue, or date order.
    order: Literal["position", "cue", "date"]
    jsonld_type: str
    # How the article's JSON-LD node links facts of this kind.
    jsonld_link: Literal["mentions", "hasPart", "about"]
    motivation: str  # a W3C Web Annotation motivation
    reader_section: str  # the id of its section on the reader page
    # Whether the reader page marks each mention in the text. A relation's words are names and
    # clauses the page already marks as entities and claims; its section lists it instead.
    marks_text: bool = True
    relations: Mapping[str, Relation] = field(default_factory=dict)
    facets: tuple[Facet, ...] = ()
    count_example: int = 0
    # A kind added after the first annotation files: those files stay valid without it.
    optional_in_file: bool = False

    @property
    def references(self) -> dict[str, Relation]:
        """The fields that name other facts, by field: each must resolve in the article."""
        return {relation.id_field: relation for relation in self.relations.values()}


DETAIL_DOC = "Get one {what}\n\nExactly the object the list shows for the same `fields`{embed}."


def _detail_doc(what: str, embeds: bool = True) -> str:
    return DETAIL_DOC.format(what=what, embed=" and `embed`" if embeds else "")


KINDS: tuple[Kind, ...] = (
    Kind(
        name="entities",
        singular="entity",
        path="entities",
        noun="an entity",
        plural_noun="entities",
        schema=EntitySchema,
        query_args=EntityQueryArgsSchema,
        view_args=EntityViewArgsSchema,
        example_id="vadym-skibytsky",
        description="Who and what the article names: one entity per real-world thing, with its "
        "aliases, its Wikidata item where confirmed, and every mention in the text.",
        list_doc="List the entities an article names\n\nIn reading order (first mention) unless "
        "`sort` says otherwise. Filter by `type`, by words in the name, aliases or description "
        "(`q`), or by Wikidata item (`wikidata`: a QID, or `true`/`false` for entities with or "
        "without one).",
        detail_doc=_detail_doc("entity", embeds=False),
        list_operation="listEntities",
        detail_operation="getEntity",
        filters=(
            Filter("type", "equals", ("type",)),
            Filter("q", "text"),
            Filter("wikidata", "wikidata", ("wikidata",)),
        ),
        search_fields=("name", "aliases", "description"),
        label_field="name",
        order="position",
        jsonld_type="Thing",
        jsonld_link="mentions",
        motivation="identifying",
        reader_section="entities",
        facets=(
            Facet(
                "entities_by_type",
                "type",
                "Number of entities of each type.",
                {"organization": 9, "weapon": 8, "place": 6},
            ),
        ),
        count_example=30,
    ),
    Kind(
        name="quotes",
        singular="quote",
        path="quotes",
        noun="a quote",
        plural_noun="quotes",
        schema=QuoteSchema,
        query_args=QuoteQueryArgsSchema,
        view_args=QuoteViewArgsSchema,
        example_id="skibytsky-they-are-learning",
        description="Every direct or partial quotation: the exact words, the speaker and the "
        "channel (interview, statement, report) where the article says.",
        list_doc="List the quotes in an article\n\nIn reading order unless `sort` says "
        "otherwise. Filter by `speaker` (an entity id) or by words in the quote (`q`); "
        "`embed=speaker` returns each speaker inline.",
        detail_doc=_detail_doc("quote"),
        list_operation="listQuotes",
        detail_operation="getQuote",
        filters=(
            Filter("speaker", "equals", ("speaker_id",), names_entity=True),
            Filter("q", "text"),
        ),
        search_fields=("text",),
        label_field="text",
        order="position",
        jsonld_type="Quotation",
        jsonld_link="hasPart",
        motivation="identifying",
        reader_section="quotes",
        relations=QUOTE_RELATIONS,
        facets=(
            Facet(
                "quotes_by_speaker",
                "speaker_id",
                "Number of quotes by each speaker (entity id).",
                {"dmitry-peskov": 2, "veles": 1},
            ),
        ),
        count_example=6,
    ),
    Kind(
        name="figures",
        singular="figure",
        path="figures",
        noun="a figure",
        plural_noun="figures",
        schema=FigureSchema,
        query_args=FigureQueryArgsSchema,
        view_args=FigureViewArgsSchema,
        example_id="artillery-shells-total",
        description="Every numeric claim: its value as a number, unit, qualifier (exact, "
        "approximately, more than, ...), sources and period.",
        list_doc="List the figures in an article\n\nIn reading order unless `sort` says "
        "otherwise. Filter by `source` (an entity id) or by words in the unit or description "
        "(`q`); `embed=sources` returns who claims each inline.",
        detail_doc=_detail_doc("figure"),
        list_operation="listFigures",
        detail_operation="getFigure",
        filters=(
            Filter("source", "contains", ("source_ids",), names_entity=True),
            Filter("q", "text"),
        ),
        search_fields=("unit", "description"),
        label_field="description",
        order="position",
        jsonld_type="Claim",
        jsonld_link="hasPart",
        motivation="identifying",
        reader_section="figures",
        relations=FIGURE_RELATIONS,
        facets=(
            Facet(
                "figures_by_qualifier",
                "qualifier",
                "Number of figures with each qualifier.",
                {"approximately": 2, "estimated": 1},
            ),
        ),
        count_example=5,
    ),
    Kind(
        name="events",
        singular="event",
        path="timeline",
        noun="a timeline event",
        plural_noun="timeline events",
        schema=EventSchema,
        query_args=TimelineQueryArgsSchema,
        view_args=EventViewArgsSchema,
        example_id="ukraine-assaults-kursk",
        description="Events the article places in time, in date order, with ISO 8601 dates cut "
        "to their precision and relative dates resolved against the publication date.",
        list_doc="List an article's events in date order\n\nFilter by a date range (`from`, "
        "`to`: partial ISO dates; an event dated to a year or a month is kept when its span "
        "overlaps the range) or by an `entity` involved.",
        detail_doc=_detail_doc("event"),
        list_operation="listEvents",
        detail_operation="getEvent",
        filters=(
            Filter("from", "after", ("date",)),
            Filter("to", "before", ("date",)),
            Filter("entity", "contains", ("entity_ids",), names_entity=True),
        ),
        search_fields=("summary", "date_text"),
        label_field="summary",
        order="date",
        jsonld_type="Event",
        jsonld_link="about",
        motivation="identifying",
        reader_section="timeline",
        relations=EVENT_RELATIONS,
        facets=(
            Facet(
                "events_by_precision",
                "precision",
                "Number of timeline events dated to a year, a month or a day.",
                {"month": 4, "day": 2},
            ),
        ),
        count_example=8,
    ),
    Kind(
        name="claims",
        singular="claim",
        path="claims",
        noun="a claim",
        plural_noun="claims",
        schema=ClaimSchema,
        query_args=ClaimQueryArgsSchema,
        view_args=ClaimViewArgsSchema,
        example_id="skibytsky-shells-since-2023",
        description="Every attributed statement, direct or reported: who makes it (the "
        "claimants), the words that attribute it (the cue), what it says, and the quotes, "
        "figures and events it carries. The narrator's own statements are not claims.",
        list_doc="List the claims in an article\n\nIn reading order unless `sort` says "
        "otherwise. Filter by `claimant` (an entity id), `mode`, `polarity` or words in the "
        "content or summary (`q`); `embed=claimants` returns who makes each claim inline.",
        detail_doc=_detail_doc("claim"),
        list_operation="listClaims",
        detail_operation="getClaim",
        filters=(
            Filter("claimant", "contains", ("claimant_ids",), names_entity=True),
            Filter("mode", "equals", ("mode",)),
            Filter("polarity", "equals", ("polarity",)),
            Filter("q", "text"),
        ),
        search_fields=("content.text", "summary"),
        label_field="summary",
        order="cue",
        jsonld_type="Claim",
        jsonld_link="hasPart",
        motivation="identifying",
        reader_section="claims",
        relations=CLAIM_RELATIONS,
        facets=(
            Facet(
                "claims_by_mode",
                "mode",
                "Number of claims reported directly, partially quoted or indirectly.",
                {"indirect": 7, "partial": 3, "direct": 2},
            ),
            Facet(
                "claims_by_claimant",
                "claimant_ids",
                "Number of claims each entity makes (a claim with several claimants counts for "
                "each).",
                {"north-korea": 3, "vadym-skibytsky": 3},
            ),
        ),
        count_example=12,
    ),
    Kind(
        name="relations",
        singular="relation",
        path="relations",
        noun="a relation",
        plural_noun="relations",
        schema=RelationSchema,
        query_args=RelationQueryArgsSchema,
        view_args=RelationViewArgsSchema,
        example_id="kim-jong-un-leader-of-north-korea",
        description="Statements that link two entities (Kim Jong-un, leader of North Korea), "
        "with a predicate from a closed vocabulary, the claims they rest on where the text only "
        "attributes them, and the words that state them.",
        list_doc="List the relations in an article\n\nIn reading order unless `sort` says "
        "otherwise. Filter by `subject`, `object` or `entity` on either side (entity ids), by "
        "`predicate`, or by words in the summary (`q`).",
        detail_doc=_detail_doc("relation"),
        list_operation="listRelations",
        detail_operation="getRelation",
        filters=(
            Filter("subject", "equals", ("subject_id",), names_entity=True),
            Filter("object", "equals", ("object_id",), names_entity=True),
            Filter("entity", "either", ("subject_id", "object_id"), names_entity=True),
            Filter("predicate", "equals", ("predicate",)),
            Filter("q", "text"),
        ),
        search_fields=("summary",),
        label_field="summary",
        order="position",
        jsonld_type="Claim",
        jsonld_link="hasPart",
        motivation="linking",
        reader_section="relations",
        marks_text=False,
        relations=RELATION_RELATIONS,
        facets=(
            Facet(
                "relations_by_predicate",
                "predicate",
                "Number of relations with each predicate.",
                {"of_country": 8, "assists": 3},
            ),
        ),
        count_example=27,
        optional_in_file=True,
    ),
)

BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
BY_SINGULAR: dict[str, Kind] = {kind.singular: kind for kind in KINDS}
