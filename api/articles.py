"""Articles: the list of texts served, each one's metadata, and its exact text."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from api.blueprint import Blueprint, path_parameter
from api.jsonld import news_article
from api.listing import list_response
from api.reader import render_article_page
from api.representations import HTML, JSON, JSON_LD, TEXT, media_type, respond
from api.store import SINGULAR
from schemas.articles import (
    EXAMPLE_ARTICLE_ID,
    ArticleQueryArgsSchema,
    ArticleSchema,
    ArticleSummarySchema,
    NoQueryArgsSchema,
)

ARTICLE_ID_PARAMETER = path_parameter(
    "article_id", "Id (slug) of the article, as listed by `GET /v1/articles`.", EXAMPLE_ARTICLE_ID
)
CSV_COLUMNS = (
    "id, title, published, language, counts.entities, counts.quotes, counts.figures, counts.events."
)

# One description for the status, whichever content type flask-smorest merges last.
ARTICLE_REPRESENTATIONS = (
    "The article's metadata, counts and facets as JSON by default. With `Accept: "
    "application/ld+json`: an `@graph` of the schema.org `NewsArticle` and the nodes it links: "
    "entities (`Person`, `Organization`, `Place`, `Product`), quotes (`Quotation`), figures "
    "(`Claim` about a `QuantitativeValue`) and events (`Event`), its `@context` inline and "
    "node ids the absolute URLs of the facts (built from the URL of the request). With "
    "`Accept: text/html` (a browser): the reader page, the text with "
    "every mention highlighted in place, its timeline, quotes and figures."
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
        abort(404, message=f"No {SINGULAR[kind]} {fact_id!r} in article {article.id!r}.")
    return fact


def require_entity(article, parameter, entity_id):
    """Refuse a filter naming an entity the article does not have, rather than answer "none".

    The parameter is well-formed, so this is not a 422: the list it names does not exist,
    so it is a 404 that says which parameter named what.
    """
    if entity_id is not None and not article.has_entity(entity_id):
        abort(
            404,
            message=f"No entity {entity_id!r} in article {article.id!r} "
            f"(query parameter {parameter!r}).",
        )


def article_body(article):
    """The article's metadata with the count of each kind of fact and facet counts."""
    return {**article.metadata, "counts": article.counts, "facets": article.facets}


@blp.route("")
class Articles(MethodView):
    @blp.doc(operationId="listArticles")
    @blp.arguments(ArticleQueryArgsSchema, location="query")
    @blp.list_response(ArticleSummarySchema(), CSV_COLUMNS)
    def get(self, args):
        """List the articles

        Each with its headline, publication time, language and the number of facts of each
        kind.
        """
        summaries = [
            {name: article_body(article)[name] for name in ArticleSummarySchema().fields}
            for article in corpus().values()
        ]
        return list_response(None, "articles", summaries, args)


@blp.route("/<article_id>", parameters=[ARTICLE_ID_PARAMETER])
class ArticlesById(MethodView):
    @blp.doc(operationId="getArticle")
    @blp.arguments(NoQueryArgsSchema, location="query")
    @blp.response(200, ArticleSchema, description=ARTICLE_REPRESENTATIONS)
    @blp.alt_response(
        200,
        schema={"type": "object"},
        content_type=JSON_LD,
        success=True,
        description=ARTICLE_REPRESENTATIONS,
    )
    @blp.alt_response(
        200,
        schema={"type": "string"},
        content_type=HTML,
        success=True,
        description=ARTICLE_REPRESENTATIONS,
    )
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.offers(JSON, JSON_LD, HTML)
    def get(self, args, article_id):
        """Get an article's metadata, fact counts and facets

        The headline, standfirst, original outlet, publication time as printed (no time zone
        is given, so none is invented), view count, language, text length and SHA-256, each
        printed field anchored by a span. Counts and facets summarise the facts.
        """
        article = find_article(article_id)
        if media_type() == JSON_LD:
            return respond(news_article(article))
        if media_type() == HTML:
            return respond_html(render_article_page(article))
        return respond(article_body(article))


def respond_html(page):
    """An HTML page at a URL that also serves JSON: it must say that it varies with Accept."""
    response = current_app.response_class(page, mimetype=HTML)
    response.vary.add("Accept")
    return response


@blp.route("/<article_id>/text", parameters=[ARTICLE_ID_PARAMETER])
class ArticleText(MethodView):
    @blp.doc(operationId="getArticleText")
    @blp.arguments(NoQueryArgsSchema, location="query")
    @blp.response(
        200,
        {"type": "string"},
        content_type=TEXT,
        description="The article text, byte for byte, UTF-8. Every span's `start`/`end` are "
        "Unicode code point offsets into this text.",
    )
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.offers(TEXT)
    def get(self, args, article_id):
        """Get the exact text of an article

        The source of record every span points into, typos included; check it against the
        article's `sha256`.
        """
        article = find_article(article_id)
        return current_app.response_class(article.text, mimetype=TEXT)
