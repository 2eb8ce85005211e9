"""Search across articles (`GET /v1/search`), on the three articles of tests/test_across.py:
the built-in article, the fictional Riverton bridge, and the fictional article that shares
North Korea (Q423), Russia (Q159) and Kim Jong-un (Q56226) with the built-in one.

The engines tokenise and score in their own ways: these tests assert the set of results and
their spans, which both engines must agree on, and the order only as each engine's scores
give it (never the same order on both)."""

import sys
import threading
import urllib.parse
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_across import THIRD_ID, corpus_folder, drop_search_index, next_url, walk_while_ingesting
from test_across import live as live  # noqa: F401  (the fixture: an app and a writer)

from api import create_app
from api.store.database import migrate, search_qids, search_units
from api.store.ingest import ingest
from conftest import ARTICLE_ID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


RIVERTON = "riverton-opens-new-bridge"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A client of an app serving the three articles."""
    folder = corpus_folder(tmp_path_factory.mktemp("search") / "corpus")
    data = tmp_path_factory.mktemp("search-data")
    app = create_app({"TESTING": True, "CORPUS_DIR": str(folder), "DATA_DIR": str(data)})
    return app.test_client()


@pytest.fixture(scope="module")
def texts(client):
    """Each article's text, as served."""
    return {
        article_id: client.get(f"/v1/articles/{article_id}/text").get_data(as_text=True)
        for article_id in (ARTICLE_ID, RIVERTON, THIRD_ID)
    }


def search(client, query):
    response = client.get(f"/v1/search?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def found(response):
    return {
        (result["article_id"], result["kind"], result["id"])
        for result in response.get_json()["results"]
    }


def results_of_walk(client, url):
    pages = []
    while url:
        response = search(client, url.removeprefix("/v1/search?"))
        pages.append(response.get_json())
        url = next_url(response)
    return [result for page in pages for result in page["results"]], pages


# The same results on both engines: words in a fact's searched fields or in a paragraph.
EXPECTED = {
    "q=peskov": {
        (ARTICLE_ID, "entity", "dmitry-peskov"),
        (ARTICLE_ID, "entity", "kremlin"),
        (ARTICLE_ID, "relation", "peskov-spokesman-of-kremlin"),
        (ARTICLE_ID, "text", "paragraph-1"),
        (THIRD_ID, "entity", "dmitry-peskov"),
        (THIRD_ID, "text", "paragraph-1"),
    },
    # Every word must be in the same unit; case, hyphens and quotes do not matter.
    "q=%22KIM%20jong-UN%22": {
        (ARTICLE_ID, "entity", "kim-jong-un"),
        (ARTICLE_ID, "event", "kim-statement-on-military-ties"),
        (ARTICLE_ID, "relation", "kim-jong-un-leader-of-north-korea"),
        (ARTICLE_ID, "text", "paragraph-3"),
        (THIRD_ID, "entity", "kim-jong-un"),
        (THIRD_ID, "relation", "kim-jong-un-leader-of-north-korea"),
        (THIRD_ID, "text", "paragraph-1"),
    },
    "q=bridge&kind=text": {(RIVERTON, "text", f"paragraph-{n}") for n in (1, 2, 3)},
    "q=pyongyang&entity=Q18808": {
        (THIRD_ID, "entity", "pyongyang"),
        (THIRD_ID, "text", "paragraph-1"),
    },
    "q=korea&outlet=Harbour%20Post&kind=quote,claim": {
        (THIRD_ID, "claim", "kim-stand-with-russia"),
    },
    # The outlet as the article list matches it: in any case; one no article has, nothing.
    "q=korea&outlet=harbour%20POST&kind=claim": {(THIRD_ID, "claim", "kim-stand-with-russia")},
    "q=korea&outlet=Harbour": set(),
    "q=russia&published_from=2024-10&published_to=2024-10&kind=entity": {
        (THIRD_ID, "entity", "russia"),
    },
    "q=nothing%20matches%20zqxj": set(),
}


@pytest.mark.parametrize("query", EXPECTED)
def test_the_results_are_the_same_set_on_both_engines(client, query):
    response = search(client, f"{query}&page_size=1000")
    assert found(response) == EXPECTED[query]
    assert response.headers["X-Total-Count"] == str(len(EXPECTED[query]))


def test_each_span_is_the_texts_characters_and_a_word_of_the_query(client, texts):
    results = search(client, "q=kim%20jong-un&page_size=1000").get_json()["results"]
    assert results
    for result in results:
        text = texts[result["article_id"]]
        for span in result["spans"]:
            assert text[span["start"] : span["end"]] == span["text"]
            assert span["text"].casefold() in {"kim", "jong", "un"}
    by_key = {(r["article_id"], r["kind"], r["id"]): r for r in results}
    # A paragraph's spans are every occurrence in it; a fact's, those in its mentions.
    built_in = texts[ARTICLE_ID]
    paragraph = by_key[(ARTICLE_ID, "text", "paragraph-3")]
    start = built_in.index("Kim Jong-un")
    assert {"start": start, "end": start + 3, "text": "Kim"} in paragraph["spans"]
    assert {"start": start + 4, "end": start + 8, "text": "Jong"} in paragraph["spans"]
    assert {"start": start + 9, "end": start + 11, "text": "un"} in paragraph["spans"]
    entity = by_key[(ARTICLE_ID, "entity", "kim-jong-un")]
    mentions = client.get(f"/v1/articles/{ARTICLE_ID}/entities/kim-jong-un").get_json()["mentions"]
    assert all(
        any(m["start"] <= s["start"] and s["end"] <= m["end"] for m in mentions)
        for s in entity["spans"]
    )


def test_a_match_in_the_annotation_alone_has_no_span(client):
    """The Kremlin's description names Peskov; its mentions ("Kremlin") do not."""
    results = search(client, "q=peskov&kind=entity").get_json()["results"]
    (kremlin,) = [r for r in results if r["id"] == "kremlin"]
    assert kremlin["spans"] == []
    assert "<mark>Peskov</mark>" in kremlin["snippet"]


def test_a_result_names_its_fact_and_the_snippet_marks_the_words(client):
    results = search(client, "q=peskov&page_size=1000").get_json()["results"]
    for result in results:
        assert result["article_version"] == 1
        assert client.get(result["url"]).status_code == 200
        assert "<mark>Peskov</mark>" in result["snippet"]
        if result["kind"] == "text":
            assert result["url"] == f"/v1/articles/{result['article_id']}/text"
    quotes = search(client, "q=grateful").get_json()["results"]
    # Quotes and apostrophes are escaped, so that the snippet is HTML to show as it is.
    assert any("&quot;" in r["snippet"] for r in quotes)
    assert all("<" not in r["snippet"].replace("<mark>", "").replace("</mark>", "") for r in quotes)


def test_diacritics_and_case_do_not_matter(client):
    assert found(search(client, "q=P%C3%A9SKOV")) == EXPECTED["q=peskov"]


def test_results_are_ranked_best_first(client):
    results = search(client, "q=korea&page_size=1000").get_json()["results"]
    scores = [result["score"] for result in results]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)


def test_facets_count_every_result_not_only_the_page(client):
    whole = search(client, "q=korea&page_size=1000")
    everything = whole.get_json()["results"]
    page = search(client, "q=korea&page_size=2")
    facets = page.get_json()["facets"]
    assert facets == whole.get_json()["facets"]
    kinds = {}
    for result in everything:
        kinds[result["kind"]] = kinds.get(result["kind"], 0) + 1
    assert facets["kind"] == dict(sorted(kinds.items(), key=lambda item: (-item[1], item[0])))
    assert sum(facets["kind"].values()) == int(page.headers["X-Total-Count"]) == len(everything)
    assert set(facets["outlet"]) == {"The Telegraph", "Harbour Post"}
    assert set(facets["month"]) == {"2025-11", "2024-10"}
    counts = list(facets["entity"].values())
    assert counts == sorted(counts, reverse=True)
    # Each facet's value, used as a filter, gives as many results as the facet counts.
    for facet, parameter, transform in (
        ("entity", "entity", lambda value: {"entity": value}),
        ("outlet", "outlet", lambda value: {"outlet": value}),
        ("month", "published_from", lambda v: {"published_from": v, "published_to": v}),
        ("kind", "kind", lambda value: {"kind": value}),
    ):
        for value, count in facets[facet].items():
            query = urllib.parse.urlencode({"q": "korea", **transform(value)})
            filtered = search(client, query)
            assert filtered.headers["X-Total-Count"] == str(count), (parameter, value)


def test_a_cursor_walk_returns_each_result_once_in_order(client):
    everything = search(client, "q=korea&page_size=1000").get_json()["results"]
    walked, pages = results_of_walk(client, "/v1/search?q=korea&page_size=3")
    assert walked == everything
    assert len(pages) == -(-len(everything) // 3)
    assert all(page["facets"] == pages[0]["facets"] for page in pages)


def test_the_next_link_keeps_the_other_parameters(client):
    response = search(client, "q=korea&kind=entity&kind=text&page_size=2")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(next_url(response)).query)
    assert query["q"] == ["korea"] and query["kind"] == ["entity", "text"]
    assert query["page_size"] == ["2"] and query["cursor"]


def test_a_conditional_request_with_the_etag_is_a_304(client):
    response = search(client, "q=korea")
    etag = response.headers["ETag"]
    again = client.get("/v1/search?q=korea", headers={"If-None-Match": etag})
    assert again.status_code == 304


HOSTILE = [
    '"unterminated',
    "kim's",
    "50%",
    "kim_jong",
    "%kim%",
    "kim*",
    "NEAR(kim jong)",
    "NEAR(",
    "kim OR russia",
    "kim AND russia",
    "NOT kim",
    "-kim",
    "words:kim",
    "^kim",
    "(kim)",
    "kim)",
    "{words}: kim",
    "'; DROP TABLE search_units; --",
    "x" * 500,
    "kim " * 120,
    " ".join(f"w{number}" for number in range(100)),
    "日本語",
    "\U0001f600 kim",
    # Letters to Python that SQLite's unicode61 tables (Unicode 6.1) took for separators.
    "a\u19b0b",
    "kim\u1cf2jong",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_words_are_a_200(client, q):
    """Full-text syntax, LIKE wildcards and SQL are words or separators, never syntax."""
    response = client.get("/v1/search?" + urllib.parse.urlencode({"q": q}))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert isinstance(response.get_json()["results"], list)


def test_full_text_syntax_is_not_interpreted(client):
    """`kim OR russia` needs all three words (`or` among them), so finds less than either."""
    both = found(search(client, "q=kim%20russia&page_size=1000"))
    with_or = found(search(client, "q=kim%20OR%20russia&page_size=1000"))
    assert with_or <= both
    assert found(search(client, "q=NOT%20peskov")) == set()
    assert found(search(client, "q=-peskov")) == EXPECTED["q=peskov"]
    assert found(search(client, "q=%22peskov%22*")) == EXPECTED["q=peskov"]


@pytest.mark.parametrize(
    "q", ["  ", "'", '"', "''", '""', "%", "_", "%_%", "*", "\\", "-:^()", "\u2026", "\u00bf?"]
)
def test_a_query_of_punctuation_alone_finds_nothing(client, q):
    """No word, so nothing to find: an empty page, not an error (the document allows it)."""
    response = search(client, urllib.parse.urlencode({"q": q}))
    assert response.get_json()["results"] == []
    assert response.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize("q", [None, "", "x" * 501])
def test_no_q_an_empty_or_a_too_long_one_is_a_422_naming_q(client, q):
    query = "" if q is None else urllib.parse.urlencode({"q": q})
    response = client.get(f"/v1/search?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert "q" in response.get_json()["errors"]["query"]


@pytest.mark.parametrize(
    "query",
    [
        "q=kim&cursor=",
        "q=kim&cursor=%25%25",
        "q=kim&cursor=" + "1" * 5000,
        "q=kim&cursor=20241001.20241012T1000.kim-vows-to-stand-with-russia.0",
        "q=kim&page_size=0",
        "q=kim&page_size=1001",
        "q=kim&kind=nope",
        "q=kim&entity=kharkiv",
        "q=kim&published_from=2024-13",
        "q=kim&outlet=",
        "q=kim&page=2",
        "q=a%00b",
    ],
)
def test_bad_parameters_are_a_422(client, query):
    response = client.get(f"/v1/search?{query}")
    # 400 for control characters, 414 for a URL longer than the server takes: both before
    # any view runs.
    assert response.status_code in (400, 414, 422), response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"


def test_a_well_formed_cursor_past_the_end_is_an_empty_page(client):
    response = search(client, "q=kim&cursor=0.zzz.0")
    assert response.get_json()["results"] == []
    assert "Link" not in response.headers


def test_a_walk_returns_each_result_once_while_articles_are_ingested(live, tmp_path):
    (at_start, _), (walked, pages) = walk_while_ingesting(
        live,
        tmp_path,
        results_of_walk,
        "/v1/search?q=million&page_size=1000",
        "/v1/search?q=million&page_size=5",
    )
    keys = [(r["article_id"], r["kind"], r["id"]) for r in walked]
    assert len(pages) > 10
    assert len(keys) == len(set(keys))
    assert {(r["article_id"], r["kind"], r["id"]) for r in at_start} <= set(keys)
    scores = [(-r["score"], r["article_id"]) for r in walked]
    assert scores == sorted(scores)


def wait_until(check, within=5.0):
    for _ in range(int(within / 0.05)):
        if check():
            return True
        threading.Event().wait(0.05)
    return check()


def test_a_new_version_replaces_the_old_and_a_withdrawn_article_leaves(live):
    client, writer, folder = live
    path = folder / f"{THIRD_ID}.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "named in this article only", "a capital with zqxjv in it"
        ),
        encoding="utf-8",
    )
    assert found(search(client, "q=zqxjv")) == set()
    ingest(writer, [path])
    assert wait_until(
        lambda: found(search(client, "q=zqxjv")) == {(THIRD_ID, "entity", "pyongyang")}
    )
    (result,) = search(client, "q=zqxjv").get_json()["results"]
    assert result["article_version"] == 2
    # The old version's words are gone; the other units are found once, at version 2.
    assert found(search(client, "q=named%20article%20only")) == set()
    assert {
        r["article_version"]
        for r in search(client, "q=peskov").get_json()["results"]
        if r["article_id"] == THIRD_ID
    } == {2}
    assert writer.withdraw(THIRD_ID, "Written for the tests.")
    assert wait_until(lambda: found(search(client, "q=zqxjv")) == set())
    assert {r[0] for r in found(search(client, "q=peskov"))} == {ARTICLE_ID}


def index_rows(store):
    with store.engine.connect() as connection:
        return {
            table.name: sorted(
                map(tuple, connection.execute(sa.select(table).order_by(*table.c)).all())
            )
            for table in (search_units, search_qids)
        }


def without_ids(rows):
    return sorted(row[1:] for row in rows)


def test_rebuild_and_the_migration_refill_the_index(live):
    client, writer, _ = live
    before = index_rows(writer)
    assert before["search_units"] and before["search_qids"]
    expected = found(search(client, "q=peskov"))
    assert writer.rebuild() == 3
    after = index_rows(writer)
    assert without_ids(after["search_units"]) == without_ids(before["search_units"])
    assert after["search_qids"] == before["search_qids"]
    assert found(search(client, "q=peskov")) == expected
    # A store at revision 0004 (no search index), migrated: the migration fills it.
    with writer.engine.begin() as connection:
        drop_search_index(connection)
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))
    migrate(writer.engine)
    migrated = index_rows(writer)
    assert without_ids(migrated["search_units"]) == without_ids(before["search_units"])
    assert found(search(client, "q=peskov")) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=peskov", {ARTICLE_ID, THIRD_ID}),
        ("q=riverton%20bridge", {RIVERTON}),
        ("q=P%C3%89SKOV&outlet=harbour%20post", {THIRD_ID}),
        ("q=kim&published_from=2025", {ARTICLE_ID}),
        ("q=kim&entity=Q18808", {THIRD_ID}),
        ("q=zqxj", set()),
        ("q=%2A%22", set()),
        ("q=NEAR(kim%20OR", set()),
    ],
)
def test_the_article_list_filters_by_words_as_search_finds_them(client, query, expected):
    """`GET /v1/articles?q=` lists the articles of `GET /v1/search?q=`'s results."""
    listed = client.get(f"/v1/articles?{query}")
    assert listed.status_code == 200, listed.get_data(as_text=True)
    assert {article["id"] for article in listed.get_json()} == expected
    searched = client.get(f"/v1/search?q={query.split('&')[0][2:]}&page_size=1000").get_json()
    assert expected <= {result["article_id"] for result in searched["results"]}


@pytest.mark.parametrize(
    "bounds",
    [
        "published_from=2025-11-16T09:39",
        "published_to=2025-11-16T09",
        "published_from=2025-11-16&published_to=2025-11-16T09:39",
        "published_from=2025-11-16T09:40",
        "published_to=2024-10-12T09:59",
        "published_from=2024-10-12T10:00&published_to=2025-11-16T09:38",
    ],
)
def test_search_bounds_publication_as_the_article_list_does(client, bounds):
    """The same bounds, to the minute, keep the same articles in both."""
    listed = {article["id"] for article in client.get(f"/v1/articles?{bounds}").get_json()}
    searched = client.get(f"/v1/search?q=kim&page_size=1000&{bounds}")
    assert searched.status_code == 200, searched.get_data(as_text=True)
    found_in = {result["article_id"] for result in searched.get_json()["results"]}
    assert found_in <= listed
    all_kim = client.get("/v1/search?q=kim&page_size=1000").get_json()["results"]
    assert found_in == listed & {result["article_id"] for result in all_kim}


@pytest.mark.parametrize("q", ["", "x" * 501])
def test_the_article_lists_q_is_a_422_when_empty_or_too_long(client, q):
    response = client.get("/v1/articles?" + urllib.parse.urlencode({"q": q}))
    assert response.status_code == 422
    assert "q" in response.get_json()["errors"]["query"]
