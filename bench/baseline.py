"""The bare baseline: a WSGI callable that returns the API's own bytes, precomputed.

At import it asks the real app (in process) once for each benchmarked request and keeps the
whole response: body and every header, a request id of the same length standing in for the
one the API makes per request. Per request it does a dictionary lookup and nothing else: the
floor any Python WSGI app can reach sending the same responses under the same gunicorn
settings, so the ratio to it measures the API's serving code, not the size of its answers.
"""

from api import create_app
from compare import ENDPOINTS

_client = create_app({"RATE_LIMIT": "off"}).test_client()
RESPONSES = {}
for _label, _target, _headers, _revalidate in ENDPOINTS:
    _coding = _headers.get("Accept-Encoding", "identity")
    _answer = _client.get(_target, headers={"Accept-Encoding": _coding, "X-Request-ID": "0" * 32})
    _etag = _answer.headers["ETag"]
    _revalidated = _client.get(
        _target, headers={"Accept-Encoding": _coding, "If-None-Match": _etag}
    )
    RESPONSES[(_target.encode("latin-1"), _coding)] = (
        _answer.data,
        list(_answer.headers.items()),
        list(_revalidated.headers.items()),
        _etag,
    )
_HEALTH = b'{"status":"ok","articles":1}'


def application(environ, start_response):
    """Serve the precomputed bytes for the path, query and coding; 304 for a matching ETag."""
    target = environ["PATH_INFO"].encode("latin-1")
    if environ.get("QUERY_STRING"):
        target += b"?" + environ["QUERY_STRING"].encode("latin-1")
    if target == b"/healthz":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [_HEALTH]
    coding = "gzip" if "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "") else "identity"
    body, headers, not_modified_headers, etag = RESPONSES[(target, coding)]
    if environ.get("HTTP_IF_NONE_MATCH") == etag:
        start_response("304 Not Modified", not_modified_headers)
        return []
    start_response("200 OK", headers)
    return [body]
