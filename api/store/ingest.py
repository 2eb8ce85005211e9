"""Ingest: articles from files into the store, each validated first and written whole.

The one way data gets in: the `article-facts ingest` command, and, on SQLite, the start-up
of the app (which ingests its corpus folder before the workers fork).
"""

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from api.store.database import database_url, is_current, migrate
from api.store.repository import Outcome, Store
from api.store.validation import Problem, article_files, validate_article

log = logging.getLogger("article_facts.ingest")


def ingest(
    store: Store, paths: Iterable[Path], *, new_text: bool = False
) -> tuple[list[Outcome], list[Problem]]:
    """Validate each article and write each valid one as its next version.

    An article with a problem writes nothing; the others are written all the same, each in its
    own transaction. Returns what was done, and every problem found.
    """
    files, problems = article_files(paths)
    outcomes = []
    for json_path in files:
        validated, found = validate_article(json_path)
        if validated is None:
            problems += found
            continue
        outcome = store.ingest(
            validated.article_id,
            validated.text,
            validated.annotation,
            validated.annotation_sha256,
            validated.format,
            new_text=new_text,
        )
        if outcome.status == "refused":
            problems.append(Problem(json_path, "", outcome.message))
        else:
            outcomes.append(outcome)
    return outcomes, problems


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
        outcomes, problems = ingest(store, [Path(config["CORPUS_DIR"])])
        for problem in problems:
            log.error("not served: %s", problem)
        for outcome in outcomes:
            if outcome.status == "written":
                log.info("%s: %s", outcome.article_id, outcome.message)
    elif not is_current(store.engine):
        log.warning("the store's schema is not current: run `article-facts migrate`")
    # Connections made here would be shared by every forked worker: close them.
    store.dispose()
    return store
