"""The annotation file shipped beside each article text."""

import marshmallow as ma

from schemas.articles import ArticleSchema
from schemas.claims import ExcludedCueSchema
from schemas.kinds import KINDS


def _facts_field(kind):
    """The file's list of one kind; a kind newer than the file may be absent from it."""
    if kind.optional_in_file:
        return ma.fields.List(ma.fields.Nested(kind.schema), load_default=list)
    return ma.fields.List(ma.fields.Nested(kind.schema), required=True)


AnnotationSchema = type(
    "AnnotationSchema",
    (ma.Schema,),
    {
        "__doc__": "One article's curated facts: its metadata and its facts of every kind.",
        "article": ma.fields.Nested(ArticleSchema(exclude=("counts", "facets")), required=True),
        **{kind.name: _facts_field(kind) for kind in KINDS},
        # Every attribution word in the text is a claim's cue or listed here with the reason,
        # so a word left unjudged is visible (tests/test_claims.py checks the whole text).
        "excluded_cues": ma.fields.List(ma.fields.Nested(ExcludedCueSchema), required=True),
    },
)
