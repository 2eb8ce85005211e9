"""The store's contract, on SQLite and on PostgreSQL: what is ingested reads back the same,
versions are numbered without gaps whoever writes, readers see new versions, the serving role
cannot write, and the API answers alike on both engines and through a database restart."""

import copy
import hashlib
import itertools
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from api import create_app
from api.store import BUILT_IN_CORPUS
from api.store.database import database_url, is_current, make_engine, migrate
from api.store.ingest import ingest
from api.store.repository import ArticleWithdrawn, Store
from api.store.validation import validate_article
from conftest import ARTICLE, ARTICLE_ID, POSTGRES_ROLES, ROOT, gunicorn_server
from schemas.kinds import KINDS
from test_snapshot import CODINGS, observe, representations

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.system)]


@pytest.fixture(params=ENGINES)
def urls(request, tmp_path):
    """A store of the test's own, not yet migrated: the writer's URL and the serving role's
    (on SQLite, one file, the same URL)."""
    if request.param == "sqlite":
        url = database_url("", str(tmp_path))
        yield url, url
        return
    server = request.getfixturevalue("postgresql")
    writer, reader = server.database(migrated=False)
    yield writer, reader
    server.drop(writer)


@pytest.fixture()
def stores(urls):
    """A migrated store with the built-in article as version 1: the writer's and a reader's."""
    writer, reader = Store(urls[0]), Store(urls[1], poll_seconds=3600)
    migrate(writer.engine)
    outcomes, problems = ingest(writer, [BUILT_IN_CORPUS])
    assert not problems
    assert [(outcome.status, outcome.version) for outcome in outcomes] == [("written", 1)]
    yield writer, reader
    writer.dispose()
    reader.dispose()


def built_in():
    """The built-in article, validated."""
    validated, problems = validate_article(BUILT_IN_CORPUS / f"{ARTICLE_ID}.json")
    assert validated is not None, problems
    return validated


def edited(validated, tag):
    """The annotation with one fact of every kind copied under a new id (`<id>-<tag>`): the
    ingest arguments of a version that adds one fact per kind."""
    annotation = copy.deepcopy(validated.annotation)
    for kind in KINDS:
        first = annotation[kind.name][0]
        annotation[kind.name].append({**first, "id": f"{first['id']}-{tag}"})
    digest = hashlib.sha256(orjson.dumps(annotation)).hexdigest()
    return validated.article_id, validated.text, annotation, digest, validated.format


def test_what_is_ingested_reads_back_the_same(stores, urls):
    writer, reader = stores
    assert is_current(reader.engine)
    latest = reader.latest(ARTICLE_ID)
    assert (latest.version, latest.withdrawn_reason) == (1, None)
    article = reader.article(ARTICLE_ID)
    assert article.text == built_in().text
    stored = writer.facts_of(ARTICLE_ID, 1)
    assert {kind.name: list(article.facts[kind.name]) for kind in KINDS} == stored
    assert [summary["id"] for summary in reader.summaries()] == [ARTICLE_ID]
    if urls[0].startswith("postgresql"):
        # JSON kept as text, never jsonb (which reorders keys): both engines give back the bytes.
        with writer.engine.connect() as connection:
            types = dict(
                connection.execute(
                    sa.text(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_name = 'versions'"
                    )
                ).all()
            )
        json_columns = ("annotation", "metadata", "summary", "facts", "facets", "changes")
        assert {types[name] for name in json_columns} == {"text"}


def test_an_unchanged_ingest_writes_nothing(stores):
    writer, _ = stores
    generation = writer.generation
    outcomes, problems = ingest(writer, [BUILT_IN_CORPUS])
    assert not problems
    assert [(outcome.status, outcome.version) for outcome in outcomes] == [("unchanged", 1)]
    writer.refresh(force=True)
    assert writer.generation == generation
    assert [version["version"] for version in writer.versions(ARTICLE_ID)] == [1]


def test_a_second_version_is_seen_by_readers_after_they_refresh(stores):
    writer, reader = stores
    assert reader.latest(ARTICLE_ID).version == 1
    generation = reader.generation
    outcome = writer.ingest(*edited(built_in(), "copy"))
    assert (outcome.status, outcome.version) == ("written", 2)

    # The reader polls once an hour: it still serves version 1 until it refreshes.
    assert reader.latest(ARTICLE_ID).version == 1
    reader.refresh(force=True)
    assert reader.latest(ARTICLE_ID).version == 2
    assert reader.generation == generation + 1
    changes = reader.versions(ARTICLE_ID)[1]["changes"]
    for kind in KINDS:
        first = built_in().annotation[kind.name][0]["id"]
        assert changes[kind.name] == {"added": [f"{first}-copy"], "removed": [], "changed": []}
    assert len(reader.article(ARTICLE_ID).facts["entities"]) == 32
    assert len(reader.article(ARTICLE_ID, 1).facts["entities"]) == 31


def test_versions_are_listed_oldest_first(stores):
    writer, reader = stores
    for tag in ("a", "b", "c"):
        writer.ingest(*edited(built_in(), tag))
    listed = reader.versions(ARTICLE_ID)
    assert [version["version"] for version in listed] == [1, 2, 3, 4]
    times = [version["ingested_at"] for version in listed]
    assert times == sorted(times)


def test_a_changed_text_is_refused_unless_asked_for(stores):
    writer, _ = stores
    article_id, text, annotation, digest, file_format = edited(built_in(), "copy")
    refused = writer.ingest(article_id, text + " ", annotation, digest, file_format)
    assert (refused.status, refused.version) == ("refused", None)
    assert "--new-text" in refused.message
    assert [version["version"] for version in writer.versions(ARTICLE_ID)] == [1]


def test_withdraw_and_rebuild(stores):
    writer, reader = stores
    assert writer.withdraw(ARTICLE_ID, "legal request")
    assert not writer.withdraw("no-such-article", "legal request")
    reader.refresh(force=True)
    with pytest.raises(ArticleWithdrawn, match="legal request"):
        reader.article(ARTICLE_ID)
    assert reader.summaries() == []

    facts = writer.facts_of(ARTICLE_ID, 1)
    epoch = reader.epoch
    assert writer.rebuild() == 1
    reader.refresh(force=True)
    assert reader.epoch == epoch + 1
    assert writer.facts_of(ARTICLE_ID, 1) == facts


def test_concurrent_ingests_number_versions_without_gaps(urls, stores):
    # Two writers of their own (two engines, as two `article-facts ingest` processes would be),
    # each writing five versions of the same article at once.
    errors = []

    def write(name):
        writer = Store(urls[0])
        try:
            for number in range(5):
                outcome = writer.ingest(*edited(built_in(), f"{name}{number}"))
                assert outcome.status == "written", outcome
        except Exception as error:  # noqa: BLE001 - reported below, with the thread's name
            errors.append((name, error))
        finally:
            writer.dispose()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    _, reader = stores
    assert [version["version"] for version in reader.versions(ARTICLE_ID)] == list(range(1, 12))
    with reader.engine.connect() as connection:
        generations = connection.execute(
            sa.text("SELECT generation FROM versions ORDER BY version")
        ).scalars()
        assert list(generations) == list(range(1, 12))


def test_is_current_at_head_and_at_a_newer_release(urls):
    writer = make_engine(urls[0])
    try:
        assert not is_current(writer)
        migrate(writer)
        assert is_current(writer)
        with writer.begin() as connection:
            # A rolling deploy: a newer release migrated first; this one keeps serving.
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
        assert is_current(writer)
        with writer.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
        assert not is_current(writer)
    finally:
        writer.dispose()


@pytest.mark.system
@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO articles (article_id, latest_version) VALUES ('x', 1)",
        "UPDATE store_state SET generation = generation + 1",
        "DELETE FROM versions",
        "CREATE TABLE intruder (id integer)",
    ],
)
def test_the_serving_role_cannot_write(postgresql, statement):
    reader = make_engine(postgresql.reader_url)
    try:
        with pytest.raises(sa.exc.ProgrammingError) as refused, reader.begin() as connection:
            connection.execute(sa.text(statement))
        assert refused.value.orig.sqlstate == "42501"  # insufficient_privilege
    finally:
        reader.dispose()


@pytest.mark.system
def test_a_table_a_later_migration_adds_is_readable_by_the_serving_role(postgresql):
    writer_url, reader_url = postgresql.database()
    writer, reader = make_engine(writer_url), make_engine(reader_url)
    try:
        with writer.begin() as connection:
            connection.execute(sa.text("CREATE TABLE later (id integer)"))
        with reader.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM later")).scalar() == 0
    finally:
        writer.dispose()
        reader.dispose()
        postgresql.drop(writer_url)


def roles_in_docs():
    """The SQL block docs/scale.md shows after it names deploy/postgres/roles.sql."""
    page = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    found = re.search(r"`deploy/postgres/roles\.sql`[^`]*?:\n\n```sql\n(.*?)```", page, re.S)
    assert found, "docs/scale.md shows deploy/postgres/roles.sql in a ```sql block"
    return found.group(1)


def test_the_docs_show_the_roles_the_tests_set_up():
    assert roles_in_docs() == POSTGRES_ROLES.read_text(encoding="utf-8")


def test_the_images_make_the_roles_the_tests_set_up():
    """deploy/postgres/init-roles.sh (Compose, Kubernetes) adds passwords and database
    ownership to roles.sql's roles, and grants the reader what roles.sql grants it."""
    script = " ".join((ROOT / "deploy" / "postgres" / "init-roles.sh").read_text().split())
    statements = " ".join(
        line
        for line in POSTGRES_ROLES.read_text(encoding="utf-8").splitlines()
        if not line.startswith("--")
    ).split(";")
    for statement in (" ".join(s.split()) for s in statements if s.strip()):
        if "article_facts_reader" in statement and not statement.startswith("CREATE ROLE"):
            assert statement in script, statement
    assert "CREATE ROLE article_facts_reader LOGIN" in script
    assert "CREATE ROLE article_facts_writer LOGIN" in script


# Across engines: the API answers alike ---------------------------------------------------------


@pytest.fixture()
def apps(postgresql, tmp_path):
    """The app on SQLite and on PostgreSQL (served with the reader's URL, after the corpus was
    ingested with the writer's), each with its store of its own."""
    writer_url, reader_url = postgresql.database()
    writer = Store(writer_url)
    ingest(writer, [BUILT_IN_CORPUS])
    writer.dispose()
    sqlite = create_app({"DATA_DIR": str(tmp_path), "RATE_LIMIT": "off"})
    postgres = create_app({"DATABASE_URL": reader_url, "RATE_LIMIT": "off"})
    yield sqlite, postgres
    for app in (sqlite, postgres):
        app.extensions["article_facts"]["store"].dispose()
    postgresql.drop(writer_url)


SEARCH = "/v1/search"


@pytest.mark.system
def test_every_representation_is_the_same_on_both_engines(apps):
    sqlite, postgres = (app.test_client() for app in apps)
    differ = [
        (url, media_type, coding)
        for url, media_type in representations()
        if not url.startswith(SEARCH)
        for coding in CODINGS
        if observe(sqlite, url, media_type, coding) != observe(postgres, url, media_type, coding)
    ]
    assert not differ
    # Search scores and so orders by each engine's own ranking: the same results (with their
    # spans and snippets) and facets, in an order of each engine's own.
    searched = [
        client.get(f"{SEARCH}?q=Kursk&page_size=1000").get_json() for client in (sqlite, postgres)
    ]
    for answer in searched:
        for result in answer["results"]:
            assert result.pop("score") > 0
        answer["results"].sort(
            key=lambda result: (result["article_id"], result["kind"], result["id"])
        )
    assert searched[0] == searched[1]
    # Every kind's list, byte for byte.
    for kind in KINDS:
        url = f"{ARTICLE}/{kind.path}?page_size=100"
        assert sqlite.get(url).get_data() == postgres.get(url).get_data()
    # The versions differ only in when each store ingested.
    listed = [client.get(f"{ARTICLE}/versions").get_json() for client in (sqlite, postgres)]
    for versions in listed:
        for version in versions:
            assert version.pop("ingested_at")
    assert listed[0] == listed[1]


# Through a database restart ------------------------------------------------------------------


def fetch(url, host=None, timeout=10):
    """(status, headers, body) of a GET, whatever the status; `host` is sent as the host a
    proxy forwarded, which makes the URL one no worker has kept."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def assert_unavailable(status, headers, body):
    """A 503 in the API's one problem shape, with Retry-After."""
    assert status == 503, body
    assert headers["Content-Type"] == "application/problem+json"
    assert 0 < int(headers["Retry-After"]) <= 10
    problem = orjson.loads(body)
    assert set(problem) == {"type", "title", "status", "detail"}
    assert problem["status"] == 503


@pytest.mark.system
def test_requests_while_postgresql_restarts(postgresql):
    writer_url, reader_url = postgresql.database(migrated=False)
    # `article-facts migrate` and `ingest`, as an operator runs them, with the writer's URL.
    command = Path(sys.executable).parent / "article-facts"
    as_writer = {**os.environ, "ARTICLE_FACTS_DATABASE_URL": writer_url}
    for args in (["migrate"], ["ingest", str(BUILT_IN_CORPUS)]):
        done = subprocess.run([command, *args], env=as_writer, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    env = {
        "ARTICLE_FACTS_DATABASE_URL": reader_url,
        "ARTICLE_FACTS_RATE_LIMIT": "off",
        "ARTICLE_FACTS_TRUSTED_PROXIES": "1",
    }
    # One worker, so a rendering fetched once is kept by the worker every request reaches.
    with gunicorn_server(workers=1, env=env, log_name="gunicorn-postgresql") as server:
        kept = f"{server.url}{ARTICLE}/entities"
        versions = f"{server.url}{ARTICLE}/versions"
        assert fetch(kept)[0] == 200
        answers = []
        stop = threading.Event()

        def client(name):
            # A kept rendering, then /versions for a host no one asked for: a miss, and the
            # versions of an article are always read from the database.
            for number in itertools.count():
                if stop.is_set():
                    return
                url, host = (kept, None) if number % 2 else (versions, f"{name}-{number}.test")
                status, headers, body = fetch(url, host)
                answers.append((time.monotonic(), url, status, headers, body))

        clients = [threading.Thread(target=client, args=(name,)) for name in ("a", "b")]
        for thread in clients:
            thread.start()
        time.sleep(4)
        restart_began = time.monotonic()
        postgresql.restart()
        restarted = time.monotonic()
        time.sleep(6)
        stop.set()
        for thread in clients:
            thread.join(timeout=30)

        failed = [answer for answer in answers if answer[2] != 200]
        for _, _, status, headers, body in failed:
            assert_unavailable(status, headers, body)
        assert all(restart_began - 0.5 <= moment <= restarted + 3 for moment, *_ in failed)
        after = [answer for answer in answers if answer[0] > restarted + 3]
        assert after and all(answer[2] == 200 for answer in after)
        assert {answer[1] for answer in after} == {kept, versions}

        # While it is down: what a worker kept still answers; what needs the database is a 503
        # problem; the worker is not ready. Then it serves again, gunicorn never restarted.
        postgresql.stop()
        try:
            assert fetch(kept)[0] == 200
            assert_unavailable(*fetch(versions, "while-down.test"))
            assert_unavailable(*fetch(f"{server.url}/readyz"))
        finally:
            postgresql.start()
        assert fetch(versions, "after.test")[0] == 200
        assert fetch(f"{server.url}/readyz")[0] == 200
        assert server.process.poll() is None
    log = Path(server.log_path).read_text(encoding="utf-8")
    assert "Traceback" not in log
