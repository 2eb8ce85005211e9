"""The fast path: repeat requests answered from rendered bytes before Flask runs at all.

The data never changes, so once Flask has rendered a cacheable 200 for a request, the same
request (method GET or HEAD, host, path, query string, Accept and Origin headers, byte for byte)
always gets the same bytes and headers. This WSGI middleware keeps them and replays them,
with 304 for a matching If-None-Match. Everything Flask adds per response (ETag,
Cache-Control, Vary, CORS, security headers) is in what it replays.

It is only installed when nothing varies per request, that is with the rate limiter off
(its counters and RateLimit headers are per request); see api.create_app. Its memory is
bounded like the response cache's: by body bytes, least recently used first.
"""

import threading

from cachetools import LRUCache
from werkzeug.http import parse_etags

# Set by Flask's after_request on a response the fast path may keep (see api.representations).
CACHEABLE = "article_facts.cacheable"
# Headers the WSGI server writes itself, or that would be stale when replayed.
SERVER_HEADERS = {"date", "server", "connection", "keep-alive"}
NOT_IN_304 = {"content-type", "content-length"}
ORIGIN_KEYS = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
)
ENTRY_OVERHEAD = 512
PASSED_ON_KEYS = 4096


class FastPath:
    """WSGI middleware replaying Flask's cacheable 200s for identical requests."""

    def __init__(self, wsgi_app, max_bytes):
        self.wsgi_app = wsgi_app
        self._entries = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: len(entry[2]) + ENTRY_OVERHEAD
        )
        # Requests already known not to be replayable (errors, static files, probes) go
        # straight to Flask next time; a bounded set, so clients cannot grow it without end.
        self._passed_on = LRUCache(maxsize=PASSED_ON_KEYS)
        self._lock = threading.Lock()

    @staticmethod
    def _key(environ):
        # The origin the app builds absolute URLs from (linked data carries them): the
        # scheme and host, as sent or as a trusted proxy forwards them.
        return (
            *(environ.get(name) for name in ORIGIN_KEYS),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT"),
            environ.get("HTTP_ORIGIN"),
        )

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if (
            method not in ("GET", "HEAD")
            or environ.get("CONTENT_LENGTH")
            or environ.get("HTTP_TRANSFER_ENCODING")
        ):
            return self.wsgi_app(environ, start_response)
        key = self._key(environ)
        with self._lock:
            entry = self._entries.get(key)
            passed_on = key in self._passed_on
        if passed_on:
            return self.wsgi_app(environ, start_response)
        if entry is None:
            entry, answer = self._render(environ, start_response)
            if entry is None:
                with self._lock:
                    self._passed_on[key] = True
                return answer
            if len(entry[2]) + ENTRY_OVERHEAD <= self._entries.maxsize:
                with self._lock:
                    self._entries[key] = entry
        return self._replay(entry, environ, start_response, method)

    def _render(self, environ, start_response):
        """Have Flask render the full 200 and return it as an entry to keep.

        A HEAD or conditional request is rendered as a plain GET, so that each worker process
        holds the representation after its first request for it, whatever that request was.
        Returns (entry, None), or (None, the answer) when the response is not replayable.
        """
        method = environ["REQUEST_METHOD"]
        plain = method == "GET" and "HTTP_IF_NONE_MATCH" not in environ
        rendering = environ
        if not plain:
            rendering = {**environ, "REQUEST_METHOD": "GET"}
            rendering.pop("HTTP_IF_NONE_MATCH", None)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers, exc_info=exc_info)

        body = self.wsgi_app(rendering, capture)
        headers = captured["headers"]
        etag = next((value for name, value in headers if name.lower() == "etag"), None)
        if not (rendering.get(CACHEABLE) and captured["status"].startswith("200") and etag):
            if plain or not captured["status"].startswith("200"):
                # The request's own answer: method and If-None-Match change nothing on an
                # error, and a HEAD answer is the same without its body.
                start_response(captured["status"], headers, captured["exc_info"])
                if method == "HEAD":
                    if hasattr(body, "close"):
                        body.close()
                    return None, []
                return None, body
            # A 200 Flask answers its own way (a static file's own 304): ask it as it came.
            if hasattr(body, "close"):
                body.close()
            return None, self.wsgi_app(environ, start_response)
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        return (_without(headers, SERVER_HEADERS), etag.strip('"'), content), None

    @staticmethod
    def _replay(entry, environ, start_response, method):
        headers, etag, content = entry
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        # If-None-Match compares weakly (RFC 9110 13.1.2): a gzipping proxy's W/"..." matches.
        if if_none_match and parse_etags(if_none_match).contains_weak(etag):
            start_response(
                "304 NOT MODIFIED", [h for h in headers if h[0].lower() not in NOT_IN_304]
            )
            return []
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [content]


def _without(headers, names):
    return [(name, value) for name, value in headers if name.lower() not in names]
