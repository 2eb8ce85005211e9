"""Entities: the people, organisations, groups, places and weapon types the article names."""

import marshmallow as ma

from schemas.common import (
    ListQueryArgsSchema,
    QueryArgsSchema,
    enum_description,
    fact_id_field,
    fields_field,
    mentions_field,
    search_field,
    sort_field,
)

ENTITY_TYPES = {
    "person": "A named person, including one known only by a call sign.",
    "organization": "A news outlet, ministry, intelligence service, army, body of troops or the "
    "media of a country.",
    "group": 'Unnamed people or bodies the article cites collectively, such as "Western sources".',
    "place": "A country, region or city. A capital city used for its government is an alias of "
    "the country.",
    "weapon": "A type of weapon or military equipment.",
}

TYPE_DESCRIPTION = enum_description("Kind of entity:", ENTITY_TYPES)


class EntitySchema(ma.Schema):
    """One real-world thing the article names, with every mention of it."""

    id = fact_id_field("kursk-oblast")
    name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={"description": "The fullest name the article uses.", "example": "Kursk Oblast"},
    )
    type = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(ENTITY_TYPES)),
        metadata={"description": TYPE_DESCRIPTION, "example": "place", "enum_name": "EntityType"},
    )
    aliases = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1)),
        required=True,
        metadata={
            "description": "Other names the article uses for the same thing: short forms, "
            "abbreviations, capital-city metonyms.",
            "example": ["Kursk"],
        },
    )
    description = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1),
        metadata={
            "description": "Who or what this is, in the article's terms (for a person, the role "
            "the article gives them).",
            "example": "Russian region where Ukraine attacked in August 2024; the area where North "
            "Korean soldiers now clear mines lies in it, on the border with Ukraine, north of "
            "Kharkiv.",
        },
    )
    mentions = mentions_field(
        "Every place the article names this entity, including names nested in a longer name "
        '("DPRK" in "DPRK troops").'
    )


class EntityViewArgsSchema(QueryArgsSchema):
    """Options for how each entity is returned."""

    fields_ = fields_field(EntitySchema)


class EntityQueryArgsSchema(ListQueryArgsSchema, EntityViewArgsSchema):
    """Filters, order and options for the entity list."""

    sort = sort_field("Entity", ["position", "name", "type", "id"], "`position`")

    type = ma.fields.String(
        validate=ma.validate.OneOf(list(ENTITY_TYPES)),
        metadata={
            "description": "Only entities of this type.",
            "example": "person",
            "enum_name": "EntityType",
            "enum_description": TYPE_DESCRIPTION,
        },
    )
    q = search_field("the name, aliases and description")
