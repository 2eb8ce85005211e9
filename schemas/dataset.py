"""The annotation file shipped beside each article text."""

import marshmallow as ma

from schemas.articles import ArticleSchema
from schemas.claims import ClaimSchema, ExcludedCueSchema
from schemas.entities import EntitySchema
from schemas.events import EventSchema
from schemas.figures import FigureSchema
from schemas.quotes import QuoteSchema


class AnnotationSchema(ma.Schema):
    """One article's curated facts: its metadata, entities, quotes, figures, events and claims."""

    article = ma.fields.Nested(ArticleSchema(exclude=("counts", "facets")), required=True)
    entities = ma.fields.List(ma.fields.Nested(EntitySchema), required=True)
    quotes = ma.fields.List(ma.fields.Nested(QuoteSchema), required=True)
    figures = ma.fields.List(ma.fields.Nested(FigureSchema), required=True)
    events = ma.fields.List(ma.fields.Nested(EventSchema), required=True)
    claims = ma.fields.List(ma.fields.Nested(ClaimSchema), required=True)
    # Every attribution word in the text is a claim's cue or listed here with the reason, so
    # a word left unjudged is visible (tests/test_claims.py checks the whole text).
    excluded_cues = ma.fields.List(ma.fields.Nested(ExcludedCueSchema), required=True)
