"""Settings, each read from an environment variable with a default.

Every variable here is listed in the README; `tests/test_docs.py` keeps the two in step.
"""

import os

from api.store import BUILT_IN_CORPUS


class Config:
    """Production settings; tests subclass or override them."""

    # Folder of `<article-id>.txt` / `<article-id>.json` pairs to serve.
    CORPUS_DIR = os.environ.get("ARTICLE_FACTS_CORPUS_DIR", str(BUILT_IN_CORPUS))

    # Per-client limit in flask-limiter's notation ("6000 per minute", "100/second;5000/hour");
    # "off" turns rate limiting off. Clients are told their budget in RateLimit headers and
    # get a 429 problem with Retry-After when they exceed it.
    # create_app turns it into flask-limiter's settings (RATELIMIT_ENABLED and an application
    # limit: one budget per client across every endpoint, where default limits would give each
    # endpoint its own).
    RATE_LIMIT = os.environ.get("ARTICLE_FACTS_RATE_LIMIT", "6000 per minute")
    # memory:// counts per process; a redis:// URL shares counts across every instance.
    RATELIMIT_STORAGE_URI = os.environ.get("ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI", "memory://")
    # If the shared storage is unreachable, count in this process's memory rather than fail
    # every request; limits then hold per instance until Redis is back.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # A Redis that stops answering must not hold requests: give up on it within a second.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "article-facts"
    # How many reverse proxies (nginx, a load balancer) stand in front and set
    # X-Forwarded-For; 0 trusts none, so a client cannot forge its address.
    TRUSTED_PROXIES = int(os.environ.get("ARTICLE_FACTS_TRUSTED_PROXIES", "0"))

    # Seconds clients and shared caches may reuse a response without asking again.
    CACHE_MAX_AGE = int(os.environ.get("ARTICLE_FACTS_CACHE_MAX_AGE", "300"))
    # Upper bound on the memory the rendered-response cache may use, in bytes of bodies.
    RESPONSE_CACHE_BYTES = int(
        os.environ.get("ARTICLE_FACTS_RESPONSE_CACHE_BYTES", str(32 * 2**20))
    )
    # Static assets (explorer, reader page) are versioned by the package: cache them a day.
    SEND_FILE_MAX_AGE_DEFAULT = 86400

    # Origins whose scripts may read responses: "*" (any) or a comma-separated list.
    CORS_ORIGINS = [
        origin.strip()
        for origin in os.environ.get("ARTICLE_FACTS_CORS_ORIGINS", "*").split(",")
        if origin.strip()
    ]

    API_TITLE = "Article Facts API"
    API_VERSION = "1.0.0"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # Swagger UI 5 (renders OpenAPI 3.1) from the flask-swagger-ui wheel, served by this app:
    # the explorer works with no internet. flask-smorest needs the trailing slash.
    OPENAPI_SWAGGER_UI_URL = "/docs/assets/"
    OPENAPI_SWAGGER_UI_CONFIG = {"deepLinking": True, "displayRequestDuration": True}

    # Debug mode would serve tracebacks; it is never read from the environment.
    DEBUG = False
    TESTING = False
