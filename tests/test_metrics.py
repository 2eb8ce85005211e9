"""Prometheus metrics: every request counted, replayed or rendered, at GET /metrics.

Under gunicorn the counts of every worker are summed: the system test has Debian's Prometheus
scrape three workers and count, with PromQL, exactly the requests the test sent.
"""

import contextlib
import json
import re
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from api import create_app
from conftest import ARTICLE, ARTIFACTS, free_port, gunicorn_server, require_tool


def samples(client):
    """Every sample of /metrics as {(name, sorted labels): value}."""
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(found, name, **labels):
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture()
def client():
    return create_app({"RATE_LIMIT": "off"}).test_client()


@pytest.fixture()
def limited_client():
    return create_app({"RATE_LIMIT": "3 per day"}).test_client()


def test_metrics_are_prometheus_text_never_kept_nor_limited(limited_client):
    for _ in range(5):
        response = limited_client.get("/metrics")
        assert response.status_code == 200
        assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-store"
        assert "X-RateLimit-Limit" not in response.headers  # never spends a client's budget


def test_metrics_speak_openmetrics_when_asked(client):
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.content_type.startswith("application/openmetrics-text")
    assert response.get_data(as_text=True).endswith("# EOF\n")


def test_requests_are_counted_by_route_method_status_and_cache(client):
    route = "/v1/articles/<article_id>/figures"
    for _ in range(2):
        client.get(f"{ARTICLE}/figures")
    client.head(f"{ARTICLE}/figures")
    client.get(f"{ARTICLE}/no-such-list")
    found = samples(client)
    requests = "article_facts_http_requests_total"
    assert value(found, requests, route=route, method="GET", status="200", from_cache="false") == 1
    assert value(found, requests, route=route, method="GET", status="200", from_cache="true") == 1
    assert value(found, requests, route=route, method="HEAD", status="200", from_cache="true") == 1
    assert (
        value(found, requests, route="(unmatched)", method="GET", status="404", from_cache="false")
        == 1
    )
    # Misses: the first figures request, the 404, and this scrape (never kept).
    assert value(found, "article_facts_rendering_cache_lookups_total", result="miss") == 3
    assert value(found, "article_facts_rendering_cache_lookups_total", result="hit") == 2
    count = "article_facts_http_request_duration_seconds_count"
    assert value(found, count, route=route, method="GET") == 2


def test_rate_limit_refusals_are_counted(limited_client):
    for _ in range(5):
        limited_client.get("/v1/articles")
    found = samples(limited_client)
    assert value(found, "article_facts_rate_limit_refusals_total") == 2
    assert (
        value(
            found,
            "article_facts_http_requests_total",
            route="/v1/articles",
            method="GET",
            status="429",
            from_cache="false",
        )
        == 2
    )


def test_what_is_loaded_and_what_runs(client, facts):
    found = samples(client)
    assert value(found, "article_facts_articles_loaded") == 1
    for kind, listed in [("entities", "entities"), ("quotes", "quotes"), ("events", "timeline")]:
        assert value(found, "article_facts_facts_loaded", kind=kind) == len(facts[listed])
    build = [key for key in found if key[0] == "article_facts_build_info"]
    labels = dict(build[0][1])
    assert re.fullmatch(r"\d+\.\d+\.\d+", labels["python"]) and labels["version"]


def query_prometheus(base_url, promql):
    """The value of an instant PromQL query, or None while it has no result."""
    url = f"{base_url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    with urllib.request.urlopen(url, timeout=5) as response:
        result = json.load(response)["data"]["result"]
    return float(result[0]["value"][1]) if result else None


@pytest.mark.system
def test_prometheus_counts_every_request_across_workers(tmp_path):
    prometheus = require_tool("prometheus", "scraping the metrics")
    sent = 45
    with gunicorn_server(workers=3, log_name="metrics") as server:
        for _ in range(sent):  # a new connection each time, so the workers take turns
            request = urllib.request.Request(
                f"{server.url}{ARTICLE}/figures", headers={"Connection": "close"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
        port = free_port()
        config = tmp_path / "prometheus.yml"
        target = f"127.0.0.1:{server.port}"
        config.write_text(
            "global: {scrape_interval: 1s}\n"
            "scrape_configs:\n"
            f"  - {{job_name: article-facts, static_configs: [{{targets: ['{target}']}}]}}\n",
            encoding="utf-8",
        )
        log_path = ARTIFACTS / "prometheus.log"
        with open(log_path, "wb") as log:
            scraper = subprocess.Popen(
                [prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}"]
                + [f"--web.listen-address=127.0.0.1:{port}"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            promql = (
                'sum(article_facts_http_requests_total{route="/v1/articles/<article_id>/figures"})'
            )
            counted, deadline = None, time.monotonic() + 60
            while counted != sent and time.monotonic() < deadline:
                time.sleep(0.5)
                with contextlib.suppress(OSError, ValueError, KeyError):
                    counted = query_prometheus(f"http://127.0.0.1:{port}", promql)
            assert counted == sent, f"Prometheus counted {counted}; see {log_path}"
        finally:
            scraper.terminate()
            scraper.wait(timeout=20)
