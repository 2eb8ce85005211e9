"""Ingest: articles from files into the store, each validated first and written whole.

The one way data gets in: the `article-facts ingest` command, and, on SQLite, the start-up
of the app (which ingests its corpus folder before the workers fork).
"""

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.store.database import database_url, is_current, migrate
from api.store.loading import DatasetError, validated_annotation
from api.store.repository import Outcome, Store

log = logging.getLogger("article_facts.ingest")


@dataclass(frozen=True)
class Refusal:
    """An article that was not written: its file and every problem found in it."""

    path: Path
    problems: list[str]

    def lines(self) -> list[str]:
        """One line per problem, each naming the file."""
        return [f"{self.path}: {problem}" for problem in self.problems]


def annotation_files(paths: Iterable[Path]) -> tuple[list[Path], list[Refusal]]:
    """The annotation files named: a `.json`, a `.txt` (its `.json` beside it), or a folder of
    pairs. `<id>.<name>.json` beside an article is a companion file, not an article."""
    found: list[Path] = []
    refused: list[Refusal] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found += sorted(p for p in path.glob("*.json") if "." not in p.stem)
            for text in sorted(path.glob("*.txt")):
                if not text.with_suffix(".json").exists():
                    refused.append(Refusal(text, ["an article text without its annotation"]))
        elif path.suffix in (".json", ".txt"):
            found.append(path.with_suffix(".json"))
        else:
            refused.append(Refusal(path, ["neither a folder, a .json nor a .txt"]))
    return list(dict.fromkeys(found)), refused


def ingest(
    store: Store, paths: Iterable[Path], *, new_text: bool = False
) -> tuple[list[Outcome], list[Refusal]]:
    """Validate each article and write each valid one as its next version.

    A refused article writes nothing; the others are written all the same, each in its own
    transaction.
    """
    files, refused = annotation_files(paths)
    outcomes = []
    for json_path in files:
        try:
            text, annotation = validated_annotation(json_path)
        except DatasetError as error:
            refused.append(Refusal(error.path, error.problems))
            continue
        digest = hashlib.sha256(json_path.read_bytes()).hexdigest()
        outcome = store.ingest(
            annotation["article"]["id"], text, annotation, digest, new_text=new_text
        )
        if outcome.status == "refused":
            refused.append(Refusal(json_path, [outcome.message]))
        else:
            outcomes.append(outcome)
    return outcomes, refused


def open_store(config: Mapping[str, Any]) -> Store:
    """The store the app serves from, ready for workers to connect to after they fork.

    On SQLite: migrated, and the corpus folder ingested (each article refused with its
    problems logged, one line each; the others written or found unchanged).
    """
    store = Store(
        database_url(config["DATABASE_URL"], config["DATA_DIR"]),
        cache_size=config["ARTICLE_CACHE"],
        poll_seconds=config["NEW_VERSION_SECONDS"] / 5,
    )
    if store.engine.dialect.name == "sqlite":
        migrate(store.engine)
        outcomes, refused = ingest(store, [Path(config["CORPUS_DIR"])])
        for refusal in refused:
            for line in refusal.lines():
                log.error("not served: %s", line)
        for outcome in outcomes:
            if outcome.status == "written":
                log.info("%s: %s", outcome.article_id, outcome.message)
    elif not is_current(store.engine):
        log.warning("the store's schema is not current: run `article-facts migrate`")
    # Connections made here would be shared by every forked worker: close them.
    store.dispose()
    return store
