"""The scaled-out layout, for real: Redis, three API instances and nginx, through nginx.

Each layout is started and stopped by deploy/layout.py, as an operator would, on loopback
ports chosen at run time. Without nginx or redis-server (Debian packages of those names) the
module is skipped, except in CI (the CI variable is set), where that is a failure.

Each test speaks from its own loopback address (the whole of 127.0.0.0/8 is this machine), so
it has its own rate-limit budget, as separate clients would.
"""

import gzip
import http.client
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ARTICLE, FACT_LISTS, ROOT

pytestmark = pytest.mark.system

LAYOUT_SCRIPT = ROOT / "deploy" / "layout.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"
# Small enough to exceed in a test, large enough for a handful of data requests per address.
APP_RATE_LIMIT = 30
EDGE_BURST = 100
# Short enough for a test to see a stored response expire and be revalidated.
CACHE_MAX_AGE = 1
PROBLEM = "application/problem+json"


def missing_parts():
    """What the layout needs and this machine lacks."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])
    missing = [name for name in ("nginx", "redis-server") if not shutil.which(name, path=search)]
    if importlib.util.find_spec("redis") is None:
        missing.append("the redis Python client")
    if not GUNICORN.exists():
        missing.append(str(GUNICORN))
    return missing


def require_layout_parts():
    """Skip without nginx and Redis; in CI, which installs them, fail instead."""
    missing = missing_parts()
    if missing:
        reason = f"the deployment layout needs {', '.join(missing)} (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def layout_command(command, run_dir, *options, env=None):
    """Run deploy/layout.py; a failure shows the script's own explanation."""
    result = subprocess.run(
        [sys.executable, str(LAYOUT_SCRIPT), command, "--run-dir", str(run_dir), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"layout.py {command} failed:\n{result.stderr}"
    return result.stdout


def bring_up(run_dir, *options, env=None):
    """Start a layout on free loopback ports and return what layout.json records.

    `env` adds environment variables for the instances (they inherit the script's).
    """
    require_layout_parts()
    layout_command(
        "up",
        run_dir,
        *("--nginx-port", "0", "--app-port", "0", "--redis-port", "0"),
        *("--workers", "1", "--gunicorn", str(GUNICORN), "--no-install"),
        *options,
        env={**os.environ, **(env or {})},
    )
    return json.loads((run_dir / "layout.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    """Three instances sharing a small app limit through Redis, behind nginx with its cache."""
    run_dir = tmp_path_factory.mktemp("layout")
    state = bring_up(
        run_dir,
        *("--instances", "3", "--app-rate-limit", f"{APP_RATE_LIMIT} per minute"),
        *("--edge-rate", "20r/s", "--edge-burst", str(EDGE_BURST)),
        env={"ARTICLE_FACTS_CACHE_MAX_AGE": str(CACHE_MAX_AGE)},
    )
    yield state
    layout_command("down", run_dir)


@pytest.fixture()
def unlimited_layout(tmp_path):
    """Three instances with every limit out of the way: what is measured is failover."""
    state = bring_up(
        tmp_path,
        *("--instances", "3", "--app-rate-limit", "off"),
        *("--edge-rate", "100000r/s", "--edge-burst", "100000"),
    )
    yield state
    layout_command("down", tmp_path)


class Reply:
    """Status, headers and body of one response."""

    def __init__(self, response):
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    def json(self):
        """The body parsed as JSON."""
        return json.loads(self.body)


class Connection:
    """One keep-alive HTTP/1.1 connection from a chosen loopback address: one client."""

    def __init__(self, url, source="127.0.0.1"):
        address = urlsplit(url)
        self.http = http.client.HTTPConnection(
            address.hostname, address.port, timeout=15, source_address=(source, 0)
        )

    def get(self, path, headers=None):
        """GET `path` on this connection."""
        self.http.request("GET", path, headers=headers or {})
        return Reply(self.http.getresponse())

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.http.close()


def access_log(state):
    """nginx's access log, one dict per request (the JSON format of nginx.conf.template)."""
    lines = Path(state["nginx"]["access_log"]).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def instance_addresses(state):
    """Each instance as nginx names it in the access log's "upstream" field."""
    return {f"127.0.0.1:{instance['port']}" for instance in state["instances"]}


def refuses_connections(port):
    """Whether nothing listens on a loopback port any more."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def eventually(condition, timeout=10):
    """Whether `condition()` holds within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def flush_redis(port):
    """Forget every rate-limit counter, as the end of the window would."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(b"*1\r\n$8\r\nFLUSHALL\r\n")
        assert connection.recv(16).startswith(b"+OK")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/articles",
        ARTICLE,
        f"{ARTICLE}/text",
        f"{ARTICLE}/figures/artillery-shells-total",
        f"{ARTICLE}/timeline?from=2024&to=2024",
        f"{ARTICLE}/entities?type=person&page_size=2",
    ],
)
def test_nginx_serves_exactly_what_the_app_serves(layout, client, path):
    with Connection(layout["url"], source="127.0.0.10") as connection:
        through_nginx = connection.get(path)
    direct = client.get(path)
    assert through_nginx.status == direct.status_code == 200
    assert through_nginx.headers["Content-Type"] == direct.headers["Content-Type"]
    assert through_nginx.body == direct.data
    for header in ("X-Pagination", "Link"):
        assert through_nginx.headers.get(header) == direct.headers.get(header)


def test_health_probes_answer_through_nginx_and_are_never_cached(layout):
    with Connection(layout["url"], source="127.0.0.11") as connection:
        for path in ("/healthz", "/readyz", "/readyz"):
            probe = connection.get(path)
            assert probe.status == 200
            assert "X-Cache-Status" not in probe.headers


@pytest.mark.parametrize("accept_encoding", ["", "gzip"])
def test_revalidation_with_the_etag_gets_304(layout, accept_encoding):
    path = f"{ARTICLE}/quotes"
    with Connection(layout["url"], source="127.0.0.12") as connection:
        headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
        first = connection.get(path, headers)
        assert first.status == 200
        etag = first.headers["ETag"]
        # Twice: the first may be answered by an instance, the second from nginx's cache.
        for _ in range(2):
            revalidated = connection.get(path, {**headers, "If-None-Match": etag})
            assert revalidated.status == 304
            assert revalidated.body == b""
            # gzip turns a strong ETag weak (W/"..."); both name the same representation.
            assert revalidated.headers["ETag"].removeprefix("W/") == etag.removeprefix("W/")
        changed = connection.get(path, {**headers, "If-None-Match": '"another-representation"'})
        assert changed.status == 200


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        (f"{ARTICLE}/entities?page_size=100", "application/json"),
        (f"{ARTICLE}/entities?page_size=100", "text/csv"),
        (f"{ARTICLE}/text", "text/plain"),
        ("/docs", "text/html"),
    ],
)
def test_gzip_when_the_client_asks_for_it(layout, path, accept):
    with Connection(layout["url"], source="127.0.0.13") as connection:
        plain = connection.get(path, {"Accept": accept})
        compressed = connection.get(path, {"Accept": accept, "Accept-Encoding": "gzip"})
    assert plain.status == compressed.status == 200
    assert plain.headers["Content-Type"].startswith(accept)
    assert "Content-Encoding" not in plain.headers
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers.get_all("Vary")
    assert gzip.decompress(compressed.body) == plain.body
    assert len(compressed.body) < len(plain.body)


def test_cache_answers_repeats_and_hits_carry_no_stale_rate_limit_headers(layout):
    path = f"{ARTICLE}/figures"
    with Connection(layout["url"], source="127.0.0.14") as connection:
        first = connection.get(path)
        second = connection.get(path)
        as_csv = connection.get(path, {"Accept": "text/csv"})
    assert first.headers["Cache-Control"] == f"public, max-age={CACHE_MAX_AGE}"
    assert first.headers["X-Cache-Status"] == "MISS"
    assert first.headers["X-RateLimit-Limit"] == str(APP_RATE_LIMIT)
    assert second.headers["X-Cache-Status"] == "HIT"
    assert second.body == first.body
    assert second.headers["ETag"] == first.headers["ETag"]
    # Only the instance knows the client's budget; the stored numbers would be stale.
    assert "X-RateLimit-Remaining" not in second.headers
    # The cache key includes Accept: the CSV at the same URL is stored on its own.
    assert as_csv.headers["X-Cache-Status"] == "MISS"
    assert as_csv.headers["Content-Type"].startswith("text/csv")


def test_an_expired_entry_is_revalidated_by_an_instance_with_its_etag(layout):
    path = f"{ARTICLE}/timeline"
    with Connection(layout["url"], source="127.0.0.16") as connection:
        stored = connection.get(path)
        # nginx keeps time in whole seconds: an entry stored at 10.9 s with max-age=1 is
        # still fresh at 11.99 s.
        time.sleep(CACHE_MAX_AGE + 1.5)
        revalidated = connection.get(path)
    assert stored.headers["X-Cache-Status"] == "MISS"
    # nginx asked an instance with If-None-Match, got 304, and served its stored copy.
    assert revalidated.status == 200
    assert revalidated.headers["X-Cache-Status"] == "REVALIDATED"
    assert revalidated.body == stored.body

    def revalidations():
        return [
            entry
            for entry in access_log(layout)
            if entry["client"] == "127.0.0.16" and entry["cache"] == "REVALIDATED"
        ]

    # nginx logs a request just after the response is sent.
    assert eventually(revalidations)
    [revalidation] = revalidations()
    assert revalidation["upstream_status"] == "304"


def test_problems_are_never_cached(layout):
    path = f"{ARTICLE}/figures/no-such-figure"
    with Connection(layout["url"], source="127.0.0.15") as connection:
        replies = [connection.get(path) for _ in range(3)]
    for reply in replies:
        assert reply.status == 404
        assert reply.headers["Content-Type"] == PROBLEM
        assert reply.headers.get("X-Cache-Status") != "HIT"


def test_the_shared_limit_holds_across_instances(layout):
    """The app's limit counts in Redis: spread over three instances, it still allows 30."""
    source = "127.0.0.20"
    # One endpoint (the app counts per endpoint), distinct URLs (so no response is a cache
    # hit, which the app would never see).
    paths = [f"{ARTICLE}/entities?page_size={size}" for size in range(1, 2 * APP_RATE_LIMIT + 1)]
    with Connection(layout["url"], source=source) as connection:
        # Half the requests pretend, through X-Forwarded-For, to come from elsewhere.
        replies = [
            connection.get(path, {"X-Forwarded-For": f"203.0.113.{n}"} if n % 2 else {})
            for n, path in enumerate(paths)
        ]

    statuses = [reply.status for reply in replies]
    assert statuses == [200] * APP_RATE_LIMIT + [429] * APP_RATE_LIMIT
    for refusal in replies[APP_RATE_LIMIT:]:
        assert refusal.headers["Content-Type"] == PROBLEM
        assert refusal.json()["status"] == 429
        assert int(refusal.headers["Retry-After"]) > 0
        # The app refused it, not nginx: its own headers came with it.
        assert refusal.headers["X-RateLimit-Limit"] == str(APP_RATE_LIMIT)

    # Round robin spread the allowed requests over every instance: had each counted on its
    # own, together they would have allowed three times the limit.
    served_by = Counter(
        entry["upstream"]
        for entry in access_log(layout)
        if entry["client"] == source and entry["status"] == 200
    )
    assert set(served_by) == instance_addresses(layout)
    assert sum(served_by.values()) == APP_RATE_LIMIT

    # An instance reached directly counts against the same budget.
    with Connection(layout["instances"][0]["url"], source=source) as direct:
        assert direct.get(f"{ARTICLE}/entities?page_size=99").status == 429

    # Refusals were not cached: once the window is over, the same URL answers.
    flush_redis(layout["redis"]["port"])
    with Connection(layout["url"], source=source) as connection:
        assert connection.get(paths[-1]).status == 200


def test_nginx_refuses_a_flood_before_it_reaches_an_instance(layout):
    with Connection(layout["url"], source="127.0.0.21") as connection:
        replies = [connection.get("/v1/articles") for _ in range(3 * EDGE_BURST)]
    # nginx's refusals carry none of the app's rate-limit headers.
    edge_refusals = [
        n
        for n, reply in enumerate(replies)
        if reply.status == 429 and "X-RateLimit-Limit" not in reply.headers
    ]
    assert edge_refusals
    assert min(edge_refusals) > EDGE_BURST  # the burst goes through
    refusal = replies[edge_refusals[0]]
    assert refusal.headers["Content-Type"] == PROBLEM
    assert refusal.json()["status"] == 429
    assert refusal.headers["Retry-After"] == "1"


def test_a_dying_instance_costs_no_client_request(unlimited_layout):
    """Bounded load through nginx; one instance is stopped, another's master killed.

    Every request succeeds: nginx passes a request that meets a closed port or a closed
    connection to the next instance. (Only a response an instance had begun to send when
    all of its processes vanished at once could be cut short: nginx cannot retry what it has
    started to forward. gunicorn's workers outlive a killed master to finish theirs.)
    """
    clients, per_client = 4, 150
    # Distinct URLs, so every request reaches an instance instead of nginx's cache.
    paths = [
        f"{ARTICLE}/{name}?page_size={size}&page={page}"
        for page in (1, 2)
        for size in range(1, 101)
        for name in FACT_LISTS
    ][: clients * per_client]
    statuses, failures = [], []
    lock = threading.Lock()
    one_third, two_thirds = threading.Event(), threading.Event()

    def client_run(share):
        with Connection(unlimited_layout["url"]) as connection:
            for path in share:
                try:
                    status = connection.get(path).status
                except (OSError, http.client.HTTPException) as error:
                    failures.append(f"{path}: {error!r}")
                    return
                with lock:
                    statuses.append(status)
                    if len(statuses) >= len(paths) / 3:
                        one_third.set()
                    if len(statuses) >= 2 * len(paths) / 3:
                        two_thirds.set()

    threads = [
        threading.Thread(target=client_run, args=(paths[n::clients],)) for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    stopped, killed = unlimited_layout["instances"][:2]
    assert one_third.wait(timeout=60)
    # A graceful stop, as in a rolling deploy: gunicorn finishes what it has and closes.
    os.kill(stopped["pid"], signal.SIGTERM)
    assert two_thirds.wait(timeout=60)
    # A crash of the master: its workers finish what they hold, then exit.
    os.kill(killed["pid"], signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=60)

    assert not failures
    assert Counter(statuses) == {200: len(paths)}
    log = access_log(unlimited_layout)
    # Every instance took its share before the failures ...
    assert {entry["upstream"].split(", ")[0] for entry in log} >= instance_addresses(
        unlimited_layout
    )
    # ... and some requests met a dead instance and were passed on to a live one.
    assert any(", " in entry["upstream"] for entry in log)
    for instance in (stopped, killed):
        assert eventually(lambda port=instance["port"]: refuses_connections(port)), instance


def test_losing_redis_costs_no_request(tmp_path):
    state = bring_up(tmp_path, "--instances", "2", "--app-rate-limit", "1000 per minute")
    os.kill(state["redis"]["pid"], signal.SIGKILL)
    assert eventually(lambda: refuses_connections(state["redis"]["port"]))
    try:
        with Connection(state["url"], source="127.0.0.30") as connection:
            statuses = [
                connection.get(f"{ARTICLE}/quotes?page_size={size}").status for size in (1, 2, 3, 4)
            ]
    finally:
        layout_command("down", tmp_path)
    # Each instance counts in its own memory until Redis is back.
    assert statuses == [200] * 4


def test_down_stops_exactly_what_up_started(tmp_path):
    state = bring_up(tmp_path, "--instances", "2", "--app-rate-limit", "off")
    servers = [state["redis"], *state["instances"], state["nginx"]]
    with Connection(state["url"]) as connection:
        assert connection.get("/readyz").status == 200

    output = layout_command("down", tmp_path)

    assert output.startswith("down: stopped nginx,")
    assert not (tmp_path / "layout.json").exists()
    for server in servers:
        assert refuses_connections(server["port"]), server["name"]
        assert not Path(f"/proc/{server['pid']}/stat").exists() or (
            Path(f"/proc/{server['pid']}/stat").read_text().split(") ")[1][0] == "Z"
        ), server["name"]
    assert layout_command("down", tmp_path) == "down: stopped nothing\n"
