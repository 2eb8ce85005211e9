"""The facts of an article as W3C Web Annotations, for annotation tools and NLP pipelines.

`annotation_page(article)` is one `AnnotationPage` (W3C Web Annotation Data Model) holding an
`Annotation` for every mention of every fact, in text order. Its target is the article's text
URL, narrowed by a `TextPositionSelector` (code point offsets, as the API's spans) and a
`TextQuoteSelector` (the exact words with enough text before and after to occur once), so a
tool can anchor it by either. Its bodies: the fact's API URL (`identifying` what the words
refer to), its kind (`classifying`) and its label (`describing`). Words an editor inserted into
a quotation ("(in this war)") have an annotation of their own that says so (`commenting`).

One annotation per mention, not per fact: tools that load annotations (Hypothesis, Recogito,
and NLP pipelines that read span lists) treat an annotation as one highlighted stretch of
text, and a fact with several mentions as several targets is a form they mostly ignore or
merge. Each mention's annotation links the same fact, so a fact is still one resource.

The `@context` is W3C's (`http://www.w3.org/ns/anno.jsonld`), as the model requires; its text
ships with the package (`api/formats/contexts/anno.jsonld`, `ANNO_CONTEXT_FILE`) so that tests and
clients can expand the page without fetching anything. URLs are absolute, built from the URL
of the request, like the JSON-LD's (see api.formats.jsonld). The renderer registry serves the page
(api.formats.registry, `ANNOTATION_MEDIA_TYPE`).
"""

from functools import partial
from pathlib import Path
from typing import Any

from api.formats.across import FactsAcross
from api.links import article_url, fact_url, text_url
from api.store import fact_label
from schemas.kinds import KINDS

ANNO_CONTEXT_URL = "http://www.w3.org/ns/anno.jsonld"
ANNO_CONTEXT_FILE = Path(__file__).parent / "contexts" / "anno.jsonld"
# The media type that asks for this representation (RFC 6906 profile of JSON-LD).
ANNOTATION_MEDIA_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT_URL}"'
# Characters of text before and after the quoted words: enough to anchor them in a text that
# has changed a little; more when the words with that much context occur twice.
QUOTE_CONTEXT = 32


def quote_selector(text, start, end):
    """A TextQuoteSelector for text[start:end]: the words, with context that occurs once."""
    exact = text[start:end]
    length = QUOTE_CONTEXT
    while True:
        prefix, suffix = text[max(0, start - length) : start], text[end : end + length]
        quoted = prefix + exact + suffix
        first = text.find(quoted)
        unique = text.find(quoted, first + 1) == -1
        if unique or (len(prefix) == start and len(suffix) == len(text) - end):
            break
        length *= 2
    selector = {"type": "TextQuoteSelector", "exact": exact}
    if prefix:
        selector["prefix"] = prefix
    if suffix:
        selector["suffix"] = suffix
    return selector


def mention_annotation(article, kind, fact, mention):
    """The Annotation of one mention of one fact (`kind`: a `schemas.kinds.Kind`)."""
    start, end = mention["start"], mention["end"]
    fact_iri = fact_url(article.id, kind.singular, fact["id"], external=True)
    return {
        # One mention of a fact: a fragment of the fact's URL, stable as long as the span is.
        "id": f"{fact_iri}#mention-{start}-{end}",
        "type": "Annotation",
        "motivation": kind.motivation,
        "body": [
            {"type": "SpecificResource", "source": fact_iri, "purpose": "identifying"},
            {"type": "TextualBody", "value": kind.singular, "purpose": "classifying"},
            {
                "type": "TextualBody",
                "value": fact_label(kind, fact),
                "format": "text/plain",
                "purpose": "describing",
            },
        ],
        "target": _text_target(article, start, end),
    }


def insertion_annotation(article, quote, insertion):
    """The Annotation of words an editor inserted into a quotation: a comment saying so.

    `commenting`, not `editing`: W3C's `editing` asks for a change to the target, and nothing
    is to change; the comment tells a reader that these words are not the speaker's. It links
    the quote it sits in (`linking`), so tools can tell it from the quote's own annotation.
    """
    start, end = insertion["start"], insertion["end"]
    quote_iri = fact_url(article.id, "quote", quote["id"], external=True)
    speaker = article.find("entities", quote["speaker_id"])["name"]
    return {
        "id": f"{quote_iri}#insertion-{start}-{end}",
        "type": "Annotation",
        "motivation": "commenting",
        "body": [
            {
                "type": "TextualBody",
                "value": f"Added by the editor: these words are not {speaker}'s.",
                "format": "text/plain",
                "purpose": "commenting",
            },
            {"type": "SpecificResource", "source": quote_iri, "purpose": "linking"},
        ],
        "target": _text_target(article, start, end),
    }


def _text_target(article, start, end):
    """The words text[start:end] of the article, by position and by quote."""
    return {
        "type": "SpecificResource",
        "source": text_url(article.id, external=True),
        "selector": [
            {"type": "TextPositionSelector", "start": start, "end": end},
            quote_selector(article.text, start, end),
        ],
    }


def _fact_annotations(article, kind, fact):
    """The annotations of one fact's mentions (and a quote's insertions), each a sort key
    (start, end, rank) and a function that builds it; `rank` puts an insertion after the
    facts whose words start where it does."""
    rank = KINDS.index(kind)
    found = [
        (
            mention["start"],
            mention["end"],
            rank,
            partial(mention_annotation, article, kind, fact, mention),
        )
        for mention in fact["mentions"]
    ]
    if kind.name == "quotes":
        found += [
            (
                insertion["start"],
                insertion["end"],
                len(KINDS),
                partial(insertion_annotation, article, fact, insertion),
            )
            for insertion in fact["insertions"]
        ]
    return found


def annotation_page(article):
    """Every mention of every fact of `article` as a W3C `AnnotationPage`, in text order.

    For `Accept: application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"` at the
    article's URL (`ANNOTATION_MEDIA_TYPE`). The page's id is that URL with `#annotations`:
    the article's URL itself names the article (the `NewsArticle` of the schema.org JSON-LD).
    """
    mentions = [
        found
        for kind in KINDS
        for fact in article.facts[kind.name]
        for found in _fact_annotations(article, kind, fact)
    ]
    mentions.sort(key=lambda item: item[:3])
    return {
        "@context": ANNO_CONTEXT_URL,
        "id": f"{article_url(article.id, external=True)}#annotations",
        "type": "AnnotationPage",
        "startIndex": 0,
        "items": [annotate() for *_, annotate in mentions],
    }


def annotations_across(page: FactsAcross) -> dict[str, Any]:
    """A page of a list across articles as a W3C `AnnotationPage`: the annotations of each
    fact in the list's order, each fact's in text order.

    Each annotation is the one its article's own page has: its target the text URL of the
    fact's article (unversioned, as there), its selectors quoting that article's text at the
    version the fact is from. The page's id is the list's URL with `#annotations`; `next` is
    the next page's (a cursor page's place in the whole list is not counted, so there is no
    `startIndex`).
    """
    items = []
    for item in page.facts:
        article = page.article(item.article_id, item.version)
        found = _fact_annotations(article, page.kind, item.fact)
        found.sort(key=lambda entry: entry[:3])
        items += [annotate() for *_, annotate in found]
    return {
        "@context": ANNO_CONTEXT_URL,
        "id": f"{page.url}#annotations",
        "type": "AnnotationPage",
        **({"next": f"{page.next_url}#annotations"} if page.next_url else {}),
        "items": items,
    }
