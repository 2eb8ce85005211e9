"""Search: one query across an article's entities, quotes, figures and events."""

from flask.views import MethodView

from api.articles import ARTICLE_ID_PARAMETER, find_article
from api.blueprint import Blueprint
from api.listing import paginate
from api.representations import JSON, respond
from schemas.search import SearchHitSchema, SearchQueryArgsSchema

# Where each kind of hit lives under the article.
COLLECTIONS = {"entity": "entities", "quote": "quotes", "figure": "figures", "event": "timeline"}
STORE_KINDS = {"entity": "entities", "quote": "quotes", "figure": "figures", "event": "events"}

blp = Blueprint(
    "search",
    __name__,
    url_prefix="/v1/articles/<article_id>/search",
    description="One query across every kind of fact, with the exact span where it matched.",
)


@blp.route("", parameters=[ARTICLE_ID_PARAMETER])
class Search(MethodView):
    @blp.doc(operationId="searchFacts")
    @blp.arguments(SearchQueryArgsSchema, location="query")
    @blp.response(
        200, SearchHitSchema(many=True), headers={"X-Pagination": "PAGINATION", "Link": "LINK"}
    )
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.offers(JSON)
    def get(self, args, article_id):
        """Search an article's facts

        Hits where the words occur in the text inside a fact's mention come first, in text
        order, each with the exact span (`match`) and the mention containing it; then facts
        whose annotation alone matches (`field: annotation`).
        """
        article = find_article(article_id)
        kinds = [STORE_KINDS[kind] for kind in args.get("kind") or STORE_KINDS]
        hits = article.search(args["q"], kinds)
        page, headers = paginate(hits, args)
        base = f"/v1/articles/{article.id}"
        for hit in page:
            hit["url"] = f"{base}/{COLLECTIONS[hit['kind']]}/{hit['id']}"
        return respond(page, headers)
