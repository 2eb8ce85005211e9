"""Abuse and exposure: security headers, rate limits, no debug, no leaked internals."""

import pytest

from api import create_app
from conftest import ARTICLE


@pytest.mark.parametrize(
    "url", ["/v1/articles", f"{ARTICLE}/text", f"{ARTICLE}/entities/nope", "/openapi.json", "/docs"]
)
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_data_responses_may_load_nothing(client):
    policy = client.get(f"{ARTICLE}/entities").headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'")


def test_explorer_page_may_load_only_its_own_assets_and_no_inline_script(client):
    page = client.get("/docs")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src" not in policy
    assert "<script>" not in page.get_data(as_text=True)  # every script is a file


def test_rate_limit_answers_429_problem_with_retry_after():
    client = create_app({"RATE_LIMIT": "3 per minute"}).test_client()
    statuses = [client.get("/v1/articles").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/v1/articles")
    assert refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    assert "3 per 1 minute" in refused.get_json()["detail"]
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_rate_limit_is_per_client():
    client = create_app({"RATE_LIMIT": "2 per minute"}).test_client()
    for _ in range(3):
        client.get("/v1/articles", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    other = client.get("/v1/articles", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200


def test_rate_limit_can_be_switched_off():
    client = create_app({"RATE_LIMIT": "off"}).test_client()
    assert {client.get("/v1/articles").status_code for _ in range(5)} == {200}


def test_probes_are_never_rate_limited_or_cached():
    client = create_app({"RATE_LIMIT": "1 per minute"}).test_client()
    for _ in range(5):
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


def test_forwarded_address_is_trusted_only_behind_a_configured_proxy():
    direct = create_app({"RATE_LIMIT": "1 per minute"}).test_client()
    direct.get("/v1/articles", headers={"X-Forwarded-For": "203.0.113.1"})
    # Without a trusted proxy a forged header does not buy a fresh budget.
    assert direct.get("/v1/articles", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 429

    proxied = create_app({"RATE_LIMIT": "1 per minute", "TRUSTED_PROXIES": 1}).test_client()
    proxied.get("/v1/articles", headers={"X-Forwarded-For": "203.0.113.1"})
    assert (
        proxied.get("/v1/articles", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 200
    )


def test_debug_cannot_be_switched_on():
    app = create_app({"DEBUG": True})
    app.debug = True
    assert app.debug is False
