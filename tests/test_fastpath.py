"""The fast path: with no per-request state, repeats are replayed byte for byte before Flask."""

import pytest

from api import create_app
from conftest import ARTICLE

URLS = [f"{ARTICLE}/entities?type=place", f"{ARTICLE}/quotes/veles-great-guys", "/openapi.json"]


@pytest.fixture()
def replaying_client():
    """Rate limiting off, as behind a proxy that limits: the fast path is on."""
    return create_app({"RATE_LIMIT": "off"}).test_client()


def comparable(response):
    """Status, headers and body, less what Flask adds per request when the limiter is on."""
    headers = {
        name: value
        for name, value in response.headers
        if name != "Date" and not name.startswith("X-RateLimit-")
    }
    return response.status_code, headers, response.data


REQUESTS = [
    *((url, {}) for url in URLS),
    *((url, {"Origin": "https://x.example"}) for url in URLS),
    (f"{ARTICLE}/entities?type=place", {"Accept": "text/csv"}),
]


@pytest.mark.parametrize(("url", "request_headers"), REQUESTS)
def test_replay_is_what_flask_answers(replaying_client, url, request_headers):
    through_flask = create_app({"RATE_LIMIT": "1000000 per minute"}).test_client()
    expected = comparable(through_flask.get(url, headers=request_headers))
    replaying_client.get(url, headers=request_headers)  # rendered and kept
    assert comparable(replaying_client.get(url, headers=request_headers)) == expected


def test_replay_revalidates_with_304(replaying_client):
    url = f"{ARTICLE}/figures"
    etag = replaying_client.get(url).headers["ETag"]
    replaying_client.get(url)
    revalidated = replaying_client.get(url, headers={"If-None-Match": f'"other", {etag}'})
    assert revalidated.status_code == 304 and revalidated.data == b""
    assert revalidated.headers["ETag"] == etag
    assert "Content-Type" not in revalidated.headers
    assert replaying_client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_replay_keys_on_accept_and_origin():
    allowed = "https://newsroom.example"
    client = create_app({"RATE_LIMIT": "off", "CORS_ORIGINS": [allowed]}).test_client()
    url = f"{ARTICLE}/entities"
    client.get(url)
    assert client.get(url, headers={"Accept": "text/csv"}).content_type.startswith("text/csv")
    client.get(url, headers={"Origin": allowed})
    other = client.get(url, headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    again = client.get(url, headers={"Origin": allowed})
    assert again.headers["Access-Control-Allow-Origin"] == allowed


def test_weak_etag_revalidates_as_on_the_flask_path(replaying_client):
    # A gzipping proxy turns the ETag weak; If-None-Match compares weakly (RFC 9110).
    url = f"{ARTICLE}/quotes"
    etag = replaying_client.get(url).headers["ETag"]
    weak = {"If-None-Match": f"W/{etag}"}
    through_flask = create_app({"RATE_LIMIT": "1000000 per minute"}).test_client()
    assert through_flask.get(url, headers=weak).status_code == 304
    assert replaying_client.get(url, headers=weak).status_code == 304
    assert replaying_client.head(url, headers=weak).status_code == 304


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
    client = create_app({"RATE_LIMIT": "2 per minute"}).test_client()
    statuses = [client.get(f"{ARTICLE}/entities").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # a replay would have skipped the limiter


def test_first_request_may_be_conditional_or_head(replaying_client):
    url = f"{ARTICLE}/quotes/veles-great-guys"
    etag = create_app({"RATE_LIMIT": "off"}).test_client().get(url).headers["ETag"]
    first = replaying_client.get(url, headers={"If-None-Match": etag})
    assert first.status_code == 304 and first.headers["ETag"] == etag
    head = replaying_client.head(f"{ARTICLE}/figures")
    assert head.status_code == 200 and head.data == b"" and int(head.headers["Content-Length"]) > 0
    assert replaying_client.get(url).data  # the full body was kept, not the 304


def test_non_replayable_conditional_request_gets_flasks_answer(replaying_client):
    response = replaying_client.get(f"{ARTICLE}/entities/nope", headers={"If-None-Match": '"x"'})
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_requests_that_cannot_be_replayed_reach_flask_once_each():
    app = create_app({"RATE_LIMIT": "off"})
    calls = []
    flask_app = app.wsgi_app.wsgi_app

    def counting(environ, start_response):
        calls.append(environ["REQUEST_METHOD"])
        return flask_app(environ, start_response)

    app.wsgi_app.wsgi_app = counting
    client = app.test_client()
    missing = client.head(f"{ARTICLE}/entities/nope", headers={"If-None-Match": '"x"'})
    assert missing.status_code == 404 and missing.data == b""
    assert calls == ["GET"]  # rendered once, as a GET, and answered as the HEAD it was
    for _ in range(2):
        with client.get("/docs/assets/swagger-ui.css") as asset:
            assert asset.status_code == 200
    assert len(calls) == 3  # the static file went to Flask each time, and only once each
