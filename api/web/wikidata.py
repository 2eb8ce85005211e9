"""An entity across articles: `GET /v1/wikidata/{qid}`.

Every article served that names the entity by its Wikidata QID, with the name, type and
aliases that article uses, counted; and links to the lists across articles narrowed to it.
Read from the facts index in one query; like the lists across articles it depends on the
whole store, so a kept rendering holds until the store's generation changes.
"""

import re

import orjson
from flask import url_for
from flask.views import MethodView
from flask_smorest import abort

from api.formats.registry import Content, respond
from api.links import fact_url
from api.store.fact_index import IndexedFact
from api.web.blueprint import Blueprint
from api.web.lookups import depend_on_every_article, store
from schemas.common import QID_PATTERN
from schemas.entities import WIKIDATA_ENTITY_URL
from schemas.wikidata import (
    LINKED_KINDS,
    MAX_QID_LENGTH,
    NOT_A_QID,
    QID_PARAMETER,
    WikidataEntityArgsSchema,
    WikidataEntitySchema,
    qid_filter,
)

blp = Blueprint(
    "wikidata",
    __name__,
    url_prefix="/v1/wikidata",
    description="One entity across articles, named by its Wikidata item: the articles that "
    "name it, the names and types each uses, and its facts across articles.",
)


def require_qid(qid: str) -> None:
    """Refuse what is not a QID with a 422 that says what one looks like."""
    # fullmatch: the pattern's `$` alone would let a trailing newline through.
    if len(qid) > MAX_QID_LENGTH or not re.fullmatch(QID_PATTERN, qid):
        abort(
            422,
            message=f"Invalid path parameter 'qid': {NOT_A_QID}",
            errors={"path": {"qid": [NOT_A_QID]}},
        )


def links(qid: str) -> dict[str, str]:
    """The lists across articles narrowed to the entity, and the articles that name it."""
    return {
        "articles": url_for("articles.Articles", entity=qid),
        **{
            kind.path: url_for(
                f"across-articles.{kind.path.title()}AcrossArticles",
                **{qid_filter(kind).parameter: qid},
            )
            for kind in LINKED_KINDS
        },
    }


def entity_across_articles(qid: str, found: list[IndexedFact]) -> dict:
    """The entity as `GET /v1/wikidata/{qid}` shows it, from its entities in each article."""
    named = []
    for row in found:
        entity = orjson.loads(row.body)
        named.append(
            {
                "article_id": row.article_id,
                "article_version": row.version,
                "published": row.key[1],
                "entity_id": entity["id"],
                "name": entity["name"],
                "type": entity["type"],
                "aliases": entity["aliases"],
                "mention_count": len(entity["mentions"]),
                "url": fact_url(row.article_id, "entity", entity["id"]),
            }
        )
    return {
        "qid": qid,
        "wikidata_url": WIKIDATA_ENTITY_URL + qid,
        "article_count": len({item["article_id"] for item in named}),
        "mention_count": sum(item["mention_count"] for item in named),
        "articles": named,
        "links": links(qid),
    }


def find_entity(qid: str) -> dict:
    """The entity across articles, or a 422 for what is not a QID and a 404 for a QID that
    no article served names."""
    require_qid(qid)
    depend_on_every_article()
    found = store().entities_carrying(qid)
    if not found:
        abort(
            404,
            message=f"No article served names {qid}: no entity carries that Wikidata item. "
            "Another article may name it later.",
        )
    return entity_across_articles(qid, found)


@blp.route("/<qid>", parameters=[QID_PARAMETER])
class WikidataEntity(MethodView):
    @blp.doc(operationId="getWikidataEntity")
    @blp.arguments(WikidataEntityArgsSchema, location="query")
    @blp.response(200, WikidataEntitySchema, description="The entity across articles, as JSON.")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.represents("object")
    def get(self, args, qid):
        """Get an entity across articles, by its Wikidata QID

        Every article served that names it (each at its latest version) with the entity's id,
        name, type and aliases there and how often it is named; the totals; and links to its
        quotes, figures, timeline, claims and relations across articles. A QID that no article
        served names is a 404; what is not a QID is a 422 that says what one looks like.
        """
        return respond(Content("object", find_entity(qid)))
