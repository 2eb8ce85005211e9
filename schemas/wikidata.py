"""An entity across articles: a Wikidata item, each article's name for it, and where its
facts are listed across articles."""

import marshmallow as ma

from schemas.across import article_fields
from schemas.articles import EXAMPLE_ARTICLE_ID
from schemas.common import QID_PATTERN, SLUG_PATTERN, QueryArgsSchema
from schemas.entities import WIKIDATA_ENTITY_URL, EntitySchema
from schemas.kinds import KINDS, Filter, Kind

EXAMPLE_QID = "Q423"
# As long as a QID the store keeps (`fact_qids.qid`, and an entity's `wikidata`) can be.
MAX_QID_LENGTH = 20
NOT_A_QID = (
    "Not a Wikidata QID: a QID is Q followed by digits, without leading zeros (e.g. Q423), "
    f"at most {MAX_QID_LENGTH} characters. An article's own entity ids (`north-korea`) name "
    "an entity within that article only: /v1/articles/{article_id}/entities/{entity_id}."
)

QID_PARAMETER = {
    "name": "qid",
    "in": "path",
    "required": True,
    "description": "A Wikidata item id (QID): Q followed by digits, e.g. `Q423` (North Korea).",
    "schema": {"type": "string", "pattern": QID_PATTERN, "maxLength": MAX_QID_LENGTH},
    "example": EXAMPLE_QID,
}


def qid_filter(kind: Kind) -> Filter:
    """The filter of a kind's list across articles that finds the facts naming an entity in
    any role: an entity's own QID (`wikidata`), else a filter testing several roles
    (`entity` on relations: subject or object), else the kind's one entity filter."""
    named = [spec for spec in kind.filters if spec.names_entity or spec.test == "wikidata"]
    return sorted(named, key=lambda spec: (spec.test != "wikidata", spec.test != "either"))[0]


# The kinds whose list across articles a filter can narrow to one entity, in the table's order.
LINKED_KINDS = tuple(
    kind for kind in KINDS if any(s.names_entity or s.test == "wikidata" for s in kind.filters)
)


class EntityInArticleSchema(ma.Schema):
    """How one article names the entity: its own id there, the name, type and aliases it uses."""

    article_id, article_version = article_fields("this entry").values()
    published = ma.fields.String(
        required=True,
        metadata={
            "description": "When the article was published, as printed (no time zone).",
            "example": "2025-11-16T09:39",
        },
    )
    entity_id = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(SLUG_PATTERN),
        metadata={
            "description": "The entity's id in that article, unique only there: "
            "`/v1/articles/{article_id}/entities/{entity_id}` serves it.",
            "example": "north-korea",
        },
    )
    name = EntitySchema._declared_fields["name"]
    type = EntitySchema._declared_fields["type"]
    aliases = EntitySchema._declared_fields["aliases"]
    mention_count = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=0),
        metadata={"description": "How many times that article names it.", "example": 12},
    )
    url = ma.fields.String(
        required=True,
        metadata={
            "description": "The entity in that article, in the API.",
            "example": f"/v1/articles/{EXAMPLE_ARTICLE_ID}/entities/north-korea",
        },
    )


# Named, so the OpenAPI document names it (WikidataEntityLinks): one link per list across
# articles that a QID narrows, from the kind table, and the articles naming it.
WikidataEntityLinksSchema = type(
    "WikidataEntityLinksSchema",
    (ma.Schema,),
    {
        "__doc__": "Where the entity's facts are listed across articles, each a URL of this API.",
        "articles": ma.fields.String(
            required=True,
            metadata={
                "description": "The articles that name it.",
                "example": f"/v1/articles?entity={EXAMPLE_QID}",
            },
        ),
        **{
            kind.path: ma.fields.String(
                required=True,
                metadata={
                    "description": f"The {kind.plural_noun} across articles with "
                    f"`{qid_filter(kind).parameter}` this QID.",
                    "example": f"/v1/{kind.path}?{qid_filter(kind).parameter}={EXAMPLE_QID}",
                },
            )
            for kind in LINKED_KINDS
        },
    },
)


class WikidataEntitySchema(ma.Schema):
    """One entity across articles: its Wikidata item, how each article names it, and where its
    quotes, claims, relations and timeline are listed across articles."""

    qid = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(QID_PATTERN),
        metadata={"description": "The Wikidata item id.", "example": EXAMPLE_QID},
    )
    wikidata_url = ma.fields.String(
        required=True,
        metadata={
            "description": "The item on Wikidata.",
            "example": WIKIDATA_ENTITY_URL + EXAMPLE_QID,
        },
    )
    article_count = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=1),
        metadata={"description": "How many articles served name it.", "example": 2},
    )
    mention_count = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=1),
        metadata={"description": "How many times they name it, in all.", "example": 14},
    )
    articles = ma.fields.List(
        ma.fields.Nested(EntityInArticleSchema),
        required=True,
        metadata={
            "description": "Each article's entity with this QID, at the article's latest "
            "version (withdrawn articles left out), by publication (oldest first), then "
            "article id."
        },
    )
    links = ma.fields.Nested(
        WikidataEntityLinksSchema,
        required=True,
        metadata={
            "description": "Its facts across articles (quotes, figures, timeline, claims, "
            "relations, entities) and the articles naming it: URLs of this API, filtered by "
            "this QID. There is no filter for the claims about it: a claim names its "
            "claimants, not what it is about."
        },
    )


class WikidataEntityArgsSchema(QueryArgsSchema):
    """The entity across articles takes no query parameters."""
