"""Entities: the people, organisations, groups, places and weapon types an article names."""

from flask.views import MethodView

from api.web.blueprint import ARTICLE_ID_PARAMETER, Blueprint, path_parameter
from api.web.listing import fact_response, list_response
from api.web.lookups import find_article, find_fact
from schemas.common import served
from schemas.entities import EntityQueryArgsSchema, EntitySchema, EntityViewArgsSchema

ENTITY_ID_PARAMETER = path_parameter("entity_id", "Id (slug) of the entity.", "vadym-skibytsky")
CSV_COLUMNS = (
    "id, name, type, aliases (`|`-separated), description, wikidata (a QID or empty), mentions "
    "(`start:end` pairs)."
)

blp = Blueprint(
    "entities",
    __name__,
    url_prefix="/v1/articles/<article_id>/entities",
    description="Who and what the article names: one entity per real-world thing, with its "
    "aliases, its Wikidata item where confirmed, and every mention in the text.",
)


@blp.route("", parameters=[ARTICLE_ID_PARAMETER])
class Entities(MethodView):
    @blp.doc(operationId="listEntities")
    @blp.arguments(EntityQueryArgsSchema, location="query")
    @blp.list_response(served(EntitySchema), CSV_COLUMNS)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, article_id):
        """List the entities an article names

        In reading order (first mention) unless `sort` says otherwise. Filter by `type`, by
        words in the name, aliases or description (`q`), or by Wikidata item (`wikidata`: a QID,
        or `true`/`false` for entities with or without one).
        """
        article = find_article(article_id)
        entities = article.find_entities(args.get("type"), args.get("q"), args.get("wikidata"))
        return list_response(article, "entities", entities, args)


@blp.route("/<entity_id>", parameters=[ARTICLE_ID_PARAMETER, ENTITY_ID_PARAMETER])
class EntitiesById(MethodView):
    @blp.doc(operationId="getEntity")
    @blp.arguments(EntityViewArgsSchema, location="query")
    @blp.response(200, served(EntitySchema))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.represents("object")
    def get(self, args, article_id, entity_id):
        """Get one entity

        Exactly the object the list shows for the same `fields`.
        """
        article = find_article(article_id)
        return fact_response(article, "entities", find_fact(article, "entities", entity_id), args)
