"""Exposure controls: security headers on every response, per-client rate limits, proxies."""

import re
from urllib.parse import unquote_to_bytes

from flask import request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import abort
from werkzeug.middleware.proxy_fix import ProxyFix

# Data responses (JSON, CSV, text, problems) load nothing: forbid everything.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# HTML pages load their own scripts, styles and images only; no inline script.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
# Swagger UI sets style attributes from its scripts; everything else as for pages.
EXPLORER_POLICY = PAGE_POLICY.replace(
    "default-src 'self';", "default-src 'self'; style-src 'self' 'unsafe-inline';"
)


# Longer than any request the OpenAPI document allows (slugs of at most 100 characters, `q` of
# at most 200 characters even when each is percent-encoded as 12 bytes, every list option at
# its maximum); gunicorn refuses request lines over 8190 bytes before the app sees them.
MAX_URL_LENGTH = 4096
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def reject_malformed_request():
    """Refuse requests no client of a read-only API means: a body, a URL too long, not UTF-8
    once percent-decoded, or with control characters (NUL and friends). Each gets a 4xx
    problem naming what was wrong."""
    if request.routing_exception is not None:
        return  # an unknown path or method: routing answers 404 or 405 first
    if request.content_length or request.headers.get("Transfer-Encoding"):
        abort(413, message="This API reads no request body; send none.")
    raw_path = request.environ.get("PATH_INFO", "").encode("latin-1", "replace")
    raw_query = request.environ.get("QUERY_STRING", "").encode("latin-1", "replace")
    if len(raw_path) + len(raw_query) > MAX_URL_LENGTH:
        abort(414, message=f"The URL is longer than {MAX_URL_LENGTH} bytes.")
    for part, raw in (("path", raw_path), ("query string", unquote_to_bytes(raw_query))):
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            abort(400, message=f"The {part} is not valid UTF-8 once percent-decoded.")
        if CONTROL_CHARACTERS.search(decoded.replace("+", " ")):
            abort(400, message=f"The {part} contains control characters (such as NUL).")


def add_security_headers(response):
    """Set the headers every response carries; HTML gets a policy that fits a page."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        policy = EXPLORER_POLICY if request.path.startswith("/docs") else PAGE_POLICY
    else:
        policy = DATA_POLICY
    headers.setdefault("Content-Security-Policy", policy)
    # flask-limiter adds Retry-After to every response; it only means something on a refusal.
    if response.status_code not in (429, 503):
        headers.pop("Retry-After", None)
    return response


# Headers a script on another origin may read: caching, paging and rate-limit state.
EXPOSED_HEADERS = [
    "ETag",
    "Link",
    "X-Pagination",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]


def init_security(app):
    """Attach security headers, the rate limiter, CORS and, when configured, proxy trust."""
    app.before_request(reject_malformed_request)
    app.after_request(add_security_headers)
    if app.config["TRUSTED_PROXIES"]:
        # Behind N proxies the client address is the Nth from the right in X-Forwarded-For;
        # trusting more than there are would let a client choose its own rate-limit key.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    # Read-only and credential-free: any origin may read everything by default. With "*",
    # the header is the wildcard itself, so one cached response serves every origin.
    any_origin = app.config["CORS_ORIGINS"] == ["*"]
    CORS(
        app,
        origins=app.config["CORS_ORIGINS"],
        send_wildcard=any_origin,
        methods=["GET", "HEAD", "OPTIONS"],
        expose_headers=EXPOSED_HEADERS,
        supports_credentials=False,
        max_age=86400,
    )
    if not any_origin:
        # The answer now depends on the Origin header: shared caches must key on it.
        app.after_request(_vary_on_origin)
    app.extensions["article_facts"]["limiter"] = limiter
    return limiter


def _vary_on_origin(response):
    response.vary.add("Origin")
    return response
