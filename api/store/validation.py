"""Validating an article: its text and annotation file, every problem in one pass.

The one way an annotation is judged, by the app at start-up (`api.store.loading`), by
`article-facts check` and by ingest. Spans written as quotes are resolved to offsets first;
then the file is loaded with the same schemas the API serves (`schemas.dataset`), fact by fact
where the whole fails, and the cross-checks (`api.store.checks`) run on every fact that loaded.
Each problem names the file and a JSON Pointer into it as written.
"""

import copy
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import marshmallow as ma

from api.store.checks import Found, cross_check, describe_places, places, pointer
from schemas.common import MentionSchema, TextQuoteSchema
from schemas.dataset import FORMAT_VERSION, AnnotationSchema


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an article's files, located by a JSON Pointer into the file."""

    file: Path
    pointer: str  # RFC 6901, into the annotation file: "/claims/3/cue"; "" is the whole file
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        """`<file>: <pointer>: <message> (<hint>)` on one line; no pointer for the whole file."""
        parts = [str(self.file), *([self.pointer] if self.pointer else []), self.message]
        line = ": ".join(parts) + (f" ({self.hint})" if self.hint else "")
        return " ".join(line.splitlines())


@dataclass(frozen=True)
class ValidatedArticle:
    """An article that passed every check, as ingest stores it and the app serves it."""

    article_id: str
    text: str
    # As AnnotationSchema loads it: every span resolved to start/end/text, and the article's
    # text_length and sha256 filled in.
    annotation: dict[str, Any]
    annotation_sha256: str  # of the annotation file's bytes
    format: int  # the file's format version


def validate_article(json_path: Path) -> tuple[ValidatedArticle | None, list[Problem]]:
    """Validate one article (`<id>.json` and the `<id>.txt` beside it): the article, or None
    and every problem found."""
    json_path = Path(json_path)
    text_path = json_path.with_suffix(".txt")
    problems: list[Problem] = []
    text = _read_text(text_path, problems)
    try:
        annotation_bytes = json_path.read_bytes()
    except OSError as error:
        problems.append(Problem(json_path, "", f"cannot be read: {error.strerror}"))
        return None, problems
    try:
        raw = json.loads(annotation_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(Problem(json_path, "", f"not valid JSON: {error}"))
        return None, problems
    if not isinstance(raw, dict):
        problems.append(Problem(json_path, "", "not a JSON object"))
        return None, problems
    file_format = raw.get("format", FORMAT_VERSION)
    if isinstance(file_format, int) and file_format > FORMAT_VERSION:
        # The rest of the file may mean something this code does not know: judge none of it.
        problems.append(
            Problem(
                json_path,
                "/format",
                f"format {file_format} is newer than this code reads "
                f"(the highest it knows is {FORMAT_VERSION})",
                "upgrade article-facts-api",
            )
        )
        return None, problems
    if text is None:
        return None, problems

    raw = copy.deepcopy(raw)
    _compute_checksums(text, raw)
    found = list(_resolve_quotes(text, raw, AnnotationSchema(), ()))
    unresolved = {problem.pointer for problem in found}
    annotation, failed = _load(raw, unresolved, found)
    found += cross_check(text, annotation, json_path.stem, failed)
    problems += [Problem(json_path, *problem) for problem in found]
    if problems:
        return None, problems
    return ValidatedArticle(
        article_id=annotation["article"]["id"],
        text=text,
        annotation=annotation,
        annotation_sha256=hashlib.sha256(annotation_bytes).hexdigest(),
        format=annotation["format"],
    ), []


def article_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The annotation files named by paths: each a `.json`, a `.txt` (the `.json` beside it)
    or a folder of pairs. Companion files (`<id>.<name>.json`) are skipped; a text without its
    annotation, or a folder without any, is a problem."""
    found: dict[Path, None] = {}  # an ordered set
    problems = []
    for path in map(Path, paths):
        if path.is_dir():
            annotations = [p for p in sorted(path.glob("*.json")) if _is_annotation(p)]
            if not annotations:
                problems.append(Problem(path, "", "no article annotation (*.json) in the folder"))
            found.update(dict.fromkeys(annotations))
            for text_path in sorted(path.glob("*.txt")):
                if not text_path.with_suffix(".json").exists():
                    problems.append(
                        Problem(text_path, "", "an article text without its annotation (.json)")
                    )
        elif path.suffix == ".txt":
            if path.with_suffix(".json").exists():
                found[path.with_suffix(".json")] = None
            elif path.exists():
                problems.append(Problem(path, "", "an article text without its annotation (.json)"))
            else:
                problems.append(Problem(path, "", "no such file"))
        elif path.suffix == ".json":
            if _is_annotation(path):
                found[path] = None
        elif path.exists():
            problems.append(Problem(path, "", "not an article: give a .json, a .txt or a folder"))
        else:
            problems.append(Problem(path, "", "no such file or folder"))
    return list(found), problems


def _is_annotation(path: Path) -> bool:
    """`<article-id>.json`: an article id is a slug without a dot, so `<id>.<name>.json` is a
    companion (the Wikidata evidence), for people and tests to read."""
    return "." not in path.stem


def _read_text(text_path: Path, problems: list[Problem]) -> str | None:
    try:
        return text_path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        problems.append(Problem(text_path, "", "the article text is missing"))
    except UnicodeDecodeError as error:
        problems.append(Problem(text_path, "", f"not UTF-8: {error}"))
    except OSError as error:  # a folder, a broken link, no permission
        problems.append(Problem(text_path, "", f"cannot be read: {error.strerror}"))
    return None


def _compute_checksums(text: str, raw: dict[str, Any]) -> None:
    """Fill in the article's text_length and sha256 where the file leaves them out."""
    metadata = raw.get("article")
    if isinstance(metadata, dict):
        metadata.setdefault("text_length", len(text))
        metadata.setdefault("sha256", hashlib.sha256(text.encode("utf-8")).hexdigest())


def _resolve_quotes(
    text: str, value: Any, schema: ma.Schema, path: tuple[str | int, ...]
) -> Iterator[Found]:
    """Replace, in place, each span the file writes as a quote by its offsets, wherever the
    schema expects a span; yield a problem (at the span) for each that does not resolve."""
    if not isinstance(value, dict):
        return
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if key in value:
            yield from _resolve_field(text, value, key, field, (*path, key))


def _resolve_field(
    text: str, container: Any, key: str | int, field: ma.fields.Field, path: tuple[str | int, ...]
) -> Iterator[Found]:
    item = container[key]
    if isinstance(field, ma.fields.List) and isinstance(item, list):
        for index in range(len(item)):
            yield from _resolve_field(text, item, index, field.inner, (*path, index))
    elif isinstance(field, ma.fields.Nested):
        if not isinstance(field.schema, MentionSchema):
            yield from _resolve_quotes(text, item, field.schema, path)
        elif isinstance(item, dict) and "start" not in item and "end" not in item:
            span, problems = resolve_quote(text, item, pointer(*path))
            yield from problems
            if span is not None:
                container[key] = span


def resolve_quote(
    text: str, quote: dict[str, Any], where: str = ""
) -> tuple[dict[str, Any] | None, list[Found]]:
    """The span (start, end, text) a quote (text, prefix, suffix, occurrence) selects, or the
    problems: missing, ambiguous, or no such occurrence."""
    try:
        selector = TextQuoteSchema().load(quote)
    except ma.ValidationError as error:
        return None, [
            Found(where + pointer(*path), message) for path, message in _flatten(error.messages)
        ]
    words, prefix, suffix = selector["text"], selector.get("prefix", ""), selector.get("suffix", "")
    everywhere = places(text, words)
    fitting = [
        (start, end)
        for start, end in everywhere
        if text[:start].endswith(prefix) and text.startswith(suffix, end)
    ]
    context = " and ".join(
        part for part in (prefix and f"after {prefix!r}", suffix and f"before {suffix!r}") if part
    )
    if not everywhere:
        found = _in_any_case(text, words)
        hint = f"{text[slice(*found[0])]!r} is at {describe_places(found)}" if found else None
        return None, [Found(where, f"{words!r} is not in the text", hint)]
    if not fitting:
        return None, [
            Found(
                where,
                f"{words!r} is in the text, but not {context}",
                f"it is at {describe_places(everywhere)}",
            )
        ]
    occurrence = selector.get("occurrence")
    if occurrence is not None:
        if occurrence > len(fitting):
            among = f" {context}" if context else ""
            return None, [
                Found(
                    f"{where}/occurrence",
                    f"{words!r} occurs {len(fitting)} time(s){among}, not {occurrence}",
                    f"it is at {describe_places(fitting)}",
                )
            ]
        start, end = fitting[occurrence - 1]
    elif len(fitting) > 1:
        return None, [
            Found(
                where,
                f"{words!r} occurs at {describe_places(fitting)}: add prefix, suffix or occurrence",
            )
        ]
    else:
        start, end = fitting[0]
    return {"start": start, "end": end, "text": words}, []


def _in_any_case(text: str, words: str) -> list[tuple[int, int]]:
    """Where the words occur in another case: a hint for a quote that matches nowhere."""
    lowered = text.lower()
    if len(lowered) != len(text):  # lower() changed lengths; its offsets would not be the text's
        return []
    return places(lowered, words.lower())


def _load(
    raw: dict[str, Any], unresolved: set[str], found: list[Found]
) -> tuple[dict[str, Any], dict[str, set[str] | None]]:
    """Load the file with AnnotationSchema; where that fails, add the schema's problems to
    `found` and load what can be loaded: each field, and each fact of a list on its own (None
    for a fact that fails). Also return, by kind, the ids of the facts that failed, or None
    for a list that could not be read."""
    schema = AnnotationSchema()
    try:
        return schema.load(raw), {}
    except ma.ValidationError as error:
        for path, message in _flatten(error.messages):
            where = pointer(*path)
            # A quote that did not resolve is reported once, by the resolver.
            if not any(where == span or where.startswith(span + "/") for span in unresolved):
                found.append(Found(where, message))
    annotation: dict[str, Any] = {}
    failed: dict[str, set[str] | None] = {}
    for name, field in schema.load_fields.items():
        value = raw.get(field.data_key or name, ma.missing)
        try:
            annotation[name] = field.deserialize(value)
            continue
        except ma.ValidationError:
            pass
        if isinstance(field, ma.fields.List) and isinstance(value, list):
            loaded: list[Any] = []
            failed_ids: set[str] = set()
            for item in value:
                try:
                    loaded.append(field.inner.deserialize(item))
                except ma.ValidationError:
                    loaded.append(None)
                    fact_id = item.get("id") if isinstance(item, dict) else None
                    if isinstance(fact_id, str):
                        failed_ids.add(fact_id)
            annotation[name], failed[name] = loaded, failed_ids
        elif isinstance(field, ma.fields.List):
            annotation[name], failed[name] = [], None
        else:
            annotation[name] = None
    return annotation, failed


def _flatten(messages: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path, message) pairs from marshmallow's nested error dict; a schema-level error
    (`_schema`) belongs to the object that holds it."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, path if key == "_schema" else (*path, key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield path, message
    else:
        yield path, str(messages)
