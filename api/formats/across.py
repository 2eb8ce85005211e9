"""A page of facts across articles, as the formats that need whole facts and their articles
read it (JSON-LD, Web Annotations).

A list across articles is a list like any other for JSON and CSV (the items the client asked
for, `fields` applied). The linked-data formats need more: each fact whole (a node cannot be
built from the fields a client picked) and, for the annotations' quote selectors, the text of
the article version the fact is from. The view hands both over here; an article's text is read
only when a format asks for it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from api.store import Article
from api.store.article import Fact
from schemas.kinds import Kind


@dataclass(frozen=True)
class FactAcross:
    """One fact of the page, whole, with the article version it is from."""

    article_id: str
    version: int
    fact: Fact


@dataclass(frozen=True)
class FactsAcross:
    """One page of a kind's facts from every article, in the list's order."""

    kind: Kind
    facts: Sequence[FactAcross]
    # The article at a version (an ingested version never changes), read when first needed.
    article: Callable[[str, int], Article]
    # The page's absolute URL, and the next page's (None on the last page).
    url: str
    next_url: str | None
