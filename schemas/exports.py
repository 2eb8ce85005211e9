"""Exports: full dumps of the corpus at one generation of the store, listed and downloaded."""

import marshmallow as ma

from schemas.common import QueryArgsSchema

# An export's name: the generation it shows (see api.store.exports).
EXPORT_NAME_PATTERN = r"^corpus-(0|[1-9][0-9]{0,18})\.ndjson\.gz$"
EXAMPLE_EXPORT_NAME = "corpus-1.ndjson.gz"
EXAMPLE_SHA256 = "9f2c1a54d0c3b6f4a1e2d3c4b5a69788f0e1d2c3b4a5968778695a4b3c2d1e0f"


class ExportSchema(ma.Schema):
    """One full dump of the corpus: every article served at one generation of the store."""

    class Meta:
        ordered = True

    name = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(EXPORT_NAME_PATTERN),
        metadata={"description": "The file's name.", "example": EXAMPLE_EXPORT_NAME},
    )
    generation = ma.fields.Integer(
        required=True,
        metadata={
            "description": "The store's generation it shows (the `generation` of the last "
            "change in `GET /v1/changes` it includes).",
            "example": 1,
        },
    )
    created_at = ma.fields.String(
        required=True,
        metadata={
            "description": "When it was written: ISO 8601 in UTC.",
            "example": "2026-12-06T18:02:11Z",
        },
    )
    media_type = ma.fields.String(
        required=True,
        metadata={
            "description": "The file's media type: gzip, holding NDJSON with one article per line.",
            "example": "application/gzip",
        },
    )
    sha256 = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^[0-9a-f]{64}$"),
        metadata={
            "description": "SHA-256 of the file's bytes (as downloaded, compressed); also its "
            "ETag.",
            "example": EXAMPLE_SHA256,
        },
    )
    size = ma.fields.Integer(
        required=True,
        metadata={"description": "The file's size in bytes.", "example": 48213},
    )
    articles = ma.fields.Integer(
        required=True,
        metadata={"description": "How many articles (lines) it holds.", "example": 1},
    )
    url = ma.fields.String(
        required=True,
        metadata={
            "description": "Where to download it.",
            "example": f"/v1/exports/{EXAMPLE_EXPORT_NAME}",
        },
    )


class ExportsQueryArgsSchema(QueryArgsSchema):
    """The list of exports takes no parameter."""
