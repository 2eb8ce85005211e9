"""The article as linked data: a schema.org NewsArticle graph, JSON-LD with its context inline.

Node ids are the API paths of the facts, so a JSON-LD processor resolves them against the
document's URL into dereferenceable IRIs. The context is inline: nothing is fetched to read it.
"""

CONTEXT = {"@vocab": "https://schema.org/", "schema": "https://schema.org/"}
ENTITY_TYPES = {
    "person": "Person",
    "organization": "Organization",
    "group": "Organization",
    "place": "Place",
    "weapon": "Product",
}


def _ref(base, collection, fact_id):
    return {"@id": f"{base}/{collection}/{fact_id}"}


def news_article(article):
    """The JSON-LD document for one article."""
    base = f"/v1/articles/{article.id}"
    metadata = article.metadata
    entities = [
        {
            "@id": f"{base}/entities/{entity['id']}",
            "@type": ENTITY_TYPES[entity["type"]],
            "identifier": entity["id"],
            "name": entity["name"],
            "alternateName": entity["aliases"],
            "description": entity["description"],
        }
        for entity in article.entities
    ]
    quotes = [
        {
            "@id": f"{base}/quotes/{quote['id']}",
            "@type": "Quotation",
            "identifier": quote["id"],
            "text": quote["text"],
            "creator": _ref(base, "entities", quote["speaker_id"]),
            **(
                {"publisher": _ref(base, "entities", quote["outlet_id"])}
                if quote["outlet_id"]
                else {}
            ),
        }
        for quote in article.quotes
    ]
    figures = [
        {
            "@id": f"{base}/figures/{figure['id']}",
            "@type": "Claim",
            "identifier": figure["id"],
            "text": figure["mentions"][0]["text"],
            "description": figure["description"],
            "author": [_ref(base, "entities", source) for source in figure["source_ids"]],
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
            "@id": f"{base}/timeline/{event['id']}",
            "@type": "Event",
            "identifier": event["id"],
            "name": event["summary"],
            # A partial ISO 8601 date (2024, 2024-08) is a valid schema.org Date.
            "startDate": event["date"],
            "about": [_ref(base, "entities", entity_id) for entity_id in event["entity_ids"]],
        }
        for event in article.events
    ]
    return {
        "@context": CONTEXT,
        "@id": base,
        "@type": "NewsArticle",
        "identifier": article.id,
        "headline": metadata["title"],
        "abstract": metadata["standfirst"],
        "datePublished": metadata["published"],
        "inLanguage": metadata["language"],
        # The text credits an original article; its publisher is the outlet entity.
        "isBasedOn": {
            "@type": "NewsArticle",
            "publisher": _ref(base, "entities", metadata["original_outlet_id"]),
        },
        "interactionStatistic": {
            "@type": "InteractionCounter",
            "interactionType": {"@id": "schema:ViewAction"},
            "userInteractionCount": metadata["view_count"],
        },
        "text": article.text,
        "sha256": metadata["sha256"],
        "mentions": entities,
        "hasPart": quotes + figures,
        "about": events,
    }
