"""Output formats as a registry: a view computes its content once; a renderer shapes it.

As in Datasette (`app.renderers[name] = (render, can_render)`), each media type maps to one
`Renderer`, which says what kinds of content it can render. A view declares the kind of content
it returns (`@blp.represents("list")`), and everything else follows from this table: the media
types the URL offers, the 406 for the rest, `Vary: Accept`, and what the OpenAPI document lists
for the operation. A package adds a format by registering a renderer (the reader page
registers `text/html` for articles).

Each renderer also says whether its media type compresses (`compressible`): the serving core
sends gzip and Brotli codings of what it keeps only when the answer's renderer says so. What is
served without a renderer (the explorer's documents, static files) is declared by its media
type in `FILE_TYPES`.

A renderer may stream (`streams`): NDJSON renders a whole list, however long, as the view
reads it from the store in batches (`value` is then an iterable of batches of objects), one
chunk of lines per batch, never the whole body at once. It is offered only by views that
declare they can give a whole list (`represents("list", streams=True)`: the lists across
articles and the feed of changes), and the serving core passes its answer through unbuffered
and unkept (see `streamed`). A view with no renderer may declare that its answer is always a
stream (a file download: `represents(None, streams=True, media_types=(...))`).

A media type may carry a `profile` (RFC 6906): `application/ld+json` is the schema.org graph,
and `application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"` the same article as W3C
Web Annotations. Negotiation tells them apart by that parameter alone (see `_accepted_types`).

The kinds of content:
- `list`: a page of objects (`value`), with CSV `columns`, paging `headers` and a `name`; for
  a renderer that streams, the whole list as an iterable of batches of objects;
- `facts`: a page of a list across articles: a `list` (every format of lists renders it), and
  the page's facts whole with their articles (`article`, an `api.formats.across.FactsAcross`)
  for the linked-data formats;
- `object`: one object;
- `article`: an article's metadata (`value`) and the `article` itself;
- `text`: a plain text.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import Flask, Response, current_app, g, request
from flask_smorest import abort
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_options_header

from api.formats.annotations import ANNOTATION_MEDIA_TYPE, annotation_page, annotations_across
from api.formats.jsonld import facts_across, news_article

JSON = "application/json"
CSV = "text/csv"
JSON_LD = "application/ld+json"
ANNOTATIONS = ANNOTATION_MEDIA_TYPE
NDJSON = "application/x-ndjson"
HTML = "text/html"
TEXT = "text/plain"

SPAN_KEYS = {"start", "end", "text"}
# The fields that name an embedded object in a cell, first present first.
LABEL_KEYS = ("name", "text", "summary", "description", "id")
# Kinds of content that are a kind of another: a renderer of the broader renders them too.
BROADER = {"facts": "list"}


@dataclass(frozen=True)
class Content:
    """What a view answers, before it is rendered in a format."""

    kind: str
    value: Any
    article: Any = None
    columns: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    # What the content is called, for a file name: `<article-id>-entities`, `articles`.
    name: str = ""


@dataclass(frozen=True)
class Renderer:
    """One output format: the kinds of content it renders, how, and how the document says so."""

    media_type: str
    kinds: frozenset[str]
    render: Callable[[Content], str | bytes | Iterator[bytes]]
    # The OpenAPI schema of its output, and a sentence for the 200's description.
    schema: dict[str, Any]
    # Whether its output is worth a gzip or Brotli coding (text is; an image format is not).
    # Declared by every renderer: the core compresses what the renderer says, nothing else.
    compressible: bool = field(kw_only=True)
    description: str = ""
    # What the 200's description says instead for a kind of content, where that differs.
    descriptions: Mapping[str, str] = field(default_factory=dict)
    # Headers it adds to each response.
    headers: Mapping[str, str] = field(default_factory=dict)
    # A format people save as a file (CSV) has an extension: its responses then carry
    # `Content-Disposition: inline` with the content's name as the file name.
    extension: str = ""
    # Whether it renders a whole list as it is read (`value`: an iterable of batches), one
    # chunk per batch; offered only where a view can give a whole list.
    streams: bool = False


class Renderers:
    """The app's formats by media type, in the order they were registered (the default first)."""

    def __init__(self) -> None:
        self._by_media_type: dict[str, Renderer] = {}

    def register(self, renderer: Renderer) -> None:
        """Add a format; a later registration for the same media type replaces the earlier."""
        self._by_media_type[renderer.media_type] = renderer

    def __getitem__(self, media_type: str) -> Renderer:
        return self._by_media_type[media_type]

    def offered(self, kind: str, streams: bool = False) -> tuple[str, ...]:
        """The media types that can render this kind of content (or the kind it is a kind
        of), the default first; those that stream only where the view can give a whole list
        (`streams`)."""
        return tuple(
            media_type
            for media_type, renderer in self._by_media_type.items()
            if (kind in renderer.kinds or BROADER.get(kind) in renderer.kinds)
            and (streams or not renderer.streams)
        )


def registry(app: Flask | None = None) -> Renderers:
    """The app's renderers."""
    renderers: Renderers = (app or current_app).extensions["article_facts"]["renderers"]
    return renderers


@dataclass(frozen=True)
class Offer:
    """What a view answers: its kind of content (or fixed media types), whether its 200s
    may be cached (not so for health probes), and whether it can stream: give a whole list to
    a renderer that streams or, with no kind, answer with a stream (a file) every time."""

    kind: str | None
    cached: bool
    media_types: tuple[str, ...] = ()
    streams: bool = False

    def offered(self) -> tuple[str, ...]:
        """The media types this view can produce, the default first."""
        return registry().offered(self.kind, self.streams) if self.kind else self.media_types


def represents(
    kind: str | None, cached: bool = True, streams: bool = False, media_types: tuple[str, ...] = ()
) -> Callable[[Callable], Callable]:
    """Declare the kind of content a view returns (or, with none, its fixed media types),
    whether its 200s may be cached, and whether it can stream (see `Offer`)."""

    def decorate(view: Callable) -> Callable:
        view.offer = Offer(kind, cached, media_types, streams)  # type: ignore[attr-defined]
        return view

    return decorate


# Documents served by flask-smorest's own views, which cannot carry an offer.
DOCUMENT_ENDPOINTS = {
    "api-docs.openapi_json": Offer(None, cached=True, media_types=(JSON,)),
    "api-docs.openapi_swagger_ui": Offer(None, cached=True, media_types=(HTML,)),
}
# Static files (Flask's `static` endpoint and each blueprint's `<name>.static`: the explorer's
# assets, the reader's styles and script) are kept like any rendering; they are not
# negotiated, and send_file gives them their own lifetime (SEND_FILE_MAX_AGE_DEFAULT).
STATIC_FILES = Offer(None, cached=True)

# Media types served without a renderer (the explorer's documents, the reader's index, static
# files), and whether each is worth compressing; a type not listed is sent as it is.
FILE_TYPES = {
    JSON: True,
    HTML: True,
    TEXT: True,
    "text/css": True,
    "text/javascript": True,
    "application/javascript": True,
    "image/svg+xml": True,
    # Already compressed, or opaque bytes (swagger-ui's LICENSE and VERSION have no extension).
    "image/png": False,
    "application/octet-stream": False,
    "application/gzip": False,
}


def _find_offer() -> Offer | None:
    endpoint = request.endpoint or ""
    if endpoint in DOCUMENT_ENDPOINTS:
        return DOCUMENT_ENDPOINTS[endpoint]
    if endpoint == "static" or endpoint.endswith(".static"):
        # A file is what GET (and HEAD) answer; OPTIONS gets Flask's own answer, not the file.
        return STATIC_FILES if request.method in ("GET", "HEAD") else None
    view = current_app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView: the offer is on the method
        view = getattr(
            view_class, "get" if request.method == "HEAD" else request.method.lower(), None
        )
    return getattr(view, "offer", None)


def current_offer() -> Offer | None:
    """What the endpoint of this request offers, or None if it does not say (looked up once)."""
    if "offer" not in g:
        g.offer = _find_offer()
    offer: Offer | None = g.offer
    return offer


def compresses(media_type: str) -> bool:
    """Whether this request's answer is worth compressing, as the one who made it declares.

    A rendered answer's renderer says; anything else (a document, a file) is looked up by its
    media type (no parameters) in `FILE_TYPES`.
    """
    renderer: Renderer | None = g.get("renderer")
    if renderer is not None:
        return renderer.compressible
    return FILE_TYPES.get(media_type, False)


def streamed() -> bool:
    """Whether this request's answer is a stream, to pass through unbuffered and unkept: its
    renderer's word (NDJSON), or, for an answer without one, its view's (a file download)."""
    renderer: Renderer | None = g.get("renderer")
    if renderer is not None:
        return renderer.streams
    offer = current_offer()
    return offer is not None and offer.kind is None and offer.streams


def streaming() -> bool:
    """Whether the representation negotiated for this request streams a whole list: the view
    then reads the list in batches (see `Content`) rather than one page."""
    return registry()[g.get("media_type", JSON)].streams


def negotiate() -> str | None:
    """Pick the representation from `Accept` before any work; 406 names what can be served."""
    offer = current_offer()
    offered = offer.offered() if offer else ()
    if not offered:
        return None
    accepted = _accepted_types(offered)
    best = accepted.best_match(offered) if accepted else offered[0]
    if best is None:
        available = ", ".join(offered)
        abort(
            406,
            message=f"Cannot produce any media type in Accept; available here: {available}.",
            errors={"headers": {"Accept": [f"Available: {available}."]}},
        )
    g.media_type = best
    return best


def _accepted_types(offered: tuple[str, ...]) -> MIMEAccept:
    """The client's Accept ranges, each reduced to a media type this URL can tell apart.

    Parameters other than q are dropped: `Accept: application/json; charset=utf-8` means
    JSON (every representation here is UTF-8), and werkzeug would otherwise refuse the match.
    Except `profile` (RFC 6906), where an offered media type has one of the profiles the range
    names: that range stands for that media type exactly. A range with no profile, or only
    profiles nothing here has, is the plain media type: plain `application/ld+json` (or one
    with another profile, such as JSON-LD's own `#compacted`) is the schema.org graph.
    """
    profiled: dict[tuple[str, str], str] = {}
    for media_type in offered:
        essence, parameters = parse_options_header(media_type)
        if "profile" in parameters:
            profiled[(essence, parameters["profile"])] = media_type
    ranges: list[tuple[str, float]] = []
    for value, quality in request.accept_mimetypes:
        essence, parameters = parse_options_header(value)
        essence = essence.lower()
        named = parameters.get("profile", "").split() if profiled else ()
        chosen = next(
            (profiled[(essence, profile)] for profile in named if (essence, profile) in profiled),
            essence,
        )
        ranges.append((chosen, quality))
    return MIMEAccept(ranges)


def respond(content: Content) -> Response:
    """The response for `content` in the negotiated format, by the registry's renderer."""
    renderer = registry()[g.get("media_type", JSON)]
    # The serving core learns from it whether the answer compresses (see `compresses`).
    g.renderer = renderer
    # A streaming renderer's iterator becomes the body as it is: Flask sends it chunk by chunk.
    response = current_app.response_class(renderer.render(content), mimetype=renderer.media_type)
    offer = current_offer()
    if offer is not None and len(offer.offered()) > 1:
        response.vary.add("Accept")
    response.headers.extend(renderer.headers)
    if renderer.extension:
        # Names are slugs (`[a-z0-9-]`): nothing in them needs quoting beyond the quotes.
        filename = f'; filename="{content.name}.{renderer.extension}"' if content.name else ""
        response.headers["Content-Disposition"] = f"inline{filename}"
    response.headers.extend(content.headers)
    return response


def csv_cell(value: Any) -> str:
    """Flatten one value into a spreadsheet cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if is_span(value):
            return f"{value['start']}:{value['end']}"
        if any(key in value for key in LABEL_KEYS):
            return csv_label(value)  # an embedded object
        return csv_parts(value)
    if isinstance(value, list):
        if value and all(isinstance(item, dict) and is_span(item) for item in value):
            return " ".join(f"{item['start']}:{item['end']}" for item in value)  # mentions
        return "|".join(csv_cell(item) for item in value)
    return str(value)


def csv_parts(value: dict[str, Any]) -> str:
    """A part of a fact (a claim's statement, a figure's attribution) as `name=value` pairs:
    `cue=443:455 content=262:441`; a list inside it is comma-separated."""
    pairs = []
    for name, part in value.items():
        if isinstance(part, list):
            shown = ",".join(csv_cell(item) for item in part)
        else:
            shown = csv_cell(part)
        pairs.append(f"{name}={shown}")
    return " ".join(pairs)


def is_span(value: dict[str, Any]) -> bool:
    """Whether a dict is a text span {start, end, text}."""
    return set(value) == SPAN_KEYS


def csv_label(related: dict[str, Any]) -> str:
    """An embedded object in a cell: its name, words, summary or id."""
    for key in LABEL_KEYS:
        if related.get(key) is not None:
            return str(related[key])
    return ""


def csv_columns(
    schema: Any, chosen: Sequence[str] | None = None, embedded: Iterable[str] = ()
) -> tuple[str, ...]:
    """The CSV columns for objects of `schema`: stable, whatever a page holds.

    A nested object (a figure's period, an article's counts) becomes dotted columns; a span
    stays one `start:end` column; `chosen` (a sparse fieldset) picks and orders them, after
    `id`; embedded objects come last, one column each.
    """
    names = chosen and ["id", *(name for name in chosen if name != "id")]
    columns = []
    for name, field_ in schema.fields.items():
        if field_.dump_only or (names and name not in names):
            continue
        nested = getattr(field_, "schema", None)
        if nested is not None and not field_.many and set(nested.fields) != SPAN_KEYS:
            columns.append((name, [f"{name}.{inner}" for inner in nested.fields]))
        else:
            columns.append((name, [name]))
    if names:
        columns.sort(key=lambda column: names.index(column[0]))
    return tuple(column for _, group in columns for column in group) + tuple(embedded)


def csv_value(item: dict[str, Any], column: str) -> Any:
    """The value of a (possibly dotted) column in one item."""
    if "." in column:
        outer, inner = column.split(".", 1)
        return (item.get(outer) or {}).get(inner)
    return item.get(column)


def render_csv(content: Content) -> str:
    """RFC 4180 CSV with a header row, one row per object."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(content.columns)
    for item in content.value:
        writer.writerow([csv_cell(csv_value(item, column)) for column in content.columns])
    return out.getvalue()


def render_json(content: Content) -> bytes:
    """The content's value as JSON (orjson: UTF-8, non-ASCII characters as they are)."""
    # Validation messages for list items are keyed by index (an int).
    return orjson.dumps(content.value, option=orjson.OPT_NON_STR_KEYS)


def render_ndjson(content: Content) -> Iterator[bytes]:
    """Newline-delimited JSON: each object of each batch as the JSON list shows it, one per
    line, one chunk per batch (the core compresses and flushes each as it comes)."""
    for batch in content.value:
        lines = b"\n".join(orjson.dumps(item) for item in batch)
        if lines:
            yield lines + b"\n"


def render_json_ld(content: Content) -> bytes:
    """The article, or a page of facts across articles, as a schema.org graph."""
    if content.kind == "facts":
        return orjson.dumps(facts_across(content.article))
    return orjson.dumps(news_article(content.article))


def render_annotations(content: Content) -> bytes:
    """Every mention of every fact of the article, or of a page of facts across articles, as
    a W3C Web Annotation page."""
    if content.kind == "facts":
        return orjson.dumps(annotations_across(content.article))
    return orjson.dumps(annotation_page(content.article))


def render_text(content: Content) -> str:
    """The text, as it is."""
    return str(content.value)


BUILT_IN = (
    Renderer(
        JSON, frozenset({"list", "object", "article"}), render_json, schema={}, compressible=True
    ),
    Renderer(
        CSV,
        frozenset({"list"}),
        render_csv,
        schema={"type": "string"},
        compressible=True,
        description="With `Accept: text/csv`: CSV (RFC 4180, with a header row), one row per "
        "object, named by `Content-Disposition` (`<article-id>-<list>.csv`, `articles.csv`).",
        extension="csv",
    ),
    Renderer(
        NDJSON,
        frozenset({"list"}),
        render_ndjson,
        schema={"type": "string"},
        compressible=True,
        description=f"With `Accept: {NDJSON}`: the whole list, with its filters and no page "
        "cap (`page_size` does not apply; a `cursor` or `since` is where it starts), streamed as "
        "newline-delimited JSON: one object per line, each exactly as the JSON array shows "
        "it, in the same order. Streamed as it is read from the store, so never kept: no "
        "ETag, no Content-Length, `Cache-Control: no-store`; compressed on the fly for "
        "`Accept-Encoding: gzip` or `br`.",
        streams=True,
    ),
    Renderer(
        JSON_LD,
        frozenset({"article", "facts"}),
        render_json_ld,
        schema={"type": "object"},
        compressible=True,
        description="With `Accept: application/ld+json`: an `@graph` of the schema.org "
        "`NewsArticle` and the nodes it links: entities (`Person`, `Organization`, `Place`, "
        "`Product`, with `sameAs` their Wikidata item), quotes (`Quotation`), figures (`Claim` "
        "about a `QuantitativeValue`), events (`Event`) and claims (`Claim` with `author` and "
        "`appearance`); its `@context` inline, node ids the absolute URLs of the facts (built "
        "from the URL of the request), the text's SHA-256 on its `MediaObject` (`encoding`).",
        descriptions={
            "facts": "With `Accept: application/ld+json`: an `@graph` of each fact's node as "
            "its article's JSON-LD has it (its `@id` the fact's absolute URL under its article), "
            "and a `NewsArticle` node for each article on the page (`identifier`, `version`) "
            "linking its facts as the article's own graph does; its `@context` inline. "
            "`fields` does not apply: nodes are whole.",
        },
    ),
    Renderer(
        ANNOTATIONS,
        frozenset({"article", "facts"}),
        render_annotations,
        schema={"type": "object"},
        compressible=True,
        description=f"With `Accept: {ANNOTATIONS}`: a W3C Web Annotation `AnnotationPage`, one "
        "`Annotation` per mention of every fact in text order, its target the article's text "
        "URL with a `TextPositionSelector` and a `TextQuoteSelector` (`exact`, `prefix`, "
        "`suffix`), its bodies the fact's URL (`identifying`), kind (`classifying`) and label "
        "(`describing`). Plain `application/ld+json` is the schema.org graph.",
        descriptions={
            "facts": f"With `Accept: {ANNOTATIONS}`: a W3C Web Annotation `AnnotationPage` "
            "holding the annotations of each fact on the page, in the list's order (each "
            "fact's in text order), as its article's own page has them: its target the text "
            "URL of the fact's article with a `TextPositionSelector` and a "
            "`TextQuoteSelector`, its bodies the fact's URL, kind and label; `next` the next "
            "page's. Plain `application/ld+json` is the schema.org graph.",
        },
    ),
    Renderer(TEXT, frozenset({"text"}), render_text, schema={"type": "string"}, compressible=True),
)


def init_renderers(app: Flask) -> Renderers:
    """Give the app its registry, with the API's own formats."""
    renderers = Renderers()
    for renderer in BUILT_IN:
        renderers.register(renderer)
    app.extensions["article_facts"]["renderers"] = renderers
    return renderers
