"""An article version's served form: its facts and metadata as the API serves them, shaped
once, at ingest (and again by a rebuild), so that views never reshape data."""

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from api.store.article import Fact
from schemas.articles import ArticleSchema
from schemas.dates import date_bounds
from schemas.kinds import KINDS, Kind


def _most_frequent_first(values: Iterable[str]) -> dict[str, int]:
    """How often each value occurs, most frequent first, ties by value."""
    return dict(sorted(Counter(values).items(), key=lambda item: (-item[1], item[0])))


def facets(facts: dict[str, tuple[Fact, ...]]) -> dict[str, dict[str, int]]:
    """Counts a client would otherwise compute by paging through a list; a fact with several
    values (a claim with several claimants) counts for each."""
    return {
        facet.name: _most_frequent_first(
            value
            for fact in facts[kind.name]
            for value in (
                fact[facet.field] if isinstance(fact[facet.field], list) else [fact[facet.field]]
            )
        )
        for kind in KINDS
        for facet in kind.facets
    }


def _order_key(kind: Kind) -> Callable[[Fact], Any]:
    """The kind's default order: reading order (first mention), with claims stated in one
    sentence ordered by their cues, or date order with reading order breaking ties."""
    if kind.order == "date":
        return lambda fact: (*date_bounds(fact["date"]), fact["mentions"][0]["start"])
    if kind.order == "cue":
        return lambda fact: (fact["mentions"][0]["start"], fact["cue"]["start"])
    return lambda fact: fact["mentions"][0]["start"]


def served_facts(annotation: dict[str, Any]) -> dict[str, tuple[Fact, ...]]:
    """Each kind's facts as the API serves them (the schemas' dump), in the kind's order."""
    facts = {}
    for kind in KINDS:
        served = kind.schema().dump(annotation[kind.name], many=True)
        for fact in served:
            fact["mentions"].sort(key=lambda mention: (mention["start"], mention["end"]))
            # A figure's attributions follow its mentions, one each, in the same order.
            if "attributions" in fact:
                fact["attributions"].sort(
                    key=lambda a: (a["mention"]["start"], a["mention"]["end"])
                )
        facts[kind.name] = tuple(sorted(served, key=_order_key(kind)))
    return facts


def served_metadata(annotation: dict[str, Any], version: int) -> dict[str, Any]:
    """The article's metadata as the API serves it, with its version."""
    metadata: dict[str, Any] = ArticleSchema(exclude=("counts", "facets")).dump(
        annotation["article"]
    )
    metadata["version"] = version
    return metadata
