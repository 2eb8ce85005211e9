"""Where each fact lives in the API: one place builds every fact's URL."""

from flask import url_for

# The detail endpoint of each kind of fact, and its id parameter.
FACT_ENDPOINTS = {
    "entity": ("entities.EntitiesById", "entity_id"),
    "quote": ("quotes.QuotesById", "quote_id"),
    "figure": ("figures.FiguresById", "figure_id"),
    "event": ("timeline.TimelineById", "event_id"),
    "claim": ("claims.ClaimsById", "claim_id"),
}


def fact_url(article_id, kind, fact_id):
    """The API path of one fact; `kind` is entity, quote, figure, event or claim."""
    endpoint, parameter = FACT_ENDPOINTS[kind]
    return url_for(endpoint, article_id=article_id, **{parameter: fact_id})
