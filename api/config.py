"""Settings, each read from an environment variable with a default.

Every variable here is listed in the README; `tests/test_docs.py` keeps the two in step.
"""

import os

from api.store import BUILT_IN_CORPUS


class Config:
    """Production settings; tests subclass or override them."""

    # Folder of `<article-id>.txt` / `<article-id>.json` pairs to serve.
    CORPUS_DIR = os.environ.get("ARTICLE_FACTS_CORPUS_DIR", str(BUILT_IN_CORPUS))

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
