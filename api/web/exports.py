"""Exports: full dumps of the corpus, listed with their hashes and downloaded as files.

`article-facts export` writes them (api.store.exports) into the exports folder; these views
only read it. A download is a file that never changes (its name is its generation, its ETag
its SHA-256): it streams through the serving core, unkept, and any cache may keep it a year.
"""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from flask import current_app, g, request, url_for
from flask.views import MethodView
from flask_smorest import abort

from api.formats.registry import Content, csv_columns, respond
from api.serving.core import CURRENT, IMMUTABLE
from api.store.exports import (
    EXPORT_MEDIA_TYPE,
    exports_folder,
    find_export,
    folder_state,
    list_exports,
)
from api.web.blueprint import Blueprint, path_parameter
from schemas.exports import EXAMPLE_EXPORT_NAME, ExportSchema, ExportsQueryArgsSchema

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/v1/exports",
    description="Full dumps of the corpus at one generation of the store: gzipped NDJSON, one "
    "article per line with its text, annotation and facts, each listed with its SHA-256 and "
    "size. `article-facts export` writes them.",
)
EXPORT_NAME_PARAMETER = path_parameter(
    "name", "The export's file name, as `GET /v1/exports` lists it.", EXAMPLE_EXPORT_NAME
)
# An export's name is not a slug: its own pattern, in place of the slug's.
EXPORT_NAME_PARAMETER["schema"] = {
    "type": "string",
    "pattern": ExportSchema._declared_fields["name"].validators[0].regex.pattern,
    "maxLength": 40,
}
EXPORT_SCHEMA = ExportSchema()
# The same bytes as opaque bytes, for clients (and generators) that know no gzip type.
OCTET_STREAM = "application/octet-stream"
# What a download reads and sends at a time.
FILE_CHUNK_BYTES = 256 * 1024


def folder() -> Path:
    """The exports folder this app serves."""
    return exports_folder(current_app.config)


@blp.route("")
class Exports(MethodView):
    @blp.doc(operationId="listExports")
    @blp.arguments(ExportsQueryArgsSchema, location="query")
    # Not paged (one entry per export kept): no paging headers.
    @blp.list_response(ExportSchema(), ", ".join(csv_columns(EXPORT_SCHEMA)) + ".", headers={})
    def get(self, args):
        """List the full exports of the corpus

        Newest generation first: each export's name, the generation it shows, when it was
        written, its media type, SHA-256, size in bytes, how many articles it holds, and its
        URL. Empty until `article-facts export` has written one.
        """
        where = folder()
        seen = folder_state(where)
        request.environ[CURRENT] = lambda: folder_state(where) == seen
        shown = [
            EXPORT_SCHEMA.dump(
                {**vars(export), "url": url_for("exports.ExportFile", name=export.name)}
            )
            for export in list_exports(where)
        ]
        return respond(Content("list", shown, None, csv_columns(EXPORT_SCHEMA), name="exports"))


@blp.route("/<name>", parameters=[EXPORT_NAME_PARAMETER])
class ExportFile(MethodView):
    @blp.doc(operationId="getExport")
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type=EXPORT_MEDIA_TYPE,
        description="The export file: gzip, holding NDJSON, one article per line; the same "
        f"bytes labelled `{OCTET_STREAM}` with `Accept: {OCTET_STREAM}`. Its ETag is its "
        "SHA-256; it never changes, so any cache may keep it a year "
        "(`Cache-Control: public, max-age=31536000, immutable`).",
        headers={"Cache-Control": "CACHE_CONTROL", "Vary": "VARY"},
    )
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.represents(None, streams=True, media_types=(EXPORT_MEDIA_TYPE, OCTET_STREAM))
    def get(self, name):
        """Download a full export of the corpus

        The file as `GET /v1/exports` lists it (check its `sha256`). A name that is not an
        export's is a 404.
        """
        where = folder()
        export = find_export(where, name)
        if export is None:
            abort(404, message=f"No export {name!r}; `GET /v1/exports` lists them.")
        request.environ[IMMUTABLE] = True
        response = current_app.response_class(
            file_chunks(where / export.name), mimetype=g.get("media_type", EXPORT_MEDIA_TYPE)
        )
        response.vary.add("Accept")
        response.content_length = export.size
        response.headers["Content-Disposition"] = f'attachment; filename="{export.name}"'
        response.set_etag(export.sha256)
        response.last_modified = dt.datetime.fromisoformat(export.created_at)
        return response


def file_chunks(path: Path) -> Iterator[bytes]:
    """A file's bytes, a chunk at a time; opened when the server starts sending it (so an
    answer never sent holds no file open) and closed when it is sent."""
    with path.open("rb") as file:
        while chunk := file.read(FILE_CHUNK_BYTES):
            yield chunk
