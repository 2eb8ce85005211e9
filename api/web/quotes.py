"""Quotes: who said what, and how the words reached the article."""

from flask.views import MethodView

from api.web.blueprint import ARTICLE_ID_PARAMETER, Blueprint, path_parameter
from api.web.listing import fact_response, list_response
from api.web.lookups import find_article, find_fact, require_entity
from schemas.common import served
from schemas.quotes import QuoteQueryArgsSchema, QuoteSchema, QuoteViewArgsSchema

QUOTE_ID_PARAMETER = path_parameter(
    "quote_id", "Id (slug) of the quote.", "skibytsky-they-are-learning"
)
CSV_COLUMNS = (
    "id, text, speaker_id, kind, channel, outlet_id, mentions (`start:end` pairs); with "
    "`embed`, speaker and outlet (their names)."
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
    @blp.doc(operationId="listQuotes")
    @blp.arguments(QuoteQueryArgsSchema, location="query")
    @blp.list_response(served(QuoteSchema), CSV_COLUMNS)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, article_id):
        """List the quotes in an article

        In reading order unless `sort` says otherwise. Filter by `speaker` (an entity id) or by
        words in the quote (`q`); `embed=speaker` returns each speaker inline.
        """
        article = find_article(article_id)
        require_entity(article, "speaker", args.get("speaker"))
        quotes = article.find_quotes(args.get("speaker"), args.get("q"))
        return list_response(article, "quotes", quotes, args)


@blp.route("/<quote_id>", parameters=[ARTICLE_ID_PARAMETER, QUOTE_ID_PARAMETER])
class QuotesById(MethodView):
    @blp.doc(operationId="getQuote")
    @blp.arguments(QuoteViewArgsSchema, location="query")
    @blp.response(200, served(QuoteSchema))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.represents("object")
    def get(self, args, article_id, quote_id):
        """Get one quote

        Exactly the object the list shows for the same `fields` and `embed`.
        """
        article = find_article(article_id)
        return fact_response(article, "quotes", find_fact(article, "quotes", quote_id), args)
