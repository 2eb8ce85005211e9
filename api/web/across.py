"""Lists across articles, built from the kind table, and the feed of changes.

`GET /v1/<path>` (`/v1/entities`, `/v1/timeline`...) lists a kind's facts from the latest
version of every article served, each with its `article_id` and `article_version`, paged by
cursor in a stable order, so that a walk over every page returns each fact once even while
articles are ingested. `GET /v1/changes` lists the versions ingested, in ingest order.

Both depend on the whole store: a kept rendering holds until its generation changes.

With `Accept: application/x-ndjson` each streams the whole list instead of a page: read from
the store in keyset batches (`ARTICLE_FACTS_STREAM_BATCH_SIZE` rows a query, each query a
short transaction of its own) and rendered a batch at a time, never whole. See the store's
`facts_across_in_batches` for what a stream shows while articles are ingested.
"""

import functools
from urllib.parse import urlencode, urljoin

import orjson
from flask import current_app, request
from flask.views import MethodView

from api.formats.across import FactAcross, FactsAcross
from api.formats.registry import Content, csv_columns, respond, streaming
from api.web.blueprint import Blueprint
from api.web.listing import columns_description
from api.web.lookups import depend_on_every_article, read_version, store
from schemas.across import (
    ChangeSchema,
    ChangesQueryArgsSchema,
    across_query_args,
    encode_cursor,
    served_with_article,
)
from schemas.kinds import BY_NAME, KINDS, Kind

# Headers of a list paged by cursor, as OpenAPI header components (see api.Api).
CURSOR_HEADERS = {"X-Total-Count": "TOTAL_COUNT", "Link": "NEXT_LINK"}
ARTICLE_COLUMNS = ("article_id", "article_version")

blp = Blueprint(
    "across-articles",
    __name__,
    url_prefix="/v1",
    description="Facts of one kind from every article served, at each article's latest "
    "version: entities, quotes, figures, events, claims and relations, filtered by Wikidata "
    "QID where a filter names an entity, and paged by cursor.",
)
changes_blp = Blueprint(
    "changes",
    __name__,
    url_prefix="/v1/changes",
    description="What each ingested version changed, in ingest order, for clients that keep "
    "a copy of the facts up to date.",
)


def replaced_url(**replaced):
    """This request's path and query with the given parameters replaced."""
    query = request.args.to_dict(flat=False)
    query.update({name: [str(value)] for name, value in replaced.items()})
    return f"{request.path}?{urlencode(query, doseq=True)}"


def next_link(**replaced):
    """`Link: rel="next"`: this request's URL with the given parameters replaced."""
    return f'<{replaced_url(**replaced)}>; rel="next"'


def with_article(fact, article_id, version, chosen):
    """A fact as the list across articles shows it: its article first, then its fields."""
    if chosen:
        fact = {name: fact[name] for name in ["id", *(name for name in chosen if name != "id")]}
    return {"article_id": article_id, "article_version": version, **fact}


def streamed_with_article(row):
    """A fact as `with_article` shows it (every field), spliced from its stored JSON: the
    bytes orjson would write for the same object, without parsing it again."""
    head = orjson.dumps({"article_id": row.article_id, "article_version": row.version})
    return orjson.Fragment(head[:-1] + b"," + row.body.encode("utf-8")[1:])


def batch_size():
    """Rows each query of a stream reads (ARTICLE_FACTS_STREAM_BATCH_SIZE)."""
    return current_app.config["STREAM_BATCH_SIZE"]


# Bounded: `fields` makes as many keys as clients choose.
@functools.lru_cache(maxsize=256)
def across_columns(kind_name: str, chosen: tuple[str, ...] | None) -> tuple[str, ...]:
    """The CSV columns of a list across articles: worked out once, not per request."""
    return ARTICLE_COLUMNS + csv_columns(BY_NAME[kind_name].schema(), chosen)


def list_view(kind: Kind):
    """The view of one kind's list across articles."""

    def list_across(self, args):
        depend_on_every_article()
        chosen = args.get("fields_")
        columns = across_columns(kind.name, tuple(chosen) if chosen else None)
        if streaming():
            batches = store().facts_across_in_batches(
                kind.name, args, args.get("cursor"), batch_size()
            )
            shown = (
                [
                    with_article(orjson.loads(row.body), row.article_id, row.version, chosen)
                    if chosen
                    else streamed_with_article(row)
                    for row in batch
                ]
                for batch in batches
            )
            return respond(Content("list", shown, None, columns, name=kind.path))
        size = args["page_size"]
        found, total = store().facts_across(kind.name, args, args.get("cursor"), size + 1)
        page = [
            FactAcross(row.article_id, row.version, orjson.loads(row.body)) for row in found[:size]
        ]
        items = [with_article(item.fact, item.article_id, item.version, chosen) for item in page]
        headers = {"X-Total-Count": str(total)}
        next_url = None
        if len(found) > size:
            next_url = replaced_url(cursor=encode_cursor(found[size - 1].key))
            headers["Link"] = f'<{next_url}>; rel="next"'
        # The linked-data formats: the facts whole, their articles read only if asked for.
        whole = FactsAcross(
            kind,
            page,
            read_version,
            request.url,
            urljoin(request.url, next_url) if next_url else None,
        )
        return respond(Content("facts", items, whole, columns, headers, name=kind.path))

    list_across.__doc__ = (
        f"List {kind.plural_noun} across articles\n\n"
        f"From the latest version of every article served, each with its `article_id` and "
        f"`article_version`, {'by date, then ' if kind.order == 'date' else 'by '}the "
        "article's publication, then the article's own order; paged by `cursor` (follow "
        '`Link: rel="next"`). A filter that names an entity takes its Wikidata QID.'
    )
    return blp.doc(operationId=f"{kind.list_operation}AcrossArticles")(
        blp.arguments(across_query_args(kind), location="query")(
            blp.list_response(
                served_with_article(kind),
                ", ".join(ARTICLE_COLUMNS) + ", then " + columns_description(kind.schema()),
                headers=CURSOR_HEADERS,
                kind="facts",
                streams=True,
            )(list_across)
        )
    )


for kind_ in KINDS:
    view_class = type(
        f"{kind_.path.title()}AcrossArticles", (MethodView,), {"get": list_view(kind_)}
    )
    blp.route(f"/{kind_.path}")(view_class)


@changes_blp.route("")
class Changes(MethodView):
    @changes_blp.doc(operationId="listChanges")
    @changes_blp.arguments(ChangesQueryArgsSchema, location="query")
    @changes_blp.list_response(
        ChangeSchema(),
        columns_description(ChangeSchema()),
        headers={"Link": "NEXT_LINK"},
        streams=True,
    )
    def get(self, args):
        """List what each ingested version and withdrawal changed, in order

        One entry per version written and per article withdrawn, oldest first: the action,
        the article, the version, when it was ingested (and withdrawn, with the reason) and
        the ids of each kind of fact it added, removed or changed; a withdrawal removes every
        id. Pass the last `generation` seen as `since` (`Link: rel="next"` does): a client
        that does misses no change and sees none twice. An empty page means nothing new yet.
        """
        depend_on_every_article()
        columns = csv_columns(ChangeSchema())
        if streaming():
            batches = store().changes_in_batches(args["since"], batch_size())
            return respond(Content("list", batches, None, columns, name="changes"))
        entries = store().changes_since(args["since"], args["page_size"])
        since = entries[-1]["generation"] if entries else args["since"]
        headers = {"Link": next_link(since=since)}
        return respond(Content("list", entries, None, columns, headers, name="changes"))
