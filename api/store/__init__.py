"""The corpus: every article text with its validated annotation, loaded once at start-up.

An article is a pair of files in the corpus folder: `<article-id>.txt`, the text byte for
byte, and `<article-id>.json`, its annotation; companions such as
`<article-id>.wikidata-evidence.json` may sit beside them. Nothing is served until every pair
has passed the schemas and the cross-checks below; the first problem found stops the app with
a message naming the file, the object and what is wrong.
"""

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import marshmallow as ma

from schemas.articles import ArticleSchema
from schemas.claims import ClaimSchema
from schemas.dataset import AnnotationSchema
from schemas.dates import date_bounds
from schemas.entities import EntitySchema
from schemas.events import EventSchema
from schemas.figures import FigureSchema
from schemas.quotes import QuoteSchema

BUILT_IN_CORPUS = Path(__file__).parent.parent / "corpus"

# The kinds of fact an article holds, as named in the annotation file.
FACT_KINDS = ("entities", "quotes", "figures", "events", "claims")
SINGULAR = {
    "entities": "entity",
    "quotes": "quote",
    "figures": "figure",
    "events": "event",
    "claims": "claim",
}
PLURAL = {singular: kind for kind, singular in SINGULAR.items()}
# The schema that shapes each kind as the API serves it.
SERVED_SCHEMAS = {
    "entities": EntitySchema(),
    "quotes": QuoteSchema(),
    "figures": FigureSchema(),
    "events": EventSchema(),
    "claims": ClaimSchema(),
}

# Fields of each kind that refer to entities, as (field name, holds a list).
ENTITY_REFERENCES = {
    "quotes": (("speaker_id", False), ("outlet_id", False)),
    "figures": (("source_ids", True), ("entity_ids", True)),
    "events": (("entity_ids", True),),
    "claims": (("claimant_ids", True), ("outlet_id", False)),
}
# Fields of each kind that refer to facts of other kinds, as (field name, kind).
FACT_REFERENCES = {
    "events": (("quote_ids", "quotes"), ("figure_ids", "figures")),
    "claims": (("quote_ids", "quotes"), ("figure_ids", "figures"), ("event_ids", "events")),
}
# Metadata fields printed in the text, with the span that anchors each.
METADATA_SPANS = (
    ("title", "title_mention"),
    ("standfirst", "standfirst_mention"),
    ("published_text", "published_mention"),
    ("view_count", "view_count_mention"),
)


class DatasetError(Exception):
    """The corpus holds a file that must not be served; the message names the file and object."""

    def __init__(self, path, problems):
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Invalid dataset file {path}:\n{listing}")


@dataclass(frozen=True)
class Article:
    """One article: its text, metadata and facts, each as the API serves it.

    Entities, quotes, figures and claims are in reading order (first mention); events in date
    order.
    """

    text: str
    metadata: dict
    entities: tuple
    quotes: tuple
    figures: tuple
    events: tuple
    claims: tuple
    facets: dict
    _by_id: dict = field(repr=False)
    _search_text: dict = field(repr=False)

    @property
    def id(self):
        """The article's slug."""
        return self.metadata["id"]

    @property
    def counts(self):
        """Number of facts of each kind."""
        return {kind: len(getattr(self, kind)) for kind in FACT_KINDS}

    def find(self, kind, fact_id):
        """The fact of this kind with this id, or None."""
        return self._by_id[kind].get(fact_id)

    def has_entity(self, entity_id):
        """Whether the article has an entity with this id."""
        return entity_id in self._by_id["entities"]

    def _matches(self, kind, fact, q):
        return q is None or q.casefold() in self._search_text[kind][fact["id"]]

    def search(self, q, kinds=FACT_KINDS):
        """Facts matching `q`: where it occurs in the text inside their mentions, then in
        their annotation (name, aliases, description, summary) only.

        Each hit is {kind, id, label, field, match, mention}; `match` is the exact span of the
        occurrence in the text and `mention` the fact's span that contains it.
        """
        occurrences = [m.span() for m in re.finditer(re.escape(q), self.text, re.IGNORECASE)]
        in_text, in_annotation = [], []
        for kind in kinds:
            for fact in getattr(self, kind):
                hit = {"kind": SINGULAR[kind], "id": fact["id"], "label": fact_label(kind, fact)}
                found = False
                for start, end in occurrences:
                    for mention in fact["mentions"]:
                        if mention["start"] <= start and end <= mention["end"]:
                            match = {"start": start, "end": end, "text": self.text[start:end]}
                            in_text.append(
                                {**hit, "field": "text", "match": match, "mention": mention}
                            )
                            found = True
                if not found and self._matches(kind, fact, q):
                    in_annotation.append(
                        {**hit, "field": "annotation", "match": None, "mention": None}
                    )
        in_text.sort(key=lambda hit: (hit["match"]["start"], -hit["mention"]["end"]))
        return in_text + in_annotation

    def find_entities(self, entity_type=None, q=None, wikidata=None):
        """Entities of a type, whose name, aliases or description contain `q`, and/or with a
        Wikidata item (`wikidata`: a QID, or "true"/"false" for having one or not)."""
        return [
            entity
            for entity in self.entities
            if (entity_type is None or entity["type"] == entity_type)
            and self._matches("entities", entity, q)
            and _has_wikidata(entity, wikidata)
        ]

    def find_quotes(self, speaker_id=None, q=None):
        """Quotes by a speaker and/or whose text contains `q`."""
        return [
            quote
            for quote in self.quotes
            if (speaker_id is None or quote["speaker_id"] == speaker_id)
            and self._matches("quotes", quote, q)
        ]

    def find_figures(self, source_id=None, q=None):
        """Figures attributed to a source and/or whose unit or description contain `q`."""
        return [
            figure
            for figure in self.figures
            if (source_id is None or source_id in figure["source_ids"])
            and self._matches("figures", figure, q)
        ]

    def find_claims(self, claimant_id=None, mode=None, polarity=None, q=None):
        """Claims made by an entity, reported in a mode, of a polarity, and/or whose content or
        summary contain `q`."""
        return [
            claim
            for claim in self.claims
            if (claimant_id is None or claimant_id in claim["claimant_ids"])
            and (mode is None or claim["mode"] == mode)
            and (polarity is None or claim["polarity"] == polarity)
            and self._matches("claims", claim, q)
        ]

    def find_events(self, start=None, end=None, entity_id=None):
        """Events whose date span overlaps [start, end] (partial dates) and/or involve an entity."""
        first = date_bounds(start)[0] if start else None
        last = date_bounds(end)[1] if end else None
        found = []
        for event in self.events:
            event_first, event_last = date_bounds(event["date"])
            if first and event_last < first or last and event_first > last:
                continue
            if entity_id is not None and entity_id not in event["entity_ids"]:
                continue
            found.append(event)
        return found


def _has_wikidata(entity, wikidata):
    """Whether an entity passes the `wikidata` filter: a QID, "true", "false" or None (any)."""
    if wikidata is None:
        return True
    if wikidata in ("true", "false"):
        return (entity["wikidata"] is not None) == (wikidata == "true")
    return entity["wikidata"] == wikidata


def _flatten(messages, path=()):
    """Yield (path, message) pairs from marshmallow's nested error dict."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, (*path, key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield path, message
    else:
        yield path, str(messages)


def _object_label(raw, path):
    """Name the object at an error path: `entities[3] 'kursk-oblast'`."""
    if len(path) >= 2 and isinstance(path[1], int) and path[0] in FACT_KINDS:
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


def _check_span(text, span, where):
    """Problems with one span: it must slice the text to exactly its own `text`."""
    start, end = span["start"], span["end"]
    if end > len(text):
        return [f"{where}: span {start}:{end} runs past the end of the text ({len(text)})"]
    if text[start:end] != span["text"]:
        return [
            f"{where}: text {span['text']!r} does not match article[{start}:{end}] "
            f"{text[start:end]!r}"
        ]
    return []


def _check_period(text, period, where):
    """A figure's period: its words are where its mention says, and it does not run backwards."""
    problems = _check_span(text, period["mention"], f"{where}.mention")
    if period["text"] != period["mention"]["text"]:
        problems.append(f"{where}.text {period['text']!r} is not what its mention quotes")
    if period["end"] and date_bounds(period["start"])[0] > date_bounds(period["end"])[1]:
        problems.append(f"{where} ends ({period['end']}) before it starts ({period['start']})")
    return problems


def _cross_check(text, annotation, stem):
    """Problems the schemas cannot see: spans, identities and references."""
    problems = []
    metadata = annotation["article"]
    if metadata["id"] != stem:
        problems.append(f"article.id {metadata['id']!r} differs from the file name {stem!r}")
    if metadata["text_length"] != len(text):
        problems.append(
            f"article.text_length is {metadata['text_length']}, the text has {len(text)}"
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if metadata["sha256"] != digest:
        problems.append(f"article.sha256 is {metadata['sha256']}, the text's is {digest}")
    for value_field, span_field in METADATA_SPANS:
        span = metadata[span_field]
        problems += _check_span(text, span, f"article.{span_field}")
        if str(metadata[value_field]) != span["text"]:
            problems.append(
                f"article.{value_field} {metadata[value_field]!r} is not what "
                f"article.{span_field} quotes ({span['text']!r})"
            )
    try:
        dt.datetime.strptime(metadata["published"], "%Y-%m-%dT%H:%M")
    except ValueError:
        problems.append(f"article.published {metadata['published']!r} is not a real date and time")

    for kind in FACT_KINDS:
        seen = set()
        for index, fact in enumerate(annotation[kind]):
            where = f"{kind}[{index}] {fact['id']!r}"
            if fact["id"] in seen:
                problems.append(f"{where}: duplicate id")
            seen.add(fact["id"])
            spans = [(m["start"], m["end"]) for m in fact["mentions"]]
            if len(set(spans)) != len(spans):
                problems.append(f"{where}: the same mention is listed twice")
            for number, mention in enumerate(fact["mentions"]):
                problems += _check_span(text, mention, f"{where}.mentions[{number}]")
                if kind == "quotes" and mention["text"] != fact["text"]:
                    problems.append(f"{where}.mentions[{number}]: does not quote the quote's text")
            if kind == "figures" and fact["period"]:
                problems += _check_period(text, fact["period"], f"{where}.period")
            if kind == "events" and not any(
                fact["date_text"] in mention["text"] for mention in fact["mentions"]
            ):
                problems.append(
                    f"{where}.date_text {fact['date_text']!r} is in none of its mentions"
                )

    ids = {kind: {fact["id"] for fact in annotation[kind]} for kind in FACT_KINDS}
    if metadata["original_outlet_id"] not in ids["entities"]:
        problems.append(f"article.original_outlet_id: no entity {metadata['original_outlet_id']!r}")
    problems += _check_claims(text, annotation)
    for kind, references in ENTITY_REFERENCES.items():
        for index, fact in enumerate(annotation[kind]):
            for name, is_list in references:
                targets = fact[name] if is_list else [fact[name]]
                for target in targets:
                    if target is not None and target not in ids["entities"]:
                        problems.append(
                            f"{kind}[{index}] {fact['id']!r}.{name}: no entity {target!r}"
                        )
    for kind, references in FACT_REFERENCES.items():
        for index, fact in enumerate(annotation[kind]):
            for name, target_kind in references:
                for target in fact[name]:
                    if target not in ids[target_kind]:
                        problems.append(
                            f"{kind}[{index}] {fact['id']!r}.{name}: "
                            f"no {SINGULAR[target_kind]} {target!r}"
                        )
    return problems


def _inside(span, outer):
    return outer["start"] <= span["start"] and span["end"] <= outer["end"]


def _check_claims(text, annotation):
    """A claim's cue and content are where one of its statements is, the facts it carries are
    stated inside its statements, its mode agrees with its quotes, and every excluded cue word
    is where it says and is no claim's cue."""
    problems = []
    facts = {
        kind: {fact["id"]: fact for fact in annotation[kind]}
        for kind in ("quotes", "figures", "events", "claims")
    }
    for index, claim in enumerate(annotation["claims"]):
        where = f"claims[{index}] {claim['id']!r}"
        for name in ("cue", "content"):
            problems += _check_span(text, claim[name], f"{where}.{name}")
        cue, content = claim["cue"], claim["content"]
        if not any(_inside(cue, m) and _inside(content, m) for m in claim["mentions"]):
            problems.append(f"{where}: no mention holds both its cue and its content")
        if cue["start"] < content["end"] and content["start"] < cue["end"]:
            problems.append(f"{where}: cue and content overlap")
        for name, kind in FACT_REFERENCES["claims"]:
            for target in claim[name]:
                fact = facts[kind].get(target)
                if fact and not any(
                    _inside(mention, statement)
                    for mention in fact["mentions"]
                    for statement in claim["mentions"]
                ):
                    problems.append(
                        f"{where}.{name}: {SINGULAR[kind]} {target!r} is stated in none of "
                        "the claim's mentions"
                    )
        quoted = [facts["quotes"][q]["text"] for q in claim["quote_ids"] if q in facts["quotes"]]
        if claim["mode"] == "indirect" and claim["quote_ids"]:
            problems.append(f"{where}.mode: an indirect claim carries no quotes")
        if claim["mode"] != "indirect" and not claim["quote_ids"]:
            problems.append(f"{where}.mode: a {claim['mode']} claim carries at least one quote")
        if claim["mode"] == "direct" and content["text"] not in quoted:
            problems.append(f"{where}.content: a direct claim's content is one of its quotes")
    for index, excluded in enumerate(annotation["excluded_cues"]):
        where = f"excluded_cues[{index}] {excluded['mention']['text']!r}"
        problems += _check_span(text, excluded["mention"], f"{where}.mention")
        for claim in annotation["claims"]:
            if _inside(excluded["mention"], claim["cue"]):
                problems.append(f"{where}: is the cue of claim {claim['id']!r}")
        claim = facts["claims"].get(excluded["claim_id"])
        if excluded["claim_id"] is not None and claim is None:
            problems.append(f"{where}.claim_id: no claim {excluded['claim_id']!r}")
        elif claim and not any(_inside(excluded["mention"], m) for m in claim["mentions"]):
            problems.append(f"{where}: not inside a mention of claim {claim['id']!r}")
    return problems


def _search_text(kind, fact):
    """The casefolded text `q` searches in, built once per fact."""
    if kind == "entities":
        parts = [fact["name"], *fact["aliases"], fact["description"]]
    elif kind == "quotes":
        parts = [fact["text"]]
    elif kind == "figures":
        parts = [fact["unit"], fact["description"]]
    elif kind == "claims":
        parts = [fact["content"]["text"], fact["summary"]]
    else:
        parts = [fact["summary"], fact["date_text"]]
    return "\n".join(parts).casefold()


def fact_label(kind, fact):
    """A short human label for a fact: its name, words, description or summary."""
    return fact.get("name") or fact.get("text") or fact.get("description") or fact["summary"]


def _facets(facts):
    """Counts a client would otherwise compute by paging through a list."""

    def count(kind, key):
        return _most_frequent_first(fact[key] for fact in facts[kind])

    return {
        "entities_by_type": count("entities", "type"),
        "quotes_by_speaker": count("quotes", "speaker_id"),
        "figures_by_qualifier": count("figures", "qualifier"),
        "events_by_precision": count("events", "precision"),
        "claims_by_mode": count("claims", "mode"),
        # A claim with several claimants counts for each of them.
        "claims_by_claimant": _most_frequent_first(
            claimant for claim in facts["claims"] for claimant in claim["claimant_ids"]
        ),
    }


def _most_frequent_first(values):
    """How often each value occurs, most frequent first, ties by value."""
    return dict(sorted(Counter(values).items(), key=lambda item: (-item[1], item[0])))


def _reading_order(fact):
    return fact["mentions"][0]["start"]


def _claim_order(claim):
    # Claims stated in one sentence share its start; their cues order them.
    return _reading_order(claim), claim["cue"]["start"]


def _timeline_order(event):
    first, last = date_bounds(event["date"])
    return first, last, _reading_order(event)


def load_article(json_path):
    """Load and validate one article from its annotation file and the text beside it."""
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
    problems = _cross_check(text, annotation, json_path.stem)
    if problems:
        raise DatasetError(json_path, problems)

    # Keep the served form (the schemas' dump), computed once: views never reshape data.
    served = {kind: SERVED_SCHEMAS[kind].dump(annotation[kind], many=True) for kind in FACT_KINDS}
    for kind in FACT_KINDS:
        for fact in served[kind]:
            fact["mentions"].sort(key=lambda mention: (mention["start"], mention["end"]))
    facts = {
        "entities": tuple(sorted(served["entities"], key=_reading_order)),
        "quotes": tuple(sorted(served["quotes"], key=_reading_order)),
        "figures": tuple(sorted(served["figures"], key=_reading_order)),
        "events": tuple(sorted(served["events"], key=_timeline_order)),
        "claims": tuple(sorted(served["claims"], key=_claim_order)),
    }
    return Article(
        text=text,
        metadata=ArticleSchema(exclude=("counts", "facets")).dump(annotation["article"]),
        facets=_facets(facts),
        **facts,
        _by_id={kind: {fact["id"]: fact for fact in facts[kind]} for kind in FACT_KINDS},
        _search_text={
            kind: {fact["id"]: _search_text(kind, fact) for fact in facts[kind]}
            for kind in FACT_KINDS
        },
    )


def load_corpus(directory=BUILT_IN_CORPUS):
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
