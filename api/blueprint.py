"""The pieces every resource blueprint shares: strict query parsing and paged lists."""

from urllib.parse import urlencode

import flask_smorest
from flask import current_app, request
from webargs.flaskparser import FlaskParser

# Headers every list response carries, as OpenAPI header components (see api.Api).
LIST_HEADERS = {"X-Pagination": "PAGINATION", "Link": "LINK"}


def path_parameter(name, description, example):
    """OpenAPI description of a slug in the URL path."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
        "example": example,
    }


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint whose query schemas reject parameters they do not know.

    webargs ignores unknown query parameters by default, so a typo (`?tpye=person`) would
    silently return everything. With `unknown=None` each schema's own setting (marshmallow's
    RAISE) applies, and the client gets a 422 naming the parameter.
    """

    ARGUMENTS_PARSER = FlaskParser(unknown=None)

    def list_response(self, schema):
        """Document a paged list of `schema` objects with its paging headers."""
        return self.response(200, schema(many=True), headers=LIST_HEADERS)


def paginate(items, args):
    """Cut one page out of `items`; return it with the X-Pagination and Link headers.

    X-Pagination keeps flask-smorest's format. Link (RFC 8288) gives first/prev/next/last
    URLs that keep every other query parameter as the client sent it. A page past the end is
    an empty list whose links still lead back.
    """
    page, page_size = args["page"], args["page_size"]
    first_item = (page - 1) * page_size
    page_items = list(items[first_item : first_item + page_size])
    metadata = flask_smorest.Blueprint._make_pagination_metadata(page, page_size, len(items))
    last_page = max(metadata.get("last_page", 1), 1)
    targets = {"first": 1, "last": last_page}
    if page > 1:
        targets["prev"] = min(page - 1, last_page)
    if page < last_page:
        targets["next"] = page + 1
    query = request.args.to_dict(flat=False)
    links = []
    for relation in ("first", "prev", "next", "last"):
        if relation in targets:
            query["page"] = [str(targets[relation])]
            links.append(f'<{request.path}?{urlencode(query, doseq=True)}>; rel="{relation}"')
    headers = {"X-Pagination": current_app.json.dumps(metadata), "Link": ", ".join(links)}
    return page_items, headers
