"""Articles: the list of texts served, each one's metadata, and its exact text."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from api.blueprint import Blueprint, paginate, path_parameter
from schemas.articles import EXAMPLE_ARTICLE_ID, ArticleSchema, ArticleSummarySchema
from schemas.common import ListQueryArgsSchema

ARTICLE_ID_PARAMETER = path_parameter(
    "article_id", "Id (slug) of the article, as listed by `GET /v1/articles`.", EXAMPLE_ARTICLE_ID
)

blp = Blueprint(
    "articles",
    __name__,
    url_prefix="/v1/articles",
    description="The source texts: metadata (headline, outlet, publication time, checksum) and "
    "the exact text every span points into.",
)


def corpus():
    """The articles this app serves, by id."""
    return current_app.extensions["article_facts"]["corpus"]


def find_article(article_id):
    """The article with this id, or a 404 naming it."""
    article = corpus().get(article_id)
    if article is None:
        abort(404, message=f"No article {article_id!r}.")
    return article


def find_fact(article, kind, fact_id):
    """The fact of this kind and id in the article, or a 404 naming both."""
    fact = article.find(kind, fact_id)
    if fact is None:
        singular = {
            "entities": "entity",
            "quotes": "quote",
            "figures": "figure",
            "events": "event",
        }[kind]
        abort(404, message=f"No {singular} {fact_id!r} in article {article.id!r}.")
    return fact


def require_entity(article, parameter, entity_id):
    """Reject a filter naming an entity the article does not have: a typo, not a question."""
    if entity_id is not None and not article.has_entity(entity_id):
        message = f"No entity {entity_id!r} in article {article.id!r}."
        abort(
            422,
            message=f"Invalid query parameter {parameter!r}: {message}",
            errors={"query": {parameter: [message]}},
        )


def article_body(article):
    """The article's metadata with the count of each kind of fact."""
    return {**article.metadata, "counts": article.counts}


@blp.route("")
class Articles(MethodView):
    @blp.arguments(ListQueryArgsSchema, location="query")
    @blp.list_response(ArticleSummarySchema)
    def get(self, args):
        """List the articles"""
        return paginate([article_body(article) for article in corpus().values()], args)


@blp.route("/<article_id>", parameters=[ARTICLE_ID_PARAMETER])
class ArticlesById(MethodView):
    @blp.response(200, ArticleSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, article_id):
        """Get an article's metadata and fact counts"""
        return article_body(find_article(article_id))


@blp.route("/<article_id>/text", parameters=[ARTICLE_ID_PARAMETER])
class ArticleText(MethodView):
    @blp.response(
        200,
        {"type": "string"},
        content_type="text/plain",
        description="The article text, byte for byte, UTF-8. Every span's `start`/`end` are "
        "Unicode code point offsets into this text.",
    )
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, article_id):
        """Get the exact text of an article"""
        article = find_article(article_id)
        return current_app.response_class(article.text, mimetype="text/plain")
