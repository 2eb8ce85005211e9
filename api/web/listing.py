"""Shaping facts into a response: order, page, related objects inline, chosen fields."""

from urllib.parse import urlencode

from flask import current_app, request

from api.formats.registry import Content, csv_columns, respond
from schemas.articles import ArticleSummarySchema, ArticleVersionSchema
from schemas.dates import date_bounds
from schemas.kinds import BY_NAME, KINDS

LIST_SCHEMAS = {
    **{kind.name: kind.schema() for kind in KINDS},
    "articles": ArticleSummarySchema(),
    "versions": ArticleVersionSchema(),
}


def columns_description(schema, relations=None):
    """The CSV columns of a list, as the CSV renderer writes them from its schema."""
    text = (
        f"{', '.join(csv_columns(schema))}. A span is `start:end`, `mentions` are `start:end` "
        "pairs separated by spaces, and a list of ids is `|`-separated."
    )
    if relations:
        text += (
            f" With `embed`, {', '.join(relations)} (their names, words or summaries, "
            "`|`-separated)."
        )
    return text


def _sort_key(name):
    if name == "position":  # reading order: the first mention
        return lambda fact: fact["mentions"][0]["start"]
    if name == "date":  # a partial date sorts by the span it covers
        return lambda fact: date_bounds(fact["date"])
    # Missing values (a quote with no channel) sort last ascending, first descending.
    return lambda fact: (fact[name] is None, fact[name] if fact[name] is not None else "")


def sort_facts(facts, keys):
    """Order facts by `keys` (`-` for descending), the first key most significant."""
    ordered = list(facts)
    for key in reversed(keys):  # stable sorts, least significant key first
        ordered.sort(key=_sort_key(key.removeprefix("-")), reverse=key.startswith("-"))
    return ordered


def pagination_metadata(page, page_size, total):
    """X-Pagination's object, in flask-smorest's format: `total` and `total_pages`, then the
    first and last page, this page and its neighbours where they exist."""
    metadata = {"total": total, "total_pages": (total - 1) // page_size + 1 if total else 0}
    if total:
        metadata.update(first_page=1, last_page=metadata["total_pages"])
        if page <= metadata["last_page"]:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < metadata["last_page"]:
                metadata["next_page"] = page + 1
    return metadata


def paginate(items, args):
    """Cut one page out of `items`; return it with the X-Pagination and Link headers.

    X-Pagination keeps flask-smorest's format. Link (RFC 8288) gives first/prev/next/last
    URLs that keep every other query parameter as the client sent it. A page past the end is
    an empty list whose links still lead back.
    """
    page, page_size = args["page"], args["page_size"]
    first_item = (page - 1) * page_size
    page_items = list(items[first_item : first_item + page_size])
    metadata = pagination_metadata(page, page_size, len(items))
    last_page = max(metadata.get("last_page", 1), 1)
    targets = {"first": 1, "last": last_page}
    if page > 1:
        targets["prev"] = min(page - 1, last_page)
    if page < last_page:
        targets["next"] = page + 1
    query = request.args.to_dict(flat=False)
    links = []
    for relation in ("first", "prev", "next", "last"):
        if relation in targets:
            query["page"] = [str(targets[relation])]
            links.append(f'<{request.path}?{urlencode(query, doseq=True)}>; rel="{relation}"')
    headers = {"X-Pagination": current_app.json.dumps(metadata), "Link": ", ".join(links)}
    return page_items, headers


def shape(article, kind, fact, args):
    """The fact as the client asked for it: chosen fields (id always), related objects inline."""
    chosen = args.get("fields_")
    if chosen:
        shaped = {name: fact[name] for name in ["id", *(name for name in chosen if name != "id")]}
    else:
        shaped = dict(fact)
    for relation in args.get("embed") or ():
        related = BY_NAME[kind].relations[relation]
        ids = fact[related.id_field]
        if related.many:
            shaped[relation] = [article.find(related.kind, related_id) for related_id in ids]
        else:
            shaped[relation] = article.find(related.kind, ids) if ids else None
    return shaped


def list_name(article):
    """What the list answering this request is called, for a file name.

    The list's resource (its blueprint: `entities`, `timeline`, `search`...) after the
    article's id, or alone for the list of articles: `<article-id>-entities`, `articles`.
    """
    return f"{article.id}-{request.blueprint}" if article else request.blueprint


def list_response(article, kind, facts, args, name=None):
    """A page of facts, ordered and shaped as asked, in the negotiated representation;
    `name` names its CSV file (by default, after the article and the resource)."""
    if args.get("sort"):
        facts = sort_facts(facts, args["sort"])
    page, headers = paginate(facts, args)
    shaped = [shape(article, kind, fact, args) for fact in page]
    columns = csv_columns(LIST_SCHEMAS[kind], args.get("fields_"), args.get("embed") or ())
    return respond(
        Content(
            "list",
            shaped,
            article,
            columns=columns,
            headers=headers,
            name=name or list_name(article),
        )
    )


def fact_response(article, kind, fact, args):
    """One fact, shaped exactly as the list shows it with the same options."""
    return respond(Content("object", shape(article, kind, fact, args), article))
