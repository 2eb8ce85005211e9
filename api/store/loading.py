"""Loading a corpus folder: each article's text and annotation, validated, then shaped once
into the form the API serves."""

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from api.settings import BUILT_IN_CORPUS
from api.store.article import Article, Fact
from api.store.validation import article_files, validate_article
from schemas.articles import ArticleSchema
from schemas.dates import date_bounds
from schemas.kinds import KINDS, Kind


class DatasetError(Exception):
    """The corpus holds a file that must not be served; the message names the file and object."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Invalid dataset file {path}:\n{listing}")


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


def load_article(json_path: Path | str) -> Article:
    """Load and validate one article from its annotation file and the text beside it."""
    validated, problems = validate_article(Path(json_path))
    if validated is None:
        files = {problem.file for problem in problems}
        raise DatasetError(
            files.pop() if len(files) == 1 else Path(json_path),
            [str(problem) for problem in problems],
        )
    text, annotation = validated.text, validated.annotation
    facts = served_facts(annotation)
    return Article.assemble(text, served_metadata(annotation), facts, facets(facts))


def served_facts(annotation: dict[str, Any]) -> dict[str, tuple[Fact, ...]]:
    """Each kind's facts as the API serves them (the schemas' dump), in the kind's order:
    computed once, at load or ingest, so that views never reshape data."""
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


def served_metadata(annotation: dict[str, Any], version: int | None = None) -> dict[str, Any]:
    """The article's metadata as the API serves it, with its version where it has one."""
    metadata: dict[str, Any] = ArticleSchema(exclude=("counts", "facets")).dump(
        annotation["article"]
    )
    if version is not None:
        metadata["version"] = version
    return metadata


def load_corpus(directory: Path | str = BUILT_IN_CORPUS) -> dict[str, Article]:
    """Load every article in a corpus folder, keyed by id; refuse a folder with none."""
    paths, problems = article_files([Path(directory)])
    if problems:
        raise DatasetError(problems[0].file, [str(problem) for problem in problems])
    articles = {}
    for path in paths:
        article = load_article(path)
        articles[article.id] = article
    return articles
