"""The annotation file shipped beside each article text."""

import copy

import marshmallow as ma

from schemas.articles import ArticleSchema
from schemas.claims import ExcludedCueSchema
from schemas.entities import ExcludedMentionSchema
from schemas.kinds import KINDS

# The annotation file's format version: a file without `format` is version 1. Raise it when a
# change would make an older reader misread a file, and say what changed in docs/annotating.md.
FORMAT_VERSION = 1


def _optional(field):
    """A copy of a field that the file may leave out."""
    optional = copy.copy(field)
    optional.required = False
    return optional


class AnnotatedArticleSchema(ArticleSchema):
    """The article's metadata as the annotation file gives it: without the counts and facets
    the API computes, and with `text_length` and `sha256` optional (validation computes them
    from the text, and checks them where the file gives them)."""

    class Meta:
        exclude = ("counts", "facets")

    text_length = _optional(ArticleSchema._declared_fields["text_length"])
    sha256 = _optional(ArticleSchema._declared_fields["sha256"])


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
        "format": ma.fields.Integer(
            strict=True,
            load_default=FORMAT_VERSION,
            validate=ma.validate.Range(min=1, max=FORMAT_VERSION),
            metadata={
                "description": "The version of this file format; absent means 1. "
                f"This code reads versions up to {FORMAT_VERSION}."
            },
        ),
        "article": ma.fields.Nested(AnnotatedArticleSchema, required=True),
        **{kind.name: _facts_field(kind) for kind in KINDS},
        # Every attribution word in the text is a claim's cue or listed here with the reason,
        # so a word left unjudged is visible (tests/test_claims.py checks the whole text).
        "excluded_cues": ma.fields.List(ma.fields.Nested(ExcludedCueSchema), required=True),
        # Every use of an entity's name or alias is one of its mentions or listed here with
        # the reason (api/store/checks.py checks the whole text).
        "excluded_mentions": ma.fields.List(
            ma.fields.Nested(ExcludedMentionSchema), load_default=list
        ),
    },
)
