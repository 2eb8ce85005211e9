"""Search: one query across an article's entities, quotes, figures, events and claims; and
one across every article, its text and its facts, in the store's full-text index."""

from flask.views import MethodView

from api.formats.registry import Content, csv_columns, respond
from api.links import fact_url, text_url
from api.store.search_index import query_tokens
from api.web.across import CURSOR_HEADERS, next_link
from api.web.blueprint import ARTICLE_ID_PARAMETER, Blueprint
from api.web.listing import list_name, paginate
from api.web.lookups import depend_on_every_article, find_article, store
from schemas.kinds import BY_SINGULAR
from schemas.search import (
    TEXT_UNIT,
    SearchAcrossQueryArgsSchema,
    SearchHitSchema,
    SearchQueryArgsSchema,
    SearchResultsSchema,
    encode_search_cursor,
)

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


across_blp = Blueprint(
    "search-across-articles",
    __name__,
    url_prefix="/v1/search",
    description="Words in every paragraph and every fact of every article served, ranked by "
    "the store's full-text index, each result with the spans of text it matched and a "
    "highlighted snippet, with facets by kind, entity, outlet and month.",
)


def result(hit):
    """A search result as the API shows it: its article, what it is, and where it matched."""
    url = text_url(hit.article_id) if hit.kind == TEXT_UNIT else None
    return {
        "article_id": hit.article_id,
        "article_version": hit.version,
        "kind": hit.kind,
        "id": hit.unit_id,
        "score": hit.score,
        "url": url or fact_url(hit.article_id, hit.kind, hit.unit_id),
        "spans": hit.spans,
        "snippet": hit.snippet,
    }


@across_blp.route("")
class SearchAcrossArticles(MethodView):
    @across_blp.doc(operationId="searchAcrossArticles")
    @across_blp.arguments(SearchAcrossQueryArgsSchema, location="query")
    @across_blp.response(
        200,
        SearchResultsSchema,
        headers=CURSOR_HEADERS,
        description="One page of results, best first, and the facets of all of them.",
    )
    @across_blp.represents("object")
    def get(self, args):
        """Search every article's text and facts

        Paragraphs of the text and facts of every kind (in the fields each kind's `q`
        searches: names, aliases, descriptions, quotes, summaries...) that hold every word of
        `q`, from the latest version of every article served, best first. Each result has the
        spans where the words stand in the text and a snippet with them marked; `facets` count
        all the results by kind, entity, outlet and month, and the filters of the same names
        narrow them. Paged by `cursor` (follow `Link: rel="next"`): the order is a key, so a
        walk returns each result once while articles are ingested.
        """
        depend_on_every_article()
        words = query_tokens(args["q"])
        size = args["page_size"]
        found, total, facets = store().search(words, args, args.get("cursor"), size + 1)
        page = found[:size]
        headers = {"X-Total-Count": str(total)}
        if len(found) > size:
            headers["Link"] = next_link(cursor=encode_search_cursor(page[-1].key))
        value = {"results": [result(hit) for hit in page], "facets": facets}
        return respond(Content("object", value, headers=headers, name="search"))
