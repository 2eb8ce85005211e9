"""HTTP caching: strong ETags, 304 revalidation, Cache-Control and HEAD everywhere.

How the serving core keeps, compresses and replays renderings is in tests/test_serving.py.
"""

import pytest

from api import create_app
from conftest import ARTICLE

DATA_URLS = [
    "/v1/articles",
    ARTICLE,
    f"{ARTICLE}/text",
    f"{ARTICLE}/entities?type=place",
    f"{ARTICLE}/quotes/veles-great-guys",
    f"{ARTICLE}/figures",
    f"{ARTICLE}/timeline?from=2024",
    f"{ARTICLE}/search?q=Kursk",
    "/openapi.json",
    "/",
]


@pytest.mark.parametrize("url", DATA_URLS)
def test_strong_etag_and_304_on_revalidation(client, url):
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]


@pytest.mark.parametrize("url", DATA_URLS)
def test_stale_etag_gets_the_full_response(client, url):
    response = client.get(url, headers={"If-None-Match": '"not-the-current-one"'})
    assert response.status_code == 200 and response.data


def test_etag_identifies_the_bytes(client):
    a = client.get(f"{ARTICLE}/entities?type=place")
    b = client.get(f"{ARTICLE}/entities?type=person")
    assert a.headers["ETag"] != b.headers["ETag"]
    # The same request twice: same bytes, same ETag (the second comes from the cache).
    assert client.get(f"{ARTICLE}/entities?type=place").headers["ETag"] == a.headers["ETag"]
    as_csv = client.get(f"{ARTICLE}/entities?type=place", headers={"Accept": "text/csv"})
    assert as_csv.headers["ETag"] != a.headers["ETag"]


def test_cache_control_is_public_with_the_configured_max_age():
    client = create_app({"CACHE_MAX_AGE": 42}).test_client()
    response = client.get(f"{ARTICLE}/entities")
    assert response.headers["Cache-Control"] == "public, max-age=42"


def test_errors_are_not_stored_by_caches(client):
    assert client.get(f"{ARTICLE}/entities/nope").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", DATA_URLS + ["/docs", "/healthz"])
def test_head_works_everywhere_with_the_headers_of_get(client, url):
    get, head = client.get(url), client.head(url)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


def test_negotiated_responses_vary_on_accept(client):
    assert "Accept" in client.get(f"{ARTICLE}/figures").headers["Vary"]
    assert "Accept" in client.get(ARTICLE).headers["Vary"]


def test_cached_response_is_identical_to_the_first(client):
    url = f"{ARTICLE}/quotes?embed=speaker&sort=-kind"
    first, second = client.get(url), client.get(url)
    assert first.data == second.data
    for header in ("Content-Type", "ETag", "X-Pagination", "Link", "Vary"):
        assert first.headers[header] == second.headers[header]


def test_cached_csv_keeps_every_header_of_the_first_answer(client):
    url = f"{ARTICLE}/quotes?fields=text"
    first = client.get(url, headers={"Accept": "text/csv"})
    second = client.get(url, headers={"Accept": "text/csv"})
    assert first.data == second.data
    for header in ("Content-Type", "Content-Disposition", "ETag", "Link", "Vary"):
        assert second.headers[header] == first.headers[header], header
