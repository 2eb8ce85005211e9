"""Entities: the people, organisations, groups, places and weapon types an article names."""

from flask.views import MethodView

from api.articles import ARTICLE_ID_PARAMETER, find_article, find_fact
from api.blueprint import Blueprint, paginate, path_parameter
from schemas.entities import EntityQueryArgsSchema, EntitySchema

ENTITY_ID_PARAMETER = path_parameter("entity_id", "Id (slug) of the entity.", "vadym-skibytsky")

blp = Blueprint(
    "entities",
    __name__,
    url_prefix="/v1/articles/<article_id>/entities",
    description="Who and what the article names: one entity per real-world thing, with its "
    "aliases and every mention in the text.",
)


@blp.route("", parameters=[ARTICLE_ID_PARAMETER])
class Entities(MethodView):
    @blp.arguments(EntityQueryArgsSchema, location="query")
    @blp.list_response(EntitySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, article_id):
        """List the entities an article names, in order of first mention"""
        article = find_article(article_id)
        return paginate(article.find_entities(args.get("type"), args.get("q")), args)


@blp.route("/<entity_id>", parameters=[ARTICLE_ID_PARAMETER, ENTITY_ID_PARAMETER])
class EntitiesById(MethodView):
    @blp.response(200, EntitySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, article_id, entity_id):
        """Get one entity"""
        return find_fact(find_article(article_id), "entities", entity_id)
