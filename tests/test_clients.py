"""Generated clients, unmodified, call every operation of the served document against gunicorn.

From the OpenAPI document gunicorn serves at /openapi.json:
- openapi-python-client generates a Python client (with no warning about the document); mypy
  (--strict) checks tests/clients/python/check_client.py and docs/clients.md's Python example
  against it, then both run;
- openapi-typescript generates the types openapi-fetch uses; tsc (strict) compiles
  tests/clients/typescript/check-client.ts and docs/clients.md's TypeScript example, then node runs
  them.

Each script calls every operation with lists of several values (which generators send as
repeated keys), `embed`, `sort`, filters, a conditional request (304) and errors (404, 422),
reads a whole list as NDJSON and downloads an export, and checks the answers. Which
operations each client called is read from gunicorn's access log (JSON lines,
api.serving.logs), so an operation of the document that a script does not call fails the test.

The Python tools come with the test extras; the TypeScript ones are pinned in
tests/clients/typescript/package.json (and its lock file): `npm ci --prefix
tests/clients/typescript` installs them, as `.ci/run` does. Without node or those packages the
module is skipped with the reason, except in CI (the `CI` variable is set), where it fails.
"""

import json
import os
import re
import shutil
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from client_generation import BIN, PYTHON_TOOLS, generate_python_client, run
from conftest import ROOT, gunicorn_server

pytestmark = pytest.mark.system

CLIENTS = ROOT / "tests" / "clients"
TYPESCRIPT = CLIENTS / "typescript"
TOOLS = {
    **PYTHON_TOOLS,
    "node": Path(shutil.which("node") or "node"),
    "openapi-typescript": TYPESCRIPT / "node_modules" / ".bin" / "openapi-typescript",
    "tsc": TYPESCRIPT / "node_modules" / ".bin" / "tsc",
}
MISSING = [name for name, path in TOOLS.items() if not path.exists()]
if MISSING and not os.environ.get("CI"):
    pytest.skip(
        f"client generation needs {', '.join(MISSING)} (pip install '.[test]'; apt-get install "
        "nodejs npm; npm ci --prefix tests/clients/typescript)",
        allow_module_level=True,
    )

DOCS_BASE_URL = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def server():
    """gunicorn with its production settings, one worker so its access log is in order, and
    an export of its corpus for the clients to list and download."""
    with gunicorn_server(workers=1, log_name="clients-gunicorn") as running:
        run([BIN / "article-facts", "export"])
        yield running


@pytest.fixture(scope="module")
def document(server):
    with urllib.request.urlopen(f"{server.url}/openapi.json", timeout=10) as response:
        return json.load(response)


def operations(document):
    """(method, path regex, operationId) of every operation in the document."""
    found = []
    for path, item in document["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for method, operation in item.items():
            if method != "parameters":
                found.append((method.upper(), pattern, operation["operationId"]))
    return found


def access_log(server, start):
    """(method, path, query, status) of each request in gunicorn's JSON access log from `start`."""
    with open(server.log_path, "rb") as log:
        log.seek(start)
        lines = log.read().decode("utf-8", errors="replace").splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    return [
        (entry["method"], entry["path"], entry["query"], entry["status"])
        for entry in entries
        if entry.get("logger") == "gunicorn.access"
    ]


def requests_made_by(server, action):
    """Run `action`; return the (method, path, query, status) gunicorn logged meanwhile."""
    start = server.log_path.stat().st_size
    action()
    # One worker answers in order: once this marker is logged, so is everything before it.
    marker = f"client-run-done={time.monotonic_ns()}"
    urllib.request.urlopen(f"{server.url}/healthz?{marker}", timeout=10).close()
    deadline = time.monotonic() + 10
    while True:
        made = access_log(server, start)
        if any(query == marker for _method, _path, query, _status in made):
            return [request for request in made if request[2] != marker]
        assert time.monotonic() < deadline, "gunicorn did not log the requests"
        time.sleep(0.05)


def assert_every_operation_called(document, made, client):
    """Every operation of the document was called, with lists, a 304 and errors among them."""
    called = set()
    for method, path, _query, _status in made:
        for operation_method, pattern, operation_id in operations(document):
            if method == operation_method and pattern.match(path):
                called.add(operation_id)
    documented = {operation_id for *_, operation_id in operations(document)}
    assert documented - called == set(), f"the {client} client never called these"
    statuses = {status for *_, status in made}
    assert {200, 304, 404, 422} <= statuses, f"{client}: {sorted(statuses)}"
    assert not [request for request in made if request[3] >= 500], made
    # Lists of several values went out as repeated keys, and were answered.
    repeated = [
        (path, query)
        for _method, path, query, status in made
        if status == 200 and re.search(r"(?:^|&)(fields|embed|sort|kind)=[^&]*&(?:.*&)?\1=", query)
    ]
    assert repeated, f"the {client} client sent no list parameter as repeated keys"


def docs_example(language):
    """docs/clients.md's example in `language` and the output shown after it."""
    clients = (ROOT / "docs" / "clients.md").read_text(encoding="utf-8")
    match = re.search(rf"```{language}\n(.*?)```\n+prints:\n+```text\n(.*?)```", clients, re.S)
    assert match, f"docs/clients.md has no {language} example followed by its output"
    return match.group(1), match.group(2)


def test_python_client_calls_every_operation(server, document, tmp_path):
    generate_python_client(f"{server.url}/openapi.json", tmp_path)
    example, expected_output = docs_example("python")
    (tmp_path / "docs_example.py").write_text(example, encoding="utf-8")
    shutil.copy(CLIENTS / "python" / "check_client.py", tmp_path)
    run(
        [TOOLS["mypy"], "--config-file", CLIENTS / "python" / "mypy.ini"]
        + ["--cache-dir", tmp_path / ".mypy_cache", "check_client.py", "docs_example.py"],
        cwd=tmp_path,
    )

    def run_clients():
        output = run([sys.executable, "check_client.py", server.url], cwd=tmp_path)
        assert "every operation answered as documented" in output
        local = example.replace(DOCS_BASE_URL, server.url)
        (tmp_path / "docs_example.py").write_text(local, encoding="utf-8")
        assert run([sys.executable, "docs_example.py"], cwd=tmp_path) == expected_output

    assert_every_operation_called(document, requests_made_by(server, run_clients), "Python")


def test_typescript_client_calls_every_operation(server, document, tmp_path):
    run(
        [TOOLS["openapi-typescript"], f"{server.url}/openapi.json", "-o", "schema.d.ts"],
        cwd=tmp_path,
    )
    for name in ("check-client.ts", "tsconfig.json", "package.json"):
        shutil.copy(TYPESCRIPT / name, tmp_path)
    (tmp_path / "node_modules").symlink_to(TYPESCRIPT / "node_modules")
    example, expected_output = docs_example("ts")
    local = example.replace(DOCS_BASE_URL, server.url)
    (tmp_path / "docs-example.ts").write_text(local, encoding="utf-8")
    run([TOOLS["tsc"], "-p", "."], cwd=tmp_path)

    def run_clients():
        output = run([TOOLS["node"], "dist/check-client.js", server.url], cwd=tmp_path)
        assert "every operation answered as documented" in output
        assert run([TOOLS["node"], "dist/docs-example.js"], cwd=tmp_path) == expected_output

    assert_every_operation_called(document, requests_made_by(server, run_clients), "TypeScript")
