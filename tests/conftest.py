"""Shared fixtures: the app on the built-in corpus, a client, paths, and a live gunicorn."""

import contextlib
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest

import api
import processes
from api import create_app
from api.store.database import database_url, make_engine, migrate
from api.store.exports import exports_folder, write_export
from api.store.ingest import ingest, open_store
from api.store.repository import Store
from processes import free_port
from schemas.kinds import KINDS as FACT_KINDS

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_ID = "north-korean-troops-help-russian-army-clear-mines"
ARTICLE = f"/v1/articles/{ARTICLE_ID}"
# The source of record, laid beside the project checkout.
SHARED_ARTICLE = ROOT.parent / "shared" / "article.txt"
SECOND_ARTICLE_DIR = Path(__file__).parent / "fixtures" / "second-article"
# Logs and screenshots of test runs; git-ignored.
ARTIFACTS = ROOT / "test-artifacts"
# The list of each kind of fact, by its URL segment (the kind table names them).
FACT_LISTS = tuple(kind.path for kind in FACT_KINDS)
# A fact's kind on the wire (the reader page's `data-kind`), by the list that serves it.
KINDS = {kind.path: kind.singular for kind in FACT_KINDS}
# The same for the kinds whose every mention the reader page marks in the text.
MARKED_KINDS = {kind.path: kind.singular for kind in FACT_KINDS if kind.marks_text}


# Fixtures of a wider scope are built before any test's own: even they never use ./data.
os.environ["ARTICLE_FACTS_DATA_DIR"] = tempfile.mkdtemp(prefix="article-facts-tests-")


@pytest.fixture(scope="module", autouse=True)
def module_data_folder(tmp_path_factory, engine_under_test, request):
    """A test module's own apps (module-scoped fixtures) keep their store in its own folder
    (or, on PostgreSQL, its own database)."""
    with pytest.MonkeyPatch.context() as patch, _own_database(request):
        patch.setenv("ARTICLE_FACTS_DATA_DIR", str(tmp_path_factory.mktemp("module-data")))
        yield


@pytest.fixture(autouse=True)
def own_data_folder(tmp_path_factory, monkeypatch, engine_under_test, request):
    """Each test's apps and servers keep their store in a folder (or, on PostgreSQL, a
    database) of the test's own, so what one test ingests is never served to another."""
    monkeypatch.setenv("ARTICLE_FACTS_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    with _own_database(request):
        yield


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app serving the built-in corpus, with its export (as `article-facts export` writes
    it); no test writes to it, so one app serves all."""
    built = create_app({"TESTING": True, "DATA_DIR": str(tmp_path_factory.mktemp("data"))})
    write_export(built.extensions["article_facts"]["store"], exports_folder(built.config))
    return built


def ingest_refusals(folder):
    """Ingest a folder into a store of its own: the lines of every article refused, one text."""
    store = Store(database_url("", str(Path(folder).parent / f"{Path(folder).name}-store")))
    migrate(store.engine)
    _, problems = ingest(store, [Path(folder)])
    store.dispose()
    return "\n".join(str(problem) for problem in problems)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def article_text(app):
    """The article text as the API serves it."""
    return app.test_client().get(f"{ARTICLE}/text").get_data(as_text=True)


@pytest.fixture(scope="session")
def facts(app):
    """Every fact of the built-in article, by list name, fetched through the API."""
    client = app.test_client()
    return {name: client.get(f"{ARTICLE}/{name}?page_size=100").get_json() for name in FACT_LISTS}


@pytest.fixture()
def unused_port():
    return free_port()


@contextlib.contextmanager
def gunicorn_server(*, workers=1, env=None, log_name="gunicorn", ready_within=30):
    """The app as production runs it (gunicorn with gunicorn.conf.py) on a loopback port.

    `env` adds to the environment; a value of None removes the variable. Yields the server
    (url, port, process, log_path); stops the process it started, by its PID, however the
    test ends. The log goes to test-artifacts/<log_name>.log.
    """
    log_path = ARTIFACTS / f"{log_name}.log"
    try:
        with processes.gunicorn(
            workers=workers, env=env, log_path=log_path, within=ready_within
        ) as server:
            yield server
    except processes.NotReady as error:
        pytest.fail(str(error))


def require_tool(name, why, where=()):
    """The path of a program this test needs; skip without it, except in CI, which must run it.

    `where` names folders to look in besides PATH, /usr/sbin and /usr/bin.
    """
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", *where])
    path = shutil.which(name, path=search)
    if path is None:
        reason = f"{why} needs {name} (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def redis_url():
    """A Redis server of the test run's own on a loopback port: counters only, nothing saved."""
    server = require_tool("redis-server", "counting rate limits in Redis")
    try:
        with processes.redis(server) as url:
            yield url
    except processes.NotReady as error:
        pytest.fail(str(error))


# The store's engine for the in-process suite: `postgresql` runs the chosen modules (.ci/run names
# them) with every app on a PostgreSQL database of the test's own, as deployed.
TEST_ENGINE = os.environ.get("ARTICLE_FACTS_TEST_ENGINE", "sqlite")
# The operators' one-time set-up of the store's roles (docs/scale.md#postgresql), run as it is.
POSTGRES_ROLES = ROOT / "deploy" / "postgres" / "roles.sql"
WRITER, READER = "article_facts_writer", "article_facts_reader"


class PostgresServer:
    """A throwaway cluster with the store's two roles; `database()` makes a database of its own
    for a test, from a template where roles.sql already ran (and, if asked, migrations)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self._made = 0
        self._sql("CREATE DATABASE article_facts_empty")
        self._sql(POSTGRES_ROLES.read_text(encoding="utf-8"), "article_facts_empty")
        self._sql("CREATE DATABASE article_facts_migrated TEMPLATE article_facts_empty")
        engine = make_engine(cluster.url(WRITER, "article_facts_migrated"))
        migrate(engine)
        engine.dispose()
        self.writer_url, self.reader_url = self.database()

    def _sql(self, statements, database="postgres"):
        with psycopg.connect(self.cluster.url("postgres", database), autocommit=True) as db:
            db.execute(statements)

    def database(self, migrated=True):
        """A new database set up as roles.sql says, migrated unless asked not to: the writer's
        URL and the reader's."""
        self._made += 1
        name = f"article_facts_{self._made}"
        template = "article_facts_migrated" if migrated else "article_facts_empty"
        self._sql(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.cluster.url(WRITER, name), self.cluster.url(READER, name)

    def drop(self, url):
        """Drop a database made by `database()`, closing what is still connected to it."""
        self._sql(f"DROP DATABASE {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def restart(self):
        """Restart the cluster as an operator would (`pg_ctl restart -m fast`)."""
        self.cluster.pg_ctl("-m", "fast", "restart")

    def stop(self):
        """Stop the cluster (`pg_ctl stop -m fast`), until `start()`."""
        self.cluster.pg_ctl("-m", "fast", "stop")

    def start(self):
        """Start the cluster again, as it was first started."""
        self.cluster.pg_ctl("-o", self.cluster.options, "start")


@pytest.fixture(scope="session")
def postgresql():
    """Debian's PostgreSQL on a loopback port, with the writer and reader roles of roles.sql;
    `.writer_url` and `.reader_url` name one migrated database, `.database()` makes more."""
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_order)
    initdb = require_tool("initdb", "a PostgreSQL store", folders[-1:])
    require_tool("pg_ctl", "a PostgreSQL store", folders[-1:])
    try:
        with processes.postgres(Path(initdb).parent) as cluster:
            yield PostgresServer(cluster)
    except processes.NotReady as error:
        pytest.fail(str(error))


def _version_order(folder):
    return int(Path(folder).parent.name) if Path(folder).parent.name.isdigit() else 0


def reader_of(writer_url):
    """The serving role's URL for the same database as a writer's URL."""
    return writer_url.replace(f"//{WRITER}@", f"//{READER}@", 1)


# The stores of the apps built on PostgreSQL: their pooled connections are closed when a test's
# database goes, rather than left for the collector (psycopg warns, and warnings are errors).
_OPENED_STORES = []


def _open_store_as_deployed(config):
    """What an operator does before a PostgreSQL instance starts, then the instance's own
    opening: the corpus folder ingested with the writer's URL, the store read with the reader's."""
    writer = Store(config["DATABASE_URL"])
    ingest(writer, [Path(config["CORPUS_DIR"])])
    writer.dispose()
    store = open_store({**config, "DATABASE_URL": reader_of(config["DATABASE_URL"])})
    _OPENED_STORES.append(store)
    return store


@contextlib.contextmanager
def _own_database(request):
    """On PostgreSQL, a database for what is built in this scope, named by the environment the
    app and the `article-facts` command read (the writer's URL; apps read with the reader's)."""
    if TEST_ENGINE != "postgresql":
        yield
        return
    server = request.getfixturevalue("postgresql")
    writer_url, _ = server.database()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARTICLE_FACTS_DATABASE_URL", writer_url)
        yield
    for store in _OPENED_STORES:
        store.dispose()  # the others reconnect when next used
    server.drop(writer_url)


@pytest.fixture(scope="session", autouse=True)
def engine_under_test(request):
    """Under ARTICLE_FACTS_TEST_ENGINE=postgresql, every app this run builds serves from
    PostgreSQL, its corpus ingested first as `article-facts ingest` would."""
    if TEST_ENGINE not in ("sqlite", "postgresql"):
        pytest.fail(f"ARTICLE_FACTS_TEST_ENGINE is sqlite or postgresql, not {TEST_ENGINE!r}")
    with contextlib.ExitStack() as stack:
        if TEST_ENGINE == "postgresql":
            patch = stack.enter_context(pytest.MonkeyPatch.context())
            patch.setattr(api, "open_store", _open_store_as_deployed)
        stack.enter_context(_own_database(request))
        yield TEST_ENGINE


@contextlib.contextmanager
def prometheus_scraping(targets, folder):
    """Debian's Prometheus scraping `targets` (host:port) every second, on a loopback port.

    Yields `query(promql, until)`: polls an instant query until `until(value)` holds or 60 s
    pass, and returns the last value (None while the query has no result).
    """
    prometheus = require_tool("prometheus", "scraping the metrics")
    port = free_port()
    config = folder / "prometheus.yml"
    listed = ", ".join(f"'{target}'" for target in targets)
    job = f"{{job_name: article-facts, static_configs: [{{targets: [{listed}]}}]}}"
    config.write_text(
        f"global: {{scrape_interval: 1s}}\nscrape_configs:\n  - {job}\n", encoding="utf-8"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "prometheus.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [prometheus, f"--config.file={config}", f"--storage.tsdb.path={folder / 'data'}"]
            + [f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def query(promql, until):
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        value, deadline = None, time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError, KeyError):
                with urllib.request.urlopen(url, timeout=5) as response:
                    result = json.load(response)["data"]["result"]
                value = float(result[0]["value"][1]) if result else None
                if value is not None and until(value):
                    return value
            time.sleep(0.5)
        return value

    try:
        yield query
    finally:
        process.terminate()
        process.wait(timeout=20)
