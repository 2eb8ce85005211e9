"""One article as the API serves it: its text, metadata and facts of every kind, with the
lookups, filters and search the views ask for."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.dates import date_bounds
from schemas.kinds import BY_NAME, KINDS, Filter, Kind

Fact = dict[str, Any]


def field_text(fact: Fact, name: str) -> list[str]:
    """The strings a (dotted) field holds: `content.text`, or each of a list of aliases."""
    value: Any = fact
    for part in name.split("."):
        value = value[part]
    return list(value) if isinstance(value, list) else [value]


def search_text(kind: Kind, fact: Fact) -> str:
    """The casefolded text `q` searches in, built once per fact."""
    return "\n".join(
        text for name in kind.search_fields for text in field_text(fact, name)
    ).casefold()


def fact_label(kind: Kind, fact: Fact) -> str:
    """A short human label for a fact: its name, words, description or summary."""
    return str(fact[kind.label_field])


@dataclass(frozen=True)
class Article:
    """One article: its text, metadata and facts, each as the API serves it.

    `facts` holds each kind in its default order (reading order, or date order for events).
    """

    text: str
    metadata: dict[str, Any]
    facts: Mapping[str, tuple[Fact, ...]]
    facets: dict[str, dict[str, int]]
    _by_id: dict[str, dict[str, Fact]] = field(repr=False)
    # Each kind's search text by fact id, built the first time `q` searches that kind.
    _search_text: dict[str, dict[str, str]] = field(repr=False)

    @classmethod
    def assemble(
        cls,
        text: str,
        metadata: dict[str, Any],
        facts: Mapping[str, tuple[Fact, ...]],
        facets: dict[str, dict[str, int]],
    ) -> "Article":
        """The article from its served parts, with the lookups views need built once."""
        return cls(
            text=text,
            metadata=metadata,
            facts=facts,
            facets=facets,
            _by_id={name: {fact["id"]: fact for fact in facts[name]} for name in facts},
            _search_text={},
        )

    @property
    def version(self) -> int | None:
        """The stored version this is, or None for an article loaded straight from files."""
        version = self.metadata.get("version")
        return int(version) if version is not None else None

    @property
    def id(self) -> str:
        """The article's slug."""
        return str(self.metadata["id"])

    @property
    def counts(self) -> dict[str, int]:
        """Number of facts of each kind."""
        return {kind.name: len(self.facts[kind.name]) for kind in KINDS}

    def find(self, kind: str, fact_id: str) -> Fact | None:
        """The fact of this kind with this id, or None."""
        return self._by_id[kind].get(fact_id)

    def has_entity(self, entity_id: str) -> bool:
        """Whether the article has an entity with this id."""
        return entity_id in self._by_id["entities"]

    def _searched(self, kind: str) -> dict[str, str]:
        """The kind's search text by fact id (a race between threads builds it twice, alike)."""
        texts = self._search_text.get(kind)
        if texts is None:
            texts = {fact["id"]: search_text(BY_NAME[kind], fact) for fact in self.facts[kind]}
            self._search_text[kind] = texts
        return texts

    def select(self, kind: str, args: Mapping[str, Any]) -> list[Fact]:
        """The facts of a kind that pass every filter the kind declares and `args` sets."""
        active = [
            (spec, args[spec.argument])
            for spec in BY_NAME[kind].filters
            if args.get(spec.argument) is not None
        ]
        return [
            fact
            for fact in self.facts[kind]
            if all(self._passes(kind, fact, spec, value) for spec, value in active)
        ]

    def _passes(self, kind: str, fact: Fact, spec: Filter, value: str) -> bool:
        return bool(self._test(kind, fact, spec, value))

    def _test(self, kind: str, fact: Fact, spec: Filter, value: str) -> Any:
        if spec.test == "text":
            return value.casefold() in self._searched(kind)[fact["id"]]
        if spec.test == "equals":
            return fact[spec.fields[0]] == value
        if spec.test == "contains":
            return value in fact[spec.fields[0]]
        if spec.test == "either":
            return any(fact[name] == value for name in spec.fields)
        if spec.test == "after":  # the fact's date span ends on or after the start of `value`
            return date_bounds(fact[spec.fields[0]])[1] >= date_bounds(value)[0]
        if spec.test == "before":  # and starts on or before the end of `value`
            return date_bounds(fact[spec.fields[0]])[0] <= date_bounds(value)[1]
        if spec.test == "wikidata":  # a QID, or "true"/"false" for having one
            qid = fact[spec.fields[0]]
            if value in ("true", "false"):
                return (qid is not None) == (value == "true")
            return qid == value
        raise ValueError(f"unknown filter test {spec.test!r}")

    def search(self, q: str, kinds: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Facts matching `q`: where it occurs in the text inside their mentions, then in
        their annotation (name, aliases, description, summary) only.

        Each hit is {kind, id, label, field, match, mention}; `match` is the exact span of the
        occurrence in the text and `mention` the fact's span that contains it.
        """
        occurrences = [m.span() for m in re.finditer(re.escape(q), self.text, re.IGNORECASE)]
        in_text, in_annotation = [], []
        # In the order asked for: hits that tie on their span keep it.
        for kind in [BY_NAME[name] for name in kinds] if kinds else KINDS:
            for fact in self.facts[kind.name]:
                hit = {"kind": kind.singular, "id": fact["id"], "label": fact_label(kind, fact)}
                found = False
                for start, end in occurrences:
                    for mention in fact["mentions"]:
                        if mention["start"] <= start and end <= mention["end"]:
                            match = {"start": start, "end": end, "text": self.text[start:end]}
                            in_text.append(
                                {**hit, "field": "text", "match": match, "mention": mention}
                            )
                            found = True
                if not found and q.casefold() in self._searched(kind.name)[fact["id"]]:
                    in_annotation.append(
                        {**hit, "field": "annotation", "match": None, "mention": None}
                    )
        in_text.sort(key=lambda hit: (hit["match"]["start"], -hit["mention"]["end"]))
        return in_text + in_annotation
