"""Exposure: security headers, no debug, no leaked internals. Rate limits: test_rate_limits."""

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


def test_debug_cannot_be_switched_on():
    app = create_app({"DEBUG": True})
    app.debug = True
    assert app.debug is False
