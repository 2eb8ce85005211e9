"""The container image (deploy/Containerfile), built by CI and run as an operator would.

It runs with a read-only root filesystem and only the writable mounts deploy/compose.yaml and
deploy/k8s/ give it, with nothing from the host: here the SQLite store, in a tmpfs on the data
folder (ARTICLE_FACTS_DATA_DIR), migrated and filled with the built-in article at start-up.
"""

import contextlib
import http.client
import time

import pytest

import containers
from conftest import ARTICLE, ARTICLE_ID, free_port

pytestmark = [pytest.mark.system, pytest.mark.containers]

DATA_DIR = "/var/lib/article-facts/data"


@contextlib.contextmanager
def api_container(prefix):
    """An API container published on a loopback port and ready; removed however it ends."""
    containers.require(containers.API_IMAGE)
    name = containers.unique_name(prefix)
    port = free_port()
    containers.run(
        *("run", "--detach", "--name", name),
        *("--publish", f"127.0.0.1:{port}:8000"),
        # As on Kubernetes and Docker: nothing writable but the mounts given.
        *("--read-only", "--read-only-tmpfs=false"),
        *("--tmpfs", "/tmp", "--tmpfs", "/var/lib/article-facts/metrics"),
        # SQLite's WAL needs a writable folder: the image's data folder, never the root.
        *("--tmpfs", DATA_DIR),
        *("--env", "WEB_CONCURRENCY=2"),
        containers.API_IMAGE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        containers.wait_for_http(f"{url}/readyz", describe=lambda: containers.logs(name))
        yield {"name": name, "port": port, "url": url}
    finally:
        containers.run("rm", "--force", "--time", "0", name, check=False)


@pytest.fixture(scope="module")
def container():
    """One API container for the tests that only ask it."""
    with api_container("article-facts-image") as running:
        yield running


@pytest.mark.parametrize(
    "path",
    [
        "/readyz",
        "/v1/articles",
        f"{ARTICLE}/text",
        f"{ARTICLE}/figures/artillery-shells-total",
        f"{ARTICLE}/timeline?from=2024&to=2024",
        f"{ARTICLE}/entities?type=person&page_size=2",
        "/openapi.json",
    ],
)
def test_the_image_serves_the_same_bytes_as_the_app(container, client, path):
    connection = http.client.HTTPConnection("127.0.0.1", container["port"], timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    expected = client.get(path)
    assert response.status == expected.status_code == 200
    assert response.headers["Content-Type"] == expected.headers["Content-Type"]
    assert response.headers.get("ETag") == expected.headers.get("ETag")
    assert body == expected.data


def test_it_runs_as_an_unprivileged_user_on_a_read_only_root(container):
    name = container["name"]
    assert containers.run("exec", name, "id", "-u").stdout.strip() == "10001"
    refused = containers.run("exec", name, "touch", "/app/written", check=False)
    assert refused.returncode != 0
    assert "Read-only file system" in refused.stderr
    # What the app may write: its temporary files, prometheus_client's metrics folder and the
    # data folder, where the store is.
    for folder in ("/tmp", "/var/lib/article-facts/metrics", DATA_DIR):
        containers.run("exec", name, "touch", f"{folder}/written")
    assert containers.run("exec", name, "printenv", "ARTICLE_FACTS_DATA_DIR").stdout.strip() == (
        DATA_DIR
    )
    containers.run("exec", name, "test", "-s", f"{DATA_DIR}/article-facts.sqlite3")


def test_the_image_has_the_article_facts_command(container):
    """`article-facts` is on PATH, for the migrate and ingest steps run from this image."""
    name = container["name"]
    assert containers.run("exec", name, "sh", "-c", "command -v article-facts").stdout.strip() == (
        "/opt/article-facts/bin/article-facts"
    )
    corpus = containers.run(
        "exec", name, "python3", "-c", "from api.settings import BUILT_IN_CORPUS as c; print(c)"
    ).stdout.strip()
    checked = containers.run("exec", name, "article-facts", "check", corpus)
    assert checked.stdout.splitlines()[-1] == "1 article checked, 0 problems"
    usage = containers.run("exec", name, "article-facts", "ingest", "--help")
    assert usage.stdout.startswith("Usage: article-facts ingest")
    # The store the server migrated and filled at start-up, as the command sees it.
    versions = containers.run("exec", name, "article-facts", "versions", ARTICLE_ID)
    assert versions.stdout.startswith("1  ")


def test_its_healthcheck_asks_healthz(container):
    healthcheck = containers.inspect(container["name"], "{{json .Config.Healthcheck.Test}}")
    assert "/healthz" in healthcheck
    # podman runs it on a systemd timer, which this machine lacks; run it once by hand.
    assert containers.run("healthcheck", "run", container["name"], check=False).returncode == 0


def test_sigterm_stops_it_cleanly_and_quickly():
    """gunicorn is PID 1 (exec form), so SIGTERM reaches it: it drains and exits 0."""
    with api_container("article-facts-stop") as running:
        name = running["name"]
        started = time.monotonic()
        containers.run("kill", "--signal", "TERM", name)
        containers.run("wait", name, timeout=60)
        stopped_after = time.monotonic() - started
        assert containers.inspect(name, "{{.State.ExitCode}}") == "0"
        # Idle workers exit at once; podman stop would SIGKILL after 10 s.
        assert stopped_after < 10, stopped_after
        log = containers.logs(name)
        assert "Handling signal: term" in log
        assert "Shutting down: Master" in log
