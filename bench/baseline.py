"""The bare baseline: a WSGI callable that returns the API's own bytes, precomputed.

At import it asks the real app (in process) once for each benchmarked URL and keeps the
body, content type and ETag. Per request it does a dictionary lookup and nothing else: the
floor any Python WSGI app can reach under the same gunicorn settings.
"""

from api import create_app
from compare import ENDPOINTS

_client = create_app({"RATE_LIMIT": "off"}).test_client()
RESPONSES = {}
for _name, target, _headers in ENDPOINTS:
    _answer = _client.get(target)
    RESPONSES[target.encode("latin-1")] = (
        _answer.data,
        [("Content-Type", _answer.headers["Content-Type"]), ("ETag", _answer.headers["ETag"])],
        _answer.headers["ETag"],
    )
_HEALTH = b'{"status":"ok","articles":1}'


def application(environ, start_response):
    """Serve the precomputed bytes for the path and query, with 304 for a matching ETag."""
    target = environ["PATH_INFO"].encode("latin-1")
    if environ.get("QUERY_STRING"):
        target += b"?" + environ["QUERY_STRING"].encode("latin-1")
    if target == b"/healthz":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [_HEALTH]
    body, headers, etag = RESPONSES[target]
    if environ.get("HTTP_IF_NONE_MATCH") == etag:
        start_response("304 Not Modified", [("ETag", etag)])
        return []
    start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
    return [body]
