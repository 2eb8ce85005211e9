"""Bad input: every malformed request gets a clear 4xx problem, and the server keeps serving."""

import pytest

from api import create_app
from conftest import ARTICLE

BAD_REQUESTS = [
    # (description, method, url, headers, environ overrides, expected status)
    ("overlong query string", "GET", f"{ARTICLE}/search?q={'x' * 5000}", {}, {}, 414),
    ("overlong path", "GET", f"{ARTICLE}/entities/{'x' * 5000}", {}, {}, 414),
    ("huge page number", "GET", f"{ARTICLE}/entities?page=99999999999999999999", {}, {}, 422),
    ("negative page number", "GET", f"{ARTICLE}/entities?page=-1", {}, {}, 422),
    ("zero page size", "GET", f"{ARTICLE}/entities?page_size=0", {}, {}, 422),
    ("float page size", "GET", f"{ARTICLE}/entities?page_size=1e3", {}, {}, 422),
    ("non-UTF-8 query", "GET", f"{ARTICLE}/search?q=%FF%FE", {}, {}, 400),
    ("non-UTF-8 path", "GET", "/", {}, {"PATH_INFO": "/v1/articles/\xff\xfe"}, 400),
    ("truncated percent-escape", "GET", f"{ARTICLE}/search?q=%E2%82", {}, {}, 400),
    ("NUL in query", "GET", f"{ARTICLE}/search?q=a%00b", {}, {}, 400),
    ("NUL in path", "GET", "/", {}, {"PATH_INFO": "/v1/articles/a\x00b"}, 400),
    ("newline in query", "GET", f"{ARTICLE}/search?q=a%0D%0Ab", {}, {}, 400),
    ("traversal in docs assets", "GET", "/docs/assets/../../api/__init__.py", {}, {}, 404),
    (
        "encoded traversal in docs assets",
        "GET",
        "/docs/assets/%2e%2e/%2e%2e/etc/passwd",
        {},
        {},
        404,
    ),
    ("encoded slash traversal", "GET", "/docs/assets/..%2f..%2fconfig.py", {}, {}, 404),
    ("traversal in static", "GET", "/static/../config.py", {}, {}, 404),
    ("repeated parameter", "GET", f"{ARTICLE}/entities?type=person&type=place", {}, {}, 422),
    ("unknown parameter", "GET", f"{ARTICLE}/entities?types=person", {}, {}, 422),
    ("empty parameter value", "GET", f"{ARTICLE}/entities?type=", {}, {}, 422),
    ("unservable Accept", "GET", f"{ARTICLE}/entities", {"Accept": "application/xml"}, {}, 406),
    ("unparseable Accept", "GET", f"{ARTICLE}/entities", {"Accept": ";;;;"}, {}, 406),
    ("absurdly long Accept", "GET", ARTICLE, {"Accept": "x/y, " * 2000}, {}, 406),
    ("Accept refusing everything", "GET", ARTICLE, {"Accept": "*/*;q=0"}, {}, 406),
    ("body on a GET", "GET", "/v1/articles", {}, {"CONTENT_LENGTH": "5"}, 413),
    ("POST", "POST", f"{ARTICLE}/entities", {}, {}, 405),
    ("PUT", "PUT", ARTICLE, {}, {}, 405),
    ("DELETE", "DELETE", ARTICLE, {}, {}, 405),
    ("PATCH", "PATCH", f"{ARTICLE}/quotes", {}, {}, 405),
    ("TRACE", "TRACE", "/v1/articles", {}, {}, 405),
    ("unknown method", "BREW", "/v1/articles", {}, {}, 405),
]


@pytest.fixture(scope="module")
def fuzzed_client():
    """An app without rate limits, so only the input decides the answer."""
    return create_app({"RATE_LIMIT": "off"}).test_client()


@pytest.mark.parametrize(
    ("method", "url", "headers", "environ", "status"),
    [request[1:] for request in BAD_REQUESTS],
    ids=[request[0] for request in BAD_REQUESTS],
)
def test_bad_request_gets_a_clear_problem(fuzzed_client, method, url, headers, environ, status):
    response = fuzzed_client.open(url, method=method, headers=headers, environ_overrides=environ)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status and problem["detail"]
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and 'File "' not in body
    # Still serving afterwards.
    assert fuzzed_client.get("/healthz").status_code == 200


def test_percent_encoded_utf8_is_fine(fuzzed_client):
    assert fuzzed_client.get(f"{ARTICLE}/search?q=Jong-un&kind=entity").get_json()[0]["id"] == (
        "kim-jong-un"
    )
    assert fuzzed_client.get(f"{ARTICLE}/search?q=%E2%80%93").status_code == 200  # the en dash


def test_accept_parameters_other_than_q_are_ignored(fuzzed_client):
    response = fuzzed_client.get(ARTICLE, headers={"Accept": "application/json; charset=utf-8"})
    assert response.status_code == 200
