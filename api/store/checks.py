"""What an annotation must satisfy beyond its schema: exact spans, unique ids, references that
resolve, every use of an entity's name marked, and the rules of claims.

Each check returns every problem it finds, so one pass lists them all, each a `Found`: a JSON
Pointer into the annotation file as written (`/claims/3/cue`), the message, and a hint where
one is cheap. The checks also run on a file whose schema failed in places: a fact that failed
its kind's schema is `None` in its list (its index stays the file's), and is skipped.
"""

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

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
# How many places a hint lists.
MAX_PLACES = 5


class Found(NamedTuple):
    """One problem in an annotation file, named by a JSON Pointer into it ("" is the file)."""

    pointer: str
    message: str
    hint: str | None = None


def pointer(*steps: str | int) -> str:
    """The RFC 6901 JSON Pointer of a path of keys and list indexes."""
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in steps)


def numbered(facts: Sequence[Fact | None]) -> Iterator[tuple[int, Fact]]:
    """Each fact with its index in the file, skipping those that failed their schema."""
    for index, fact in enumerate(facts):
        if fact is not None:
            yield index, fact


def places(text: str, words: str) -> list[tuple[int, int]]:
    """Where `words` occur in the text (overlapping occurrences too), in reading order."""
    found = []
    start = text.find(words)
    while start != -1 and words:
        found.append((start, start + len(words)))
        start = text.find(words, start + 1)
    return found


def describe_places(spans: Sequence[tuple[int, int]]) -> str:
    """`13–26, 890–903`: the first few places, and how many more."""
    listed = ", ".join(f"{start}–{end}" for start, end in spans[:MAX_PLACES])
    more = len(spans) - MAX_PLACES
    return listed + (f" and {more} more" if more > 0 else "")


def elsewhere(text: str, words: str) -> str | None:
    """A hint for a span whose words are not where it says: where they are."""
    found = places(text, words)
    return f"{words!r} is at {describe_places(found)}" if found else None


def did_you_mean(target: str, known: Collection[str]) -> str | None:
    """A hint for a reference to a missing id: the closest ids of that kind."""
    close = difflib.get_close_matches(target, sorted(known), n=3)
    return "did you mean " + " or ".join(repr(name) for name in close) + "?" if close else None


def inside(span: Span, outer: Span) -> bool:
    """Whether `span` lies within `outer`."""
    return bool(outer["start"] <= span["start"] and span["end"] <= outer["end"])


def check_span(text: str, span: Span, where: str) -> list[Found]:
    """Problems with one span: it must slice the text to exactly its own `text`."""
    start, end = span["start"], span["end"]
    if end > len(text):
        return [
            Found(
                where,
                f"span {start}:{end} runs past the end of the text ({len(text)})",
                elsewhere(text, span["text"]),
            )
        ]
    if text[start:end] != span["text"]:
        return [
            Found(
                where,
                f"text {span['text']!r} does not match article[{start}:{end}] {text[start:end]!r}",
                elsewhere(text, span["text"]),
            )
        ]
    return []


def _check_period(text: str, period: dict[str, Any], where: str) -> list[Found]:
    """A figure's period: its words are where its mention says, and it does not run backwards."""
    problems = check_span(text, period["mention"], f"{where}/mention")
    if period["text"] != period["mention"]["text"]:
        problems.append(
            Found(
                f"{where}/text",
                f"{period['text']!r} is not what its mention quotes "
                f"({period['mention']['text']!r})",
            )
        )
    if period["end"] and date_bounds(period["start"])[0] > date_bounds(period["end"])[1]:
        problems.append(
            Found(
                f"{where}/end",
                f"the period ends ({period['end']}) before it starts ({period['start']})",
            )
        )
    return problems


def _spans(spans: list[Span]) -> list[tuple[int, int, str]]:
    """Spans as sortable tuples, for comparing two lists of them whatever their order."""
    return sorted((span["start"], span["end"], span["text"]) for span in spans)


def _check_insertions(text: str, quote: Fact, where: str) -> list[Found]:
    """An editor's insertion is words inside the quotation as printed."""
    problems = []
    for number, insertion in enumerate(quote["insertions"]):
        place = f"{where}/insertions/{number}"
        problems += check_span(text, insertion, place)
        if not any(inside(insertion, mention) for mention in quote["mentions"]):
            problems.append(Found(place, "inside none of the quote's mentions"))
    return problems


def _check_attributions(
    figure: Fact,
    where: str,
    claims: Mapping[str, Fact],
    unresolved: Callable[[str, str], bool],
    ids: Mapping[str, Collection[str]],
) -> list[Found]:
    """Who gives a figure in each place: one attribution per mention, the sources their union,
    and a claim named where it is the claim's statement that gives the number there."""
    problems = []
    attributions = figure["attributions"]
    if _spans([a["mention"] for a in attributions]) != _spans(figure["mentions"]):
        problems.append(
            Found(f"{where}/attributions", "not one per mention, with the mentions' spans")
        )
    union = {source for attribution in attributions for source in attribution["source_ids"]}
    if union != set(figure["source_ids"]):
        problems.append(
            Found(
                f"{where}/source_ids",
                f"{sorted(figure['source_ids'])} is not the union of its "
                f"attributions' sources {sorted(union)}",
            )
        )
    for number, attribution in enumerate(attributions):
        place = f"{where}/attributions/{number}"
        if attribution["claim_id"] is None:
            continue
        claim = claims.get(attribution["claim_id"])
        if claim is None:
            if unresolved("claims", attribution["claim_id"]):
                problems.append(
                    Found(
                        f"{place}/claim_id",
                        f"no claim {attribution['claim_id']!r}",
                        did_you_mean(attribution["claim_id"], ids["claims"]),
                    )
                )
            continue  # a claim that failed its schema is reported as such
        if set(attribution["source_ids"]) != set(claim["claimant_ids"]):
            problems.append(
                Found(f"{place}/source_ids", f"not the claimants of claim {claim['id']!r}")
            )
        if not any(
            inside(attribution["mention"], statement["content"])
            for statement in claim["statements"]
        ):
            problems.append(
                Found(
                    place,
                    f"the mention is in the content of no statement of claim {claim['id']!r}",
                )
            )
    return problems


def _check_statements(text: str, claim: Fact, where: str) -> list[Found]:
    """Each place a claim is stated: a cue and a content that do not overlap, inside one of
    the claim's mentions, one statement per mention, in reading order, the first at `cue`."""
    problems = []
    statements = claim["statements"]
    for number, statement in enumerate(statements):
        place = f"{where}/statements/{number}"
        for name in ("cue", "content"):
            problems += check_span(text, statement[name], f"{place}/{name}")
        cue, content = statement["cue"], statement["content"]
        if cue["start"] < content["end"] and content["start"] < cue["end"]:
            problems.append(Found(place, "cue and content overlap"))
        if not any(inside(cue, m) and inside(content, m) for m in claim["mentions"]):
            problems.append(Found(place, "no mention of the claim holds both its cue and content"))
    first = statements[0]
    if _spans([first["cue"]]) != _spans([claim["cue"]]) or _spans([first["content"]]) != _spans(
        [claim["content"]]
    ):
        problems.append(Found(f"{where}/statements/0", "is not the claim's cue and content"))
    starts = [min(s["cue"]["start"], s["content"]["start"]) for s in statements[1:]]
    if starts != sorted(starts):
        problems.append(Found(f"{where}/statements", "not in reading order"))
    for number, mention in enumerate(claim["mentions"]):
        held = [
            s for s in statements if inside(s["cue"], mention) and inside(s["content"], mention)
        ]
        if len(held) != 1:
            problems.append(
                Found(f"{where}/mentions/{number}", f"holds {len(held)} statements, not one")
            )
    return problems


def _check_metadata(text: str, metadata: dict[str, Any], stem: str) -> list[Found]:
    problems = []
    if metadata["id"] != stem:
        problems.append(
            Found("/article/id", f"{metadata['id']!r} differs from the file name {stem!r}")
        )
    if metadata["text_length"] != len(text):
        problems.append(
            Found(
                "/article/text_length",
                f"is {metadata['text_length']}, the text has {len(text)} code points",
                "leave text_length out and it is computed",
            )
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if metadata["sha256"] != digest:
        problems.append(
            Found(
                "/article/sha256",
                f"is {metadata['sha256']}, the text's is {digest}",
                "leave sha256 out and it is computed",
            )
        )
    for value_field, span_field in METADATA_SPANS:
        span = metadata[span_field]
        problems += check_span(text, span, f"/article/{span_field}")
        if str(metadata[value_field]) != span["text"]:
            problems.append(
                Found(
                    f"/article/{value_field}",
                    f"{metadata[value_field]!r} is not what {span_field} quotes ({span['text']!r})",
                )
            )
    try:
        dt.datetime.strptime(metadata["published"], "%Y-%m-%dT%H:%M")
    except ValueError:
        problems.append(
            Found("/article/published", f"{metadata['published']!r} is not a real date and time")
        )
    return problems


def _check_kind_rules(
    text: str,
    kind: str,
    fact: Fact,
    where: str,
    annotation: dict[str, Any],
    unresolved: Callable[[str, str], bool],
    ids: Mapping[str, Collection[str]],
) -> list[Found]:
    """The rules particular to one kind's facts."""
    problems = []
    entities = {entity["id"]: entity for _, entity in numbered(annotation["entities"])}
    if kind == "quotes":
        for number, mention in enumerate(fact["mentions"]):
            if mention["text"] != fact["text"]:
                problems.append(
                    Found(f"{where}/mentions/{number}", "does not quote the quote's text")
                )
        problems += _check_insertions(text, fact, where)
    if kind == "figures":
        if fact["period"]:
            problems += _check_period(text, fact["period"], f"{where}/period")
        claims = {claim["id"]: claim for _, claim in numbered(annotation["claims"])}
        problems += _check_attributions(fact, where, claims, unresolved, ids)
    if kind == "relations":
        predicate = PREDICATES[fact["predicate"]]
        for side, allowed in (
            ("subject", predicate.subject_types),
            ("object", predicate.object_types),
        ):
            entity = entities.get(fact[f"{side}_id"])
            if entity and entity["type"] not in allowed:
                problems.append(
                    Found(
                        f"{where}/{side}_id",
                        f"{fact['predicate']} takes a {' or '.join(allowed)}, "
                        f"not the {entity['type']} {entity['id']!r}",
                    )
                )
    if kind == "events" and not any(
        fact["date_text"] in mention["text"] for mention in fact["mentions"]
    ):
        problems.append(
            Found(f"{where}/date_text", f"{fact['date_text']!r} is in none of its mentions")
        )
    # A state that holds at publication is dated by the day it is known to hold: that day.
    metadata = annotation["article"]
    if kind == "events" and fact["as_of"] and metadata is not None:
        published = metadata["published"][:10]
        if fact["date"] != published:
            problems.append(
                Found(
                    f"{where}/as_of",
                    f"an as_of event is dated by the publication day {published}, "
                    f"not {fact['date']}",
                )
            )
    return problems


def cross_check(
    text: str,
    annotation: dict[str, Any],
    stem: str,
    failed: Mapping[str, Collection[str] | None] | None = None,
) -> list[Found]:
    """Problems the schemas cannot see: spans, identities, references and completeness.

    `failed` names, by kind, the ids of facts that failed their schema (a reference to one is
    not reported again), or None for a kind whose list could not be read at all (no reference
    to that kind is checked). `annotation["article"]` is None when the metadata failed.
    """
    failed = failed or {}
    metadata = annotation["article"]
    problems = _check_metadata(text, metadata, stem) if metadata is not None else []
    # The ids of each kind, counting the facts that failed their schema.
    ids = {
        kind.name: {fact["id"] for _, fact in numbered(annotation[kind.name])}
        | set(failed.get(kind.name) or ())
        for kind in KINDS
    }

    def unresolved(kind: str, target: str) -> bool:
        """Whether a reference names no fact, counting those that failed their schema."""
        if kind in failed and failed[kind] is None:
            return False  # the kind's list is unreadable: its ids are unknown
        return target not in ids[kind]

    for kind in KINDS:
        first: dict[str, int] = {}
        for index, fact in numbered(annotation[kind.name]):
            where = pointer(kind.name, index)
            if fact["id"] in first:
                problems.append(
                    Found(
                        f"{where}/id",
                        f"duplicate id {fact['id']!r} "
                        f"(also {pointer(kind.name, first[fact['id']])})",
                    )
                )
            first.setdefault(fact["id"], index)
            seen: dict[tuple[int, int], int] = {}
            for number, mention in enumerate(fact["mentions"]):
                span = (mention["start"], mention["end"])
                if span in seen:
                    problems.append(
                        Found(
                            f"{where}/mentions/{number}",
                            f"the same mention is listed twice (also mentions/{seen[span]})",
                        )
                    )
                seen.setdefault(span, number)
                problems += check_span(text, mention, f"{where}/mentions/{number}")
            problems += _check_kind_rules(text, kind.name, fact, where, annotation, unresolved, ids)

    if metadata is not None and unresolved("entities", metadata["original_outlet_id"]):
        problems.append(
            Found(
                "/article/original_outlet_id",
                f"no entity {metadata['original_outlet_id']!r}",
                did_you_mean(metadata["original_outlet_id"], ids["entities"]),
            )
        )
    problems += _check_claims(text, annotation, unresolved, ids)
    problems += _check_names(text, annotation, unresolved, ids)
    for kind in KINDS:
        for index, fact in numbered(annotation[kind.name]):
            for name, relation in kind.references.items():
                where = pointer(kind.name, index, name)
                targets: list[tuple[str, Any]] = (
                    [(f"{where}/{number}", target) for number, target in enumerate(fact[name])]
                    if relation.many
                    else [(where, fact[name])]
                )
                for target_pointer, target in targets:
                    if target is not None and unresolved(relation.kind, target):
                        problems.append(
                            Found(
                                target_pointer,
                                f"no {BY_NAME[relation.kind].singular} {target!r}",
                                did_you_mean(target, ids[relation.kind]),
                            )
                        )
    return problems


def _check_claims(
    text: str,
    annotation: dict[str, Any],
    unresolved: Callable[[str, str], bool],
    ids: Mapping[str, Collection[str]],
) -> list[Found]:
    """A claim's statements are where its mentions are, the facts it carries are
    stated inside its statements, its mode agrees with its quotes, and every excluded cue word
    is where it says and is no claim's cue."""
    problems = []
    facts = {
        kind.name: {fact["id"]: fact for _, fact in numbered(annotation[kind.name])}
        for kind in KINDS
    }
    for index, claim in numbered(annotation["claims"]):
        where = pointer("claims", index)
        for name in ("cue", "content"):
            problems += check_span(text, claim[name], f"{where}/{name}")
        cue, content = claim["cue"], claim["content"]
        if not any(inside(cue, m) and inside(content, m) for m in claim["mentions"]):
            problems.append(Found(where, "no mention holds both its cue and its content"))
        if cue["start"] < content["end"] and content["start"] < cue["end"]:
            problems.append(Found(where, "cue and content overlap"))
        problems += _check_statements(text, claim, where)
        for name, relation in BY_NAME["claims"].references.items():
            if relation.kind == "entities":
                continue
            for number, target in enumerate(claim[name]):
                fact = facts[relation.kind].get(target)
                if fact and not any(
                    inside(mention, statement)
                    for mention in fact["mentions"]
                    for statement in claim["mentions"]
                ):
                    problems.append(
                        Found(
                            f"{where}/{name}/{number}",
                            f"{BY_NAME[relation.kind].singular} {target!r} is "
                            "stated in none of the claim's mentions",
                        )
                    )
        quoted = [facts["quotes"][q]["text"] for q in claim["quote_ids"] if q in facts["quotes"]]
        if claim["mode"] == "indirect" and claim["quote_ids"]:
            problems.append(Found(f"{where}/mode", "an indirect claim carries no quotes"))
        if claim["mode"] != "indirect" and not claim["quote_ids"]:
            problems.append(
                Found(f"{where}/mode", f"a {claim['mode']} claim carries at least one quote")
            )
        if claim["mode"] == "direct" and content["text"] not in quoted:
            problems.append(
                Found(f"{where}/content", "a direct claim's content is one of its quotes")
            )
    for index, excluded in numbered(annotation["excluded_cues"]):
        where = pointer("excluded_cues", index)
        problems += check_span(text, excluded["mention"], f"{where}/mention")
        for _, cued in numbered(annotation["claims"]):
            if any(inside(excluded["mention"], s["cue"]) for s in cued["statements"]):
                problems.append(Found(f"{where}/mention", f"is a cue of claim {cued['id']!r}"))
        holder = facts["claims"].get(excluded["claim_id"])
        if excluded["claim_id"] is not None and unresolved("claims", excluded["claim_id"]):
            problems.append(
                Found(
                    f"{where}/claim_id",
                    f"no claim {excluded['claim_id']!r}",
                    did_you_mean(excluded["claim_id"], ids["claims"]),
                )
            )
        elif holder and not any(inside(excluded["mention"], m) for m in holder["mentions"]):
            problems.append(
                Found(f"{where}/mention", f"not inside a mention of claim {holder['id']!r}")
            )
    return problems


def name_pattern(name: str) -> re.Pattern[str]:
    """An entity's name or alias as a whole word, in any case."""
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


def _check_names(
    text: str,
    annotation: dict[str, Any],
    unresolved: Callable[[str, str], bool],
    ids: Mapping[str, Collection[str]],
) -> list[Found]:
    """Completeness: every use of an entity's name or alias in the text lies inside one of its
    mentions, or inside an excluded mention of it that says why; an exclusion must excuse one."""
    problems = []
    exclusions = list(numbered(annotation["excluded_mentions"]))
    entity_ids = {entity["id"] for _, entity in numbered(annotation["entities"])}
    used = set()
    for index, entity in numbered(annotation["entities"]):
        if any(text[m["start"] : m["end"]] != m["text"] for m in entity["mentions"]):
            continue  # its mentions are misplaced, reported as such: judge its names once fixed
        reported = set()
        for name in [entity["name"], *entity["aliases"]]:
            for match in name_pattern(name).finditer(text):
                words = {"start": match.start(), "end": match.end()}
                if any(inside(words, mention) for mention in entity["mentions"]):
                    continue
                excusing = [
                    number
                    for number, excluded in exclusions
                    if excluded["entity_id"] == entity["id"] and inside(words, excluded["mention"])
                ]
                used.update(excusing)
                if not excusing and (match.start(), match.end()) not in reported:
                    reported.add((match.start(), match.end()))
                    problems.append(
                        Found(
                            pointer("entities", index, "mentions"),
                            f"{match.group()!r} at {match.start()}–{match.end()} is in none "
                            "of the mentions",
                            "add a mention, or an excluded_mentions entry with the reason",
                        )
                    )
    for number, excluded in exclusions:
        where = pointer("excluded_mentions", number)
        problems += check_span(text, excluded["mention"], f"{where}/mention")
        if unresolved("entities", excluded["entity_id"]):
            problems.append(
                Found(
                    f"{where}/entity_id",
                    f"no entity {excluded['entity_id']!r}",
                    did_you_mean(excluded["entity_id"], ids["entities"]),
                )
            )
        elif excluded["entity_id"] in entity_ids and number not in used:
            problems.append(
                Found(
                    where,
                    f"excludes nothing: no use of {excluded['entity_id']!r}'s name or aliases "
                    "outside its mentions lies in it",
                )
            )
    return problems
