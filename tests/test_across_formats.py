"""The lists across articles in every format, conditional requests and rate limits on cursor
and change pages, hostile filters, and CSV for every list, on the corpus of tests/test_across.py
(the built-in article and two fictional ones, sharing entities by QID)."""

import csv
import io
import re
import time

import pytest
from pyld import jsonld
from test_across import THIRD_ID, corpus_folder, next_url
from test_across import live as live  # noqa: F401  (the fixture: an app and a writer)
from test_annotations import shipped_context_only

from api import create_app
from api.formats.annotations import ANNOTATION_MEDIA_TYPE
from api.formats.registry import NDJSON
from api.store.ingest import ingest
from conftest import ARTICLE_ID
from schemas.entities import WIKIDATA_ENTITY_URL
from schemas.kinds import KINDS

BASE = "http://localhost"
SECOND_ID = "riverton-opens-new-bridge"
ARTICLE_IDS = (ARTICLE_ID, SECOND_ID, THIRD_ID)
PATHS = tuple(kind.path for kind in KINDS)
JSON_LD = "application/ld+json"
# Every filter of every list across articles, as (list, parameter), from the kind table.
FILTERS = tuple((kind.path, spec.parameter) for kind in KINDS for spec in kind.filters)
HOSTILE = {
    "quote": "'",
    "double-quote": '"',
    "percent": "%",
    "underscore": "_",
    "empty": "",
    "long": "x" * 1000,
    "too-long-for-a-url": "x" * 5000,
    "unicode": "Ünïcødé ✓ 北朝鮮 \u202e🙂",
    "sql": "'; DROP TABLE facts; --",
    "like": "%_%",
    "qid-overflow": "Q" + "9" * 40,
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A client of an app serving the three articles."""
    folder = corpus_folder(tmp_path_factory.mktemp("across-formats") / "corpus")
    data = tmp_path_factory.mktemp("across-formats-data")
    app = create_app({"TESTING": True, "CORPUS_DIR": str(folder), "DATA_DIR": str(data)})
    return app.test_client()


@pytest.fixture(scope="module")
def document(client):
    return client.get("/openapi.json").get_json()


@pytest.fixture(scope="module")
def texts(client):
    """Each article's text, as its text URL serves it."""
    return {
        article_id: client.get(f"/v1/articles/{article_id}/text").get_data(as_text=True)
        for article_id in ARTICLE_IDS
    }


def offered(document, path):
    """The media types the OpenAPI document lists for a GET's 200."""
    return tuple(document["paths"][path]["get"]["responses"]["200"]["content"])


def ids_in(value):
    """Every `@id` a node names, at any depth."""
    if isinstance(value, dict):
        return [
            *([value["@id"]] if "@id" in value else []),
            *(found for inner in value.values() for found in ids_in(inner)),
        ]
    if isinstance(value, list):
        return [found for inner in value for found in ids_in(inner)]
    return []


def fetch_nothing(url, options=None):
    raise AssertionError(f"the JSON-LD made pyld fetch {url}")


# JSON-LD and Web Annotations -------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_each_list_across_offers_every_format_and_serves_each(client, document, path):
    media_types = offered(document, f"/v1/{path}")
    assert set(media_types) == {
        "application/json",
        "text/csv",
        JSON_LD,
        ANNOTATION_MEDIA_TYPE,
        NDJSON,
    }
    for media_type in media_types:
        response = client.get(f"/v1/{path}?page_size=5", headers={"Accept": media_type})
        assert response.status_code == 200, (media_type, response.get_data(as_text=True))
        assert response.headers["Content-Type"].split(";")[0] == media_type.split(";")[0]
        assert "Accept" in response.headers["Vary"]
        # A page is kept and counted; a stream (the whole list) is neither.
        streamed = media_type == NDJSON
        assert ("ETag" in response.headers) is not streamed
        assert ("X-Total-Count" in response.headers) is not streamed


@pytest.mark.parametrize("path", PATHS)
def test_json_ld_nodes_are_each_facts_under_its_own_article(client, path):
    """Walk every page: each item's node is the fact's URL under its own article, its
    article's node links it, ids never clash across articles, and pyld expands it offline."""
    url = f"/v1/{path}?page_size=7"
    seen = set()
    while url:
        listed = client.get(url).get_json()
        response = client.get(url, headers={"Accept": JSON_LD})
        assert response.headers["Content-Type"] == JSON_LD
        graph = response.get_json()
        expanded = jsonld.expand(graph, {"documentLoader": fetch_nothing})
        assert len(expanded) == len(graph["@graph"])
        nodes = {node["@id"]: node for node in graph["@graph"]}
        assert len(nodes) == len(graph["@graph"])  # no id twice
        facts = [node for node in graph["@graph"] if node["@type"] != "NewsArticle"]
        assert len(facts) == len(listed)
        link = KINDS[PATHS.index(path)].jsonld_link
        for item, node in zip(listed, facts, strict=True):
            article = f"{BASE}/v1/articles/{item['article_id']}"
            assert node["@id"] == f"{article}/{path}/{item['id']}"
            assert node["identifier"] == item["id"]
            assert {"@id": node["@id"]} in nodes[article][link]
            assert nodes[article]["version"] == item["article_version"]
            # Every node it names is a fact of the same article.
            named = [target for target in ids_in(node) if target.startswith(BASE)]
            assert all(target.startswith(article) for target in named), named
            seen.add(node["@id"])
        url = next_url(response)
    expected = sum(
        len(client.get(f"/v1/articles/{article_id}/{path}?page_size=100").get_json())
        for article_id in ARTICLE_IDS
    )
    assert len(seen) == expected


def test_json_ld_of_a_list_across_is_whole_whatever_fields_asks(client):
    graph = client.get("/v1/entities?wikidata=Q423&fields=name", headers={"Accept": JSON_LD})
    nodes = [node for node in graph.get_json()["@graph"] if node["@type"] != "NewsArticle"]
    assert [node["sameAs"] for node in nodes] == [{"@id": WIKIDATA_ENTITY_URL + "Q423"}] * 2
    assert all(node["description"] for node in nodes)


@pytest.mark.parametrize("path", PATHS)
def test_annotations_target_the_text_of_each_facts_own_article(client, texts, path):
    """Every annotation of every page: its target is its fact's article's text URL, and its
    selectors slice that article's text exactly; ids are unique across articles."""
    url = f"/v1/{path}?page_size=7"
    ids, articles = [], set()
    while url:
        listed = client.get(url).get_json()
        response = client.get(url, headers={"Accept": ANNOTATION_MEDIA_TYPE})
        assert response.headers["Content-Type"] == ANNOTATION_MEDIA_TYPE
        page = response.get_json()
        [expanded] = jsonld.expand(page, {"documentLoader": shipped_context_only})
        assert len(expanded["http://www.w3.org/ns/activitystreams#items"][0]["@list"]) == len(
            page["items"]
        )
        assert page["type"] == "AnnotationPage"
        assert page["id"] == f"{BASE}{url}#annotations"
        following = next_url(response)
        assert page.get("next") == (f"{BASE}{following}#annotations" if following else None)
        fact_of = {
            f"{BASE}/v1/articles/{item['article_id']}/{path}/{item['id']}": item for item in listed
        }
        for annotation in page["items"]:
            fact = annotation["id"].split("#")[0]
            item = fact_of[fact]
            source = annotation["target"]["source"]
            assert source == f"{BASE}/v1/articles/{item['article_id']}/text"
            position, quote = annotation["target"]["selector"]
            text = texts[item["article_id"]]
            exact = text[position["start"] : position["end"]]
            assert quote["exact"] == exact
            quoted = quote.get("prefix", "") + exact + quote.get("suffix", "")
            assert text.count(quoted) == 1
            ids.append(annotation["id"])
            articles.add(item["article_id"])
        # Each fact of the page has an annotation per mention, in the list's order.
        order = list(dict.fromkeys(annotation["id"].split("#")[0] for annotation in page["items"]))
        assert order == list(fact_of)
        url = following
    assert len(ids) == len(set(ids))
    assert articles == {
        article_id
        for article_id in ARTICLE_IDS
        if client.get(f"/v1/articles/{article_id}/{path}").get_json()
    }


def test_annotations_of_one_speaker_point_at_both_articles(client):
    page = client.get("/v1/quotes?speaker=Q56226", headers={"Accept": ANNOTATION_MEDIA_TYPE})
    sources = [annotation["target"]["source"] for annotation in page.get_json()["items"]]
    assert sorted(set(sources)) == [
        f"{BASE}/v1/articles/{THIRD_ID}/text",
        f"{BASE}/v1/articles/{ARTICLE_ID}/text",
    ]


def test_the_article_page_and_the_list_across_agree_on_each_annotation(client):
    """An annotation in a list across articles is the one its article's own page has."""
    own = client.get(f"/v1/articles/{ARTICLE_ID}", headers={"Accept": ANNOTATION_MEDIA_TYPE})
    by_id = {annotation["id"]: annotation for annotation in own.get_json()["items"]}
    across = client.get("/v1/quotes?page_size=1000", headers={"Accept": ANNOTATION_MEDIA_TYPE})
    mine = [
        annotation
        for annotation in across.get_json()["items"]
        if f"/articles/{ARTICLE_ID}/" in annotation["id"]
    ]
    assert mine and all(annotation == by_id[annotation["id"]] for annotation in mine)
    # Words an editor inserted into a quote are annotated here too.
    assert any(annotation["motivation"] == "commenting" for annotation in mine)


def test_the_article_json_ld_and_the_list_across_agree_on_each_node(client):
    own = client.get(f"/v1/articles/{ARTICLE_ID}", headers={"Accept": JSON_LD}).get_json()
    by_id = {node["@id"]: node for node in own["@graph"]}
    across = client.get("/v1/claims?page_size=1000", headers={"Accept": JSON_LD}).get_json()
    mine = [
        node
        for node in across["@graph"]
        if node["@type"] != "NewsArticle" and f"/articles/{ARTICLE_ID}/" in node["@id"]
    ]
    assert mine and all(node == by_id[node["@id"]] for node in mine)


# CSV for every list ----------------------------------------------------------------------------


def documented_columns(document, path):
    """The CSV columns the OpenAPI document names for a list, in order."""
    description = document["paths"][path]["get"]["responses"]["200"]["description"]
    listed = description.split("CSV columns: ", 1)[1]
    listed = re.split(r"\. |; ", listed, maxsplit=1)[0]
    listed = re.sub(r" \(.*?\)", "", listed).replace(" and ", ", ").replace("then ", "")
    return listed.split(", ")


def example_url(path):
    return path.replace("{article_id}", ARTICLE_ID)


def csv_lists(document):
    return [path for path in document["paths"] if "text/csv" in offered(document, path)]


def test_every_list_offers_csv(document):
    """Every GET whose 200 is a JSON array offers CSV."""
    for path, methods in document["paths"].items():
        content = methods["get"]["responses"]["200"].get("content", {})
        if content.get("application/json", {}).get("schema", {}).get("type") == "array":
            assert "text/csv" in content, path


@pytest.mark.parametrize(
    "path",
    [
        "/v1/articles",
        "/v1/articles/{article_id}/versions",
        *(f"/v1/articles/{{article_id}}/{path}" for path in PATHS),
        *(f"/v1/{path}" for path in PATHS),
        "/v1/changes",
        "/v1/articles/{article_id}/search?q=troops",
    ],
)
def test_every_list_is_csv_with_the_documented_columns(client, document, path):
    bare = path.split("?")[0]
    assert bare in csv_lists(document)
    url = example_url(path)
    as_json = client.get(url).get_json()
    response = client.get(url, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith('.csv"')
    header, *rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header == documented_columns(document, bare)
    assert len(rows) == len(as_json) > 0
    assert all(len(row) == len(header) for row in rows)


# Conditional requests and rate limits on cursor pages and change pages ----------------------


def second_page(client, url="/v1/entities?page_size=5"):
    return next_url(client.get(url))


@pytest.mark.parametrize("accept", ["application/json", "text/csv", JSON_LD])
def test_a_cursor_page_answers_if_none_match_with_a_304(client, accept):
    url = second_page(client)
    assert "cursor=" in url
    response = client.get(url, headers={"Accept": accept})
    etag = response.headers["ETag"]
    again = client.get(url, headers={"Accept": accept, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag and not again.get_data()
    # Another page, or another format of the same page, is another representation.
    assert client.get(next_url(response), headers={"Accept": accept}).headers["ETag"] != etag


def test_a_changes_page_answers_if_none_match_with_a_304(client):
    for url in ("/v1/changes", "/v1/changes?since=1&page_size=1", "/v1/changes?since=3"):
        etag = client.get(url).headers["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def changed(client, url, etag, within=5.0):
    """The answer to `url` once its ETag is no longer `etag` (the app polls every second)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        response = client.get(url, headers={"If-None-Match": etag})
        if response.status_code == 200:
            return response
        assert response.status_code == 304
        time.sleep(0.05)
    raise AssertionError(f"{url} still answers 304 for {etag}")


def test_a_new_ingest_changes_cursor_pages_and_changes_pages(live):  # noqa: F811
    client, writer, folder = live
    # The page of the third article's facts, reached by cursor, and the feed's last page.
    cursor_page = next_url(client.get("/v1/entities?wikidata=true&page_size=1"))
    assert "cursor=" in cursor_page
    feed = "/v1/changes?since=3"
    tags = {url: client.get(url).headers["ETag"] for url in (cursor_page, feed)}
    assert client.get(feed).get_json() == []
    path = folder / f"{THIRD_ID}.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace("named in this article only", "the capital"),
        encoding="utf-8",
    )
    (outcome,), _ = ingest(writer, [path])
    assert outcome.status == "written"
    entries = changed(client, feed, tags[feed]).get_json()
    assert [(entry["article_id"], entry["version"]) for entry in entries] == [(THIRD_ID, 2)]
    # Every kept page depends on the whole store: the cursor page is rendered anew too.
    assert changed(client, cursor_page, tags[cursor_page]).headers["ETag"] != tags[cursor_page]


@pytest.mark.parametrize("which", ["cursor page", "changes page"])
def test_cursor_and_changes_pages_are_rate_limited_like_every_url(tmp_path, which):
    folder = corpus_folder(tmp_path / "corpus")
    app = create_app(
        {"CORPUS_DIR": str(folder), "DATA_DIR": str(tmp_path / "data"), "RATE_LIMIT": "4 per day"}
    )
    limited = app.test_client()
    first, feed = limited.get("/v1/quotes?page_size=1"), limited.get("/v1/changes")
    url = next_url(first if which == "cursor page" else feed)
    answers = [limited.get(url) for _ in range(3)]
    # Kept renderings count too: the second and third are replayed.
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers] == ["1", "0", "0"]
    assert answers[-1].content_type == "application/problem+json"
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 86400


# Hostile filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "parameter"), FILTERS)
@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_filters_are_a_200_or_a_problem(client, path, parameter, value):
    """On either engine (ARTICLE_FACTS_TEST_ENGINE), never a 500."""
    response = client.get(f"/v1/{path}", query_string={parameter: value})
    assert response.status_code in (200, 414, 422), response.get_data(as_text=True)
    if response.status_code != 200:
        assert response.content_type == "application/problem+json"
    else:
        assert isinstance(response.get_json(), list)


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("parameter", ["since", "page_size"])
def test_hostile_changes_arguments_are_a_200_or_a_problem(client, parameter, value):
    response = client.get("/v1/changes", query_string={parameter: value})
    assert response.status_code in (200, 414, 422), response.get_data(as_text=True)
    if response.status_code != 200:
        assert response.content_type == "application/problem+json"
