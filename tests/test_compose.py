"""deploy/compose.yaml, run with podman-compose: nginx, three API replicas, Redis, PostgreSQL.

PostgreSQL starts empty; the one-shot `migrate` step makes the schema before the replicas start
and `ingest` writes the built-in article, which the replicas then serve as the reader role.

The stack runs under a project name of its own, with CI's images (tests/containers.py), nginx on
a free loopback port, and settings a test can reach: a budget of APP_RATE_LIMIT requests per
minute, nginx's edge limits and cache out of the way (tests/test_nginx.py covers those), so
every request reaches a replica. The tests run in file order; the last one stops replicas.
"""

import http.client
import json
import os
import subprocess
import threading
from collections import Counter

import pytest

import containers
from conftest import ARTICLE, FACT_LISTS, ROOT, free_port, prometheus_scraping

pytestmark = [pytest.mark.system, pytest.mark.containers]

COMPOSE_FILE = ROOT / "deploy" / "compose.yaml"
REPLICAS = 3
APP_RATE_LIMIT = 1000


def compose(project, *arguments, env, timeout=180):
    """Run podman-compose on deploy/compose.yaml for one project."""
    result = subprocess.run(
        [str(containers.PODMAN_COMPOSE), "--project-name", project, "-f", str(COMPOSE_FILE)]
        + list(arguments),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"podman-compose {' '.join(arguments)} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


@pytest.fixture(scope="module")
def stack():
    """The stack up and answering through nginx; taken down however the tests end."""
    containers.require(
        containers.API_IMAGE,
        containers.NGINX_IMAGE,
        containers.REDIS_IMAGE,
        containers.POSTGRES_IMAGE,
    )
    if not containers.PODMAN_COMPOSE.exists():
        reason = f"no {containers.PODMAN_COMPOSE}; pip install '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    project = containers.unique_name("article-facts-compose").replace("-", "_")
    port = free_port()
    env = {
        **os.environ,
        "ARTICLE_FACTS_IMAGE": containers.API_IMAGE,
        "NGINX_IMAGE": containers.NGINX_IMAGE,
        "REDIS_IMAGE": containers.REDIS_IMAGE,
        "POSTGRES_IMAGE": containers.POSTGRES_IMAGE,
        "API_REPLICAS": str(REPLICAS),
        "NGINX_PORT": str(port),
        "ARTICLE_FACTS_RATE_LIMIT": f"{APP_RATE_LIMIT} per minute",
        "NGINX_EDGE_RATE": "100000r/s",
        "NGINX_EDGE_BURST": "100000",
        "NGINX_PROXY_CACHE": "off",
    }
    try:
        compose(project, "up", "--detach", env=env)
        replicas = [f"{project}_api_{n}" for n in range(1, REPLICAS + 1)]
        state = {
            "project": project,
            "url": f"http://127.0.0.1:{port}",
            "nginx": f"{project}_nginx_1",
            "redis": f"{project}_redis_1",
            "postgres": f"{project}_postgres_1",
            "migrate": f"{project}_migrate_1",
            "ingest": f"{project}_ingest_1",
            "replicas": replicas,
            # Each replica's own port, published on loopback: where its /metrics is scraped.
            "replica_urls": {
                name: f"http://127.0.0.1:{containers.published_port(name, 8000)}"
                for name in replicas
            },
        }
        # The one-shot steps: the schema, then the built-in article, each exiting 0.
        for step in ("migrate", "ingest"):
            containers.run("wait", state[step], timeout=120)
            exit_code = containers.inspect(state[step], "{{.State.ExitCode}}")
            assert exit_code == "0", containers.logs(state[step])
        # podman 4.3 has no `wait --condition=healthy`, so podman-compose cannot gate on health
        # here (it says so and goes on): wait for every replica, then for nginx.
        for name, url in state["replica_urls"].items():
            containers.wait_for_http(
                f"{url}/readyz", describe=lambda name=name: containers.logs(name)
            )
            # Ready means a current schema; the ingested article reaches each replica within
            # ARTICLE_FACTS_NEW_VERSION_SECONDS of the ingest.
            containers.wait_for_http(
                f"{url}{ARTICLE}", timeout=10, describe=lambda name=name: containers.logs(name)
            )
        containers.wait_for_http(
            f"{state['url']}/readyz", describe=lambda: containers.logs(state["nginx"])
        )
        yield state
    finally:
        # -v: the database's volume goes too.
        compose(project, "down", "--volumes", "--timeout", "5", env=env)


class Client:
    """One keep-alive HTTP/1.1 connection: one client."""

    def __init__(self, url):
        host, port = url.removeprefix("http://").split(":")
        self.http = http.client.HTTPConnection(host, int(port), timeout=15)

    def get(self, path, headers=None):
        """GET `path`; the response with its body read."""
        self.http.request("GET", path, headers=headers or {})
        response = self.http.getresponse()
        response.body = response.read()
        return response

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.http.close()


def access_log(state):
    """nginx's access log (on its stdout), one dict per request."""
    return [
        json.loads(line)
        for line in containers.logs(state["nginx"]).splitlines()
        if line.startswith("{")
    ]


def forget_counts(state):
    """Empty Redis, as the end of the rate-limit window would."""
    assert containers.run("exec", state["redis"], "redis-cli", "FLUSHALL").stdout.strip() == "OK"


def distinct_paths(count):
    """`count` different data URLs, so that no two requests are the same."""
    paths = [
        f"{ARTICLE}/{name}?page_size={size}&page={page}"
        for page in (1, 2, 3)
        for size in range(1, 101)
        for name in FACT_LISTS
    ]
    assert len(paths) >= count
    return paths[:count]


@pytest.mark.parametrize(
    "path",
    ["/v1/articles", f"{ARTICLE}/quotes?speaker=vadym-skibytsky", f"{ARTICLE}/timeline"],
)
def test_the_stack_serves_what_the_app_serves(stack, client, path):
    with Client(stack["url"]) as connection:
        response = connection.get(path)
    expected = client.get(path)
    assert response.status == expected.status_code == 200
    assert response.headers["Content-Type"] == expected.headers["Content-Type"]
    assert response.body == expected.data


def test_the_replicas_read_postgres_as_a_role_that_cannot_write(stack):
    """The built-in article is one version, written by `ingest`; the reader's URL writes nothing."""

    def psql(role, sql):
        return containers.run(
            *("exec", "--env", f"PGPASSWORD={role}-on-loopback", stack["postgres"]),
            *("psql", "-h", "127.0.0.1", "-U", f"article_facts_{role}", "-d", "article_facts"),
            *("-tA", "-c", sql),
            check=False,
        )

    assert psql("reader", "SELECT count(*) FROM versions").stdout.strip() == "1"
    refused = psql("reader", "DELETE FROM versions")
    assert refused.returncode != 0 and "permission denied" in refused.stderr
    assert psql("writer", "SELECT count(*) FROM versions").stdout.strip() == "1"


def test_every_replica_serves_on_its_own_loopback_port(stack):
    for url in stack["replica_urls"].values():
        with Client(url) as connection:
            assert connection.get("/readyz").status == 200


def test_request_ids_pass_through(stack):
    with Client(stack["url"]) as connection:
        chosen = connection.get("/v1/articles", {"X-Request-ID": "trace-4f2a"})
        generated = connection.get("/v1/articles")
        # Anything but a plain token is replaced, never echoed.
        forged = connection.get("/v1/articles", {"X-Request-ID": "a b\x7f"})
    assert chosen.headers["X-Request-ID"] == "trace-4f2a"
    assert len(generated.headers["X-Request-ID"]) == 32
    assert forged.headers["X-Request-ID"] not in ("a b\x7f", generated.headers["X-Request-ID"])
    logged = {entry["request_id"] for entry in access_log(stack)}
    assert {"trace-4f2a", generated.headers["X-Request-ID"]} <= logged
    # The replica that answered logged the same id, in its JSON access log.
    replica_lines = [
        json.loads(line)
        for name in stack["replicas"]
        for line in containers.logs(name).splitlines()
        if line.startswith("{")
    ]
    traced = [
        line
        for line in replica_lines
        if line.get("logger") == "gunicorn.access" and line.get("request_id") == "trace-4f2a"
    ]
    assert len(traced) == 1 and traced[0]["path"] == "/v1/articles"


def test_nginx_does_not_serve_metrics_to_the_public(stack):
    with Client(stack["url"]) as connection:
        for path in ("/metrics", "/metrics/", "/%6Detrics", "//metrics?name=x"):
            refusal = connection.get(path)
            assert refusal.status == 404, path
            assert refusal.headers["Content-Type"] == "application/problem+json"
    # nginx answered itself: no replica was asked.
    refused = [entry for entry in access_log(stack) if "etrics" in entry["uri"]]
    assert len(refused) == 4
    assert all(entry["upstream"] == "" for entry in refused)


def test_every_replica_serves_its_metrics_on_its_own_port(stack):
    for name, url in stack["replica_urls"].items():
        with Client(url) as connection:
            response = connection.get("/metrics")
        assert response.status == 200, name
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert b"\narticle_facts_articles_loaded 1.0\n" in response.body


def test_prometheus_counts_every_request_the_stack_served(stack, tmp_path):
    """Debian's Prometheus scrapes each replica; PromQL sums what they served."""
    sent = 30
    paths = [f"{ARTICLE}/claims?page_size={size}" for size in range(1, sent + 1)]
    with Client(stack["url"]) as connection:
        assert {connection.get(path).status for path in paths} == {200}
    targets = [url.removeprefix("http://") for url in stack["replica_urls"].values()]
    promql = (
        "sum(article_facts_http_request_duration_seconds_count"
        '{route="/v1/articles/<article_id>/claims"})'
    )
    with prometheus_scraping(targets, tmp_path) as query:
        counted = query(promql, until=lambda value: value == sent)
    assert counted == sent


def test_the_rate_limit_holds_across_replicas(stack):
    """One budget in Redis: Remaining only goes down, and the first 429 is the 1001st request."""
    forget_counts(stack)
    paths = distinct_paths(APP_RATE_LIMIT + 20)
    with Client(stack["url"]) as connection:
        responses = [connection.get(path) for path in paths]
    statuses = [response.status for response in responses]
    assert statuses == [200] * APP_RATE_LIMIT + [429] * 20
    remaining = [int(response.headers["X-RateLimit-Remaining"]) for response in responses]
    assert remaining[:APP_RATE_LIMIT] == list(range(APP_RATE_LIMIT - 1, -1, -1))
    assert set(remaining[APP_RATE_LIMIT:]) == {0}
    refusal = responses[APP_RATE_LIMIT]
    assert refusal.headers["Content-Type"] == "application/problem+json"
    assert int(refusal.headers["Retry-After"]) > 0

    # nginx spread the requests over every replica; had each counted on its own, together
    # they would have allowed three times the budget.
    served_by = Counter(
        entry["upstream"] for entry in access_log(stack) if entry["uri"] in set(paths)
    )
    assert len(served_by) == REPLICAS
    # A replica reached directly counts against the same budget.
    with Client(next(iter(stack["replica_urls"].values()))) as direct:
        assert direct.get(f"{ARTICLE}/entities?page_size=7").status == 429


def test_stopping_and_killing_replicas_under_load_fails_no_request(stack):
    """Bounded load through nginx; one replica is stopped (SIGTERM), another killed (SIGKILL).

    Every request succeeds: nginx passes a request that meets a closed port or connection to
    the next replica.
    """
    forget_counts(stack)
    clients, per_client = 4, 150
    paths = distinct_paths(clients * per_client)
    statuses, failures = [], []
    lock = threading.Lock()
    a_quarter, a_half = threading.Event(), threading.Event()

    def client_run(share):
        with Client(stack["url"]) as connection:
            for path in share:
                try:
                    status = connection.get(path).status
                except (OSError, http.client.HTTPException) as error:
                    failures.append(f"{path}: {error!r}")
                    return
                with lock:
                    statuses.append(status)
                    # Half the load still to come after the kill, so that some of it meets
                    # the dead replica whatever the machine's speed.
                    if len(statuses) >= len(paths) / 4:
                        a_quarter.set()
                    if len(statuses) >= len(paths) / 2:
                        a_half.set()

    threads = [
        threading.Thread(target=client_run, args=(paths[n::clients],)) for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    stopped, killed = stack["replicas"][:2]
    assert a_quarter.wait(timeout=60)
    # A graceful stop, as in a rolling update; `podman stop` waits for it, the load goes on.
    stopping = subprocess.Popen(
        ["podman", "stop", "--time", "20", stopped],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert a_half.wait(timeout=60)
    # A crash: every process of the replica vanishes at once.
    containers.run("kill", "--signal", "KILL", killed)
    for thread in threads:
        thread.join(timeout=60)
    assert stopping.wait(timeout=60) == 0

    assert not failures
    assert Counter(statuses) == {200: len(paths)}
    log = [entry for entry in access_log(stack) if entry["uri"] in set(paths)]
    # Some requests met a stopped or dead replica and were passed on to a live one.
    assert any(", " in entry["upstream"] for entry in log)
    assert containers.inspect(stopped, "{{.State.ExitCode}}") == "0"
