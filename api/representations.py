"""One URL, several representations: content negotiation, CSV, and the response cache.

The data never changes while a process runs, so a response is rendered once per distinct
request (path, query string, negotiated media type) and kept with its ETag in a bounded LRU
cache. Later requests for it skip the view entirely: validation, filtering and serialization
all happened the first time. A request whose `If-None-Match` carries the ETag gets a 304.
"""

import csv
import hashlib
import io
import threading

from cachetools import LRUCache
from flask import Response, current_app, g, request
from flask_smorest import abort
from werkzeug.datastructures import MIMEAccept

from api.fastpath import CACHEABLE

JSON = "application/json"
CSV = "text/csv"
JSON_LD = "application/ld+json"
HTML = "text/html"
TEXT = "text/plain"

SPAN_KEYS = {"start", "end", "text"}


def offers(*media_types, cached=True):
    """Declare the media types a view can produce (the default first), and whether its 200s
    are immutable renderings to keep (not so for health probes, which must answer live)."""

    def decorate(view):
        view.offer = Offer(media_types, cached)
        return view

    return decorate


class Offer:
    """What a view offers: its media types and whether its responses are kept."""

    def __init__(self, media_types, cached):
        self.media_types = media_types
        self.cached = cached


# Documents served by flask-smorest's own views, which cannot carry `offers`.
DOCUMENT_ENDPOINTS = {
    "api-docs.openapi_json": Offer((JSON,), cached=True),
    "api-docs.openapi_swagger_ui": Offer((HTML,), cached=True),
}


def _find_offer():
    if request.endpoint in DOCUMENT_ENDPOINTS:
        return DOCUMENT_ENDPOINTS[request.endpoint]
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView: the offer is on the method
        view = getattr(
            view_class, "get" if request.method == "HEAD" else request.method.lower(), None
        )
    return getattr(view, "offer", None)


def current_offer():
    """What the endpoint of this request offers, or None if it does not say (looked up once)."""
    if "offer" not in g:
        g.offer = _find_offer()
    return g.offer


def offered_media_types():
    """The media types the endpoint of this request can produce, or None if it does not say."""
    offer = current_offer()
    return offer.media_types if offer else None


def negotiate():
    """Pick the representation from `Accept` before any work; 406 names what can be served."""
    offered = offered_media_types()
    if not offered:
        return None
    accepted = _accepted_types()
    if not accepted:
        g.media_type = offered[0]
        return offered[0]
    best = accepted.best_match(offered)
    if best is None:
        available = ", ".join(offered)
        abort(
            406,
            message=f"Cannot produce any media type in Accept; available here: {available}.",
            errors={"headers": {"Accept": [f"Available: {available}."]}},
        )
    g.media_type = best
    return best


def _accepted_types():
    """The client's Accept ranges, ignoring media type parameters other than q.

    `Accept: application/json; charset=utf-8` means JSON: parameters on a range would
    otherwise make werkzeug refuse the match, and every representation here is UTF-8.
    """
    return MIMEAccept(
        [(value.split(";")[0].strip(), quality) for value, quality in request.accept_mimetypes]
    )


def media_type():
    """The representation negotiated for this request."""
    return g.get("media_type", JSON)


def csv_cell(value):
    """Flatten one value into a spreadsheet cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return f"{value['start']}:{value['end']}" if is_span(value) else csv_label(value)
    if isinstance(value, list):
        if value and all(isinstance(item, dict) and is_span(item) for item in value):
            return " ".join(f"{item['start']}:{item['end']}" for item in value)  # mentions
        return "|".join(csv_cell(item) for item in value)
    return str(value)


def is_span(value):
    """Whether a dict is a text span {start, end, text}."""
    return set(value) == SPAN_KEYS


def csv_label(related):
    """An embedded object in a cell: its name, words, summary or id."""
    for key in ("name", "text", "summary", "description", "id"):
        if related.get(key) is not None:
            return str(related[key])
    return ""


def csv_columns(schema, chosen=None, embedded=()):
    """The CSV columns for objects of `schema`: stable, whatever a page holds.

    A nested object (a figure's period, an article's counts) becomes dotted columns; a span
    stays one `start:end` column; `chosen` (a sparse fieldset) picks and orders them, after
    `id`; embedded objects come last, one column each.
    """
    names = chosen and ["id", *(name for name in chosen if name != "id")]
    columns = []
    for name, field in schema.fields.items():
        if field.dump_only or (names and name not in names):
            continue
        nested = getattr(field, "schema", None)
        if nested is not None and not field.many and set(nested.fields) != SPAN_KEYS:
            columns.append((name, [f"{name}.{inner}" for inner in nested.fields]))
        else:
            columns.append((name, [name]))
    if names:
        columns.sort(key=lambda column: names.index(column[0]))
    return [column for _, group in columns for column in group] + list(embedded)


def csv_value(item, column):
    """The value of a (possibly dotted) column in one item."""
    if "." in column:
        outer, inner = column.split(".", 1)
        return (item.get(outer) or {}).get(inner)
    return item.get(column)


def render_csv(items, columns):
    """RFC 4180 CSV with a header row, one row per object."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for item in items:
        writer.writerow([csv_cell(csv_value(item, column)) for column in columns])
    return out.getvalue()


def respond(payload, headers=None, columns=None):
    """A response in the negotiated representation of `payload` (an object or a list).

    `columns` are the CSV columns, for lists that offer CSV.
    """
    chosen = media_type()
    if chosen == CSV:
        body = render_csv(payload, columns)
        response = current_app.response_class(body, mimetype=CSV)
        response.headers["Content-Disposition"] = "inline"
    else:
        response = current_app.json.response(payload)
        if chosen != JSON:
            response.mimetype = chosen
    if len(offered_media_types() or ()) > 1:
        response.vary.add("Accept")
    response.headers.extend(headers or {})
    return response


class ResponseCache:
    """Rendered responses by request, with their strong ETags, in a size-bounded LRU.

    The bound is on body bytes (`max_bytes`): with the default 32 MiB the cache can never hold
    more than that, whatever clients ask for; the least recently used entries go first.
    """

    def __init__(self, max_bytes):
        self._entries = LRUCache(maxsize=max_bytes, getsizeof=lambda entry: len(entry[0]) + 256)
        # gthread workers share the cache between threads; cachetools is not thread-safe.
        self._lock = threading.Lock()

    @property
    def size_bytes(self):
        """Memory the cached bodies take now, as counted against the bound."""
        return self._entries.currsize

    @staticmethod
    def key():
        """What makes two requests the same: origin, path, raw query string, representation.

        The origin (scheme and host, as a trusted proxy forwards them) is part of it because
        linked-data documents carry absolute URLs built from it (see api.jsonld).
        """
        return (request.host_url, request.path, request.query_string, media_type())

    def lookup(self):
        """The cached response for this request, or None."""
        with self._lock:
            entry = self._entries.get(self.key())
        if entry is None:
            return None
        body, headers = entry
        g.served_from_cache = True
        return Response(body, status=200, headers=headers)

    def store(self, response):
        """Give a fresh 200 its ETag and keep it for the next identical request."""
        body = response.get_data()
        etag = hashlib.blake2b(body, digest_size=16).hexdigest()
        response.set_etag(etag)
        # This hook runs before the app's other after_request hooks, which add the per-request
        # headers (rate limits, CORS, security) afresh each time; any that got here anyway are
        # left out too.
        headers = [(name, value) for name, value in response.headers if not _per_request(name)]
        with self._lock:
            # Too large for the bound: serve it, but do not cache it.
            if len(body) + 256 <= self._entries.maxsize:
                self._entries[self.key()] = (body, headers)


PER_REQUEST_HEADERS = {"content-length", "date", "set-cookie", "retry-after"}
PER_REQUEST_PREFIXES = ("x-ratelimit-", "access-control-")


def _per_request(name):
    lowered = name.lower()
    return lowered in PER_REQUEST_HEADERS or lowered.startswith(PER_REQUEST_PREFIXES)


def cacheable(response):
    """Whether this response is a complete, immutable rendering worth caching."""
    offer = current_offer()
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.direct_passthrough  # static files stream and have their own ETags
        and offer is not None
        and offer.cached
    )


def init_representations(app, cache_bytes):
    """Negotiate before each view, serve repeats from the cache, and revalidate with ETags.

    `cache_bytes` bounds the kept bodies; 0 keeps none (the fast path keeps them instead),
    and each response's ETag is still computed once, when it is rendered.
    """
    cache = ResponseCache(cache_bytes)
    max_age = app.config["CACHE_MAX_AGE"]
    app.extensions["article_facts"]["response_cache"] = cache

    @app.before_request
    def serve_from_cache():
        if request.method not in ("GET", "HEAD") or negotiate() is None:
            return None
        return cache.lookup()

    @app.after_request
    def keep_and_revalidate(response):
        if g.get("served_from_cache") or cacheable(response):
            if not g.get("served_from_cache"):
                cache.store(response)
            response.cache_control.public = True
            response.cache_control.max_age = max_age
            response.make_conditional(request)
            if response.status_code == 200:
                request.environ[CACHEABLE] = True  # the fast path may replay it
        elif response.status_code >= 400:
            response.cache_control.no_store = True
        return response
