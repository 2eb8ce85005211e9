"""Rate limits that keep their word: one budget per client, whichever process answers.

In process, the rules; against gunicorn with several workers (marked `system`), the promise:
`X-RateLimit-Remaining` only goes down within a window, every response names the same reset,
and the first 429 comes right after the advertised budget. Limits in tests are per day or per
hour: windows are aligned to the clock, and a test should not straddle a boundary.
"""

import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import redis

from api import create_app
from api.serving.ratelimit import ConfigurationError, RateLimit, refuse_per_process_limit
from conftest import ARTICLE, ROOT, free_port, gunicorn_server

LIMITED_SETTINGS = ("ARTICLE_FACTS_RATE_LIMIT", "ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI")


def test_no_limit_unless_one_is_configured():
    response = create_app().test_client().get("/v1/articles")
    assert response.status_code == 200
    assert not [name for name in response.headers.keys() if name.startswith("X-RateLimit-")]


def test_exceeding_the_budget_is_a_429_problem_with_retry_after():
    client = create_app({"RATE_LIMIT": "3 per day"}).test_client()
    statuses = [client.get("/v1/articles").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/v1/articles")
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["detail"].endswith("the limit is 3 per 1 day.")
    assert 0 < int(refused.headers["Retry-After"]) <= 86400
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["Cache-Control"] == "no-store"
    assert refused.headers["Access-Control-Allow-Origin"] == "*"  # scripts can read why


def test_remaining_counts_down_by_one_on_every_endpoint():
    client = create_app({"RATE_LIMIT": "50 per day"}).test_client()
    urls = ["/v1/articles", ARTICLE, f"{ARTICLE}/entities", "/openapi.json", "/nowhere"]
    answers = [client.get(url) for url in urls * 2]
    assert [int(a.headers["X-RateLimit-Remaining"]) for a in answers] == list(range(49, 39, -1))
    assert {a.headers["X-RateLimit-Reset"] for a in answers} == {
        answers[0].headers["X-RateLimit-Reset"]
    }
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"50"}


def test_the_reset_is_the_end_of_the_clock_aligned_window():
    limit = RateLimit("10 per hour", "memory://")
    now = 1_800_000_123.5
    verdict = limit.hit("203.0.113.9", now=now)
    assert dict(verdict.headers)["X-RateLimit-Reset"] == str((int(now) // 3600 + 1) * 3600)
    # A new window is a new budget.
    later = limit.hit("203.0.113.9", now=now + 3600)
    assert dict(later.headers)["X-RateLimit-Remaining"] == "9"


def test_with_several_limits_the_headers_describe_the_nearest_to_exhaustion():
    limit = RateLimit("3 per hour;100 per day", "memory://")
    now = 1_800_000_000.0
    verdicts = [limit.hit("198.51.100.7", now=now) for _ in range(4)]
    assert [dict(v.headers)["X-RateLimit-Remaining"] for v in verdicts] == ["2", "1", "0", "0"]
    assert {dict(v.headers)["X-RateLimit-Limit"] for v in verdicts} == {"3"}
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].exceeded == "3 per 1 hour"


def test_each_client_has_its_own_budget():
    client = create_app({"RATE_LIMIT": "2 per day"}).test_client()
    for _ in range(3):
        client.get("/v1/articles", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    other = client.get("/v1/articles", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200


def test_probes_are_never_rate_limited_or_cached():
    client = create_app({"RATE_LIMIT": "1 per day"}).test_client()
    for _ in range(5):
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert "X-RateLimit-Limit" not in response.headers


def test_forwarded_address_is_trusted_only_behind_a_configured_proxy():
    direct = create_app({"RATE_LIMIT": "1 per day"}).test_client()
    direct.get("/v1/articles", headers={"X-Forwarded-For": "203.0.113.1"})
    # Without a trusted proxy a forged header does not buy a fresh budget.
    assert direct.get("/v1/articles", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 429

    proxied = create_app({"RATE_LIMIT": "1 per day", "TRUSTED_PROXIES": 1}).test_client()
    proxied.get("/v1/articles", headers={"X-Forwarded-For": "203.0.113.1"})
    assert (
        proxied.get("/v1/articles", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 200
    )


def test_an_unreachable_store_costs_no_request():
    # Nothing listens on this port: the store fails at once, and the process counts alone.
    client = create_app(
        {"RATE_LIMIT": "2 per day", "RATE_LIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0"}
    ).test_client()
    statuses = [client.get("/v1/articles").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize(
    ("notation", "storage", "workers"),
    [("off", "memory://", 3), ("10/second", "memory://", 1), ("10/second", "redis://r:6379", 3)],
)
def test_workable_combinations_are_accepted(notation, storage, workers):
    refuse_per_process_limit(notation, storage, workers)


def test_a_limit_counted_per_process_across_workers_is_refused():
    with pytest.raises(ConfigurationError) as refusal:
        refuse_per_process_limit("20 per minute", "memory://", workers=3)
    message = str(refusal.value)
    for setting in (*LIMITED_SETTINGS, "WEB_CONCURRENCY"):
        assert setting in message


@pytest.mark.system
def test_gunicorn_refuses_to_start_before_binding_a_port():
    port = free_port()
    started = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "3"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "ARTICLE_FACTS_RATE_LIMIT": "20 per minute",
            "ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI": "memory://",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 1
    assert "ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI" in started.stderr
    assert "Listening at" not in started.stderr  # refused before any socket was bound


def fetch(url):
    """Status and headers of one GET on a new connection (so workers take turns)."""
    request = urllib.request.Request(url, headers={"Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


@pytest.mark.system
@pytest.mark.parametrize("store", ["redis with 3 workers", "memory with 1 worker"])
def test_the_budget_holds_whichever_worker_answers(store, request):
    budget = 40
    if store.startswith("redis"):
        redis_url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(redis_url).flushdb()
        env, workers = {"ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI": redis_url}, 3
    else:
        env, workers = {"ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI": "memory://"}, 1
    env["ARTICLE_FACTS_RATE_LIMIT"] = f"{budget} per hour"
    with gunicorn_server(workers=workers, env=env, log_name="rate-limits") as server:
        answers = [fetch(f"{server.url}{ARTICLE}/entities") for _ in range(budget + 20)]
    windows = {}
    for status, headers in answers:
        assert headers["X-RateLimit-Limit"] == str(budget)
        windows.setdefault(headers["X-RateLimit-Reset"], []).append(
            (status, int(headers["X-RateLimit-Remaining"]))
        )
    assert len(windows) <= 2  # at most one clock boundary crossed in a few seconds
    for seen in windows.values():
        served = min(len(seen), budget)
        # Remaining falls by exactly one per request; the first 429 is request budget + 1.
        assert [remaining for _, remaining in seen][:served] == list(
            range(budget - 1, budget - 1 - served, -1)
        )
        assert [status for status, _ in seen] == [200] * served + [429] * (len(seen) - served)


def test_a_store_still_down_when_tried_again_costs_no_request(monkeypatch):
    import api.serving.ratelimit

    monkeypatch.setattr(api.serving.ratelimit, "STORE_RETRY_SECONDS", 0)
    port = free_port()
    limit = RateLimit("5 per day", f"redis://127.0.0.1:{port}/0", {"socket_connect_timeout": 1})
    first = limit.hit("198.51.100.1")  # the store is down: counted in this process
    assert first.allowed and dict(first.headers)["X-RateLimit-Remaining"] == "4"
    again = limit.hit("198.51.100.1")  # tried again at once, down again, still counted
    assert dict(again.headers)["X-RateLimit-Remaining"] == "3"
