"""What an annotation must satisfy beyond its schema: exact spans, unique ids, references that
resolve, and the rules of claims. Each check returns every problem it finds, so one pass lists
them all."""

import datetime as dt
import hashlib
from typing import Any

from schemas.dates import date_bounds
from schemas.kinds import BY_NAME, KINDS
from schemas.relations import PREDICATES

Span = dict[str, Any]
Fact = dict[str, Any]

# Metadata fields printed in the text, with the span that anchors each.
METADATA_SPANS = (
    ("title", "title_mention"),
    ("standfirst", "standfirst_mention"),
    ("published_text", "published_mention"),
    ("view_count", "view_count_mention"),
)


def inside(span: Span, outer: Span) -> bool:
    """Whether `span` lies within `outer`."""
    return bool(outer["start"] <= span["start"] and span["end"] <= outer["end"])


def check_span(text: str, span: Span, where: str) -> list[str]:
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


def _check_period(text: str, period: dict[str, Any], where: str) -> list[str]:
    """A figure's period: its words are where its mention says, and it does not run backwards."""
    problems = check_span(text, period["mention"], f"{where}.mention")
    if period["text"] != period["mention"]["text"]:
        problems.append(f"{where}.text {period['text']!r} is not what its mention quotes")
    if period["end"] and date_bounds(period["start"])[0] > date_bounds(period["end"])[1]:
        problems.append(f"{where} ends ({period['end']}) before it starts ({period['start']})")
    return problems


def _check_metadata(text: str, metadata: dict[str, Any], stem: str) -> list[str]:
    problems = []
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
        problems += check_span(text, span, f"article.{span_field}")
        if str(metadata[value_field]) != span["text"]:
            problems.append(
                f"article.{value_field} {metadata[value_field]!r} is not what "
                f"article.{span_field} quotes ({span['text']!r})"
            )
    try:
        dt.datetime.strptime(metadata["published"], "%Y-%m-%dT%H:%M")
    except ValueError:
        problems.append(f"article.published {metadata['published']!r} is not a real date and time")
    return problems


def _check_kind_rules(
    text: str, kind: str, fact: Fact, where: str, entities: dict[str, Fact]
) -> list[str]:
    """The rules particular to one kind's facts."""
    problems = []
    if kind == "quotes":
        for number, mention in enumerate(fact["mentions"]):
            if mention["text"] != fact["text"]:
                problems.append(f"{where}.mentions[{number}]: does not quote the quote's text")
    if kind == "figures" and fact["period"]:
        problems += _check_period(text, fact["period"], f"{where}.period")
    if kind == "relations":
        predicate = PREDICATES[fact["predicate"]]
        for side, allowed in (
            ("subject", predicate.subject_types),
            ("object", predicate.object_types),
        ):
            entity = entities.get(fact[f"{side}_id"])
            if entity and entity["type"] not in allowed:
                problems.append(
                    f"{where}.{side}_id: {fact['predicate']} takes a {' or '.join(allowed)}, "
                    f"not the {entity['type']} {entity['id']!r}"
                )
    if kind == "events" and not any(
        fact["date_text"] in mention["text"] for mention in fact["mentions"]
    ):
        problems.append(f"{where}.date_text {fact['date_text']!r} is in none of its mentions")
    return problems


def cross_check(text: str, annotation: dict[str, Any], stem: str) -> list[str]:
    """Problems the schemas cannot see: spans, identities and references."""
    metadata = annotation["article"]
    problems = _check_metadata(text, metadata, stem)
    entities = {entity["id"]: entity for entity in annotation["entities"]}
    for kind in KINDS:
        seen = set()
        for index, fact in enumerate(annotation[kind.name]):
            where = f"{kind.name}[{index}] {fact['id']!r}"
            if fact["id"] in seen:
                problems.append(f"{where}: duplicate id")
            seen.add(fact["id"])
            spans = [(m["start"], m["end"]) for m in fact["mentions"]]
            if len(set(spans)) != len(spans):
                problems.append(f"{where}: the same mention is listed twice")
            for number, mention in enumerate(fact["mentions"]):
                problems += check_span(text, mention, f"{where}.mentions[{number}]")
            problems += _check_kind_rules(text, kind.name, fact, where, entities)

    ids = {kind.name: {fact["id"] for fact in annotation[kind.name]} for kind in KINDS}
    if metadata["original_outlet_id"] not in ids["entities"]:
        problems.append(f"article.original_outlet_id: no entity {metadata['original_outlet_id']!r}")
    problems += _check_claims(text, annotation)
    for kind in KINDS:
        for index, fact in enumerate(annotation[kind.name]):
            for name, relation in kind.references.items():
                targets = fact[name] if relation.many else [fact[name]]
                for target in targets:
                    if target is not None and target not in ids[relation.kind]:
                        problems.append(
                            f"{kind.name}[{index}] {fact['id']!r}.{name}: "
                            f"no {BY_NAME[relation.kind].singular} {target!r}"
                        )
    return problems


def _check_claims(text: str, annotation: dict[str, Any]) -> list[str]:
    """A claim's cue and content are where one of its statements is, the facts it carries are
    stated inside its statements, its mode agrees with its quotes, and every excluded cue word
    is where it says and is no claim's cue."""
    problems = []
    facts = {kind.name: {fact["id"]: fact for fact in annotation[kind.name]} for kind in KINDS}
    for index, claim in enumerate(annotation["claims"]):
        where = f"claims[{index}] {claim['id']!r}"
        for name in ("cue", "content"):
            problems += check_span(text, claim[name], f"{where}.{name}")
        cue, content = claim["cue"], claim["content"]
        if not any(inside(cue, m) and inside(content, m) for m in claim["mentions"]):
            problems.append(f"{where}: no mention holds both its cue and its content")
        if cue["start"] < content["end"] and content["start"] < cue["end"]:
            problems.append(f"{where}: cue and content overlap")
        for name, relation in BY_NAME["claims"].references.items():
            if relation.kind == "entities":
                continue
            for target in claim[name]:
                fact = facts[relation.kind].get(target)
                if fact and not any(
                    inside(mention, statement)
                    for mention in fact["mentions"]
                    for statement in claim["mentions"]
                ):
                    problems.append(
                        f"{where}.{name}: {BY_NAME[relation.kind].singular} {target!r} is "
                        "stated in none of the claim's mentions"
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
        problems += check_span(text, excluded["mention"], f"{where}.mention")
        for claim in annotation["claims"]:
            if inside(excluded["mention"], claim["cue"]):
                problems.append(f"{where}: is the cue of claim {claim['id']!r}")
        claim = facts["claims"].get(excluded["claim_id"])
        if excluded["claim_id"] is not None and claim is None:
            problems.append(f"{where}.claim_id: no claim {excluded['claim_id']!r}")
        elif claim and not any(inside(excluded["mention"], m) for m in claim["mentions"]):
            problems.append(f"{where}: not inside a mention of claim {claim['id']!r}")
    return problems
