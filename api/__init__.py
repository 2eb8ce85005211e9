"""Article Facts API: the span-anchored facts of news articles, read-only, over HTTP.

`create_app()` is the WSGI entry point (`gunicorn 'api:create_app()'`). It opens the store
(`api.store`): on SQLite it migrates it and ingests the corpus folder first, refusing and
naming any article with a problem; on PostgreSQL both are steps of their own
(`article-facts migrate`, `article-facts ingest`).

Errors: every 4xx and 5xx is an RFC 9457 problem details object (`application/problem+json`)
with `type`, `title`, `status`, `detail` and, for invalid parameters, `errors` by location and
parameter name. See `api.web.errors`.

Environment variables: all optional, declared once in `api.settings.SETTINGS` and read by
`create_app` when it is called; docs/configuration.md lists them, generated from that table.
A value that is not allowed raises `api.settings.ConfigurationError`, one line naming it.
"""

import http
import os
from pathlib import Path

import flask_smorest
import flask_swagger_ui
from flask import Blueprint, Flask, request
from flask_smorest.utils import prepare_response
from werkzeug.middleware.proxy_fix import ProxyFix

from api import reader
from api.formats.json_provider import OrjsonProvider
from api.formats.registry import init_renderers
from api.serving.core import init_serving
from api.settings import Config, app_config, settings_cli
from api.store.ingest import open_store
from api.web import across, articles, exports, facts, health, search, wikidata
from api.web.canonical import init_canonical_urls
from api.web.errors import PROBLEM_CONTENT_TYPE, handle_http_exception, register_error_handlers
from api.web.openapi import document_conditional_requests, init_openapi
from api.web.security import init_security
from schemas.problems import ProblemSchema

# In the order the OpenAPI document lists them: articles, each kind of fact, search, the lists
# across articles, the feed of changes, the entity across articles, the exports and search
# across articles.
BLUEPRINTS = (
    articles.blp,
    *facts.BLUEPRINTS,
    search.blp,
    across.blp,
    across.changes_blp,
    wikidata.blp,
    exports.blp,
    search.across_blp,
)

SPEC_OPTIONS = {
    "info": {
        "description": (Path(__file__).parent / "web" / "openapi_description.md").read_text(
            encoding="utf-8"
        ),
        "contact": {"name": "Article Facts API maintainers"},
        "license": {"name": "MIT", "identifier": "MIT"},
    },
    "servers": [{"url": "/", "description": "This server"}],
    # Public and read-only: no operation needs credentials.
    "security": [],
}

PAGINATION_HEADER = {
    "description": "Paging metadata as a JSON object in a string (flask-smorest's format), "
    'e.g. `{"total": 30, "total_pages": 1, "first_page": 1, "last_page": 1, "page": 1}`. '
    "Keys: `total` (items matching), `total_pages`, `first_page`, `last_page`, `page` (absent "
    "past the end), `previous_page`, `next_page` (absent at the edges).",
    "schema": {"type": "string", "contentMediaType": "application/json"},
    "example": '{"total": 30, "total_pages": 1, "first_page": 1, "last_page": 1, "page": 1}',
}
LINK_HEADER = {
    "description": "RFC 8288 links to the `first`, `prev`, `next` and `last` pages, keeping the "
    "request's other query parameters.",
    "schema": {"type": "string"},
    "example": "</v1/articles/north-korean-troops-help-russian-army-clear-mines/entities?page=1>; "
    'rel="first", </v1/articles/north-korean-troops-help-russian-army-clear-mines/entities?page=1>;'
    ' rel="last"',
}
TOTAL_COUNT_HEADER = {
    "description": "How many items the list holds in all, with its filters, when this page "
    "was read (lists paged by cursor).",
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
    "example": "61",
}
NEXT_LINK_HEADER = {
    "description": 'RFC 8288 link to the next page (`rel="next"`), keeping the request\'s other '
    "query parameters; a list paged by cursor sends it while there are more items, the feed "
    "of changes always (the URL to poll next).",
    "schema": {"type": "string"},
    "example": "</v1/entities?page_size=7&cursor=WyIiLCIyMDI1LTA0LTAyVDA4OjE1Iiwicml2ZXJ0b24tb3B"
    'lbnMtbmV3LWJyaWRnZSIsNl0>; rel="next"',
}

CACHE_CONTROL_HEADER = {
    "description": "`public, max-age=N` (N from `ARTICLE_FACTS_CACHE_MAX_AGE`, 300 by default): "
    "any cache may keep the response that long; after that, revalidate with `If-None-Match`.",
    "schema": {"type": "string"},
    "example": "public, max-age=300",
}
VARY_HEADER = {
    "description": "The request headers that chose this response: `Accept` where the URL has "
    "several representations; `Accept-Encoding` where the response is compressible (256 bytes "
    "or more of text or JSON), since it is then sent gzip- or Brotli-compressed to clients that "
    "accept it (`Content-Encoding`, with an ETag of its own); `Origin` when CORS is limited to "
    "listed origins.",
    "schema": {"type": "string"},
    "example": "Accept, Accept-Encoding",
}


# Every route answers these; `Allow` lists them in this order.
ALLOW_ORDER = ("GET", "HEAD", "OPTIONS")


def allow_order(method):
    """Where a method goes in `Allow`: the usual three first, any other after them."""
    return (ALLOW_ORDER.index(method) if method in ALLOW_ORDER else len(ALLOW_ORDER), method)


class ArticleFactsApp(Flask):
    """Flask, with debug mode locked off (it would serve tracebacks and run the debugger), and
    a bodiless answer to OPTIONS."""

    @property
    def debug(self):
        return False

    @debug.setter
    def debug(self, value):
        pass

    def make_default_options_response(self):
        """OPTIONS: `204 No Content` with `Allow`, no body and no Content-Type.

        Flask's own answer is an empty `200` labelled `text/html`, which describes a document
        that is not there. A CORS preflight (`Origin` and `Access-Control-Request-Method`)
        keeps that answer, which flask-cors completes with its Access-Control headers.
        """
        response = super().make_default_options_response()
        if "Origin" in request.headers and "Access-Control-Request-Method" in request.headers:
            return response
        methods = response.allow.as_set(preserve_casing=True)
        response.status_code = 204
        response.headers["Allow"] = ", ".join(sorted(methods, key=allow_order))
        del response.headers["Content-Type"]
        return response


class Api(flask_smorest.Api):
    """flask-smorest's Api with problem-details errors and truthfully documented headers."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        register_error_handlers(self._app)

    def handle_http_exception(self, error):
        """Answer with the API's one error shape."""
        return handle_http_exception(error)

    def _register_responses(self):
        """flask-smorest's response components, each as this API sends it: problems as
        application/problem+json, and every one with the request id the core sets on it."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase, "headers": {"X-Request-ID": "REQUEST_ID"}}
            if status == http.HTTPStatus.SERVICE_UNAVAILABLE:
                # The store does not answer (a database restarting): try again after this.
                response["description"] = (
                    "The store does not answer just now (a database restarting); kept "
                    "renderings still answer. Try again after `Retry-After` seconds."
                )
                response["headers"]["Retry-After"] = "RETRY_AFTER"
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {
            "description": "Default error response",
            "schema": self.ERROR_SCHEMA,
            "headers": {"X-Request-ID": "REQUEST_ID"},
        }
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _init_spec(self, **kwargs):
        super()._init_spec(**kwargs)
        init_openapi(self)

    def _register_etag_headers(self):
        # flask-smorest's own descriptions ("Tag to check against") do not say what we do.
        document_conditional_requests(self.spec)

    def _register_pagination_header(self):
        # flask-smorest documents X-Pagination as an object; on the wire it is a JSON string.
        self.spec.components.header("PAGINATION", PAGINATION_HEADER)
        self.spec.components.header("LINK", LINK_HEADER)
        self.spec.components.header("TOTAL_COUNT", TOTAL_COUNT_HEADER)
        self.spec.components.header("NEXT_LINK", NEXT_LINK_HEADER)
        self.spec.components.header("CACHE_CONTROL", CACHE_CONTROL_HEADER)
        self.spec.components.header("VARY", VARY_HEADER)


def _swagger_ui_assets():
    """Swagger UI 5's files from the flask-swagger-ui wheel, served at /docs/assets/."""
    dist = Path(flask_swagger_ui.__file__).parent / "dist"
    return Blueprint(
        "swagger_ui_assets", __name__, static_folder=dist, static_url_path="/docs/assets"
    )


def create_app(config=None):
    """Build the app: load and validate the corpus, then register every resource.

    `config` is a mapping or object of settings overriding `Config` and the environment's
    (tests use it). A bad value in the environment raises ConfigurationError.
    """
    # The explorer's template and static files belong to the web layer.
    app = ArticleFactsApp(__name__, template_folder="web/templates", static_folder="web/static")

    # 1. Settings: read now, not at import, so each app gets the environment as it is when
    # it is built; overrides (tests) win.
    app.config.from_object(Config)
    app.config.from_mapping(app_config(os.environ))
    if config is not None:
        app.config.from_mapping(config if isinstance(config, dict) else vars(config))
    app.cli.add_command(settings_cli)

    # 2. The store. On SQLite, the process that builds the app (gunicorn's master, before the
    # workers fork) migrates it and ingests the corpus folder; on PostgreSQL both are steps of
    # their own (`article-facts migrate`, `article-facts ingest`), never a race of replicas.
    app.extensions["article_facts"] = {"store": open_store(app.config)}

    # 3. Formats: the renderer registry the views and the core negotiate with.
    app.json = OrjsonProvider(app)
    renderers = init_renderers(app)

    # 4. Serving: the one request path (api.serving.core). Its Flask hooks come first, so the
    # route is noted and the representation negotiated before any other work. CORS open to
    # every origin makes every answer the same whatever the Origin: the core keys its
    # renderings without it, and CORS sends the wildcard.
    any_origin = app.config["CORS_ORIGINS"] == ["*"]
    init_serving(app, any_origin=any_origin)
    init_canonical_urls(app)
    init_security(app, any_origin=any_origin)

    # 5. Resources. The reader registers text/html before the API's document is built, so the
    # article's operation lists it among its formats; its own pages stay out of the document.
    reader.init_app(app, renderers)
    api = Api(app, spec_kwargs=SPEC_OPTIONS)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    api.register_blueprint(health.blp)
    app.register_blueprint(_swagger_ui_assets())
    if app.config["TRUSTED_PROXIES"]:
        # Behind N proxies the client address is the Nth from the right in X-Forwarded-For;
        # trusting more than there are would let a client choose its own rate-limit key.
        # Outermost, so the core's rate limit keys on the address it finds.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app
