"""Settings, each read from an environment variable with a default.

Every variable here is listed in the README; `tests/test_docs.py` keeps the two in step.
"""

import os
from pathlib import Path

# The article the project ships, served unless ARTICLE_FACTS_CORPUS_DIR names another folder.
BUILT_IN_CORPUS = Path(__file__).parent / "corpus"


class Config:
    """Production settings; tests subclass or override them."""

    # Folder of `<article-id>.txt` / `<article-id>.json` pairs to serve.
    CORPUS_DIR = os.environ.get("ARTICLE_FACTS_CORPUS_DIR", str(BUILT_IN_CORPUS))

    # Per-client limit in the `limits` notation ("6000 per minute", "100/second;5000/hour"), one
    # budget per client across every endpoint but the probes; "off" (the default) turns it off.
    # Clients are told their budget in X-RateLimit-* headers and get a 429 problem with
    # Retry-After when they exceed it. Off by default because a budget is only one budget when
    # every process counts it in one place: with several workers that needs a shared store.
    RATE_LIMIT = os.environ.get("ARTICLE_FACTS_RATE_LIMIT", "off")
    # Where counts live: redis://host:port/db shares them across every worker and instance;
    # memory:// counts in one process, so it only serves a limit with one worker (gunicorn
    # refuses to start otherwise; see api.serving.ratelimit.refuse_per_process_limit).
    RATE_LIMIT_STORAGE_URI = os.environ.get("ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI", "memory://")
    # Options for a Redis store. One that stops answering must not hold requests: give up on it
    # within a second and count in this process's memory until it is back. Each process keeps
    # one connection rather than a pool: a pool checks every connection out and back in, with a
    # probe of the socket each time, which costs a quarter of a count's client-side time here.
    RATE_LIMIT_STORAGE_OPTIONS = {
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
        "single_connection_client": True,
    }
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
