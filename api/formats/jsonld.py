"""The article as linked data: a schema.org graph in JSON-LD, its context inline.

The document is an `@graph` of nodes: the `NewsArticle`, and each entity (`Person`,
`Organization`, `Place`, `Product`, with `sameAs` its Wikidata item), quote (`Quotation`),
figure (`Claim` about a `QuantitativeValue`), event (`Event`) and claim (`Claim` with `author`
and `appearance`) as a node of its own that the article links to. Node ids are absolute URLs
of the API, built from the URL the request came to (so behind a trusted proxy, its public
host and scheme): they resolve the same wherever the document is stored or read, and each
dereferences to the fact's JSON. The context is inline: nothing is fetched to read it. Every
term is schema.org's, used on a type schema.org defines it for: the text's SHA-256 is `sha256`
of the `MediaObject` that encodes the article (schema.org's `encoding`), the text served at
its own URL.
"""

from api.links import article_url, fact_url, text_url
from schemas.entities import ENTITY_TYPES, WIKIDATA_ENTITY_URL

CONTEXT = {
    "@vocab": "https://schema.org/",
    "schema": "https://schema.org/",
    # URL-valued properties are node references, as in schema.org's own context.
    "contentUrl": {"@type": "@id"},
}


def news_article(article):
    """The JSON-LD document for one article: a graph of the article and its facts."""

    def ref(kind, fact_id):
        return {"@id": fact_url(article.id, kind, fact_id, external=True)}

    metadata = article.metadata
    article_ref = {"@id": article_url(article.id, external=True)}
    entities = [
        {
            **ref("entity", entity["id"]),
            "@type": ENTITY_TYPES[entity["type"]].schema_org,
            "identifier": entity["id"],
            "name": entity["name"],
            "alternateName": entity["aliases"],
            "description": entity["description"],
            # An IRI, not a string: {"@id": ...}, as the context coerces only `contentUrl`.
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
            **ref("quote", quote["id"]),
            "@type": "Quotation",
            "identifier": quote["id"],
            "text": quote["text"],
            "creator": ref("entity", quote["speaker_id"]),
            **({"publisher": ref("entity", quote["outlet_id"])} if quote["outlet_id"] else {}),
        }
        for quote in article.quotes
    ]
    figures = [
        {
            **ref("figure", figure["id"]),
            "@type": "Claim",
            "identifier": figure["id"],
            "text": figure["mentions"][0]["text"],
            "description": figure["description"],
            "author": [ref("entity", source) for source in figure["source_ids"]],
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
            **ref("event", event["id"]),
            "@type": "Event",
            "identifier": event["id"],
            "name": event["summary"],
            # A partial ISO 8601 date (2024, 2024-08) is a valid schema.org Date.
            "startDate": event["date"],
            "about": [ref("entity", entity_id) for entity_id in event["entity_ids"]],
        }
        for event in article.events
    ]
    claims = [
        {
            **ref("claim", claim["id"]),
            "@type": "Claim",
            "identifier": claim["id"],
            "text": claim["content"]["text"],
            "description": claim["summary"],
            "author": [ref("entity", claimant) for claimant in claim["claimant_ids"]],
            # schema.org: where the claim occurs. It occurs in this article.
            "appearance": article_ref,
            **({"publisher": ref("entity", claim["outlet_id"])} if claim["outlet_id"] else {}),
        }
        for claim in article.claims
    ]
    news_article_node = {
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
            "publisher": ref("entity", metadata["original_outlet_id"]),
        },
        "interactionStatistic": {
            "@type": "InteractionCounter",
            "interactionType": {"@id": "schema:ViewAction"},
            "userInteractionCount": metadata["view_count"],
        },
        "text": article.text,
        "encoding": {
            "@type": "MediaObject",
            "contentUrl": text_url(article.id, external=True),
            "encodingFormat": "text/plain; charset=utf-8",
            "sha256": metadata["sha256"],
        },
        "mentions": [{"@id": entity["@id"]} for entity in entities],
        "hasPart": [{"@id": part["@id"]} for part in quotes + figures + claims],
        "about": [{"@id": event["@id"]} for event in events],
    }
    return {
        "@context": CONTEXT,
        "@graph": [news_article_node, *entities, *quotes, *figures, *events, *claims],
    }
