"""The filters of the article list (`GET /v1/articles`), each a test of one article served.

The list is small beside the facts (one row per article), and the store keeps it in memory
with each article's outlet entity, refreshed when the store's generation changes; the filters
test that. A filter that needs the facts index (`entity`, a QID) asks it once per request for
the set of articles that pass, with its value a bound parameter; a filter on words (`q`) goes
the same way.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.store.article import Fact


@dataclass(frozen=True)
class Listed:
    """One article served, as the article list filters it: its summary and its outlet."""

    summary: dict[str, Any]
    # The entity the article credits as its original outlet (None if the article has none).
    outlet: Fact | None

    @property
    def article_id(self) -> str:
        """The article's id."""
        return str(self.summary["id"])


def outlet_matches(outlet: Fact | None, wanted: str) -> bool:
    """Whether the outlet is the one named: by its QID, or by its name or an alias in any case."""
    if outlet is None:
        return False
    if outlet.get("wikidata") and outlet["wikidata"] == wanted:
        return True
    names = [outlet["name"], *outlet.get("aliases", ())]
    return wanted.casefold() in {name.casefold() for name in names}


def passes(listed: Listed, args: Mapping[str, Any], indexed: Mapping[str, set[str]]) -> bool:
    """Whether an article passes the filters `args` sets; `indexed` holds, for each filter the
    facts index answered, the ids of the articles that pass it.

    Publication times are compared as printed, without a time zone: a bound has been turned
    into the first and last minute it covers (schemas.articles.published_bounds), and a
    printed time `YYYY-MM-DDTHH:MM` orders as text exactly as it does in time.
    """
    published = listed.summary["published"]
    if args.get("published_from") and published < args["published_from"][0]:
        return False
    if args.get("published_to") and published > args["published_to"][1]:
        return False
    if args.get("outlet") and not outlet_matches(listed.outlet, args["outlet"]):
        return False
    return all(listed.article_id in ids for ids in indexed.values())
