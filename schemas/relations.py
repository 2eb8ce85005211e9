"""Relations: span-anchored statements that link two entities of an article."""

from typing import NamedTuple

import marshmallow as ma

from schemas import common
from schemas.claims import ClaimSchema
from schemas.entities import EntitySchema


class Predicate(NamedTuple):
    """A predicate of the closed vocabulary, with the entity types it links."""

    definition: str
    subject_types: tuple[str, ...]
    object_types: tuple[str, ...]
    # The Wikidata property stated the same way round (subject -> object), where one fits; a
    # symmetric one is stored once. Each was confirmed in two public files (docs/data.md).
    wikidata: str | None = None


STATES = ("place",)
BODIES = ("organization",)
ACTORS = ("place", "organization")
PREDICATES = {
    "leader_of": Predicate("The person leads the country or organisation.", ("person",), ACTORS),
    "spokesperson_for": Predicate("The person speaks for the organisation.", ("person",), BODIES),
    "deputy_head_of": Predicate(
        "The person is deputy head of the organisation.", ("person",), BODIES
    ),
    "serves_in": Predicate("The person serves in the armed force.", ("person",), BODIES, "P241"),
    "of_country": Predicate(
        "The organisation, group or place belongs to or lies in the country, as a possessive "
        "or a nationality word says.",
        ("organization", "group", "place"),
        STATES,
        "P17",
    ),
    "borders": Predicate("The place shares a border with the other place.", STATES, STATES, "P47"),
    "party_to": Predicate(
        "The country or organisation is a party to the agreement.", ACTORS, ("agreement",)
    ),
    "sent_troops_to": Predicate(
        "The state sent troops to fight alongside or help the other side.", STATES, ACTORS
    ),
    "deployed_in": Predicate(
        "The body of troops was sent to, is stationed in or works in the place.", BODIES, STATES
    ),
    "assists": Predicate(
        "The subject helps the object in its military operations.", ACTORS, ACTORS
    ),
    "ties_with": Predicate("The two have ties the text names as such.", ACTORS, ACTORS),
    "supplies_weapons_to": Predicate(
        "The subject sends weapons or munitions to the object.", ACTORS, ACTORS
    ),
    "produces": Predicate(
        "The subject produces the weapon or equipment type.", ACTORS, ("weapon",), "P1056"
    ),
    "uses_weapon": Predicate(
        "The force uses (fires, operates) the weapon type.", ACTORS, ("weapon",), "P520"
    ),
    "at_war_with": Predicate("The two are fighting each other.", ACTORS, ACTORS),
}
PREDICATE_DESCRIPTION = common.enum_description(
    "What the relation says, subject first:",
    {
        name: predicate.definition
        + (f" Wikidata: {predicate.wikidata}." if predicate.wikidata else "")
        for name, predicate in PREDICATES.items()
    },
)


class RelationSchema(ma.Schema):
    """A statement that links two entities, anchored to the words that state it."""

    id = common.fact_id_field("kim-jong-un-leader-of-north-korea")
    subject_id = common.slug_field(
        "Id of the entity the relation is about.", metadata={"example": "kim-jong-un"}
    )
    predicate = common.enum_field(
        "RelationPredicate", PREDICATES, PREDICATE_DESCRIPTION, example="leader_of"
    )
    object_id = common.slug_field(
        "Id of the entity the subject is related to.", metadata={"example": "north-korea"}
    )
    claim_ids = common.slug_list_field(
        "Ids of the claims the relation rests on, where the text only attributes it; empty "
        "where the narrator states it.",
        ["sources-troops-sent-and-killed"],
    )
    summary = common.text_field(
        "The relation in one sentence, in the article's terms.",
        "Kim Jong-un is North Korea's leader.",
    )
    mentions = common.mentions_field("Every place the article states the relation.")
    subject = common.embedded_field("subject", EntitySchema, "The subject entity", many=False)
    object = common.embedded_field("object", EntitySchema, "The object entity", many=False)
    claims = common.embedded_field("claims", ClaimSchema, "The claims it rests on")


RELATION_RELATIONS = {
    "subject": common.Relation("subject_id", "entities", False, "the subject entity, as `subject`"),
    "object": common.Relation("object_id", "entities", False, "the object entity, as `object`"),
    "claims": common.Relation("claim_ids", "claims", True, "the claims it rests on, as `claims`"),
}


RelationViewArgsSchema = common.view_args_schema(RelationSchema, RELATION_RELATIONS)


class RelationQueryArgsSchema(common.ListQueryArgsSchema, RelationViewArgsSchema):
    """Filters, order and options for the relation list."""

    sort = common.sort_field("Relation", ["position", "predicate", "id"], "`position`")

    subject = common.entity_filter_field("Only relations about this entity id.", "north-korea")
    object = common.entity_filter_field("Only relations to this entity id.", "russia")
    entity = common.entity_filter_field(
        "Only relations with this entity id on either side.", "russia"
    )
    predicate = common.enum_filter(
        "RelationPredicate",
        PREDICATES,
        "Only relations with this predicate.",
        "leader_of",
        PREDICATE_DESCRIPTION,
    )
    q = common.search_field("the summary")
