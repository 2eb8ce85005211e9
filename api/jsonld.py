"""The article as linked data: a schema.org NewsArticle graph, JSON-LD with its context inline.

Node ids are the API paths of the facts, so a JSON-LD processor resolves them against the
document's URL into dereferenceable IRIs. The context is inline: nothing is fetched to read it.
"""

from flask import url_for

from api.links import fact_url
from schemas.entities import ENTITY_TYPES, WIKIDATA_ENTITY_URL

CONTEXT = {"@vocab": "https://schema.org/", "schema": "https://schema.org/"}


def _ref(article, kind, fact_id):
    return {"@id": fact_url(article.id, kind, fact_id)}


def news_article(article):
    """The JSON-LD document for one article."""
    metadata = article.metadata
    entities = [
        {
            "@id": fact_url(article.id, "entity", entity["id"]),
            "@type": ENTITY_TYPES[entity["type"]].schema_org,
            "identifier": entity["id"],
            "name": entity["name"],
            "alternateName": entity["aliases"],
            "description": entity["description"],
            # An IRI, not a string: {"@id": ...}, as the inline context coerces nothing.
            **(
                {"sameAs": {"@id": WIKIDATA_ENTITY_URL + entity["wikidata"]}}
                if entity["wikidata"]
                else {}
            ),
        }
        for entity in article.entities
    ]
    quotes = [
        {
            "@id": fact_url(article.id, "quote", quote["id"]),
            "@type": "Quotation",
            "identifier": quote["id"],
            "text": quote["text"],
            "creator": _ref(article, "entity", quote["speaker_id"]),
            **(
                {"publisher": _ref(article, "entity", quote["outlet_id"])}
                if quote["outlet_id"]
                else {}
            ),
        }
        for quote in article.quotes
    ]
    figures = [
        {
            "@id": fact_url(article.id, "figure", figure["id"]),
            "@type": "Claim",
            "identifier": figure["id"],
            "text": figure["mentions"][0]["text"],
            "description": figure["description"],
            "author": [_ref(article, "entity", source) for source in figure["source_ids"]],
            "about": {
                "@type": "QuantitativeValue",
                "value": figure["value"],
                "unitText": figure["unit"],
                "valueReference": {
                    "@type": "PropertyValue",
                    "name": "qualifier",
                    "value": figure["qualifier"],
                },
            },
        }
        for figure in article.figures
    ]
    events = [
        {
            "@id": fact_url(article.id, "event", event["id"]),
            "@type": "Event",
            "identifier": event["id"],
            "name": event["summary"],
            # A partial ISO 8601 date (2024, 2024-08) is a valid schema.org Date.
            "startDate": event["date"],
            "about": [_ref(article, "entity", entity_id) for entity_id in event["entity_ids"]],
        }
        for event in article.events
    ]
    article_ref = {"@id": url_for("articles.ArticlesById", article_id=article.id)}
    claims = [
        {
            "@id": fact_url(article.id, "claim", claim["id"]),
            "@type": "Claim",
            "identifier": claim["id"],
            "text": claim["content"]["text"],
            "description": claim["summary"],
            "author": [_ref(article, "entity", claimant) for claimant in claim["claimant_ids"]],
            # schema.org: where the claim occurs. It occurs in this article.
            "appearance": article_ref,
            **(
                {"publisher": _ref(article, "entity", claim["outlet_id"])}
                if claim["outlet_id"]
                else {}
            ),
        }
        for claim in article.claims
    ]
    return {
        "@context": CONTEXT,
        **article_ref,
        "@type": "NewsArticle",
        "identifier": article.id,
        "headline": metadata["title"],
        "abstract": metadata["standfirst"],
        "datePublished": metadata["published"],
        "inLanguage": metadata["language"],
        # The text credits an original article; its publisher is the outlet entity.
        "isBasedOn": {
            "@type": "NewsArticle",
            "publisher": _ref(article, "entity", metadata["original_outlet_id"]),
        },
        "interactionStatistic": {
            "@type": "InteractionCounter",
            "interactionType": {"@id": "schema:ViewAction"},
            "userInteractionCount": metadata["view_count"],
        },
        "text": article.text,
        "sha256": metadata["sha256"],
        "mentions": entities,
        "hasPart": quotes + figures + claims,
        "about": events,
    }
