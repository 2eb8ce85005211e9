"""One URL per resource: a path with a trailing slash is redirected to the path without it.

Werkzeug's routing is strict about slashes here, so `/v1/articles/` does not also serve the
list (two URLs for one resource split caches and links). Rather than a bare 404 for a URL a
person may well type, the answer is a `308 Permanent Redirect` to the canonical URL, query
string kept, with no body; 308 keeps the method, so a HEAD stays a HEAD. A path that has no
canonical counterpart stays a 404 problem.
"""

from flask import current_app, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.urls import iri_to_uri


def canonical_path():
    """The routed path this request's path names with its trailing slashes removed, or None."""
    path = request.path
    if not isinstance(request.routing_exception, NotFound) or path == "/" or path[-1] != "/":
        return None
    canonical = path.rstrip("/") or "/"
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(canonical, method=request.method)
    except MethodNotAllowed:
        return canonical  # the resource exists; its URL answers the method with a 405
    except NotFound:
        return None
    return canonical


def redirect_to_canonical_url():
    """before_request: send a trailing-slash URL to its canonical form with a 308."""
    canonical = canonical_path()
    if canonical is None:
        return None
    query = request.query_string.decode("latin-1")
    location = iri_to_uri(canonical + (f"?{query}" if query else ""))
    # No body: the Location header is the whole answer (werkzeug's would be an HTML page).
    response = current_app.response_class(status=308, headers={"Location": location})
    del response.headers["Content-Type"]
    return response


def init_canonical_urls(app):
    """Route strictly (no second URL with a slash) and redirect trailing slashes."""
    app.url_map.strict_slashes = True
    app.before_request(redirect_to_canonical_url)
