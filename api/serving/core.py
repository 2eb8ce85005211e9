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

Each thing is decided once, by the side that knows it; the other side is told, through the
WSGI environ, never asked again:
- A refusal (steps 1 and 2) is decided here. The core hands it to Flask as the exception to
  answer (`render_refusal` in `init_serving`): Flask's one error handler renders the problem
  and the after-request hooks give it the headers every answer has (security, CORS,
  `no-store`), while no view and no before-request hook runs, so nothing decides it again.
- Whether an answer may be kept is declared by its view (`represents(kind, cached=...)`, the
  `Offer` of api.formats.registry); whether its media type compresses, by its renderer (or,
  for a document or a static file, by the registry's table of file types). For a 200 that may
  be kept, Flask leaves `Keep` in `environ[KEEP]`, as it leaves the route in `environ[ROUTE]`,
  and writes `Cache-Control` for clients from the same offer; the core reads the declaration,
  not the header. Problems, probes and CORS preflights are Flask's answer to that one request.

A stream (NDJSON of a whole list, a file download) is the exception to step 4's keeping: its
body is never joined. Its renderer or view declares it (api.formats.registry's `streamed`),
Flask leaves a `Stream` in `environ[STREAM]` instead of a `Keep`, and the core passes the body
through as Flask yields it, chunk by chunk, compressed on the fly (one flush per chunk) when
the media type compresses and the client accepts gzip or Brotli. A stream has no ETag of the
core's and is never kept: a second request reads the store again. One that carries its own
ETag (an export file, named by its hash) is still answered 304 when the client has it.

Around the steps, the core gives each request its `X-Request-ID` and counts it in the metrics
(api.serving.metrics), whichever step answered; a stream is counted when its body ends.
"""

import gzip
import hashlib
import re
import secrets
import threading
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_to_bytes
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import brotli
from cachetools import LRUCache
from flask import Flask, Response, request
from flask_smorest import abort
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header, parse_date, parse_etags
from werkzeug.wsgi import ClosingIterator

from api.formats.registry import compresses, current_offer, negotiate, streamed
from api.serving.metrics import Metrics
from api.serving.metrics import init_app as init_metrics
from api.serving.ratelimit import RateLimit, is_off

# Where Flask leaves the route template that matched, for the metrics.
ROUTE = "article_facts.route"
# Where Flask leaves, for a 200 its view says any cache may keep, what the core needs to keep
# it (a `Keep`); absent for every other answer.
KEEP = "article_facts.keep"
# Where Flask leaves, for a 200 that streams, what the core needs to pass it through (a
# `Stream`); absent for every other answer.
STREAM = "article_facts.stream"
# Where a view leaves what its answer depends on: a callable saying whether a rendering made
# now is still current (an article's latest version is, until a newer one is seen).
CURRENT = "article_facts.current"
# Where a view leaves its data's Last-Modified (an HTTP date), and whether its answer never
# changes (a pinned version of an article), to be kept for a year.
LAST_MODIFIED = "article_facts.last_modified"
IMMUTABLE = "article_facts.immutable"
# A year: what RFC 9111 caches treat as "never expires".
IMMUTABLE_MAX_AGE = 31536000
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
# Below this, compression saves less than its headers cost (nginx's gzip_min_length, too).
MIN_COMPRESSED_LENGTH = 256
# Brotli's best quality takes seconds on the explorer's 1.6 MB bundle; above this size, quality
# 9 is within 10% of it in a fiftieth of the time.
BROTLI_BEST_UP_TO = 64 * 1024
ENTRY_OVERHEAD = 1024
# A stream is compressed as it goes, once per request, so for speed rather than the last byte:
# gzip's default level, and Brotli's quality 5, which on NDJSON compresses better than gzip -6
# at a similar speed.
STREAM_GZIP_LEVEL = 6
STREAM_BROTLI_QUALITY = 5

Headerlist = list[tuple[str, str]]


@dataclass(frozen=True)
class Refusal:
    """A request the core will not serve: the problem's status and detail, and its headers."""

    status: int
    detail: str
    headers: Mapping[str, str] = field(default_factory=dict)


def always_current() -> bool:
    """An answer that depends on nothing that changes (a document, a pinned version)."""
    return True


@dataclass(frozen=True)
class Keep:
    """Flask's word that a 200 may be kept, with what its maker declared about compressing it,
    and what says whether it is still current."""

    compressible: bool
    current: Callable[[], bool] = always_current
    # When the data it shows last changed (an HTTP date), where the view said.
    last_modified: str | None = None


@dataclass(frozen=True)
class Stream:
    """Flask's word that a 200 streams: pass it through, unkept; whether it compresses."""

    compressible: bool


# What renders a refusal: (environ, start_response, refusal) to a WSGI answer.
RenderRefusal = Callable[[WSGIEnvironment, StartResponse, Refusal], Iterable[bytes]]


def compress(body: bytes, coding: str) -> bytes:
    """`body` in a content coding, computed once per kept rendering."""
    if coding == "gzip":
        # mtime=0: the same bytes give the same gzip bytes, so the coding's ETag holds.
        return gzip.compress(body, compresslevel=9, mtime=0)
    quality = 11 if len(body) <= BROTLI_BEST_UP_TO else 9
    compressed: bytes = brotli.compress(body, quality=quality)
    return compressed


@lru_cache(maxsize=256)
def preferred_coding(accept_encoding: str) -> str | None:
    """The coding to send for an Accept-Encoding header value: br, gzip or None (identity)."""
    return parse_accept_header(accept_encoding).best_match(CODINGS)


def compress_stream(chunks: Iterable[bytes], coding: str) -> Iterator[bytes]:
    """`chunks` in a content coding as they come: each flushed whole, so a client decodes
    every line of a batch as soon as the batch is sent."""
    if coding == "gzip":
        gzipper = zlib.compressobj(STREAM_GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        for chunk in chunks:
            yield gzipper.compress(chunk) + gzipper.flush(zlib.Z_SYNC_FLUSH)
        yield gzipper.flush()
    else:
        compressor = brotli.Compressor(quality=STREAM_BROTLI_QUALITY)
        for chunk in chunks:
            yield compressor.process(chunk) + compressor.flush()
        yield compressor.finish()


class Variant:
    """One coding of a rendering: its bytes, its ETag and the headers of its 200 and 304."""

    __slots__ = ("body", "etag", "headers", "not_modified_headers")

    def __init__(self, headers: Headerlist, body: bytes, etag: str, coding: str | None) -> None:
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

    __slots__ = ("route", "compressible", "current", "last_modified", "_base", "_variants")

    def __init__(
        self,
        headers: Headerlist,
        body: bytes,
        route: str | None,
        compressible: bool,
        current: Callable[[], bool] = always_current,
        last_modified: str | None = None,
    ) -> None:
        """`compressible`: whether the answer's maker declared its media type worth it;
        `current`: whether it may still be replayed; `last_modified`: when its data changed
        (the header a file's modification time would give describes a file, not the data)."""
        self.route = route
        self.current = current
        kept = Headers([(name, value) for name, value in headers if name.lower() not in NOT_KEPT])
        self.compressible = compressible and len(body) >= MIN_COMPRESSED_LENGTH
        if self.compressible:
            vary = [v for v in (kept.get("Vary") or "").split(",") if v.strip()]
            kept["Vary"] = ", ".join([*(v.strip() for v in vary), "Accept-Encoding"])
        self.last_modified = parse_date(last_modified) if last_modified else None
        if last_modified:
            kept["Last-Modified"] = last_modified
        self._base = list(kept.to_wsgi_list())
        etag = hashlib.blake2b(body, digest_size=16).hexdigest()
        self._variants: dict[str | None, Variant] = {None: Variant(self._base, body, etag, None)}

    @property
    def size(self) -> int:
        """Memory it takes, as counted against the cache's bound: its bodies plus overhead."""
        return sum(len(variant.body) for variant in self._variants.values()) + ENTRY_OVERHEAD

    def variant(self, coding: str | None) -> tuple[Variant, bool]:
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

    def __init__(self, max_bytes: int) -> None:
        self._entries: LRUCache[tuple, Rendering] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda rendering: rendering.size
        )
        # gthread workers share it between threads; cachetools is not thread-safe.
        self._lock = threading.Lock()

    @property
    def size_bytes(self) -> int:
        """Memory the kept renderings take now, as counted against the bound."""
        return int(self._entries.currsize)

    def get(self, key: tuple) -> Rendering | None:
        """The rendering kept for this request key, or None."""
        with self._lock:
            return self._entries.get(key)

    def keep(self, key: tuple, rendering: Rendering) -> None:
        """Keep a rendering (again, after it grew a coding), unless it exceeds the bound."""
        with self._lock:
            if rendering.size <= self._entries.maxsize:
                self._entries[key] = rendering
            else:
                self._entries.pop(key, None)

    def forget(self, key: tuple) -> None:
        """Drop a rendering that is no longer current."""
        with self._lock:
            self._entries.pop(key, None)


def has_body(environ: WSGIEnvironment) -> bool:
    """Whether the request carries a body, which no request to this API needs."""
    return environ.get("CONTENT_LENGTH", "0") not in ("", "0") or (
        "HTTP_TRANSFER_ENCODING" in environ
    )


def malformed_url(environ: WSGIEnvironment) -> Refusal | None:
    """Why a URL no client means is refused, or None."""
    raw_path = environ.get("PATH_INFO", "").encode("latin-1", "replace")
    raw_query = environ.get("QUERY_STRING", "").encode("latin-1", "replace")
    if len(raw_path) + len(raw_query) > MAX_URL_LENGTH:
        return Refusal(414, f"The URL is longer than {MAX_URL_LENGTH} bytes.")
    for part, raw in (("path", raw_path), ("query string", unquote_to_bytes(raw_query))):
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Refusal(400, f"The {part} is not valid UTF-8 once percent-decoded.")
        if CONTROL_CHARACTERS.search(decoded.replace("+", " ")):
            return Refusal(400, f"The {part} contains control characters (such as NUL).")
    return None


class ServingCore:
    """WSGI middleware around Flask: refuse, limit, replay, and render only the first time.

    Around those steps it gives every request an id (`X-Request-ID`: the proxy's, when it
    sent a usable one, else a new one), echoed in the answer and seen by the access log, and
    counts every request in the metrics, including those answered without Flask.
    """

    def __init__(
        self,
        flask_wsgi: WSGIApplication,
        *,
        render_refusal: RenderRefusal,
        renderings: Renderings,
        rate_limit: RateLimit | None = None,
        metrics: Metrics | None = None,
        unlimited: Collection[str] = (),
        key_on_origin: bool,
    ) -> None:
        """`render_refusal` has Flask answer a refusal as a problem; `key_on_origin` says that
        answers depend on the Origin header (CORS limited to listed origins)."""
        self.flask_wsgi = flask_wsgi
        self.render_refusal = render_refusal
        self.renderings = renderings
        self.rate_limit = rate_limit
        self.metrics = metrics
        # Paths outside every budget: probes must answer whatever a client has spent.
        self.unlimited = frozenset(unlimited)
        # With CORS open to "*", the answer is the same whatever the Origin: one rendering.
        self.key_on_origin = key_on_origin

    def _key(self, environ: WSGIEnvironment) -> tuple:
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

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        if not REQUEST_ID.match(request_id):
            request_id = environ["HTTP_X_REQUEST_ID"] = secrets.token_hex(16)
        # Per-request headers, added to whatever answers: the id, then the rate-limit state.
        extra: Headerlist = [("X-Request-ID", request_id)]
        outcome: dict[str, Any] = {"route": None, "from_cache": False}

        def start(status: str, headers: Headerlist, exc_info: Any = None) -> Any:
            outcome["status"] = status
            return start_response(status, [*headers, *extra], exc_info)

        body = self._serve(environ, start, extra, outcome)
        if self.metrics is None:
            return body
        metrics = self.metrics

        def observe() -> None:
            metrics.observe(
                outcome["route"],
                environ.get("REQUEST_METHOD"),
                outcome["status"][:3],
                time.perf_counter() - started,
                outcome["from_cache"],
            )

        if outcome.get("streamed"):
            # Its time is the time to send it all: counted when the server closes its body.
            return ClosingIterator(body, observe)
        observe()
        return body

    def _serve(
        self,
        environ: WSGIEnvironment,
        start: StartResponse,
        extra: Headerlist,
        outcome: dict[str, Any],
    ) -> Iterable[bytes]:
        """The four steps; `outcome` learns the route and whether a kept rendering answered."""
        method = environ.get("REQUEST_METHOD", "GET")
        # Only GET and HEAD are replayable: they alone have a key.
        key = self._key(environ) if method in ("GET", "HEAD") else None
        rendering = self.renderings.get(key) if key is not None else None
        if key is not None and rendering is not None and not rendering.current():
            # Rendered from data that has since changed (a newer version): never replayed.
            self.renderings.forget(key)
            rendering = None
        refusal = None
        # Other methods get routing's 405 (with Allow) from Flask, which is more to the point.
        if method in ("GET", "HEAD", "OPTIONS"):
            if has_body(environ):
                refusal = Refusal(413, "This API reads no request body; send none.")
            elif rendering is None:
                # A kept rendering's URL passed this check when it was rendered.
                refusal = malformed_url(environ)
        if refusal is None and self.rate_limit and environ.get("PATH_INFO") not in self.unlimited:
            verdict = self.rate_limit.hit(environ.get("REMOTE_ADDR", ""))
            extra += verdict.headers
            if not verdict.allowed:
                if self.metrics is not None:
                    self.metrics.refused()
                refusal = Refusal(429, verdict.detail, {"Retry-After": str(verdict.retry_after)})
        if refusal is not None:
            body = self.render_refusal(environ, start, refusal)
            outcome["route"] = environ.get(ROUTE)
            return body
        if key is None:
            body = self.flask_wsgi(environ, start)
            outcome["route"] = environ.get(ROUTE)
            return body
        if rendering is None:
            rendered = self._render(environ, start, key, outcome)
            if not isinstance(rendered, Rendering):
                return rendered  # Flask's answer to this one request, already started
            rendering = rendered
        else:
            outcome["from_cache"] = True
        outcome["route"] = rendering.route
        return self._replay(rendering, key, environ, start, method)

    def _render(
        self,
        environ: WSGIEnvironment,
        start: StartResponse,
        key: tuple,
        outcome: dict[str, Any],
    ) -> Rendering | Iterable[bytes]:
        """Have Flask render the request as a plain GET; keep the rendering if Flask says so.

        Rendering HEAD and conditional requests as a plain GET means each process holds the
        full representation after its first request for it, whatever that request was.
        Returns the Rendering, or the started answer when the response is not one to keep.
        """
        plain = {**environ, "REQUEST_METHOD": "GET"}
        plain.pop("HTTP_IF_NONE_MATCH", None)
        plain.pop("HTTP_IF_MODIFIED_SINCE", None)
        plain.pop("HTTP_RANGE", None)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: Headerlist, exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers, exc_info=exc_info)

        answer = self.flask_wsgi(plain, capture)
        stream = plain.get(STREAM)
        if stream is not None:
            outcome.update(route=plain.get(ROUTE), streamed=True)
            return self._pass_through(answer, captured, stream, environ, start)
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        status, headers = captured["status"], captured["headers"]
        keep = plain.get(KEEP)
        if status.startswith("200") and keep is not None:
            rendering = Rendering(
                headers, body, plain.get(ROUTE), keep.compressible, keep.current, keep.last_modified
            )
            self.renderings.keep(key, rendering)
            return rendering
        # Not a representation to keep (a problem, a probe): answered as the request came.
        # A HEAD gets the same headers without the body; If-None-Match cannot match, since
        # only kept renderings carry ETags.
        outcome["route"] = plain.get(ROUTE)
        start(status, headers, captured["exc_info"])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _pass_through(
        self,
        answer: Iterable[bytes],
        captured: Mapping[str, Any],
        stream: Stream,
        environ: WSGIEnvironment,
        start: StartResponse,
    ) -> Iterable[bytes]:
        """Answer with a stream as Flask yields it: never joined, never kept, compressed on
        the fly when it compresses and the client accepts a coding."""
        close = getattr(answer, "close", lambda: None)
        headers = Headers(captured["headers"])
        etag = headers.get("ETag")
        if etag and _not_modified(environ, etag.strip('"'), None):
            close()
            start(
                "304 Not Modified", [h for h in headers.items() if h[0].lower() not in NOT_IN_304]
            )
            return []
        accept_encoding = environ.get("HTTP_ACCEPT_ENCODING")
        coding = preferred_coding(accept_encoding) if accept_encoding else None
        body: Iterable[bytes] = answer
        if stream.compressible:
            vary = [v.strip() for v in (headers.get("Vary") or "").split(",") if v.strip()]
            headers["Vary"] = ", ".join([*vary, "Accept-Encoding"])
            if coding is not None:
                headers["Content-Encoding"] = coding
                headers.pop("Content-Length", None)
                body = ClosingIterator(compress_stream(answer, coding), close)
        start(captured["status"], headers.to_wsgi_list(), captured["exc_info"])
        if environ["REQUEST_METHOD"] == "HEAD":
            close()
            return []
        return body

    def _replay(
        self,
        rendering: Rendering,
        key: tuple,
        environ: WSGIEnvironment,
        start: StartResponse,
        method: str,
    ) -> Iterable[bytes]:
        """Answer from a rendering: 304 when the client has it, else 200 (bodiless for HEAD)."""
        accept_encoding = environ.get("HTTP_ACCEPT_ENCODING")
        coding = preferred_coding(accept_encoding) if accept_encoding else None
        variant, made = rendering.variant(coding)
        if made:
            self.renderings.keep(key, rendering)  # it grew: count its new size against the bound
        if _not_modified(environ, variant.etag, rendering.last_modified):
            start("304 Not Modified", variant.not_modified_headers)
            return []
        start("200 OK", variant.headers)
        return [] if method == "HEAD" else [variant.body]


def _not_modified(environ: WSGIEnvironment, etag: str, last_modified: Any) -> bool:
    """Whether the client has this representation (RFC 9110 13.2.2): If-None-Match, by weak
    comparison; only without it, If-Modified-Since against Last-Modified."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        return bool(parse_etags(if_none_match).contains_weak(etag))
    if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since and last_modified is not None:
        since = parse_date(if_modified_since)
        return since is not None and last_modified.replace(microsecond=0) <= since
    return False


def init_serving(app: Flask, *, any_origin: bool) -> None:
    """Put the core in front of Flask, and give Flask its side of the one path.

    Flask renders the core's refusals as problems, picks the representation from `Accept`
    before any work, and tells the core (in the environ) and clients (in `Cache-Control`)
    which answers may be kept. `any_origin`: CORS lets every origin read every answer, so
    the answer does not depend on `Origin`.
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

    def note_route() -> None:
        request.environ[ROUTE] = request.url_rule.rule if request.url_rule else None

    def render_refusal(
        environ: WSGIEnvironment, start_response: StartResponse, refusal: Refusal
    ) -> Iterable[bytes]:
        """The refusal as Flask's one error handler renders it, with every after-request hook.

        Only the answer is Flask's: no view and no before-request hook runs for it.
        """
        with app.request_context(environ):
            note_route()
            try:
                abort(refusal.status, message=refusal.detail, headers=dict(refusal.headers))
            except HTTPException as error:
                response = app.finalize_request(app.handle_user_exception(error))
            return response(environ, start_response)

    # Registered before every other hook, so the route is noted whatever a later hook does.
    app.before_request(note_route)

    @app.before_request
    def negotiate_representation() -> None:
        if request.method in ("GET", "HEAD"):
            negotiate()

    @app.after_request
    def declare_what_may_be_kept(response: Response) -> Response:
        offer = current_offer()
        if response.status_code >= 400:
            response.cache_control.no_store = True
        elif response.status_code == 200 and offer is not None and streamed():
            # Read afresh on each request (a whole list), unless its view says it never
            # changes (an export file, kept a year by any cache).
            if offer.cached and request.environ.get(IMMUTABLE):
                response.cache_control.public = True
                response.cache_control.max_age = IMMUTABLE_MAX_AGE
                response.cache_control.immutable = True
            else:
                response.cache_control.no_store = True
            request.environ[STREAM] = Stream(compresses(response.mimetype or ""))
        elif response.status_code == 200 and offer is not None and offer.cached:
            response.cache_control.public = True
            environ = request.environ
            if environ.get(IMMUTABLE):
                response.cache_control.max_age = IMMUTABLE_MAX_AGE
                response.cache_control.immutable = True
            # A static file already has its lifetime from send_file (SEND_FILE_MAX_AGE_DEFAULT).
            elif response.cache_control.max_age is None:
                response.cache_control.max_age = max_age
            environ[KEEP] = Keep(
                compresses(response.mimetype or ""),
                environ.get(CURRENT, always_current),
                environ.get(LAST_MODIFIED),
            )
        return response

    app.extensions["article_facts"].update(renderings=renderings, rate_limit=rate_limit)
    # Flask's documented way to put middleware in front of it, which mypy sees as replacing
    # a method.
    app.wsgi_app = ServingCore(  # type: ignore[method-assign]
        app.wsgi_app,
        renderings=renderings,
        rate_limit=rate_limit,
        metrics=init_metrics(app),
        unlimited=UNLIMITED_PATHS,
        key_on_origin=not any_origin,
        render_refusal=render_refusal,
    )
