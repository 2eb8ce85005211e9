"""The pieces every resource blueprint shares: strict query parsing and documented responses."""

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser

from api.formats.registry import registry, represents
from api.web.openapi import RATE_LIMIT_HEADERS, RATE_LIMITED_RESPONSE
from schemas.articles import EXAMPLE_ARTICLE_ID
from schemas.common import MAX_SLUG_LENGTH, SLUG_PATTERN

# Headers every list response carries, as OpenAPI header components (see api.Api).
LIST_HEADERS = {"X-Pagination": "PAGINATION", "Link": "LINK"}


def path_parameter(name, description, example):
    """OpenAPI description of a slug in the URL path."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "pattern": SLUG_PATTERN, "maxLength": MAX_SLUG_LENGTH},
        "example": example,
    }


ARTICLE_ID_PARAMETER = path_parameter(
    "article_id", "Id (slug) of the article, as listed by `GET /v1/articles`.", EXAMPLE_ARTICLE_ID
)


class StrictQueryParser(FlaskParser):
    """Query parsing that refuses what it does not understand.

    webargs ignores unknown query parameters by default, so a typo (`?tpye=person`) would
    silently return everything; with `unknown=None` each schema's own setting (marshmallow's
    RAISE) applies. A list parameter takes repeated keys (see schemas.common.QueryList), but
    webargs would take only the first of a repeated single-valued one: `?page=1&page=2` is
    ambiguous, so it is refused.
    """

    def load_querystring(self, req, schema):
        """The query arguments, after refusing a single-valued parameter given twice."""
        args = super().load_querystring(req, schema)  # knows which keys take several values
        known = {field.data_key or name for name, field in schema.load_fields.items()}
        repeated = sorted(
            key
            for key in req.args
            if key in known and key not in args.multiple_keys and len(req.args.getlist(key)) > 1
        )
        if repeated:
            message = "Given more than once; this parameter takes one value."
            # webargs reports this like any validation error: a 422 naming the parameter.
            raise ma.ValidationError({name: [message] for name in repeated})
        return args


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint with strict query parsing, formats, documented caching and,
    unless `rate_limited=False` (the probes), documented rate limits."""

    ARGUMENTS_PARSER = StrictQueryParser(unknown=None)

    def __init__(self, *args, rate_limited=True, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_representations_doc)
        self._prepare_doc_cbks.append(self._prepare_request_id_doc)
        if rate_limited:
            self._prepare_doc_cbks.append(self._prepare_rate_limit_doc)

    def represents(self, kind, cached=True, streams=False, media_types=()):
        """Answer this kind of content in every format registered for it (JSON first).

        The formats, the 406 for any other `Accept`, and `Vary` are documented from the app's
        renderer registry when the document is built. A cached operation (its 200s are kept by
        the serving core) is documented as flask-smorest documents its own ETag support:
        If-None-Match, 304 and the ETag header; plus Cache-Control and Vary.
        """
        not_acceptable = self.alt_response(406, response="NOT_ACCEPTABLE")

        def decorate(view):
            view = not_acceptable(view)
            view._apidoc["etag"] = cached
            view._apidoc["represents"] = kind
            view._apidoc["streams"] = streams
            view._apidoc["media_types"] = media_types
            return represents(kind, cached=cached, streams=streams, media_types=media_types)(view)

        return decorate

    def arguments(self, schema, *args, **kwargs):
        """flask-smorest's, with one schema instance for every request: given a class,
        webargs would build (and deep-copy the fields of) a new one per request."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)

    @staticmethod
    def _prepare_representations_doc(doc, doc_info, *, app, **kwargs):
        kind = doc_info.get("represents")
        if kind is None:
            # Fixed media types (a file): each listed, with the schema documented for the first.
            for status in doc_info.get("success_status_codes", []):
                content = doc["responses"][status].get("content", {})
                documented = next(iter(content.values()), None)
                for media_type in doc_info.get("media_types", ()):
                    if documented is not None:
                        content.setdefault(media_type, documented)
            return doc
        renderers = registry(app)
        for status in doc_info.get("success_status_codes", []):
            response = doc["responses"][status]
            content = response.setdefault("content", {})
            sentences = [response.get("description", "")]
            for media_type in renderers.offered(kind, doc_info.get("streams", False)):
                renderer = renderers[media_type]
                if media_type not in content:
                    content[media_type] = {"schema": renderer.schema}
                    sentences.append(renderer.descriptions.get(kind, renderer.description))
            sentences.append(doc_info.get("format_notes", ""))
            response["description"] = " ".join(sentence for sentence in sentences if sentence)
            if doc_info.get("etag"):
                response.setdefault("headers", {}).update(
                    {"Cache-Control": "CACHE_CONTROL", "Vary": "VARY"}
                )
        return doc

    @staticmethod
    def _prepare_request_id_doc(doc, doc_info, **kwargs):
        # The serving core sets it on every answer, whichever step gave it.
        for status in doc_info.get("success_status_codes", []):
            doc["responses"][status].setdefault("headers", {})["X-Request-ID"] = "REQUEST_ID"
        return doc

    @staticmethod
    def _prepare_rate_limit_doc(doc, doc_info, **kwargs):
        headers = {name: component for name, (component, _) in RATE_LIMIT_HEADERS.items()}
        for status in doc_info.get("success_status_codes", []):
            doc["responses"][status].setdefault("headers", {}).update(headers)
        doc["responses"]["429"] = RATE_LIMITED_RESPONSE
        # Every data operation may meet a store that does not answer (a database restarting):
        # a 503 problem with Retry-After (api.web.errors).
        doc["responses"]["503"] = "SERVICE_UNAVAILABLE"
        return doc

    def list_response(self, item_schema, columns, headers=None, kind="list", streams=False):
        """Document (and represent) a paged list of `item_schema` objects, and its CSV columns;
        `headers` are its paging headers (by default, page numbers'); `kind` the kind of
        content (`facts` for a list across articles, see api.formats.registry); `streams`: the
        view can give the whole list to a renderer that streams (NDJSON)."""
        json_doc = self.response(
            200,
            {"type": "array", "items": item_schema},
            headers=LIST_HEADERS if headers is None else headers,
            description="One page of the list, a JSON array by default.",
        )

        def decorate(view):
            view = self.represents(kind, streams=streams)(json_doc(view))
            view._apidoc["format_notes"] = f"CSV columns: {columns}"
            return view

        return decorate
