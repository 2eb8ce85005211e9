"""The serving core: the one path every request takes, in the same order whatever the settings.

1. Refuse a malformed request: a body (this API reads none), a URL over `MAX_URL_LENGTH`, a
   path or query that is not UTF-8 once percent-decoded, or one with control characters.
2. Count the request against its client's rate limit, when a limit is configured.
3. Replay a kept rendering: a 200, a 304 or a HEAD answer, in the content coding the client
   accepts (identity, gzip or Brotli).
4. Only when nothing is kept for the request, have Flask render it, as a plain GET.

Settings change what a step checks (no limit; no room to keep renderings), never which code
answers: a request that is not kept goes through the same rendering and the same replay, it
is just not remembered. There is one cache of renderings, one ETag rule (a hash of the bytes,
one tag per coding) and one 304 rule (weak comparison, RFC 9110 section 13.1.2).

What Flask renders is kept when HTTP itself says any cache may keep it: a 200 to a GET with
`Cache-Control: public`. Problems, probes and CORS preflights are Flask's answer to that one
request. Refusals (steps 1 and 2) are rendered by Flask too, so every problem has the one
shape and the same headers.

Around the steps, the core gives each request its `X-Request-ID` and counts it in the metrics
(api.serving.metrics), whichever step answered.
"""

import gzip
import hashlib
import re
import secrets
import threading
import time
from functools import lru_cache
from urllib.parse import unquote_to_bytes

import brotli
from cachetools import LRUCache
from flask import request
from flask_smorest import abort
from werkzeug.datastructures import Headers
from werkzeug.http import parse_accept_header, parse_etags

from api.formats.registry import current_offer, negotiate
from api.serving.metrics import init_app as init_metrics
from api.serving.ratelimit import RateLimit, is_off

# Where the core leaves a refusal for Flask to render as a problem: (status, detail, headers).
REFUSAL = "article_facts.refusal"
# Where Flask leaves the route template that matched, for the metrics.
ROUTE = "article_facts.route"
# A request id from the proxy is kept if it is a short plain token (nginx's $request_id, a
# UUID), by the same rule as deploy/nginx.conf.template's; anything else could smuggle text
# into the logs, and is replaced.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}\Z")

# Probes and metrics answer whatever a client has spent: a load balancer must see the
# instance's state, and Prometheus its counts.
UNLIMITED_PATHS = ("/healthz", "/readyz", "/metrics")

# Longer than any request the OpenAPI document allows (slugs of at most 100 characters, `q` of
# at most 200 characters even when each is percent-encoded as 12 bytes, every list option at
# its maximum); gunicorn refuses request lines over 8190 bytes before the app sees them.
MAX_URL_LENGTH = 4096
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

# Headers a kept rendering does not keep: the server writes them; the core sets them per
# coding; they describe a file rather than bytes (the core validates by ETag alone and sends
# whole representations, so it advertises no ranges); or they are a date that would go stale
# (Expires: Cache-Control's max-age says the same, and takes precedence, RFC 9111 5.3).
NOT_KEPT = {
    "date",
    "server",
    "connection",
    "keep-alive",
    "content-length",
    "etag",
    "last-modified",
    "accept-ranges",
    "expires",
}
# A 304 carries the headers of the 200 it stands for, less those describing its body.
NOT_IN_304 = {"content-type", "content-length", "content-encoding", "content-disposition"}

# Content codings, best first when the client likes them equally.
CODINGS = ("br", "gzip")
COMPRESSIBLE = re.compile(
    r"^(text/|application/(json|javascript|xml)|application/[\w.+-]+\+json|image/svg\+xml)"
)
# Below this, compression saves less than its headers cost (nginx's gzip_min_length, too).
MIN_COMPRESSED_LENGTH = 256
# Brotli's best quality takes seconds on the explorer's 1.6 MB bundle; above this size, quality
# 9 is within 10% of it in a fiftieth of the time.
BROTLI_BEST_UP_TO = 64 * 1024
ENTRY_OVERHEAD = 1024


def compress(body, coding):
    """`body` in a content coding, computed once per kept rendering."""
    if coding == "gzip":
        # mtime=0: the same bytes give the same gzip bytes, so the coding's ETag holds.
        return gzip.compress(body, compresslevel=9, mtime=0)
    quality = 11 if len(body) <= BROTLI_BEST_UP_TO else 9
    return brotli.compress(body, quality=quality)


@lru_cache(maxsize=256)
def preferred_coding(accept_encoding):
    """The coding to send for an Accept-Encoding header value: br, gzip or None (identity)."""
    return parse_accept_header(accept_encoding).best_match(CODINGS)


class Variant:
    """One coding of a rendering: its bytes, its ETag and the headers of its 200 and 304."""

    __slots__ = ("body", "etag", "headers", "not_modified_headers")

    def __init__(self, headers, body, etag, coding):
        self.body = body
        self.etag = etag
        headers = [*headers, ("ETag", f'"{etag}"'), ("Content-Length", str(len(body)))]
        if coding:
            headers.append(("Content-Encoding", coding))
        self.headers = headers
        self.not_modified_headers = [h for h in headers if h[0].lower() not in NOT_IN_304]


class Rendering:
    """A 200 as Flask rendered it, kept with its ETag and, when worth it, compressed codings.

    Compressed codings are made the first time a client asks for one, then kept with it.
    """

    __slots__ = ("route", "compressible", "_base", "_variants")

    def __init__(self, headers, body, route):
        self.route = route
        kept = Headers([(name, value) for name, value in headers if name.lower() not in NOT_KEPT])
        content_type = kept.get("Content-Type", "")
        self.compressible = len(body) >= MIN_COMPRESSED_LENGTH and bool(
            COMPRESSIBLE.match(content_type)
        )
        if self.compressible:
            vary = [v for v in (kept.get("Vary") or "").split(",") if v.strip()]
            kept["Vary"] = ", ".join([*(v.strip() for v in vary), "Accept-Encoding"])
        self._base = list(kept.to_wsgi_list())
        etag = hashlib.blake2b(body, digest_size=16).hexdigest()
        self._variants = {None: Variant(self._base, body, etag, None)}

    @property
    def size(self):
        """Memory it takes, as counted against the cache's bound: its bodies plus overhead."""
        return sum(len(variant.body) for variant in self._variants.values()) + ENTRY_OVERHEAD

    def variant(self, coding):
        """The variant to send in `coding` (None: identity), and whether it was made just now.

        Identity stands in when compression is not worth it for this rendering.
        """
        if coding is None or not self.compressible:
            return self._variants[None], False
        variant = self._variants.get(coding)
        if variant is not None:
            return variant, False
        identity = self._variants[None]
        body = compress(identity.body, coding)
        if len(body) >= len(identity.body):
            self.compressible = False
            return identity, False
        variant = Variant(self._base, body, f"{identity.etag}-{coding}", coding)
        self._variants[coding] = variant
        return variant, True


class Renderings:
    """Kept renderings by request, least recently used first out, bounded in bytes of bodies."""

    def __init__(self, max_bytes):
        self._entries = LRUCache(maxsize=max_bytes, getsizeof=lambda rendering: rendering.size)
        # gthread workers share it between threads; cachetools is not thread-safe.
        self._lock = threading.Lock()

    @property
    def size_bytes(self):
        """Memory the kept renderings take now, as counted against the bound."""
        return self._entries.currsize

    def get(self, key):
        """The rendering kept for this request key, or None."""
        with self._lock:
            return self._entries.get(key)

    def keep(self, key, rendering):
        """Keep a rendering (again, after it grew a coding), unless it exceeds the bound."""
        with self._lock:
            if rendering.size <= self._entries.maxsize:
                self._entries[key] = rendering
            else:
                self._entries.pop(key, None)


def has_body(environ):
    """Whether the request carries a body, which no request to this API needs."""
    return environ.get("CONTENT_LENGTH", "0") not in ("", "0") or (
        "HTTP_TRANSFER_ENCODING" in environ
    )


def malformed_url(environ):
    """Why a URL no client means is refused, as (status, detail, headers), or None."""
    raw_path = environ.get("PATH_INFO", "").encode("latin-1", "replace")
    raw_query = environ.get("QUERY_STRING", "").encode("latin-1", "replace")
    if len(raw_path) + len(raw_query) > MAX_URL_LENGTH:
        return 414, f"The URL is longer than {MAX_URL_LENGTH} bytes.", {}
    for part, raw in (("path", raw_path), ("query string", unquote_to_bytes(raw_query))):
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            return 400, f"The {part} is not valid UTF-8 once percent-decoded.", {}
        if CONTROL_CHARACTERS.search(decoded.replace("+", " ")):
            return 400, f"The {part} contains control characters (such as NUL).", {}
    return None


class ServingCore:
    """WSGI middleware around Flask: refuse, limit, replay, and render only the first time.

    Around those steps it gives every request an id (`X-Request-ID`: the proxy's, when it
    sent a usable one, else a new one), echoed in the answer and seen by the access log, and
    counts every request in the metrics, including those answered without Flask.
    """

    def __init__(
        self, flask_wsgi, *, renderings, rate_limit=None, metrics=None, unlimited=(), key_on_origin
    ):
        self.flask_wsgi = flask_wsgi
        self.renderings = renderings
        self.rate_limit = rate_limit
        self.metrics = metrics
        # Paths outside every budget: probes must answer whatever a client has spent.
        self.unlimited = frozenset(unlimited)
        # With CORS open to "*", the answer is the same whatever the Origin: one rendering.
        self.key_on_origin = key_on_origin

    def _key(self, environ):
        """What makes two requests the same request: origin, path, query, Accept (and Origin).

        The origin (scheme, host and script root) is what the app builds absolute URLs from,
        and linked data carries them (api.formats.jsonld, api.formats.annotations): without it
        in the key, one client's Host header would be replayed to every other. ProxyFix runs
        outside the core, so behind trusted proxies these are already the forwarded scheme and
        host.
        """
        return (
            environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_HOST") or (environ.get("SERVER_NAME"), environ.get("SERVER_PORT")),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_ORIGIN", "") if self.key_on_origin else "",
        )

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        if not REQUEST_ID.match(request_id):
            request_id = environ["HTTP_X_REQUEST_ID"] = secrets.token_hex(16)
        # Per-request headers, added to whatever answers: the id, then the rate-limit state.
        extra = [("X-Request-ID", request_id)]
        outcome = {"route": None, "from_cache": False}

        def start(status, headers, exc_info=None):
            outcome["status"] = status
            return start_response(status, [*headers, *extra], exc_info)

        body = self._serve(environ, start, extra, outcome)
        if self.metrics is not None:
            self.metrics.observe(
                outcome["route"],
                environ.get("REQUEST_METHOD"),
                outcome["status"][:3],
                time.perf_counter() - started,
                outcome["from_cache"],
            )
        return body

    def _serve(self, environ, start, extra, outcome):
        """The four steps; `outcome` learns the route and whether a kept rendering answered."""
        method = environ.get("REQUEST_METHOD", "GET")
        replayable = method in ("GET", "HEAD")
        key = self._key(environ) if replayable else None
        rendering = self.renderings.get(key) if replayable else None
        refusal = None
        # Other methods get routing's 405 (with Allow) from Flask, which is more to the point.
        if method in ("GET", "HEAD", "OPTIONS"):
            if has_body(environ):
                refusal = 413, "This API reads no request body; send none.", {}
            elif rendering is None:
                # A kept rendering's URL passed this check when it was rendered.
                refusal = malformed_url(environ)
        if refusal is None and self.rate_limit and environ.get("PATH_INFO") not in self.unlimited:
            verdict = self.rate_limit.hit(environ.get("REMOTE_ADDR", ""))
            extra += verdict.headers
            if not verdict.allowed:
                if self.metrics is not None:
                    self.metrics.refused()
                refusal = (
                    429,
                    f"Too many requests from this client; the limit is {verdict.exceeded}.",
                    {"Retry-After": str(verdict.retry_after)},
                )
        if refusal is not None or not replayable:
            if refusal is not None:
                environ[REFUSAL] = refusal
            body = self.flask_wsgi(environ, start)
            outcome["route"] = environ.get(ROUTE)
            return body
        if rendering is None:
            rendering = self._render(environ, start, key, outcome)
            if not isinstance(rendering, Rendering):
                return rendering  # Flask's answer to this one request, already started
        else:
            outcome["from_cache"] = True
        outcome["route"] = rendering.route
        return self._replay(rendering, key, environ, start, method)

    def _render(self, environ, start, key, outcome):
        """Have Flask render the request as a plain GET; keep a rendering any cache may keep.

        Rendering HEAD and conditional requests as a plain GET means each process holds the
        full representation after its first request for it, whatever that request was.
        Returns the Rendering, or the started answer when the response is not one to keep.
        """
        plain = {**environ, "REQUEST_METHOD": "GET"}
        plain.pop("HTTP_IF_NONE_MATCH", None)
        plain.pop("HTTP_IF_MODIFIED_SINCE", None)
        plain.pop("HTTP_RANGE", None)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers, exc_info=exc_info)

        answer = self.flask_wsgi(plain, capture)
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        status, headers = captured["status"], captured["headers"]
        if status.startswith("200") and _publicly_cacheable(headers):
            rendering = Rendering(headers, body, plain.get(ROUTE))
            self.renderings.keep(key, rendering)
            return rendering
        # Not a representation to keep (a problem, a probe): answered as the request came.
        # A HEAD gets the same headers without the body; If-None-Match cannot match, since
        # only kept renderings carry ETags.
        outcome["route"] = plain.get(ROUTE)
        start(status, headers, captured["exc_info"])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _replay(self, rendering, key, environ, start, method):
        """Answer from a rendering: 304 when the client has it, else 200 (bodiless for HEAD)."""
        accept_encoding = environ.get("HTTP_ACCEPT_ENCODING")
        coding = preferred_coding(accept_encoding) if accept_encoding else None
        variant, made = rendering.variant(coding)
        if made:
            self.renderings.keep(key, rendering)  # it grew: count its new size against the bound
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match and parse_etags(if_none_match).contains_weak(variant.etag):
            start("304 Not Modified", variant.not_modified_headers)
            return []
        start("200 OK", variant.headers)
        return [] if method == "HEAD" else [variant.body]


def _publicly_cacheable(headers):
    for name, value in headers:
        if name.lower() == "cache-control":
            return "public" in (part.strip() for part in value.lower().split(","))
    return False


def init_serving(app):
    """Put the core in front of Flask, and give Flask its side of the one path.

    Flask renders the core's refusals as problems, picks the representation from `Accept`
    before any work, and says in `Cache-Control` which answers any cache (the core included)
    may keep.
    """
    config = app.config
    rate_limit = None
    if not is_off(config["RATE_LIMIT"]):
        rate_limit = RateLimit(
            config["RATE_LIMIT"],
            config["RATE_LIMIT_STORAGE_URI"],
            config["RATE_LIMIT_STORAGE_OPTIONS"],
        )
    renderings = Renderings(config["RESPONSE_CACHE_BYTES"])
    max_age = config["CACHE_MAX_AGE"]

    # Registered before every other hook: a refused request gets its problem and nothing else.
    @app.before_request
    def note_route_and_render_refusal():
        request.environ[ROUTE] = request.url_rule.rule if request.url_rule else None
        refusal = request.environ.get(REFUSAL)
        if refusal is not None:
            status, detail, headers = refusal
            abort(status, message=detail, headers=headers)

    @app.before_request
    def negotiate_representation():
        if request.method in ("GET", "HEAD"):
            negotiate()

    @app.after_request
    def say_who_may_keep_it(response):
        offer = current_offer()
        if response.status_code >= 400:
            response.cache_control.no_store = True
        elif response.status_code == 200 and offer is not None and offer.cached:
            response.cache_control.public = True
            response.cache_control.max_age = max_age
        return response

    app.extensions["article_facts"].update(renderings=renderings, rate_limit=rate_limit)
    app.wsgi_app = ServingCore(
        app.wsgi_app,
        renderings=renderings,
        rate_limit=rate_limit,
        metrics=init_metrics(app),
        unlimited=UNLIMITED_PATHS,
        key_on_origin=config["CORS_ORIGINS"] != ["*"],
    )
