"""Quotes: who said what, and how the words reached the article."""

from flask.views import MethodView

from api.articles import ARTICLE_ID_PARAMETER, find_article, find_fact, require_entity
from api.blueprint import Blueprint, paginate, path_parameter
from schemas.quotes import QuoteQueryArgsSchema, QuoteSchema

QUOTE_ID_PARAMETER = path_parameter(
    "quote_id", "Id (slug) of the quote.", "skibytsky-they-are-learning"
)

blp = Blueprint(
    "quotes",
    __name__,
    url_prefix="/v1/articles/<article_id>/quotes",
    description="Every direct or partial quotation: the exact words, the speaker and the "
    "channel (interview, statement, report) where the article says.",
)


@blp.route("", parameters=[ARTICLE_ID_PARAMETER])
class Quotes(MethodView):
    @blp.arguments(QuoteQueryArgsSchema, location="query")
    @blp.list_response(QuoteSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, article_id):
        """List the quotes in an article, in reading order"""
        article = find_article(article_id)
        require_entity(article, "speaker", args.get("speaker"))
        return paginate(article.find_quotes(args.get("speaker"), args.get("q")), args)


@blp.route("/<quote_id>", parameters=[ARTICLE_ID_PARAMETER, QUOTE_ID_PARAMETER])
class QuotesById(MethodView):
    @blp.response(200, QuoteSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, article_id, quote_id):
        """Get one quote"""
        return find_fact(find_article(article_id), "quotes", quote_id)
