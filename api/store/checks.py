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


def _spans(spans: list[Span]) -> list[tuple[int, int, str]]:
    """Spans as sortable tuples, for comparing two lists of them whatever their order."""
    return sorted((span["start"], span["end"], span["text"]) for span in spans)


def _check_insertions(text: str, quote: Fact, where: str) -> list[str]:
    """An editor's insertion is words inside the quotation as printed."""
    problems = []
    for number, insertion in enumerate(quote["insertions"]):
        problems += check_span(text, insertion, f"{where}.insertions[{number}]")
        if not any(inside(insertion, mention) for mention in quote["mentions"]):
            problems.append(f"{where}.insertions[{number}]: inside none of the quote's mentions")
    return problems


def _check_attributions(figure: Fact, where: str, claims: dict[str, Fact]) -> list[str]:
    """Who gives a figure in each place: one attribution per mention, the sources their union,
    and a claim named where it is the claim's statement that gives the number there."""
    problems = []
    attributions = figure["attributions"]
    if _spans([a["mention"] for a in attributions]) != _spans(figure["mentions"]):
        problems.append(f"{where}.attributions: not one per mention, with the mentions' spans")
    union = {source for attribution in attributions for source in attribution["source_ids"]}
    if union != set(figure["source_ids"]):
        problems.append(
            f"{where}.source_ids: {sorted(figure['source_ids'])} is not the union of its "
            f"attributions' sources {sorted(union)}"
        )
    for number, attribution in enumerate(attributions):
        place = f"{where}.attributions[{number}]"
        if attribution["claim_id"] is None:
            continue
        claim = claims.get(attribution["claim_id"])
        if claim is None:
            problems.append(f"{place}.claim_id: no claim {attribution['claim_id']!r}")
            continue
        if set(attribution["source_ids"]) != set(claim["claimant_ids"]):
            problems.append(f"{place}.source_ids: not the claimants of claim {claim['id']!r}")
        if not any(
            inside(attribution["mention"], statement["content"])
            for statement in claim["statements"]
        ):
            problems.append(
                f"{place}: the mention is in the content of no statement of claim {claim['id']!r}"
            )
    return problems


def _check_statements(text: str, claim: Fact, where: str) -> list[str]:
    """Each place a claim is stated: a cue and a content that do not overlap, inside one of
    the claim's mentions, one statement per mention, in reading order, the first at `cue`."""
    problems = []
    statements = claim["statements"]
    for number, statement in enumerate(statements):
        place = f"{where}.statements[{number}]"
        for name in ("cue", "content"):
            problems += check_span(text, statement[name], f"{place}.{name}")
        cue, content = statement["cue"], statement["content"]
        if cue["start"] < content["end"] and content["start"] < cue["end"]:
            problems.append(f"{place}: cue and content overlap")
        if not any(inside(cue, m) and inside(content, m) for m in claim["mentions"]):
            problems.append(f"{place}: no mention of the claim holds both its cue and content")
    first = statements[0]
    if _spans([first["cue"]]) != _spans([claim["cue"]]) or _spans([first["content"]]) != _spans(
        [claim["content"]]
    ):
        problems.append(f"{where}.statements[0]: is not the claim's cue and content")
    starts = [min(s["cue"]["start"], s["content"]["start"]) for s in statements[1:]]
    if starts != sorted(starts):
        problems.append(f"{where}.statements: not in reading order")
    for number, mention in enumerate(claim["mentions"]):
        held = [
            s for s in statements if inside(s["cue"], mention) and inside(s["content"], mention)
        ]
        if len(held) != 1:
            problems.append(f"{where}.mentions[{number}]: holds {len(held)} statements, not one")
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
    text: str, kind: str, fact: Fact, where: str, annotation: dict[str, Any]
) -> list[str]:
    """The rules particular to one kind's facts."""
    problems = []
    entities = {entity["id"]: entity for entity in annotation["entities"]}
    if kind == "quotes":
        for number, mention in enumerate(fact["mentions"]):
            if mention["text"] != fact["text"]:
                problems.append(f"{where}.mentions[{number}]: does not quote the quote's text")
        problems += _check_insertions(text, fact, where)
    if kind == "figures":
        if fact["period"]:
            problems += _check_period(text, fact["period"], f"{where}.period")
        claims = {claim["id"]: claim for claim in annotation["claims"]}
        problems += _check_attributions(fact, where, claims)
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
    # A state that holds at publication is dated by the day it is known to hold: that day.
    published = annotation["article"]["published"][:10]
    if kind == "events" and fact["as_of"] and fact["date"] != published:
        problems.append(
            f"{where}.date: an as_of event is dated by the publication day {published}, "
            f"not {fact['date']}"
        )
    return problems


def cross_check(text: str, annotation: dict[str, Any], stem: str) -> list[str]:
    """Problems the schemas cannot see: spans, identities and references."""
    metadata = annotation["article"]
    problems = _check_metadata(text, metadata, stem)
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
            problems += _check_kind_rules(text, kind.name, fact, where, annotation)

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
    """A claim's statements are where its mentions are, the facts it carries are
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
        problems += _check_statements(text, claim, where)
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
            if any(inside(excluded["mention"], s["cue"]) for s in claim["statements"]):
                problems.append(f"{where}: is a cue of claim {claim['id']!r}")
        claim = facts["claims"].get(excluded["claim_id"])
        if excluded["claim_id"] is not None and claim is None:
            problems.append(f"{where}.claim_id: no claim {excluded['claim_id']!r}")
        elif claim and not any(inside(excluded["mention"], m) for m in claim["mentions"]):
            problems.append(f"{where}: not inside a mention of claim {claim['id']!r}")
    return problems
