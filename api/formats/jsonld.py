"""The article as linked data: a schema.org graph in JSON-LD, its context inline.

The document is an `@graph` of nodes: the `NewsArticle`, and each entity (`Person`,
`Organization`, `Place`, `Product`, with `sameAs` its Wikidata item), quote (`Quotation`),
figure (`Claim` about a `QuantitativeValue`), event (`Event`; one that holds as of the
publication has no `startDate`) and claim (`Claim` with `author`, or `about` for a `withheld`
claim, and `appearance`) as a node of its own that the article links to. Node ids are absolute URLs
of the API, built from the URL the request came to (so behind a trusted proxy, its public
host and scheme): they resolve the same wherever the document is stored or read, and each
dereferences to the fact's JSON. The context is inline: nothing is fetched to read it. Every
term is schema.org's, used on a type schema.org defines it for: the text's SHA-256 is `sha256`
of the `MediaObject` that encodes the article (schema.org's `encoding`), the text served at
its own URL.
"""

from typing import Any

from api.formats.across import FactsAcross
from api.links import article_url, fact_url, text_url
from schemas.entities import ENTITY_TYPES, WIKIDATA_ENTITY_URL
from schemas.kinds import KINDS

CONTEXT = {
    "@vocab": "https://schema.org/",
    "schema": "https://schema.org/",
    # URL-valued properties are node references, as in schema.org's own context.
    "contentUrl": {"@type": "@id"},
}


def _entity(ref, entity):
    return {
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


def _quote(ref, quote):
    return {
        **ref("quote", quote["id"]),
        "@type": "Quotation",
        "identifier": quote["id"],
        "text": quote["text"],
        "creator": ref("entity", quote["speaker_id"]),
        **({"publisher": ref("entity", quote["outlet_id"])} if quote["outlet_id"] else {}),
    }


def _figure(ref, figure):
    return {
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


def _event(ref, event):
    if event["as_of"]:
        # A state that holds at publication did not start on its date: the text says only that
        # it holds by then. schema.org's Event has no "as of" date (`temporalCoverage` is a
        # CreativeWork's, and `endDate` would say it stopped), so the node gives no
        # `startDate` and says it in words, in `description` (Thing's).
        when = {
            "description": f"Ongoing as of {event['date']} (the article's publication); "
            "the article does not say when it began."
        }
    else:
        # A partial ISO 8601 date (2024, 2024-08) is a valid schema.org Date.
        when = {"startDate": event["date"]}
    return {
        **ref("event", event["id"]),
        "@type": "Event",
        "identifier": event["id"],
        "name": event["summary"],
        **when,
        "about": [ref("entity", entity_id) for entity_id in event["entity_ids"]],
    }


def _claim(ref, claim):
    claimants = [ref("entity", claimant) for claimant in claim["claimant_ids"]]
    return {
        **ref("claim", claim["id"]),
        "@type": "Claim",
        "identifier": claim["id"],
        "text": claim["content"]["text"],
        "description": claim["summary"],
        # A `withheld` claim is the article saying the claimants have not stated something:
        # they are not its authors but what it is about (`description` says what they withheld).
        **({"about": claimants} if claim["polarity"] == "withheld" else {"author": claimants}),
        # schema.org: where the claim occurs. It occurs in this article.
        "appearance": ref("article", None),
        **({"publisher": ref("entity", claim["outlet_id"])} if claim["outlet_id"] else {}),
    }


# The schema.org node of each kind that maps onto schema.org more closely than its type alone.
NODES = {
    "entities": _entity,
    "quotes": _quote,
    "figures": _figure,
    "events": _event,
    "claims": _claim,
}


def _fact_node(kind, ref, fact):
    """A fact as a node of the kind's schema.org type: what it is called, and its words."""
    return {
        **ref(kind.singular, fact["id"]),
        "@type": kind.jsonld_type,
        "identifier": fact["id"],
        "name": fact[kind.label_field],
        "text": fact["mentions"][0]["text"],
    }


def _refs(article_id):
    """How the nodes of one article's facts name each other: by their absolute URLs."""

    def ref(kind, fact_id):
        if kind == "article":
            return {"@id": article_url(article_id, external=True)}
        return {"@id": fact_url(article_id, kind, fact_id, external=True)}

    return ref


def _node(kind, ref, fact):
    """The node of one fact of this kind."""
    return NODES[kind.name](ref, fact) if kind.name in NODES else _fact_node(kind, ref, fact)


def news_article(article):
    """The JSON-LD document for one article: a graph of the article and its facts."""
    ref = _refs(article.id)
    metadata = article.metadata
    article_ref = ref("article", None)
    nodes = {
        kind.name: [_node(kind, ref, fact) for fact in article.facts[kind.name]] for kind in KINDS
    }
    links = {
        link: [
            {"@id": node["@id"]}
            for kind in KINDS
            if kind.jsonld_link == link
            for node in nodes[kind.name]
        ]
        for link in ("mentions", "hasPart", "about")
    }
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
        **links,
    }
    return {
        "@context": CONTEXT,
        "@graph": [news_article_node, *(node for kind in KINDS for node in nodes[kind.name])],
    }


def facts_across(page: FactsAcross) -> dict[str, Any]:
    """A page of a list across articles as a schema.org graph.

    Each fact is the node its article's own JSON-LD has (the same `@id`, the fact's URL under
    its article, so ids never clash across articles), and each article on the page is a
    `NewsArticle` node (its URL, id and `version`) that links its facts as the article's own
    graph does (`mentions`, `hasPart` or `about`, from the kind table). Articles come first,
    in the order of their first fact; then the facts, in the list's order.
    """
    kind = page.kind
    articles: dict[str, dict[str, Any]] = {}
    nodes = []
    for item in page.facts:
        ref = _refs(item.article_id)
        node = _node(kind, ref, item.fact)
        nodes.append(node)
        article_node = articles.setdefault(
            item.article_id,
            {
                **ref("article", None),
                "@type": "NewsArticle",
                "identifier": item.article_id,
                "version": item.version,
                kind.jsonld_link: [],
            },
        )
        article_node[kind.jsonld_link].append({"@id": node["@id"]})
    return {"@context": CONTEXT, "@graph": [*articles.values(), *nodes]}
