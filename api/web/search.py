"""Search: one query across an article's entities, quotes, figures, events and claims."""

from flask.views import MethodView

from api.formats.registry import Content, csv_columns, respond
from api.links import fact_url
from api.web.blueprint import ARTICLE_ID_PARAMETER, Blueprint
from api.web.listing import list_name, paginate
from api.web.lookups import find_article
from schemas.kinds import BY_SINGULAR
from schemas.search import SearchHitSchema, SearchQueryArgsSchema

CSV_COLUMNS = (
    "kind, id, label, url, field, match and mention (`start:end`); one row per hit. The matched "
    "words are the text of the article between the `match` offsets."
)

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
    @blp.list_response(SearchHitSchema(), CSV_COLUMNS)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(410, response="GONE")
    def get(self, args, article_id):
        """Search an article's facts

        Hits where the words occur in the text inside a fact's mention come first, in text
        order, each with the exact span (`match`) and the mention containing it; then facts
        whose annotation alone matches (`field: annotation`).
        """
        article = find_article(article_id, args.get("version"))
        kinds = [BY_SINGULAR[kind].name for kind in args.get("kind") or BY_SINGULAR]
        page, headers = paginate(article.search(args["q"], kinds), args)
        hits = [{**hit, "url": fact_url(article.id, hit["kind"], hit["id"])} for hit in page]
        columns = csv_columns(SearchHitSchema())
        return respond(
            Content(
                "list", hits, article, columns=columns, headers=headers, name=list_name(article)
            )
        )
