"""Entities: the people, organisations, groups, places and weapon types the article names."""

from dataclasses import dataclass

import marshmallow as ma

from schemas import common


@dataclass(frozen=True)
class EntityType:
    """A kind of entity: as the API documents it, JSON-LD types it and the reader page names it."""

    meaning: str
    schema_org: str  # its schema.org type in JSON-LD
    label: str  # the page's name for one
    heading: str  # the page's heading over several


# The one table of entity types: the schema validates and documents these, and nothing that
# renders an entity can meet a type missing here.
ENTITY_TYPES = {
    "person": EntityType(
        "A named person, including one known only by a call sign.", "Person", "person", "People"
    ),
    "organization": EntityType(
        "A news outlet, ministry, intelligence service, army, body of troops or the media of a "
        "country.",
        "Organization",
        "organisation",
        "Organisations",
    ),
    "group": EntityType(
        'Unnamed people or bodies the article cites collectively, such as "Western sources".',
        "Organization",
        "cited source",
        "Cited sources",
    ),
    "place": EntityType(
        "A country, region or city. A capital city used for its government is an alias of the "
        "country.",
        "Place",
        "place",
        "Places",
    ),
    "weapon": EntityType(
        "A type of weapon or military equipment.",
        "Product",
        "weapon or equipment",
        "Weapons and equipment",
    ),
    # schema.org has no type for a treaty; an agreement is a work with parties to it.
    "agreement": EntityType(
        "A treaty, pact or other agreement between parties.",
        "CreativeWork",
        "agreement",
        "Agreements",
    ),
}

TYPE_DESCRIPTION = common.enum_description(
    "Kind of entity:", {name: kind.meaning for name, kind in ENTITY_TYPES.items()}
)

# A Wikidata item id: Q and a number without leading zeros.
WIKIDATA_PATTERN = r"^Q[1-9][0-9]*$"
WIKIDATA_ENTITY_URL = "https://www.wikidata.org/entity/"


class EntitySchema(ma.Schema):
    """One real-world thing the article names, with every mention of it."""

    id = common.fact_id_field("kursk-oblast")
    name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={"description": "The fullest name the article uses.", "example": "Kursk Oblast"},
    )
    type = common.enum_field("EntityType", ENTITY_TYPES, TYPE_DESCRIPTION, example="place")
    aliases = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1)),
        required=True,
        metadata={
            "description": "Other names the article uses for the same thing: short forms, "
            "abbreviations, capital-city metonyms.",
            "example": ["Kursk"],
        },
    )
    description = common.text_field(
        "Who or what this is, in the article's terms (for a person, the role "
        "the article gives them).",
        "Russian region where Ukraine attacked in August 2024; the area where North "
        "Korean soldiers now clear mines lies in it, on the border with Ukraine, north of "
        "Kharkiv.",
    )
    wikidata = ma.fields.String(
        required=True,
        allow_none=True,
        validate=[
            ma.validate.Regexp(WIKIDATA_PATTERN, error="Not a Wikidata item id (Q and digits)."),
            ma.validate.Length(max=20),
        ],
        metadata={
            "description": "The entity's Wikidata item (QID), so it can be joined with other "
            "datasets: `https://www.wikidata.org/entity/{wikidata}` is the item. Entered only "
            "where two independent public sources confirm that this item is this entity; "
            "`null` where that could not be confirmed, and for what is not one Wikidata item "
            '(a cited group such as "Western sources", a call sign).',
            "example": "Q423",
        },
    )
    mentions = common.mentions_field(
        "Every place the article names this entity, including names nested in a longer name "
        '("DPRK" in "DPRK troops").'
    )


class ExcludedMentionSchema(ma.Schema):
    """A use of an entity's name or alias in the text that is deliberately not one of its
    mentions, and why (annotation only)."""

    mention = ma.fields.Nested(
        common.MentionSchema,
        required=True,
        metadata={"description": "Where the name is in the text."},
    )
    entity_id = common.slug_field("The entity whose name or alias the words are.")
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={"description": "Why the words are not a mention of the entity."},
    )


EntityViewArgsSchema = common.view_args_schema(EntitySchema)


class EntityQueryArgsSchema(common.ListQueryArgsSchema, EntityViewArgsSchema):
    """Filters, order and options for the entity list."""

    sort = common.sort_field("Entity", ["position", "name", "type", "id"], "`position`")

    type = common.enum_filter(
        "EntityType", ENTITY_TYPES, "Only entities of this type.", "person", TYPE_DESCRIPTION
    )
    wikidata = ma.fields.String(
        validate=[
            ma.validate.Regexp(
                r"^(Q[1-9][0-9]*|true|false)$", error="Not a Wikidata item id, true or false."
            ),
            ma.validate.Length(max=20),
        ],
        metadata={
            "description": "`true`: only entities with a Wikidata item; `false`: only those "
            "without one; a QID such as `Q423`: only the entity with that item (an empty list "
            "when the article has none).",
            "example": "true",
        },
    )
    q = common.search_field("the name, aliases and description")
