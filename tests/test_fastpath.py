"""The fast path: with no per-request state, repeats are replayed byte for byte before Flask."""

import pytest

from api import create_app
from conftest import ARTICLE

URLS = [f"{ARTICLE}/entities?type=place", f"{ARTICLE}/quotes/veles-great-guys", "/openapi.json"]


@pytest.fixture()
def replaying_client():
    """Rate limiting off, as behind a proxy that limits: the fast path is on."""
    return create_app({"RATELIMIT_ENABLED": False}).test_client()


def comparable(response):
    headers = {name: value for name, value in response.headers if name != "Date"}
    return response.status_code, headers, response.data


@pytest.mark.parametrize("url", URLS)
def test_replayed_response_is_identical_to_the_rendered_one(replaying_client, url):
    rendered = replaying_client.get(url)
    replayed = replaying_client.get(url)
    assert comparable(replayed) == comparable(rendered)
    assert replayed.headers["X-Content-Type-Options"] == "nosniff"


def test_replay_revalidates_with_304(replaying_client):
    url = f"{ARTICLE}/figures"
    etag = replaying_client.get(url).headers["ETag"]
    replaying_client.get(url)
    revalidated = replaying_client.get(url, headers={"If-None-Match": f'"other", {etag}'})
    assert revalidated.status_code == 304 and revalidated.data == b""
    assert revalidated.headers["ETag"] == etag
    assert "Content-Type" not in revalidated.headers
    assert replaying_client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_replay_keys_on_accept_and_origin(replaying_client):
    url = f"{ARTICLE}/entities"
    replaying_client.get(url)
    as_csv = replaying_client.get(url, headers={"Accept": "text/csv"})
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    cross_origin = replaying_client.get(url, headers={"Origin": "https://x.example"})
    assert cross_origin.headers["Access-Control-Allow-Origin"] == "*"


def test_head_is_replayed_without_a_body(replaying_client):
    url = f"{ARTICLE}/timeline"
    get = replaying_client.get(url)
    head = replaying_client.head(url)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_errors_are_never_replayed(replaying_client):
    for _ in range(2):
        response = replaying_client.get(f"{ARTICLE}/entities?page=0")
        assert response.status_code == 422
        assert response.headers["Cache-Control"] == "no-store"


def test_rate_limited_app_answers_every_request_through_flask():
    client = create_app({"RATELIMIT_APPLICATION": "2 per minute"}).test_client()
    statuses = [client.get(f"{ARTICLE}/entities").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # a replay would have skipped the limiter


def test_first_request_may_be_conditional_or_head(replaying_client):
    url = f"{ARTICLE}/quotes/veles-great-guys"
    etag = create_app({"RATELIMIT_ENABLED": False}).test_client().get(url).headers["ETag"]
    first = replaying_client.get(url, headers={"If-None-Match": etag})
    assert first.status_code == 304 and first.headers["ETag"] == etag
    head = replaying_client.head(f"{ARTICLE}/figures")
    assert head.status_code == 200 and head.data == b"" and int(head.headers["Content-Length"]) > 0
    assert replaying_client.get(url).data  # the full body was kept, not the 304


def test_non_replayable_conditional_request_gets_flasks_answer(replaying_client):
    response = replaying_client.get(f"{ARTICLE}/entities/nope", headers={"If-None-Match": '"x"'})
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
