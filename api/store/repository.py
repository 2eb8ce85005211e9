"""The store behind one interface: every version of every article, read by the views, written
by ingest.

Readers keep a small map of each article's latest version, refreshed when the store's
generation changes (one cheap query, at most once per poll interval), and the articles they
serve in an LRU, so a hit costs no database call and memory stays flat as the corpus grows.
Writers write one article version per transaction: no reader ever sees half an article.
"""

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from cachetools import LRUCache
from sqlalchemy.dialects import postgresql

from api.store import article_filters, fact_index, search_index
from api.store.article import Article, Fact
from api.store.article_filters import Listed
from api.store.database import (
    articles,
    make_engine,
    reading,
    store_state,
    versions,
    withdrawals,
)
from api.store.database import facts as indexed_facts
from api.store.fact_index import IndexedFact, Key
from api.store.loading import facets, served_facts, served_metadata
from api.store.search_index import Hit, SearchKey
from schemas.articles import ArticleSummarySchema
from schemas.dataset import AnnotationSchema
from schemas.kinds import KINDS

SUMMARY_SCHEMA = ArticleSummarySchema()
# What a miss reads, built once: a statement costs more to build than to run.
READ_VERSION = (
    sa.select(versions.c.text, versions.c.metadata, versions.c.facts, versions.c.facets)
    .where(versions.c.article_id == sa.bindparam("article_id"))
    .where(versions.c.version == sa.bindparam("version"))
)
log = logging.getLogger("article_facts.store")


class ArticleWithdrawn(Exception):
    """The article was taken down; its URLs answer 410 Gone with the reason."""

    def __init__(self, article_id: str, reason: str) -> None:
        self.article_id = article_id
        self.reason = reason
        super().__init__(f"article {article_id!r} was withdrawn: {reason}")


@dataclass(frozen=True)
class Outcome:
    """What ingest did with one article: `written` (its new version), `unchanged`, `refused`."""

    article_id: str
    status: str
    version: int | None
    message: str


@dataclass(frozen=True)
class Latest:
    """One article's latest version as a reader last saw it."""

    version: int
    withdrawn_reason: str | None
    ingested_at: str


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def changes_between(
    before: Mapping[str, Any] | None, after: Mapping[str, Any]
) -> dict[str, dict[str, list[str]]]:
    """The ids of each kind added, removed and changed from one version's facts to the next."""
    found = {}
    for kind in KINDS:
        old = {fact["id"]: fact for fact in (before or {}).get(kind.name, ())}
        new = {fact["id"]: fact for fact in after.get(kind.name, ())}
        found[kind.name] = {
            "added": sorted(set(new) - set(old)),
            "removed": sorted(set(old) - set(new)),
            "changed": sorted(i for i in set(old) & set(new) if old[i] != new[i]),
        }
    return found


class Store:
    """Every version of every article in one database, SQLite or PostgreSQL."""

    def __init__(self, url: str, *, cache_size: int = 256, poll_seconds: float = 1.0) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.poll_seconds = poll_seconds
        self._articles: LRUCache[tuple[str, int], Article] = LRUCache(maxsize=max(cache_size, 1))
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._epoch = 0
        self._latest: dict[str, Latest] = {}
        self._summaries: list[Listed] | None = None
        self._checked_at = float("-inf")
        # When this process last saw the store's state: how far behind it may be.
        self.seen_at = float("-inf")

    # Reading --------------------------------------------------------------------------------

    def refresh(self, force: bool = False) -> None:
        """Learn the latest versions, if the poll interval has passed and anything changed.

        While the database does not answer, a process that has seen the store keeps what it saw
        (so kept renderings and parsed articles still answer; the gauge of how far behind it is
        grows) and asks again after the poll interval. `force` raises the database's error.
        """
        now = time.monotonic()
        if not force and now - self._checked_at < self.poll_seconds:
            return
        with self._lock:
            if not force and now - self._checked_at < self.poll_seconds:
                return
            try:
                self._read_state()
            except sa.exc.DBAPIError as error:
                if force or self._generation is None:
                    raise
                log.warning("the store did not answer; serving what was last seen: %s", error.orig)
                self._checked_at = now
                return
            self._checked_at = now
            self.seen_at = now

    def _read_state(self) -> None:
        with self.engine.connect() as connection:
            generation, epoch = connection.execute(
                sa.select(store_state.c.generation, store_state.c.epoch)
            ).one()
            if epoch != self._epoch:
                self._articles.clear()
                self._epoch = epoch
            if generation != self._generation:
                rows = connection.execute(
                    sa.select(
                        articles.c.article_id,
                        articles.c.latest_version,
                        articles.c.withdrawn_reason,
                        versions.c.ingested_at,
                    ).join(
                        versions,
                        (versions.c.article_id == articles.c.article_id)
                        & (versions.c.version == articles.c.latest_version),
                    )
                ).all()
                self._latest = {row[0]: Latest(row[1], row[2], row[3]) for row in rows}
                self._summaries = None
                self._generation = generation

    @property
    def epoch(self) -> int:
        """The store's epoch as this process last saw it: a rebuild raises it."""
        self.refresh()
        return self._epoch

    @property
    def generation(self) -> int:
        """The store's generation as this process last saw it."""
        self.refresh()
        return self._generation or 0

    def articles_seen(self) -> int:
        """How many articles (withdrawn ones included) this process last saw, without asking."""
        return len(self._latest)

    def latest(self, article_id: str) -> Latest | None:
        """The article's latest version as last seen, or None if the store has no such article."""
        self.refresh()
        return self._latest.get(article_id)

    def article(self, article_id: str, version: int | None = None) -> Article | None:
        """The article at a version (the latest by default), or None if there is no such one.

        Raises ArticleWithdrawn for a withdrawn article, whatever the version.
        """
        latest = self.latest(article_id)
        if latest is None:
            return None
        if latest.withdrawn_reason is not None:
            raise ArticleWithdrawn(article_id, latest.withdrawn_reason)
        return self.version_of(article_id, version or latest.version)

    def version_of(self, article_id: str, version: int) -> Article | None:
        """An article at a version as stored, withdrawn or not, whatever this process last saw
        of its latest: a list across articles names versions its own query just read."""
        key = (article_id, version)
        with self._lock:  # an LRU reorders on a read: not safe from two threads at once
            found = self._articles.get(key)
        if found is None:
            found = self._read_article(*key)
            if found is not None:
                with self._lock:
                    self._articles[key] = found
        return found

    def _read_article(self, article_id: str, version: int) -> Article | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                READ_VERSION, {"article_id": article_id, "version": version}
            ).first()
        if row is None:
            return None
        facts = orjson.loads(row.facts)
        return Article.assemble(
            row.text,
            orjson.loads(row.metadata),
            {kind.name: tuple(facts.get(kind.name, ())) for kind in KINDS},
            orjson.loads(row.facets),
        )

    def ingested_at(self, article_id: str, version: int) -> str | None:
        """When a version was ingested (ISO 8601, UTC)."""
        latest = self.latest(article_id)
        if latest is not None and latest.version == version:
            return latest.ingested_at
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(versions.c.ingested_at)
                .where(versions.c.article_id == article_id)
                .where(versions.c.version == version)
            ).scalar_one_or_none()

    def summaries(self) -> list[dict[str, Any]]:
        """The summary of every article served (not withdrawn), at its latest version, by id."""
        return [listed.summary for listed in self._listing()]

    def _listing(self) -> list[Listed]:
        """Every article served with its outlet entity, read once per generation."""
        self.refresh()
        listing = self._summaries
        if listing is None:
            seen = self._generation
            outlet_id = self._json_text(versions.c.metadata, "original_outlet_id")
            with self.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(versions.c.summary, indexed_facts.c.body)
                    .join(
                        articles,
                        (articles.c.article_id == versions.c.article_id)
                        & (articles.c.latest_version == versions.c.version),
                    )
                    .outerjoin(
                        indexed_facts,
                        (indexed_facts.c.article_id == versions.c.article_id)
                        & (indexed_facts.c.version == versions.c.version)
                        & (indexed_facts.c.kind == "entities")
                        & (indexed_facts.c.fact_id == outlet_id),
                    )
                    .where(articles.c.withdrawn_reason.is_(None))
                    .order_by(versions.c.article_id)
                ).all()
            listing = [
                Listed(orjson.loads(row.summary), orjson.loads(row.body) if row.body else None)
                for row in rows
            ]
            with self._lock:
                # Kept only if no newer generation was seen meanwhile: a read begun before a
                # refresh must not put back what the refresh dropped.
                if self._generation == seen:
                    self._summaries = listing
        return listing

    def _json_text(self, column: sa.Column[Any], key: str) -> sa.ColumnElement[str]:
        """A key of the JSON object a text column holds, as text, in this engine's terms.

        (SQLAlchemy's generic `cast(column, JSON)` is no JSON on SQLite, where a cast to a
        type named JSON is a cast to a number.)
        """
        if self.engine.dialect.name == "postgresql":
            found: sa.ColumnElement[str] = sa.cast(column, postgresql.JSON)[key].astext
            return found
        return sa.func.json_extract(column, f"$.{key}", type_=sa.String)

    def articles_listed(self, args: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The summaries of the articles served that pass the article list's filters, by id.

        `entity` (a QID) asks the facts index and `q` the search index, one query each with
        the values bound parameters; the other filters test the listing this process keeps.
        """
        listing = self._listing()
        indexed: dict[str, set[str]] = {}
        if args.get("entity") or args.get("q"):
            with reading(self.engine) as connection:
                if args.get("entity"):
                    indexed["entity"] = fact_index.articles_naming(connection, args["entity"])
                if args.get("q"):
                    words = search_index.query_tokens(args["q"])
                    indexed["q"] = search_index.articles_matching(connection, words)
        return [
            listed.summary for listed in listing if article_filters.passes(listed, args, indexed)
        ]

    def entities_carrying(self, qid: str) -> list[IndexedFact]:
        """Each entity with this Wikidata QID in the latest version of an article served."""
        with self.engine.connect() as connection:
            return fact_index.entities_carrying(connection, qid)

    def versions(self, article_id: str) -> list[dict[str, Any]]:
        """Every version of an article, oldest first: number, ingest time, hashes, changes."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(
                    versions.c.version,
                    versions.c.ingested_at,
                    versions.c.text_sha256,
                    versions.c.annotation_sha256,
                    versions.c.format,
                    versions.c.changes,
                )
                .where(versions.c.article_id == article_id)
                .order_by(versions.c.version)
            ).all()
        return [
            {
                "version": row.version,
                "ingested_at": row.ingested_at,
                "text_sha256": row.text_sha256,
                "annotation_sha256": row.annotation_sha256,
                "format": row.format,
                "changes": orjson.loads(row.changes),
            }
            for row in rows
        ]

    def facts_across(
        self, kind: str, args: Mapping[str, Any], after: Key | None, limit: int
    ) -> tuple[list[IndexedFact], int]:
        """A page of a kind's facts across every article served (latest versions), in the
        order across articles after the key `after`, and how many pass the filters in all.

        Both come from one read transaction, so the count and the page agree.
        """
        with reading(self.engine) as connection:
            page = fact_index.select(connection, kind, args, after, limit)
            total = fact_index.count(connection, kind, args)
        return page, total

    def facts_across_in_batches(
        self, kind: str, args: Mapping[str, Any], after: Key | None, batch_size: int
    ) -> Iterator[list[IndexedFact]]:
        """Every fact of a kind across the articles served after the key `after`, in order, in
        batches: each read by one keyset query in a short transaction of its own, continuing
        after the last key the batch before ended on, so memory stays flat however long the
        list and no transaction is held while a client reads.

        Articles ingested meanwhile are seen from the next batch on: each position in the
        order is read at most once and in order, a fact ahead of the position at the version
        latest when its batch is read, and one behind it not again.
        """
        while True:
            with reading(self.engine) as connection:
                batch = fact_index.select(connection, kind, args, after, batch_size)
            if batch:
                yield batch
            if len(batch) < batch_size:
                return
            after = batch[-1].key

    def changes_in_batches(
        self, generation: int, batch_size: int
    ) -> Iterator[list[dict[str, Any]]]:
        """Every change after a generation, in ingest order, in batches (as `changes_since`
        pages them): one short query each, after the last generation of the batch before."""
        while True:
            batch = self.changes_since(generation, batch_size)
            if batch:
                yield batch
            if len(batch) < batch_size:
                return
            generation = batch[-1]["generation"]

    def search(
        self,
        words: Sequence[str],
        filters: Mapping[str, Any],
        after: SearchKey | None,
        limit: int,
    ) -> tuple[list[Hit], int, dict[str, dict[str, int]]]:
        """A page of the paragraphs and facts that hold every word, across every article
        served (latest versions), best first after the key `after`; how many match in all, and
        their facets. All from one read transaction, so they agree. No words find nothing."""
        outlet = filters.get("outlet")
        if outlet:
            # As the article list matches it (name, alias or QID, in any case), turned into
            # the outlets' names, which the search index holds.
            names = {
                str(listed.outlet["name"])
                for listed in self._listing()
                if listed.outlet is not None
                and article_filters.outlet_matches(listed.outlet, outlet)
            }
            if not names:
                words = []  # no such outlet: nothing to find
            filters = {**filters, "outlet": sorted(names)}
        with reading(self.engine) as connection:
            page = search_index.search(connection, words, filters, after, limit)
            total, counts = search_index.facets(connection, words, filters)
        return page, total, counts

    def changes_since(self, generation: int, limit: int) -> list[dict[str, Any]]:
        """The versions ingested and the articles withdrawn after a generation, in the order
        they became visible: what each changed.

        Writers hold the store's lock from reading the generation to committing, so a change
        with a lower generation is never committed after one with a higher: a poller that
        passes back the last generation it saw misses nothing and sees nothing twice.
        """
        with reading(self.engine) as connection:
            ingested = connection.execute(
                sa.select(
                    versions.c.generation,
                    versions.c.article_id,
                    versions.c.version,
                    versions.c.ingested_at,
                    versions.c.changes,
                )
                .where(versions.c.generation > generation)
                .order_by(versions.c.generation)
                .limit(limit)
            ).all()
            withdrawn = connection.execute(
                sa.select(
                    withdrawals.c.generation,
                    withdrawals.c.article_id,
                    withdrawals.c.version,
                    withdrawals.c.withdrawn_at,
                    withdrawals.c.reason,
                    versions.c.ingested_at,
                    versions.c.facts,
                )
                .join(
                    versions,
                    (versions.c.article_id == withdrawals.c.article_id)
                    & (versions.c.version == withdrawals.c.version),
                )
                .where(withdrawals.c.generation > generation)
                .order_by(withdrawals.c.generation)
                .limit(limit)
            ).all()
        entries = [
            {
                "generation": row.generation,
                "action": "ingested",
                "article_id": row.article_id,
                "version": row.version,
                "ingested_at": row.ingested_at,
                "changes": orjson.loads(row.changes),
            }
            for row in ingested
        ] + [
            {
                "generation": row.generation,
                "action": "withdrawn",
                "article_id": row.article_id,
                "version": row.version,
                "ingested_at": row.ingested_at,
                "withdrawn_at": row.withdrawn_at,
                "reason": row.reason,
                # What a client keeping a copy removes: every fact the article served.
                "changes": changes_between(orjson.loads(row.facts), {}),
            }
            for row in withdrawn
        ]
        return sorted(entries, key=lambda entry: entry["generation"])[:limit]

    def is_ready(self) -> bool:
        """Whether the store answers (one query)."""
        try:
            self.refresh(force=True)
        except sa.exc.SQLAlchemyError:
            return False
        return True

    # Writing --------------------------------------------------------------------------------

    def _begin(self, connection: sa.Connection) -> int:
        """Start a write transaction holding the store's write lock; the generation to write."""
        if self.engine.dialect.name == "sqlite":
            # BEGIN IMMEDIATE takes the write lock now, so two writers queue, never deadlock.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            generation = connection.execute(sa.select(store_state.c.generation)).scalar_one()
        else:
            connection.begin()
            generation = connection.execute(
                sa.select(store_state.c.generation).with_for_update()
            ).scalar_one()
        return int(generation) + 1

    def ingest(
        self,
        article_id: str,
        text: str,
        annotation: dict[str, Any],
        annotation_sha256: str,
        file_format: int = 1,
        *,
        new_text: bool = False,
    ) -> Outcome:
        """Write a validated annotation as the article's next version, in one transaction.

        An unchanged annotation writes nothing. A changed text is refused unless `new_text`:
        the text is the source of record.
        """
        text_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        with self.engine.connect() as connection:
            generation = self._begin(connection)
            try:
                outcome = self._write(
                    connection,
                    generation,
                    article_id,
                    text,
                    text_sha256,
                    annotation,
                    annotation_sha256,
                    file_format,
                    new_text,
                )
            except BaseException:
                connection.rollback()
                raise
            if outcome.status == "written":
                connection.commit()
            else:
                connection.rollback()
        return outcome

    def _write(
        self,
        connection: sa.Connection,
        generation: int,
        article_id: str,
        text: str,
        text_sha256: str,
        annotation: dict[str, Any],
        annotation_sha256: str,
        file_format: int,
        new_text: bool,
    ) -> Outcome:
        previous = connection.execute(
            sa.select(
                versions.c.version,
                versions.c.text_sha256,
                versions.c.annotation_sha256,
                versions.c.facts,
                articles.c.withdrawn_reason,
            )
            .join(articles, articles.c.article_id == versions.c.article_id)
            .where(versions.c.article_id == article_id)
            .where(versions.c.version == articles.c.latest_version)
        ).first()
        if previous is not None:
            unchanged = (previous.text_sha256, previous.annotation_sha256) == (
                text_sha256,
                annotation_sha256,
            )
            if unchanged:
                # Ingesting the same files again (as every start on SQLite does) must not
                # undo a withdrawal: only a changed annotation or text serves it again.
                still = "" if previous.withdrawn_reason is None else ", still withdrawn"
                return Outcome(
                    article_id, "unchanged", previous.version, f"unchanged{still}: nothing written"
                )
            if previous.text_sha256 != text_sha256 and not new_text:
                return Outcome(
                    article_id,
                    "refused",
                    None,
                    "the text differs from version "
                    f"{previous.version}'s; the text is the source of record: pass --new-text "
                    "to store a new text",
                )
        version = 1 if previous is None else previous.version + 1
        facts = served_facts(annotation)
        metadata = served_metadata(annotation, version)
        counts = {kind.name: len(facts[kind.name]) for kind in KINDS}
        summary = SUMMARY_SCHEMA.dump({**metadata, "counts": counts})
        # Changes are counted against what was served before: after a withdrawal, nothing.
        before = None
        if previous is not None and previous.withdrawn_reason is None:
            before = orjson.loads(previous.facts)
        connection.execute(
            sa.insert(versions).values(
                article_id=article_id,
                version=version,
                generation=generation,
                ingested_at=_now(),
                format=file_format,
                text_sha256=text_sha256,
                annotation_sha256=annotation_sha256,
                text=text,
                annotation=_dumps(annotation),
                metadata=_dumps(metadata),
                summary=_dumps(summary),
                facts=_dumps(facts),
                facets=_dumps(facets(facts)),
                changes=_dumps(changes_between(before, facts)),
            )
        )
        fact_index.write(connection, article_id, version, facts, fact_index.published_of(metadata))
        search_index.write(connection, article_id, version, text, facts, metadata)
        if previous is None:
            connection.execute(sa.insert(articles).values(article_id=article_id, latest_version=1))
        else:
            connection.execute(
                sa.update(articles)
                .where(articles.c.article_id == article_id)
                .values(latest_version=version, withdrawn_reason=None, withdrawn_at=None)
            )
        connection.execute(sa.update(store_state).values(generation=generation))
        return Outcome(article_id, "written", version, f"version {version} written")

    def analyze(self) -> None:
        """Refresh the SQLite query planner's statistics (PostgreSQL's autovacuum keeps its own).

        Without them SQLite guesses, and for a list across articles filtered by a QID it walks
        the whole order of a kind rather than the few facts the QID names (bench/store.py:
        40 ms a page at 10,000 articles against 2 ms). A whole ANALYZE of 10,000 articles
        takes about 0.1 s, once per ingest run.
        """
        if self.engine.dialect.name == "sqlite":
            with self.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")

    def withdraw(self, article_id: str, reason: str) -> str | None:
        """Take an article down: its URLs answer 410 with the reason; its versions stay.

        Returns `withdrawn`, `already withdrawn` (nothing written: the feed of changes lists a
        withdrawal once, with its first reason), or None for an article the store lacks.
        """
        with self.engine.connect() as connection:
            generation = self._begin(connection)
            try:
                found = connection.execute(
                    sa.select(articles.c.latest_version, articles.c.withdrawn_reason).where(
                        articles.c.article_id == article_id
                    )
                ).first()
                if found is None or found.withdrawn_reason is not None:
                    return None if found is None else "already withdrawn"
                withdrawn_at = _now()
                connection.execute(
                    sa.update(articles)
                    .where(articles.c.article_id == article_id)
                    .values(withdrawn_reason=reason, withdrawn_at=withdrawn_at)
                )
                connection.execute(
                    sa.insert(withdrawals).values(
                        generation=generation,
                        article_id=article_id,
                        version=found.latest_version,
                        withdrawn_at=withdrawn_at,
                        reason=reason,
                    )
                )
                connection.execute(sa.update(store_state).values(generation=generation))
                connection.commit()
                return "withdrawn"
            finally:
                if connection.in_transaction():
                    connection.rollback()

    def rebuild(self) -> int:
        """Re-derive every version's served form from its stored annotation, with this
        release's schemas (a new format's fields filled in), in one transaction; return how
        many versions were rebuilt. Readers drop what they kept from before."""
        with self.engine.connect() as connection:
            generation = self._begin(connection)
            rows = connection.execute(
                sa.select(
                    versions.c.article_id, versions.c.version, versions.c.annotation
                ).order_by(versions.c.article_id, versions.c.version)
            ).all()
            # The versions that stopped being served: the version after one was counted
            # against nothing (see `_write`), and a rebuild counts it alike.
            withdrawn = {
                (row.article_id, row.version)
                for row in connection.execute(
                    sa.select(withdrawals.c.article_id, withdrawals.c.version)
                )
            }
            before: dict[str, Any] | None = None
            for number, row in enumerate(rows):
                if number == 0 or rows[number - 1].article_id != row.article_id:
                    before = None
                elif (row.article_id, row.version - 1) in withdrawn:
                    before = None
                annotation = AnnotationSchema().load(orjson.loads(row.annotation))
                facts = served_facts(annotation)
                metadata = served_metadata(annotation, row.version)
                counts = {kind.name: len(facts[kind.name]) for kind in KINDS}
                connection.execute(
                    sa.update(versions)
                    .where(versions.c.article_id == row.article_id)
                    .where(versions.c.version == row.version)
                    .values(
                        metadata=_dumps(metadata),
                        summary=_dumps(SUMMARY_SCHEMA.dump({**metadata, "counts": counts})),
                        facts=_dumps(facts),
                        facets=_dumps(facets(facts)),
                        changes=_dumps(changes_between(before, facts)),
                    )
                )
                before = facts
            fact_index.refill(connection)
            search_index.refill(connection)
            connection.execute(
                sa.update(store_state).values(generation=generation, epoch=store_state.c.epoch + 1)
            )
            connection.commit()
        return len(rows)

    def dispose(self) -> None:
        """Close every connection: the gunicorn master does, so workers connect after fork."""
        self.engine.dispose()

    def facts_of(self, article_id: str, version: int) -> dict[str, list[Fact]] | None:
        """One version's facts, as stored (for tests and rebuilds)."""
        with self.engine.connect() as connection:
            facts = connection.execute(
                sa.select(versions.c.facts)
                .where(versions.c.article_id == article_id)
                .where(versions.c.version == version)
            ).scalar_one_or_none()
        return orjson.loads(facts) if facts is not None else None
