"""The store's tables, its engines and its migrations.

SQLAlchemy Core on two engines: SQLite (a file in the data folder, the default, needing no
set-up) and PostgreSQL (`postgresql://...`, through psycopg 3) for several instances. The
schema is Alembic's (`api/store/migrations/`); nothing here creates a table by itself.

JSON is stored as text, not `jsonb`, which would reorder keys: both engines give back the
bytes that were written, so both serve the same representations.
"""

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_FILE = "article-facts.sqlite3"

metadata = sa.MetaData()

# One row: the store's generation, raised by every write. Readers poll it to learn, in one
# cheap query, whether anything changed; writers lock it, which serialises their commits so
# that versions are numbered in the order they become visible.
store_state = sa.Table(
    "store_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("generation", sa.BigInteger, nullable=False),
    # Raised by a rebuild, which changes served forms without changing version numbers:
    # readers drop what they parsed and rendered before it.
    sa.Column("epoch", sa.Integer, nullable=False, server_default="0"),
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("article_id", sa.String(100), primary_key=True),
    sa.Column("latest_version", sa.Integer, nullable=False),
    # Set when the article is withdrawn: its URLs answer 410 with this reason.
    sa.Column("withdrawn_reason", sa.Text),
    sa.Column("withdrawn_at", sa.String(32)),
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("article_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    # The generation that made it visible: the order in which versions were ingested.
    sa.Column("generation", sa.BigInteger, nullable=False, unique=True),
    sa.Column("ingested_at", sa.String(32), nullable=False),
    sa.Column("format", sa.Integer, nullable=False),
    sa.Column("text_sha256", sa.String(64), nullable=False),
    sa.Column("annotation_sha256", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    # The annotation as validated, for a rebuild when the served form changes.
    sa.Column("annotation", sa.Text, nullable=False),
    # The served form, shaped at ingest so that a miss costs a lookup, not a schema dump.
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("facts", sa.Text, nullable=False),
    sa.Column("facets", sa.Text, nullable=False),
    # Ids added, removed and changed per kind against the version before.
    sa.Column("changes", sa.Text, nullable=False),
)

# One row per withdrawal, with the generation that made it visible, so that the feed of
# changes lists withdrawals among versions in the order clients saw them.
withdrawals = sa.Table(
    "withdrawals",
    metadata,
    sa.Column("generation", sa.BigInteger, primary_key=True),
    sa.Column("article_id", sa.String(100), nullable=False),
    # The version that stopped being served.
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("withdrawn_at", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)


def _fact_key() -> list[sa.Column[Any]]:
    """The columns naming one fact of one version: the primary key of each index table."""
    return [
        sa.Column("article_id", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("fact_id", sa.String(100), primary_key=True),
    ]


# The facts index: every fact of every version as its own row, so that lists across articles
# are one indexed query rather than a parse of every article. Filled in the transaction that
# writes the version (and refilled by a rebuild); lists join `articles.latest_version` so they
# only ever show the latest version of each article served.
facts = sa.Table(
    "facts",
    metadata,
    *_fact_key(),
    # Its index in the kind's default order within the article (reading, cue or date order).
    sa.Column("position", sa.Integer, nullable=False),
    # The order across articles, keyset-paged: `day` (the first day of an event's date, "" for
    # the other kinds), then the article's publication, its id and `position`.
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("last_day", sa.String(10), nullable=False),
    sa.Column("published", sa.String(32), nullable=False),
    # What `q` searches, casefolded; the served JSON as text.
    sa.Column("search_text", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Index("facts_in_order", "kind", "day", "published", "article_id", "position"),
)

# One row per entity a fact names that has a Wikidata QID, by role (the name of the kind's
# relation: `speaker`, `claimants`; `self` for an entity's own QID).
fact_qids = sa.Table(
    "fact_qids",
    metadata,
    *_fact_key(),
    sa.Column("role", sa.String(40), primary_key=True),
    sa.Column("qid", sa.String(20), primary_key=True),
    sa.Index("fact_qids_by_qid", "qid", "kind"),
)

# One row per value of each field a list filters on by equality (`type`, `mode`, `predicate`).
fact_values = sa.Table(
    "fact_values",
    metadata,
    *_fact_key(),
    sa.Column("field", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(100), primary_key=True),
    sa.Index("fact_values_by_value", "field", "value", "kind"),
)


# The search index: one row per unit a search can find (a paragraph of the text, or a fact),
# with what the engine's full-text index reads (`words`: the unit's words, tokenised and
# normalised here, so both engines see the same tokens) and what a hit shows (`searched`, the
# original words; `start` or `mentions`, where they stand in the text). The engine's own index
# over `words` (an FTS5 table on SQLite, a `tsvector` column with a GIN index on PostgreSQL) is
# not declared here: `api.store.search_index` creates it, the one place the engines differ.
search_units = sa.Table(
    "search_units",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("article_id", sa.String(100), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # Its place in the article: paragraphs first, then facts kind by kind, each in its order.
    sa.Column("position", sa.Integer, nullable=False),
    # `text` for a paragraph, else the fact's kind as the wire names it (`entity`, `quote`).
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("published", sa.String(32), nullable=False),
    sa.Column("outlet", sa.String(200), nullable=False),
    sa.Column("words", sa.Text, nullable=False),
    sa.Column("word_count", sa.Integer, nullable=False),
    sa.Column("searched", sa.Text, nullable=False),
    sa.Column("start", sa.Integer),
    sa.Column("mentions", sa.Text),
    sa.UniqueConstraint("article_id", "version", "position", name="search_units_in_article"),
)

# The Wikidata QIDs each unit names: a fact's entities in every role, a paragraph's mentions.
search_qids = sa.Table(
    "search_qids",
    metadata,
    sa.Column("article_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("qid", sa.String(20), primary_key=True),
    sa.Index("search_qids_by_qid", "qid"),
)


def database_url(url: str | None, data_dir: str) -> str:
    """The URL to connect to: the one given, else a SQLite file in the data folder."""
    if url:
        return url
    return f"sqlite:///{Path(data_dir).resolve() / SQLITE_FILE}"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets readers read while a writer writes; NORMAL syncs at checkpoints, which keeps
    # every commit atomic and durable against a process crash (not a power cut mid-commit).
    # The busy timeout makes a second writer wait for the first rather than fail.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    """An engine for the URL, set up for this store's use of it."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # SQLite's own transaction handling is replaced by explicit BEGINs (see Store), so a
        # write transaction takes the write lock at its start and never deadlocks on upgrade.
        engine = sa.create_engine(url, connect_args={"isolation_level": None})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # A small pool per worker: one connection serves a sync worker; a gthread worker's
    # threads share up to five. docs/scale.md counts them against max_connections.
    return sa.create_engine(url, pool_size=2, max_overflow=3, pool_pre_ping=True)


@contextlib.contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection in one read transaction that sees the store as it is when it starts, so
    that several queries (a page and its count, a page and its facets) agree.

    SQLite's driver runs in autocommit here (see `make_engine`), so `Connection.begin()` alone
    would run each query on its own: an explicit BEGIN is taken, and in WAL mode its first read
    fixes what it sees while writers go on committing. PostgreSQL's default, READ COMMITTED,
    gives each statement its own snapshot: REPEATABLE READ gives the transaction one.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")
        else:
            connection.execution_options(isolation_level="REPEATABLE READ")
            connection.begin()
        try:
            yield connection
        finally:
            connection.rollback()  # nothing was written: end the snapshot


def _alembic_config(connection: sa.Connection) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration this code knows."""
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The migration the database is at, or None for an empty one."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: sa.Engine) -> None:
    """Bring the database to the newest migration."""
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")


def is_current(engine: sa.Engine) -> bool:
    """Whether the schema is at least the revision this code needs (the head it knows, or a
    newer one written by a newer release during a rolling deploy)."""
    revision = current_revision(engine)
    if revision is None:
        return False
    script = ScriptDirectory(str(MIGRATIONS))
    known = {rev.revision for rev in script.walk_revisions()}
    # A revision this code does not know is a newer release's: migrations only add.
    return revision == head_revision() or revision not in known
