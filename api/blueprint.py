"""The pieces every resource blueprint shares: strict query parsing and documented responses."""

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser

from api.openapi import RATE_LIMIT_HEADERS, RATE_LIMITED_RESPONSE
from api.representations import CSV, JSON, offers
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
    """A flask-smorest Blueprint with strict query parsing, documented HTTP caching and,
    unless `rate_limited=False` (the probes), documented rate limits."""

    ARGUMENTS_PARSER = StrictQueryParser(unknown=None)

    def __init__(self, *args, rate_limited=True, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_caching_doc)
        if rate_limited:
            self._prepare_doc_cbks.append(self._prepare_rate_limit_doc)

    def offers(self, *media_types, cached=True):
        """Offer these media types (the default first) and document the 406 for the rest.

        A cached operation (see api.representations) is documented as flask-smorest documents
        its own ETag support: If-None-Match, 304, and the ETag header; plus Cache-Control, and
        Vary when there is more than one representation.
        """
        not_acceptable = self.alt_response(406, response="NOT_ACCEPTABLE")

        def decorate(view):
            view = not_acceptable(view)
            view._apidoc["etag"] = cached
            view._apidoc["negotiated"] = len(media_types) > 1
            return offers(*media_types, cached=cached)(view)

        return decorate

    @staticmethod
    def _prepare_caching_doc(doc, doc_info, **kwargs):
        if doc_info.get("etag"):
            headers = {"Cache-Control": "CACHE_CONTROL"}
            if doc_info.get("negotiated"):
                headers["Vary"] = "VARY"
            for status in doc_info.get("success_status_codes", []):
                doc["responses"][status].setdefault("headers", {}).update(headers)
        return doc

    @staticmethod
    def _prepare_rate_limit_doc(doc, doc_info, **kwargs):
        headers = {name: component for name, (component, _) in RATE_LIMIT_HEADERS.items()}
        for status in doc_info.get("success_status_codes", []):
            doc["responses"][status].setdefault("headers", {}).update(headers)
        doc["responses"]["429"] = RATE_LIMITED_RESPONSE
        return doc

    def list_response(self, item_schema, columns):
        """Document (and offer) a paged list of `item_schema` objects as JSON or CSV."""
        # One description for the status, whichever content type flask-smorest merges last.
        description = (
            "One page of the list: a JSON array by default, or CSV (RFC 4180, with a header "
            f"row) with `Accept: {CSV}`. CSV columns: {columns}"
        )
        json_doc = self.response(
            200,
            {"type": "array", "items": item_schema},
            headers=LIST_HEADERS,
            description=description,
        )
        csv_doc = self.alt_response(
            200,
            schema={"type": "string"},
            content_type=CSV,
            success=True,
            description=description,
        )

        def decorate(view):
            return self.offers(JSON, CSV)(json_doc(csv_doc(view)))

        return decorate
