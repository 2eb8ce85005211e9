"""Prometheus metrics: every request counted, replayed or rendered, at GET /metrics.

Under gunicorn the counts of every worker are summed: the system test has Debian's Prometheus
scrape three workers and count, with PromQL, exactly the requests the test sent.
"""

import re
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from api import create_app
from conftest import ARTICLE, gunicorn_server, prometheus_scraping


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
    requests = "article_facts_http_request_duration_seconds_count"
    assert value(found, requests, route=route, method="GET", status="200", from_cache="false") == 1
    assert value(found, requests, route=route, method="GET", status="200", from_cache="true") == 1
    assert value(found, requests, route=route, method="HEAD", status="200", from_cache="true") == 1
    missing = {"route": "(unmatched)", "method": "GET", "status": "404", "from_cache": "false"}
    assert value(found, requests, **missing) == 1
    replayed = {"route": route, "method": "GET", "status": "200", "from_cache": "true"}
    assert (
        value(found, "article_facts_http_request_duration_seconds_bucket", **replayed, le="+Inf")
        == 1
    )


def test_rate_limit_refusals_are_counted(limited_client):
    for _ in range(5):
        limited_client.get("/v1/articles")
    found = samples(limited_client)
    assert value(found, "article_facts_rate_limit_refusals_total") == 2
    assert (
        value(
            found,
            "article_facts_http_request_duration_seconds_count",
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


def test_how_far_behind_the_store_a_worker_is(client):
    client.get("/v1/articles")  # a request: the worker reports as it answers
    behind = value(samples(client), "article_facts_store_behind_seconds")
    # It checks the store five times in ARTICLE_FACTS_NEW_VERSION_SECONDS (5 s by default).
    assert 0 <= behind < 5


@pytest.mark.system
def test_prometheus_counts_every_request_across_workers(tmp_path):
    sent = 45
    with gunicorn_server(workers=3, log_name="metrics") as server:
        for _ in range(sent):  # a new connection each time, so the workers take turns
            request = urllib.request.Request(
                f"{server.url}{ARTICLE}/figures", headers={"Connection": "close"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
        route = 'route="/v1/articles/<article_id>/figures"'
        promql = f"sum(article_facts_http_request_duration_seconds_count{{{route}}})"
        with prometheus_scraping([f"127.0.0.1:{server.port}"], tmp_path) as query:
            counted = query(promql, until=lambda value: value == sent)
    assert counted == sent
