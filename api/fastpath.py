"""The fast path: repeat requests answered from rendered bytes before Flask runs at all.

The data never changes, so once Flask has rendered a cacheable 200 for a request, the same
request (method GET or HEAD, path, query string, Accept and Origin headers, byte for byte)
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
ENTRY_OVERHEAD = 512


class FastPath:
    """WSGI middleware replaying Flask's cacheable 200s for identical requests."""

    def __init__(self, wsgi_app, max_bytes):
        self.wsgi_app = wsgi_app
        self._entries = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: len(entry[2]) + ENTRY_OVERHEAD
        )
        self._lock = threading.Lock()

    @staticmethod
    def _key(environ):
        return (
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
        if entry is not None:
            return self._replay(entry, environ, start_response, method)
        if method == "HEAD":  # a HEAD response has no body to keep
            return self.wsgi_app(environ, start_response)
        return self._render_and_keep(key, environ, start_response)

    def _render_and_keep(self, key, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        if not environ.get(CACHEABLE) or not captured.get("status", "").startswith("200"):
            return body
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        headers = [(n, v) for n, v in captured["headers"] if n.lower() not in SERVER_HEADERS]
        etag = next((v for n, v in headers if n.lower() == "etag"), None)
        if etag and len(content) + ENTRY_OVERHEAD <= self._entries.maxsize:
            with self._lock:
                self._entries[key] = (headers, etag.strip('"'), content)
        return [content]

    @staticmethod
    def _replay(entry, environ, start_response, method):
        headers, etag, content = entry
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match and parse_etags(if_none_match).contains(etag):
            start_response(
                "304 NOT MODIFIED", [h for h in headers if h[0].lower() not in NOT_IN_304]
            )
            return []
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [content]


def _without(headers, names):
    return [(name, value) for name, value in headers if name.lower() not in names]
