"""Lists across articles and the feed of changes, on more than one article: the built-in
article, a fictional second one with no Wikidata items (tests/fixtures/second-article), and a
fictional third that shares North Korea (Q423), Russia (Q159) and Kim Jong-un (Q56226) with
the built-in one, names Pyongyang (Q18808) alone, has a Dmitry Peskov with no QID, and dates
North Korea's sending of troops to October 2024 where the built-in article says 2024."""

import os
import shutil
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import sqlalchemy as sa

from api import create_app
from api.store import BUILT_IN_CORPUS
from api.store.database import (
    database_url,
    fact_qids,
    fact_values,
    facts,
    migrate,
    search_qids,
    search_units,
    withdrawals,
)
from api.store.ingest import ingest
from api.store.repository import Store
from conftest import ARTICLE_ID, SECOND_ARTICLE_DIR
from schemas.dates import date_bounds
from schemas.kinds import KINDS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from corpus import write_corpus  # noqa: E402

ACROSS_DIR = Path(__file__).parent / "fixtures" / "across"
THIRD_ID = "kim-vows-to-stand-with-russia"
PATHS = tuple(kind.path for kind in KINDS)
# Every filter that names an entity, as (list, parameter), from the kind table.
ENTITY_FILTERS = tuple(
    (kind.path, spec.parameter) for kind in KINDS for spec in kind.filters if spec.names_entity
)


def corpus_folder(folder):
    """The built-in article and the fixtures, in one corpus folder."""
    shutil.copytree(BUILT_IN_CORPUS, folder)
    for source in (SECOND_ARTICLE_DIR, ACROSS_DIR):
        for path in source.iterdir():
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A client of an app serving the three articles."""
    folder = corpus_folder(tmp_path_factory.mktemp("across") / "corpus")
    data = tmp_path_factory.mktemp("across-data")
    app = create_app({"TESTING": True, "CORPUS_DIR": str(folder), "DATA_DIR": str(data)})
    return app.test_client()


def walk(client, url):
    """Every item of a list across articles, following `Link: rel="next"`; and the pages."""
    items, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        items += response.get_json()
        pages += 1
        url = next_url(response)
    return items, pages


def next_url(response):
    """The URL of `Link: rel="next"`, or None."""
    link = response.headers.get("Link")
    if not link:
        return None
    target, relation = link.split(";", 1)
    assert relation.strip() == 'rel="next"'
    return target.strip().strip("<>")


def ids(items):
    return [(item["article_id"], item["id"]) for item in items]


@pytest.mark.parametrize("path", PATHS)
def test_each_list_holds_every_fact_of_every_article_once(client, path):
    """A walk in small pages returns each fact of each article once, with its article."""
    expected = set()
    for article_id in (ARTICLE_ID, "riverton-opens-new-bridge", THIRD_ID):
        listed = client.get(f"/v1/articles/{article_id}/{path}?page_size=100").get_json()
        expected |= {(article_id, fact["id"]) for fact in listed}
    first = client.get(f"/v1/{path}?page_size=3")
    assert first.headers["X-Total-Count"] == str(len(expected))
    items, pages = walk(client, f"/v1/{path}?page_size=3")
    assert len(ids(items)) == len(set(ids(items))) == len(expected)
    assert set(ids(items)) == expected
    assert pages == -(-len(expected) // 3)
    assert all(item["article_version"] == 1 for item in items)


@pytest.mark.parametrize("path", PATHS)
def test_an_item_is_the_per_article_object_with_its_article(client, path):
    item = client.get(f"/v1/{path}?page_size=1").get_json()[0]
    article_id = item.pop("article_id")
    assert item.pop("article_version") == 1
    own = client.get(f"/v1/articles/{article_id}/{path}/{item['id']}").get_json()
    assert item == own


@pytest.mark.parametrize("path", PATHS)
def test_csv_of_each_list(client, path):
    response = client.get(f"/v1/{path}?page_size=2", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'inline; filename="{path}.csv"'
    header, *rows = response.get_data(as_text=True).splitlines()
    assert header.startswith("article_id,article_version,id,")
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "/v1/quotes?speaker=Q56226",
            {
                (ARTICLE_ID, "kim-continue-without-interruption"),
                (THIRD_ID, "kim-stand-with-russia"),
            },
        ),
        ("/v1/entities?wikidata=Q423", {(ARTICLE_ID, "north-korea"), (THIRD_ID, "north-korea")}),
        (
            "/v1/relations?subject=Q56226&object=Q423",
            {
                (ARTICLE_ID, "kim-jong-un-leader-of-north-korea"),
                (THIRD_ID, "kim-jong-un-leader-of-north-korea"),
            },
        ),
        (
            "/v1/claims?claimant=Q56226&mode=partial",
            {(ARTICLE_ID, "kim-ties-will-continue"), (THIRD_ID, "kim-stand-with-russia")},
        ),
        # A QID one article alone carries.
        ("/v1/entities?wikidata=Q18808", {(THIRD_ID, "pyongyang")}),
        ("/v1/entities?wikidata=Q42308", {(ARTICLE_ID, "kharkiv")}),
        # A well-formed QID nothing carries.
        ("/v1/quotes?speaker=Q1", set()),
        ("/v1/timeline?entity=Q999999999999", set()),
    ],
)
def test_qid_filters_match_the_entity_in_every_article(client, url, expected):
    response = client.get(url)
    assert response.status_code == 200
    assert set(ids(response.get_json())) == expected
    assert response.headers["X-Total-Count"] == str(len(expected))


def test_claims_by_claimant_and_polarity(client):
    """`/v1/claims?claimant=Q423&polarity=asserted`: what each article's own list says."""
    own = client.get(f"/v1/articles/{ARTICLE_ID}/claims?claimant=north-korea&polarity=asserted")
    expected = {(ARTICLE_ID, claim["id"]) for claim in own.get_json()}
    assert expected
    across = client.get("/v1/claims?claimant=Q423&polarity=asserted").get_json()
    assert set(ids(across)) == expected


def test_an_entity_without_a_qid_never_merges(client):
    """Both articles name Dmitry Peskov, with no Wikidata item: two entities, no filter joins
    them."""
    found = client.get("/v1/entities?type=person&q=peskov").get_json()
    assert {(item["article_id"], item["id"]) for item in found} == {
        (ARTICLE_ID, "dmitry-peskov"),
        (THIRD_ID, "dmitry-peskov"),
    }
    assert all(item["wikidata"] is None for item in found)
    without = ids(client.get("/v1/entities?wikidata=false&page_size=1000").get_json())
    assert {(ARTICLE_ID, "dmitry-peskov"), (THIRD_ID, "dmitry-peskov")} <= set(without)


def test_two_dates_for_one_event_both_show_in_date_order(client):
    events = client.get("/v1/timeline?entity=Q423&page_size=1000").get_json()
    sent = [
        (item["article_id"], item["date"])
        for item in events
        if item["id"] == "north-korea-sends-troops"
    ]
    assert sent == [(ARTICLE_ID, "2024"), (THIRD_ID, "2024-10")]
    # By date (a partial date by its first day), then the article's publication.
    everything, _ = walk(client, "/v1/timeline?page_size=5")
    firsts = [date_bounds(item["date"])[0] for item in everything]
    assert firsts == sorted(firsts)


def test_date_range_across_articles(client):
    found = client.get("/v1/timeline?from=2024-10&to=2024-10").get_json()
    # The built-in article's "2024" overlaps October 2024; the fixture's October 2024 is in it.
    assert {(item["article_id"], item["id"]) for item in found} >= {
        (ARTICLE_ID, "north-korea-sends-troops"),
        (THIRD_ID, "north-korea-sends-troops"),
        (THIRD_ID, "article-published"),
    }
    assert all(item["date"][:4] == "2024" for item in found)


@pytest.mark.parametrize(("path", "parameter"), ENTITY_FILTERS)
def test_a_per_article_id_is_refused_with_a_hint_to_use_a_qid(client, path, parameter):
    response = client.get(f"/v1/{path}?{parameter}=kharkiv")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    detail = response.get_json()["detail"]
    assert "QID" in detail and "unique only within one article" in detail


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "query",
    [
        "q=%25",
        "q=_",
        "q=%22%27",
        "q=%27%3B%20DROP%20TABLE%20facts%3B--",
        "q=" + "x" * 200,
        "q=" + "x" * 201,
        "q=",
        "cursor=",
        "cursor=%25%25",
        "cursor=" + "A" * 5000,
        "cursor=WyJhIl0",  # a well-formed cursor of the wrong shape
        "page_size=0",
        "page_size=1001",
        "fields=nope",
        "sort=id",
        "page=2",
    ],
)
def test_hostile_input_is_a_200_or_a_problem(client, path, query):
    response = client.get(f"/v1/{path}?{query}")
    assert response.status_code in (200, 414, 422), response.get_data(as_text=True)
    if response.status_code != 200:
        assert response.content_type == "application/problem+json"


def test_like_wildcards_are_searched_for_as_characters(client):
    assert client.get("/v1/entities?q=%25").get_json() == []
    assert client.get("/v1/entities?q=_").get_json() == []
    found = client.get("/v1/quotes?q=%22").get_json()
    assert all('"' in item["text"] for item in found)


def test_page_size_up_to_a_thousand_and_a_hundred_by_default(client):
    assert len(client.get("/v1/entities").get_json()) == 42
    assert client.get("/v1/entities?page_size=1000").status_code == 200


def test_the_next_link_keeps_the_other_parameters(client):
    response = client.get("/v1/entities?type=place&fields=name&page_size=2")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(next_url(response)).query)
    assert query["type"] == ["place"] and query["fields"] == ["name"]
    assert query["page_size"] == ["2"] and query["cursor"]
    items, _ = walk(client, "/v1/entities?type=place&fields=name&page_size=2")
    assert all(set(item) == {"article_id", "article_version", "id", "name"} for item in items)


@pytest.fixture()
def live(tmp_path):
    """An app with a store of its own that sees new versions within a fifth of a second, and
    a second handle on the same store to write with, as `article-facts ingest` would."""
    folder = corpus_folder(tmp_path / "corpus")
    app = create_app(
        {
            "TESTING": True,
            "CORPUS_DIR": str(folder),
            "DATA_DIR": str(tmp_path / "data"),
            "NEW_VERSION_SECONDS": 1,
        }
    )
    # The store the app serves from, as the environment names it (PostgreSQL's writer under
    # ARTICLE_FACTS_TEST_ENGINE=postgresql).
    writer = Store(
        database_url(os.environ.get("ARTICLE_FACTS_DATABASE_URL", ""), str(tmp_path / "data"))
    )
    yield app.test_client(), writer, folder
    writer.dispose()


def walk_while_ingesting(live, tmp_path, walker, url, small_url):
    """Walk `url` after 20 synthetic articles are ingested, then walk `small_url` (small pages)
    while 40 more are ingested one by one: what each walk returned."""
    client, writer, _ = live
    synthetic = tmp_path / "synthetic"
    write_corpus(40, 7, synthetic)
    ingest(writer, sorted(synthetic.glob("*.json"))[:20])
    at_start = walker(client, url)
    later = tmp_path / "later"
    write_corpus(40, 8, later)
    started = threading.Event()

    def ingest_more():
        started.set()
        for path in sorted(later.glob("*.json")):
            ingest(writer, [path])

    thread = threading.Thread(target=ingest_more)
    thread.start()
    started.wait()
    walked = walker(client, small_url)
    thread.join()
    return at_start, walked


def test_a_walk_returns_each_entity_once_while_articles_are_ingested(live, tmp_path):
    (at_start, _), (walked, pages) = walk_while_ingesting(
        live, tmp_path, walk, "/v1/entities?page_size=1000", "/v1/entities?page_size=7"
    )
    assert pages > 10
    assert len(ids(walked)) == len(set(ids(walked)))
    assert set(ids(at_start)) <= set(ids(walked))


def test_the_changes_feed_shows_each_version_once(live):
    client, writer, folder = live
    first = client.get("/v1/changes")
    seen = [(entry["article_id"], entry["version"]) for entry in first.get_json()]
    assert sorted(seen) == sorted(
        [(ARTICLE_ID, 1), ("riverton-opens-new-bridge", 1), (THIRD_ID, 1)]
    )
    assert [entry["generation"] for entry in first.get_json()] == [1, 2, 3]
    poll = next_url(first)
    assert poll == "/v1/changes?since=3"
    assert client.get(poll).get_json() == []
    # Two ingests: a correction of the third article, then of the second.
    for name, description in (
        (THIRD_ID, "North Korea's capital (corrected)."),
        ("riverton-opens-new-bridge", "City on the river (corrected)."),
    ):
        path = folder / f"{name}.json"
        text = path.read_text(encoding="utf-8")
        entity = "pyongyang" if name == THIRD_ID else "riverton"
        old = (
            "North Korea's capital; named in this article only."
            if name == THIRD_ID
            else "City that opened a new bridge."
        )
        assert old in text
        path.write_text(text.replace(old, description), encoding="utf-8")
        (outcome,), problems = ingest(writer, [path])
        assert not problems and outcome.status == "written"
        page = wait_for_changes(client, poll)
        assert len(page) == 1
        assert page[0]["changes"]["entities"]["changed"] == [entity]
        seen.append((page[0]["article_id"], page[0]["version"]))
        poll = f"/v1/changes?since={page[0]['generation']}"
    assert seen[-2:] == [(THIRD_ID, 2), ("riverton-opens-new-bridge", 2)]
    assert len(seen) == len(set(seen))
    assert client.get(poll).get_json() == []


def wait_for_changes(client, url, within=5.0):
    """Poll a page of the feed until it is not empty (the app sees a new version within 1 s)."""
    deadline = time.monotonic() + within
    while True:
        page = client.get(url).get_json()
        if page or time.monotonic() > deadline:
            return page
        time.sleep(0.05)


def test_a_new_version_shows_in_lists_and_changes_their_etag(live):
    client, writer, folder = live
    response = client.get("/v1/entities?wikidata=Q18808")
    etag = response.headers["ETag"]
    assert (
        client.get("/v1/entities?wikidata=Q18808", headers={"If-None-Match": etag}).status_code
        == 304
    )
    path = folder / f"{THIRD_ID}.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace("named in this article only", "the capital"),
        encoding="utf-8",
    )
    ingest(writer, [path])

    def changed():
        again = client.get("/v1/entities?wikidata=Q18808", headers={"If-None-Match": etag})
        return again if again.status_code == 200 else None

    again = None
    for _ in range(100):
        again = changed()
        if again:
            break
        threading.Event().wait(0.05)
    assert again is not None
    (item,) = again.get_json()
    assert item["article_version"] == 2 and "the capital" in item["description"]


def test_a_withdrawn_article_leaves_the_lists(live):
    client, writer, _ = live
    assert writer.withdraw(THIRD_ID, "Written for the tests.")
    for _ in range(100):
        if client.get("/v1/entities?wikidata=Q18808").get_json() == []:
            break
        threading.Event().wait(0.05)
    assert client.get("/v1/entities?wikidata=Q18808").get_json() == []
    assert ids(client.get("/v1/quotes?speaker=Q56226").get_json()) == [
        (ARTICLE_ID, "kim-continue-without-interruption")
    ]


def test_the_changes_feed_shows_a_withdrawal_and_the_version_after_it(live):
    client, writer, folder = live
    poll = next_url(client.get("/v1/changes"))
    served = client.get(f"/v1/articles/{THIRD_ID}/entities?page_size=100").get_json()
    assert writer.withdraw(THIRD_ID, "Written for the tests.") == "withdrawn"
    # Withdrawn again: nothing written, one entry in the feed.
    assert writer.withdraw(THIRD_ID, "Again.") == "already withdrawn"
    (entry,) = wait_for_changes(client, poll)
    assert entry["action"] == "withdrawn"
    assert (entry["article_id"], entry["version"]) == (THIRD_ID, 1)
    assert entry["reason"] == "Written for the tests."
    assert entry["withdrawn_at"] >= entry["ingested_at"]
    # A client keeping a copy removes every fact the article served.
    assert entry["changes"]["entities"]["removed"] == sorted(item["id"] for item in served)
    assert all(not ids["added"] and not ids["changed"] for ids in entry["changes"].values())
    # The same files ingested again (as every start does) leave it withdrawn.
    path = folder / f"{THIRD_ID}.json"
    (outcome,), _ = ingest(writer, [path])
    assert outcome.status == "unchanged" and "still withdrawn" in outcome.message
    # Corrected, it is served again: every id added, against nothing served.
    poll = f"/v1/changes?since={entry['generation']}"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("named in this article only", "the capital"), encoding="utf-8")
    (outcome,), _ = ingest(writer, [path])
    assert (outcome.status, outcome.version) == ("written", 2)
    (entry,) = wait_for_changes(client, poll)
    assert (entry["action"], entry["version"]) == ("ingested", 2)
    assert "reason" not in entry
    assert entry["changes"]["entities"]["added"] == sorted(item["id"] for item in served)
    # A rebuild counts the version after a withdrawal alike: against nothing served.
    writer.rebuild()
    assert writer.versions(THIRD_ID)[1]["changes"] == entry["changes"]
    csv = client.get("/v1/changes", headers={"Accept": "text/csv"}).text.splitlines()
    assert csv[0].startswith(
        "generation,action,article_id,version,ingested_at,withdrawn_at,reason,"
    )
    assert [line.split(",")[1] for line in csv[1:]] == [
        "ingested",
        "ingested",
        "ingested",
        "withdrawn",
        "ingested",
    ]


def drop_search_index(connection):
    """Take the store back to before migration 0005 (the search index), on either engine."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TABLE search_fts")
    for table in (search_qids, search_units):
        table.drop(connection)


def test_the_migration_records_articles_withdrawn_before_it(live):
    client, writer, _ = live
    assert writer.withdraw(THIRD_ID, "Written for the tests.")
    # A store at revision 0003, whose withdrawals had no generation of their own.
    with writer.engine.begin() as connection:
        drop_search_index(connection)
        withdrawals.drop(connection)
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0003'"))
    migrate(writer.engine)
    entries = writer.changes_since(0, 100)
    assert [entry["action"] for entry in entries] == ["ingested"] * 3 + ["withdrawn"]
    assert entries[-1]["generation"] == writer.generation
    assert entries[-1]["reason"] == "Written for the tests."


def index_rows(store):
    with store.engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(sa.select(table)).all()))
            for table in (facts, fact_qids, fact_values)
        }


def test_rebuild_and_the_migration_refill_the_index(live):
    _, writer, _ = live
    before = index_rows(writer)
    assert before["facts"] and before["fact_qids"] and before["fact_values"]
    assert writer.rebuild() == 3
    assert index_rows(writer) == before
    # A store at revision 0002 (no index), migrated: the migration fills the index.
    with writer.engine.begin() as connection:
        drop_search_index(connection)
        for table in (fact_qids, fact_values, facts, withdrawals):
            table.drop(connection)
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0002'"))
    migrate(writer.engine)
    assert index_rows(writer) == before
