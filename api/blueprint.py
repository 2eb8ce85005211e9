"""The pieces every resource blueprint shares: strict query parsing and documented responses."""

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser

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
    RAISE) applies. It also takes only the first of repeated parameters: `?page=1&page=2` is
    ambiguous, so it is refused too.
    """

    def load_querystring(self, req, schema):
        """The query arguments, after refusing any parameter given twice."""
        repeated = sorted({key for key in req.args if len(req.args.getlist(key)) > 1})
        if repeated:
            message = "Given more than once; give it once (lists are comma-separated)."
            # webargs reports this like any validation error: a 422 naming the parameter.
            raise ma.ValidationError({name: [message] for name in repeated})
        return super().load_querystring(req, schema)


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint with strict query parsing and documented HTTP caching."""

    ARGUMENTS_PARSER = StrictQueryParser(unknown=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_caching_doc)

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

    def list_response(self, schema, columns):
        """Document (and offer) a paged list of `schema` objects as JSON or CSV."""
        # One description for the status, whichever content type flask-smorest merges last.
        description = (
            "One page of the list: a JSON array by default, or CSV (RFC 4180, with a header "
            f"row) with `Accept: {CSV}`. CSV columns: {columns}"
        )
        json_doc = self.response(
            200,
            type(schema)(many=True, partial=schema.partial),
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
