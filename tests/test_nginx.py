"""deploy/nginx.conf.template in front of gunicorn instances and Redis, on loopback.

What nginx itself does: cache, revalidation, gzip, edge limits, problems never cached,
request ids, no public /metrics. The template is rendered as the nginx image renders it
(envsubst of the variables that are set) and included by a small main configuration of our
own, so Debian's nginx runs it from a private prefix. The whole stack in containers, with
failover and the shared limit, is tests/test_compose.py. Without nginx or redis-server (Debian
packages of those names) the module is skipped, except in CI, where that is a failure.

Each test speaks from its own loopback address (the whole of 127.0.0.0/8 is this machine), so
it has its own rate-limit budget, as separate clients would.
"""

import contextlib
import gzip
import hashlib
import http.client
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import pytest

from conftest import ARTICLE, ROOT, free_port, gunicorn_server

pytestmark = pytest.mark.system

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
GUNICORN = Path(sys.executable).parent / "gunicorn"
# Small enough to exceed in a test, large enough for a handful of data requests per address.
APP_RATE_LIMIT = 30
EDGE_BURST = 100
# Short enough for a test to see a stored response expire and be revalidated.
CACHE_MAX_AGE = 1
PROBLEM = "application/problem+json"
# What the nginx image does with a template: ${NAME} replaced for each variable that is set.
VARIABLE = re.compile(r"\$\{(\w+)\}")
# The main configuration the template is included in: the official image's, reduced to what
# a private prefix needs (relative paths resolve against it).
MAIN_CONF = """{user}
worker_processes 1;
pid nginx.pid;
events {{
    worker_connections 1024;
}}
http {{
    client_body_temp_path temp/client_body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
    include conf.d/default.conf;
}}
"""


def missing_parts():
    """What these tests need and this machine lacks."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])
    missing = [name for name in ("nginx", "redis-server") if not shutil.which(name, path=search)]
    if importlib.util.find_spec("redis") is None:
        missing.append("the redis Python client")
    return missing


def binary(name):
    """Path of a server binary, looking in sbin too (nginx lives in /usr/sbin)."""
    missing = missing_parts()
    if missing:
        reason = f"nginx in front of instances needs {', '.join(missing)} (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])
    return shutil.which(name, path=search)


def render_template(variables):
    """The template with each ${NAME} of `variables` replaced, as envsubst does."""
    return VARIABLE.sub(
        lambda match: variables.get(match.group(1), match.group(0)),
        TEMPLATE.read_text(encoding="utf-8"),
    )


@contextlib.contextmanager
def process(command, run_dir, name, ready):
    """A server started in the foreground, logging to run_dir; stopped by its PID at the end."""
    with open(run_dir / f"{name}.out", "wb") as out, open(run_dir / f"{name}.err", "wb") as err:
        server = subprocess.Popen(command, stdout=out, stderr=err, cwd=run_dir)
    try:
        deadline = time.monotonic() + 30
        while not ready():
            if server.poll() is not None or time.monotonic() > deadline:
                errors = (run_dir / f"{name}.err").read_text(errors="replace")
                pytest.fail(f"{name} did not start:\n{errors}")
            time.sleep(0.05)
        yield server
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def answers(port):
    """Whether something accepts connections on a loopback port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextlib.contextmanager
def nginx_in_front(run_dir, *, instances=3, app_rate_limit, edge_rate, edge_burst, env=None):
    """Redis, `instances` gunicorn instances counting limits in it, and nginx in front.

    Yields the URLs and the paths of nginx's access log; stops everything it started.
    """
    nginx, redis_server = binary("nginx"), binary("redis-server")
    redis_port, nginx_port = free_port(), free_port()
    with contextlib.ExitStack() as stack:
        redis = stack.enter_context(
            process(
                [redis_server, "--bind", "127.0.0.1", "--port", str(redis_port)]
                + ["--save", "", "--appendonly", "no", "--dir", str(run_dir)],
                run_dir,
                "redis",
                lambda: answers(redis_port),
            )
        )
        instance_env = {
            "ARTICLE_FACTS_RATE_LIMIT": app_rate_limit,
            "ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
            "ARTICLE_FACTS_TRUSTED_PROXIES": "1",
            "GUNICORN_WORKER_CLASS": "gthread",
            **(env or {}),
        }
        servers = [
            stack.enter_context(gunicorn_server(env=instance_env, log_name=f"nginx-instance-{n}"))
            for n in range(instances)
        ]
        (run_dir / "conf.d").mkdir()
        (run_dir / "temp").mkdir()
        (run_dir / "conf.d" / "default.conf").write_text(
            render_template(
                {
                    "NGINX_LISTEN": f"127.0.0.1:{nginx_port}",
                    "NGINX_UPSTREAM_SERVERS": "\n".join(
                        f"server 127.0.0.1:{server.port} max_fails=1 fail_timeout=5s;"
                        for server in servers
                    ),
                    "NGINX_EDGE_RATE": edge_rate,
                    "NGINX_EDGE_BURST": str(edge_burst),
                    "NGINX_PROXY_CACHE": "article_facts",
                    "NGINX_CACHE_DIR": "cache",
                }
            ),
            encoding="utf-8",
        )
        # As root, nginx's workers would switch to `nobody`, who cannot reach a private run
        # directory: they stay the caller.
        user = "user root;" if os.geteuid() == 0 else ""
        (run_dir / "nginx.conf").write_text(MAIN_CONF.format(user=user), encoding="utf-8")
        stack.enter_context(
            process(
                [nginx, "-p", f"{run_dir}/", "-c", str(run_dir / "nginx.conf")]
                + ["-e", "stderr", "-g", "daemon off;"],
                run_dir,
                "nginx",
                lambda: answers(nginx_port),
            )
        )
        yield {
            "url": f"http://127.0.0.1:{nginx_port}",
            "access_log": run_dir / "nginx.out",
            "instances": servers,
            "redis": {"pid": redis.pid, "port": redis_port},
        }


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    """Three instances sharing a small app limit through Redis, behind nginx with its cache."""
    with nginx_in_front(
        tmp_path_factory.mktemp("nginx"),
        app_rate_limit=f"{APP_RATE_LIMIT} per minute",
        edge_rate="20r/s",
        edge_burst=EDGE_BURST,
        env={"ARTICLE_FACTS_CACHE_MAX_AGE": str(CACHE_MAX_AGE)},
    ) as state:
        # The store (and exports folder) the instances serve: this module's.
        state["data_dir"] = os.environ["ARTICLE_FACTS_DATA_DIR"]
        yield state


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
    lines = state["access_log"].read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def eventually(condition, timeout=10):
    """Whether `condition()` holds within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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


@pytest.mark.parametrize("accept_encoding", ["", "gzip", "br"])
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
            assert revalidated.headers["ETag"] == etag
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
@pytest.mark.parametrize(
    ("accept_encoding", "coding", "decompress"),
    [
        ("gzip", "gzip", gzip.decompress),
        ("gzip, deflate, br", "br", brotli.decompress),
        ("br;q=0, gzip", "gzip", gzip.decompress),
    ],
)
def test_the_apps_compression_reaches_the_client(
    layout, path, accept, accept_encoding, coding, decompress
):
    with Connection(layout["url"], source="127.0.0.13") as connection:
        plain = connection.get(path, {"Accept": accept})
        for _ in range(2):  # fetched, then from nginx's cache
            compressed = connection.get(
                path, {"Accept": accept, "Accept-Encoding": accept_encoding}
            )
            assert compressed.status == 200
            assert compressed.headers["Content-Encoding"] == coding
            assert compressed.headers["ETag"] == plain.headers["ETag"][:-1] + f'-{coding}"'
            assert decompress(compressed.body) == plain.body
    assert plain.status == 200 and plain.headers["Content-Type"].startswith(accept)
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert len(compressed.body) < len(plain.body)


@pytest.mark.parametrize(
    "accept",
    ["application/ld+json", 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'],
)
def test_absolute_urls_are_each_clients_own_host_and_never_anothers(layout, accept):
    """Linked data carries absolute URLs built from the Host the client sent, port included;
    nginx sends that host upstream and keys its cache on it, so a stored document never
    carries another client's host."""
    hosts = ["facts.example:8443", "other.example", "facts.example:8443", "other.example"]
    with Connection(layout["url"], source="127.0.0.19") as connection:
        replies = [connection.get(ARTICLE, {"Accept": accept, "Host": host}) for host in hosts]
    for host, reply in zip(hosts, replies, strict=True):
        assert reply.status == 200
        document = reply.json()
        article_id = document["@graph"][0]["@id"] if "@graph" in document else document["id"]
        assert article_id.startswith(f"http://{host}{ARTICLE}"), (host, article_id)
    # The repeats came from nginx's cache, each host from its own entry.
    assert [reply.headers["X-Cache-Status"] for reply in replies[2:]] == ["HIT", "HIT"]


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


def test_streams_and_export_downloads_pass_through_uncached(layout):
    """A whole list as NDJSON and an export's file are never stored nor served from the cache:
    each request reaches an instance, and the bytes are the instance's."""
    exported = subprocess.run(
        [Path(sys.executable).parent / "article-facts", "export"],
        env={**os.environ, "ARTICLE_FACTS_DATA_DIR": layout["data_dir"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert exported.returncode == 0, exported.stderr
    with Connection(layout["url"], source="127.0.0.16") as connection:
        (export,) = connection.get("/v1/exports").json()
        for path, headers in (
            ("/v1/quotes", {"Accept": "application/x-ndjson"}),
            (export["url"], {}),
        ):
            replies = [connection.get(path, headers) for _ in range(3)]
            for reply in replies:
                assert reply.status == 200
                assert reply.headers.get("X-Cache-Status") in (None, "", "BYPASS"), path
            assert replies[0].body == replies[-1].body
    assert hashlib.sha256(replies[-1].body).hexdigest() == export["sha256"]
    assert len(replies[-1].body) == export["size"]


def test_problems_are_never_cached(layout):
    path = f"{ARTICLE}/figures/no-such-figure"
    with Connection(layout["url"], source="127.0.0.15") as connection:
        replies = [connection.get(path) for _ in range(3)]
    for reply in replies:
        assert reply.status == 404
        assert reply.headers["Content-Type"] == PROBLEM
        assert reply.headers.get("X-Cache-Status") != "HIT"


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


def test_request_ids_are_the_requests_own_even_on_cache_hits(layout):
    path = f"{ARTICLE}/entities?type=place"
    with Connection(layout["url"], source="127.0.0.17") as connection:
        first = connection.get(path, {"X-Request-ID": "first-request"})
        hit = connection.get(path, {"X-Request-ID": "second-request"})
        generated = connection.get(path)
        refused = connection.get(path, {"X-Request-ID": "not a token"})
    assert first.headers["X-Cache-Status"] == "MISS"
    assert first.headers["X-Request-ID"] == "first-request"
    # The stored response came with the first id; the hit carries its own.
    assert hit.headers["X-Cache-Status"] == "HIT"
    assert hit.headers.get_all("X-Request-ID") == ["second-request"]
    assert re.fullmatch("[0-9a-f]{32}", generated.headers["X-Request-ID"])
    assert re.fullmatch("[0-9a-f]{32}", refused.headers["X-Request-ID"])

    def logged():
        return {e["request_id"] for e in access_log(layout) if e["client"] == "127.0.0.17"}

    assert eventually(lambda: len(logged()) == 4)
    assert {"first-request", "second-request"} <= logged()


def test_metrics_are_not_served_through_nginx(layout):
    with Connection(layout["url"], source="127.0.0.18") as connection:
        replies = [connection.get(path) for path in ("/metrics", "/metrics/", "/%6detrics")]
    for reply in replies:
        assert reply.status == 404
        assert reply.headers["Content-Type"] == PROBLEM
        assert reply.json()["detail"] == "Nothing at /metrics."
        assert "X-Request-ID" in reply.headers

    def refusals():
        return [e for e in access_log(layout) if e["client"] == "127.0.0.18"]

    assert eventually(lambda: len(refusals()) == 3)
    # nginx answered by itself: no instance was asked.
    assert all(entry["upstream"] == "" for entry in refusals())


def test_losing_redis_costs_no_request(tmp_path):
    with nginx_in_front(
        tmp_path,
        instances=2,
        app_rate_limit="1000 per minute",
        edge_rate="100r/s",
        edge_burst=200,
    ) as state:
        os.kill(state["redis"]["pid"], signal.SIGKILL)
        assert eventually(lambda: not answers(state["redis"]["port"]))
        with Connection(state["url"], source="127.0.0.30") as connection:
            statuses = [
                connection.get(f"{ARTICLE}/quotes?page_size={size}").status for size in (1, 2, 3, 4)
            ]
    # Each instance counts in its own memory until Redis is back.
    assert statuses == [200] * 4
