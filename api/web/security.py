"""Exposure controls: security headers on every response, and which origins may read them.

Refusing malformed requests and rate limits are steps of the serving core (`api.serving.core`).
"""

from flask import Flask, request
from flask_cors import CORS

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
    return response


# Headers a script on another origin may read: caching, paging, rate-limit state, request id.
EXPOSED_HEADERS = [
    "ETag",
    "Link",
    "X-Pagination",
    "X-Total-Count",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-Request-ID",
]


def init_security(app: Flask, *, any_origin: bool) -> None:
    """Attach security headers and CORS; `any_origin`: CORS_ORIGINS lets every origin read."""
    app.after_request(add_security_headers)
    # Read-only and credential-free: any origin may read everything by default. With "*",
    # the header is the wildcard itself, so one cached response serves every origin.
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


def _vary_on_origin(response):
    response.vary.add("Origin")
    return response
