"""Articles: the list of texts served, each one's metadata, and its exact text."""

from flask.views import MethodView

from api.formats.registry import TEXT, Content, respond
from api.web.blueprint import ARTICLE_ID_PARAMETER, Blueprint
from api.web.listing import columns_description, list_response
from api.web.lookups import depend_on_every_article, find_article, store
from schemas.articles import (
    ArticleArgsSchema,
    ArticleQueryArgsSchema,
    ArticleSchema,
    ArticleSummarySchema,
    ArticleVersionSchema,
    VersionsQueryArgsSchema,
)

CSV_COLUMNS = columns_description(ArticleSummarySchema())
VERSION_CSV_COLUMNS = columns_description(ArticleVersionSchema())

blp = Blueprint(
    "articles",
    __name__,
    url_prefix="/v1/articles",
    description="The source texts: metadata (headline, outlet, publication time, checksum) and "
    "the exact text every span points into.",
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
        kind; by id unless `sort` says otherwise (`sort=published` or `sort=-published` for
        publication order). Filters: `entity` (a Wikidata QID the article names), `outlet`
        (the original outlet's name or QID), `published_from` and `published_to` (compared
        with the publication time as printed, which has no time zone; a bound covers its
        whole span).
        """
        depend_on_every_article()
        return list_response(None, "articles", store().articles_listed(args), args)


@blp.route("/<article_id>", parameters=[ARTICLE_ID_PARAMETER])
class ArticlesById(MethodView):
    @blp.doc(operationId="getArticle")
    @blp.arguments(ArticleArgsSchema, location="query")
    @blp.response(
        200,
        ArticleSchema,
        description="The article's metadata, counts and facets, as JSON by default.",
    )
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(410, response="GONE")
    @blp.represents("article")
    def get(self, args, article_id):
        """Get an article's metadata, fact counts and facets

        The headline, standfirst, original outlet, publication time as printed (no time zone
        is given, so none is invented), view count, language, text length and SHA-256, each
        printed field anchored by a span. Counts and facets summarise the facts.
        """
        article = find_article(article_id, args.get("version"))
        return respond(Content("article", article_body(article), article))


@blp.route("/<article_id>/text", parameters=[ARTICLE_ID_PARAMETER])
class ArticleText(MethodView):
    @blp.doc(operationId="getArticleText")
    @blp.arguments(ArticleArgsSchema, location="query")
    @blp.response(
        200,
        {"type": "string"},
        content_type=TEXT,
        description="The article text, byte for byte, UTF-8. Every span's `start`/`end` are "
        "Unicode code point offsets into this text.",
    )
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(410, response="GONE")
    @blp.represents("text")
    def get(self, args, article_id):
        """Get the exact text of an article

        The source of record every span points into, typos included; check it against the
        article's `sha256`.
        """
        article = find_article(article_id, args.get("version"))
        return respond(Content("text", article.text, article))


@blp.route("/<article_id>/versions", parameters=[ARTICLE_ID_PARAMETER])
class ArticleVersions(MethodView):
    @blp.doc(operationId="listArticleVersions")
    @blp.arguments(VersionsQueryArgsSchema, location="query")
    @blp.list_response(ArticleVersionSchema(), VERSION_CSV_COLUMNS)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(410, response="GONE")
    def get(self, args, article_id):
        """List the versions of an article

        Oldest first: each version's number, ingest time, the SHA-256 of its text and of its
        annotation file, and the ids of each kind of fact it added, removed or changed. Any
        version stays readable with `?version=N` on the article's URLs.
        """
        article = find_article(article_id)
        versions = store().versions(article.id)
        return list_response(article, "versions", versions, args, name=f"{article.id}-versions")
