"""Ingest: articles from files into the store, each validated first and written whole.

The one way data gets in: the `article-facts ingest` command, and, on SQLite, the start-up
of the app (which ingests its corpus folder before the workers fork).
"""

import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from api.store.database import database_url, is_current, migrate
from api.store.repository import Outcome, Store
from api.store.validation import Problem, ValidatedArticle, article_files, validate_article

log = logging.getLogger("article_facts.ingest")


# Below this many files, starting processes costs more than validating in this one.
PARALLEL_FROM = 64


def _validated(
    files: list[Path],
) -> Iterator[tuple[ValidatedArticle | None, list[Problem]]]:
    """Each file validated, in order: on every core for a large batch, since validation is
    the cost of an ingest; the writes stay in this process, one transaction per article."""
    if len(files) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        yield from map(validate_article, files)
        return
    with ProcessPoolExecutor() as pool:
        yield from pool.map(validate_article, files, chunksize=16)


def ingest(
    store: Store, paths: Iterable[Path], *, new_text: bool = False
) -> tuple[list[Outcome], list[Problem]]:
    """Validate each article and write each valid one as its next version.

    An article with a problem writes nothing; the others are written all the same, each in its
    own transaction. Returns what was done, and every problem found.
    """
    files, problems = article_files(paths)
    outcomes = []
    for json_path, (validated, found) in zip(files, _validated(files), strict=True):
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
    if any(outcome.status == "written" for outcome in outcomes):
        store.analyze()
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
    try:
        store.refresh(force=True)  # what the probes report until the first request
    except sa.exc.SQLAlchemyError as error:
        log.warning("the store does not answer yet: %s", str(error).splitlines()[0])
    # Connections made here would be shared by every forked worker: close them.
    store.dispose()
    return store
