"""NDJSON streams of whole lists: the lists across articles and the feed of changes, on the
three articles of tests/test_across.py, read from the store two rows a query so that every
stream spans several batches."""

import gzip
import os

import brotli
import orjson
import pytest
from test_across import PATHS, corpus_folder, next_url, walk

from api import create_app
from api.store.database import database_url
from api.store.ingest import ingest
from api.store.repository import Store

NDJSON = {"Accept": "application/x-ndjson"}
BATCH = 2
LISTS = (*PATHS, "changes")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """An app serving the three articles, its streams reading two rows a query."""
    folder = corpus_folder(tmp_path_factory.mktemp("streams") / "corpus")
    data = tmp_path_factory.mktemp("streams-data")
    return create_app(
        {
            "TESTING": True,
            "CORPUS_DIR": str(folder),
            "DATA_DIR": str(data),
            "STREAM_BATCH_SIZE": BATCH,
        }
    )


@pytest.fixture()
def client(app):
    return app.test_client()


def lines(response):
    """The objects of an NDJSON body, one per line, every line ending in a newline."""
    body = response.get_data()
    assert body == b"" or body.endswith(b"\n")
    return [orjson.loads(line) for line in body.splitlines()]


def stream(client, url, **headers):
    response = client.get(url, headers={**NDJSON, **headers})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/x-ndjson"
    return response


@pytest.mark.parametrize("path", PATHS)
def test_the_stream_holds_the_whole_list_in_the_order_of_its_pages(client, path):
    listed = client.get(f"/v1/{path}")
    walked, _ = walk(client, f"/v1/{path}?page_size=3")
    streamed = lines(stream(client, f"/v1/{path}"))
    assert len(streamed) == int(listed.headers["X-Total-Count"]) > BATCH
    assert streamed == walked


def test_the_changes_stream_is_the_feed(client):
    streamed = lines(stream(client, "/v1/changes"))
    assert streamed == client.get("/v1/changes").get_json()
    assert [entry["generation"] for entry in streamed] == [1, 2, 3]
    # `since` is where it starts.
    assert lines(stream(client, "/v1/changes?since=1")) == streamed[1:]


@pytest.mark.parametrize(
    "url",
    [
        "/v1/quotes?speaker=Q56226",
        "/v1/entities?wikidata=Q423",
        "/v1/entities?type=place&fields=name",
        "/v1/claims?claimant=Q423&polarity=asserted",
        "/v1/timeline?from=2024-10&to=2024-10",
        "/v1/entities?wikidata=false",
        "/v1/quotes?speaker=Q1",
    ],
)
def test_filters_and_fields_apply_and_page_size_does_not(client, url):
    listed = client.get(f"{url}&page_size=1000")
    streamed = lines(stream(client, f"{url}&page_size=1"))
    assert streamed == listed.get_json()
    assert len(streamed) == int(listed.headers["X-Total-Count"])


def test_a_cursor_is_where_the_stream_starts(client):
    first = client.get("/v1/entities?page_size=5")
    rest, _ = walk(client, next_url(first))
    assert lines(stream(client, next_url(first))) == rest


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("coding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
def test_a_compressed_stream_decodes_to_the_plain_one(client, path, coding, decode):
    plain = stream(client, f"/v1/{path}")
    compressed = stream(client, f"/v1/{path}", **{"Accept-Encoding": coding})
    assert "Content-Encoding" not in plain.headers
    assert compressed.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert decode(compressed.get_data()) == plain.get_data()


@pytest.mark.parametrize("path", LISTS)
def test_a_stream_is_not_kept(client, path):
    """No ETag, no length, no store: a conditional request gets the whole stream again."""
    response = stream(client, f"/v1/{path}")
    assert "ETag" not in response.headers and "Content-Length" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    # The JSON of the same URL is kept and validated as before.
    assert "ETag" in client.get(f"/v1/{path}").headers
    again = stream(client, f"/v1/{path}", **{"If-None-Match": "*"})
    assert again.get_data() == response.get_data()


def test_the_first_batch_is_sent_before_the_rest_is_read(client):
    """Through the WSGI iterator: the first chunk holds one batch of lines, while the list
    holds more, so the body was not built whole before it was sent."""
    total = int(client.get("/v1/entities").headers["X-Total-Count"])
    response = client.get("/v1/entities", headers=NDJSON, buffered=False)
    chunks = iter(response.response)
    first = next(chunks)
    assert first.count(b"\n") == BATCH < total
    rest = b"".join(chunks)
    response.close()
    assert (first + rest).count(b"\n") == total


def test_a_stream_reads_the_store_again_each_time(tmp_path):
    """A second stream shows an article ingested after the first, at once: nothing kept it."""
    folder = corpus_folder(tmp_path / "corpus")
    app = create_app(
        {
            "TESTING": True,
            "CORPUS_DIR": str(folder),
            "DATA_DIR": str(tmp_path / "data"),
            # A kept rendering would be replayed for an hour before its change was seen.
            "NEW_VERSION_SECONDS": 3600,
        }
    )
    client = app.test_client()
    writer = Store(
        database_url(os.environ.get("ARTICLE_FACTS_DATABASE_URL", ""), str(tmp_path / "data"))
    )
    try:
        before = lines(stream(client, "/v1/entities?wikidata=Q18808"))
        assert [item["article_version"] for item in before] == [1]
        path = folder / "kim-vows-to-stand-with-russia.json"
        path.write_text(
            path.read_text(encoding="utf-8").replace("named in this article only", "the capital"),
            encoding="utf-8",
        )
        (outcome,), _ = ingest(writer, [path])
        assert outcome.status == "written"
        (after,) = lines(stream(client, "/v1/entities?wikidata=Q18808"))
        assert after["article_version"] == 2 and "the capital" in after["description"]
    finally:
        writer.dispose()


def test_a_head_of_a_stream_has_its_headers_and_no_body(client):
    response = client.head("/v1/claims", headers=NDJSON)
    assert response.status_code == 200
    assert response.content_type == "application/x-ndjson"
    assert response.get_data() == b""


@pytest.mark.parametrize("url", ["/v1/entities?page_size=1001", "/v1/quotes?speaker=kharkiv"])
def test_a_bad_request_for_a_stream_is_a_problem(client, url):
    response = client.get(url, headers=NDJSON)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def test_per_article_lists_do_not_offer_ndjson(client):
    response = client.get(
        "/v1/articles/north-korean-troops-help-russian-army-clear-mines/entities", headers=NDJSON
    )
    assert response.status_code == 406
    assert "application/x-ndjson" not in response.get_json()["detail"]


def test_a_rate_limited_stream_is_refused(tmp_path):
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "RATE_LIMIT": "2 per minute"}
    )
    client = app.test_client()
    statuses = [client.get("/v1/entities", headers=NDJSON).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_document_lists_ndjson_for_every_list_across_articles_and_changes(client):
    spec = client.get("/openapi.json").get_json()
    for path in LISTS:
        content = spec["paths"][f"/v1/{path}"]["get"]["responses"]["200"]["content"]
        assert "application/x-ndjson" in content, path
    per_article = spec["paths"]["/v1/articles/{article_id}/entities"]["get"]["responses"]["200"]
    assert "application/x-ndjson" not in per_article["content"]
