"""Loading a corpus folder: each article's text and annotation, validated, then shaped once
into the form the API serves."""

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import marshmallow as ma

from api.settings import BUILT_IN_CORPUS
from api.store.article import Article, Fact
from api.store.checks import cross_check
from schemas.articles import ArticleSchema
from schemas.dataset import AnnotationSchema
from schemas.dates import date_bounds
from schemas.kinds import BY_NAME, KINDS, Kind


class DatasetError(Exception):
    """The corpus holds a file that must not be served; the message names the file and object."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Invalid dataset file {path}:\n{listing}")


def _flatten(messages: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Yield (path, message) pairs from marshmallow's nested error dict."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, (*path, key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield path, message
    else:
        yield path, str(messages)


def _object_label(raw: Any, path: tuple[Any, ...]) -> str:
    """Name the object at an error path: `entities[3] 'kursk-oblast'`."""
    if len(path) >= 2 and isinstance(path[1], int) and path[0] in BY_NAME:
        kind, index = path[0], path[1]
        try:
            fact_id = raw[kind][index].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            fact_id = None
        label = f"{kind}[{index}]" + (f" {fact_id!r}" if fact_id else "")
        rest = path[2:]
    else:
        label, rest = (str(path[0]) if path else "file"), path[1:]
    for step in rest:
        label += f"[{step}]" if isinstance(step, int) else f".{step}"
    return label


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


def validated_annotation(json_path: Path | str) -> tuple[str, dict[str, Any]]:
    """One article's text and its annotation, validated; DatasetError lists every problem."""
    json_path = Path(json_path)
    text_path = json_path.with_suffix(".txt")
    try:
        text = text_path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DatasetError(text_path, ["the article text is missing"]) from None
    except UnicodeDecodeError as error:
        raise DatasetError(text_path, [f"not UTF-8: {error}"]) from None
    except OSError as error:  # a folder, a broken link, no permission
        raise DatasetError(text_path, [f"cannot be read: {error.strerror}"]) from None
    try:
        raw = json.loads(json_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatasetError(json_path, [f"not valid JSON: {error}"]) from None
    except OSError as error:
        raise DatasetError(json_path, [f"cannot be read: {error.strerror}"]) from None
    try:
        annotation = AnnotationSchema().load(raw)
    except ma.ValidationError as error:
        problems = [
            f"{_object_label(raw, path)}: {message}" for path, message in _flatten(error.messages)
        ]
        raise DatasetError(json_path, problems) from None
    problems = cross_check(text, annotation, json_path.stem)
    if problems:
        raise DatasetError(json_path, problems)
    return text, annotation


def load_article(json_path: Path | str) -> Article:
    """Load and validate one article from its annotation file and the text beside it."""
    text, annotation = validated_annotation(json_path)
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
    directory = Path(directory)
    # `<article-id>.json` is an annotation. An article id is a slug, without a dot, so
    # `<article-id>.<name>.json` is a companion file (the Wikidata evidence), for people and
    # tests to read, not an article.
    paths = sorted(path for path in directory.glob("*.json") if "." not in path.stem)
    if not paths:
        raise DatasetError(directory, ["no article annotation (*.json) in the corpus folder"])
    for text_path in sorted(directory.glob("*.txt")):
        if not text_path.with_suffix(".json").exists():
            raise DatasetError(text_path, ["an article text without its annotation (.json)"])
    articles = {}
    for path in paths:
        article = load_article(path)
        articles[article.id] = article
    return articles
