"""Every operation in every format and content coding, as served: status, the headers a client
acts on, and a digest of the decoded body, compared with `tests/snapshots/served.json`.

The snapshot is what clients see; a change to it is a change to what they get, so it is made
on purpose and shows in review. After such a change, write it again with
`ARTICLE_FACTS_SNAPSHOT_UPDATE=1 pytest tests/test_snapshot.py` and say in the commit which
representations changed, and why.
"""

import gzip
import hashlib
import json
import os
from pathlib import Path

import brotli
import pytest

from conftest import ROOT, TEST_ENGINE

SNAPSHOT = Path(__file__).parent / "snapshots" / "served.json"
CODINGS = ("identity", "gzip", "br")
# Pages that are no operation of the API document but are served all the same.
PAGES = (("/", "text/html"), ("/openapi.json", "application/json"), ("/docs", "text/html"))
# Headers that tell a client what it got; the rest are per request (Date, X-Request-ID) or
# follow from these (Content-Length of a compressed body varies with the compressor's version).
OBSERVED = (
    "Allow",
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Content-Type",
    "ETag",
    "Link",
    "Vary",
    "X-Pagination",
)


def _example_url(document, path, operation, path_level):
    """The operation's path with each parameter's example, and its required query examples."""
    query = []
    for parameter in [*path_level, *operation.get("parameters", [])]:
        if "$ref" in parameter:
            parameter = document["components"]["parameters"][parameter["$ref"].split("/")[-1]]
        if parameter["in"] == "path":
            path = path.replace(f"{{{parameter['name']}}}", str(parameter["example"]))
        elif parameter["in"] == "query" and parameter.get("required"):
            query.append(f"{parameter['name']}={parameter['schema']['example']}")
    return path + ("?" + "&".join(query) if query else "")


# Operations whose body holds when the test's own store ingested the article (an export's
# lines too, and its listing when it was written): the same on no two runs
# (tests/test_versions.py and tests/test_exports.py check what they say).
INGEST_TIMED = ("listArticleVersions", "listChanges", "listExports", "getExport")
# Operations whose order (and scores) are each engine's own: the snapshot holds SQLite's
# bytes; on PostgreSQL tests/test_search_across.py compares what they find, not its order.
ENGINE_RANKED = ("/v1/search",)


def representations():
    """(url, media type) for every GET operation's every format, then the pages."""
    document = json.loads((ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    found = []
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None or operation["operationId"] in INGEST_TIMED:
            continue
        url = _example_url(document, path, operation, item.get("parameters", []))
        for media_type in operation["responses"]["200"].get("content", {}):
            found.append((url, media_type))
    return [*found, *PAGES]


def decoded(response):
    """The body's bytes with the content coding undone."""
    coding = response.headers.get("Content-Encoding")
    body = response.get_data()
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "br":
        return brotli.decompress(body)
    return body


def observe(client, url, media_type, coding):
    """What a client sees of one representation in one coding."""
    response = client.get(url, headers={"Accept": media_type, "Accept-Encoding": coding})
    body = decoded(response)
    return {
        "status": response.status_code,
        "headers": {name: response.headers[name] for name in OBSERVED if name in response.headers},
        "length": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }


def served(client):
    """The whole snapshot: one entry per representation and coding, keyed readably."""
    return {
        f"GET {url} | {media_type} | {coding}": observe(client, url, media_type, coding)
        for url, media_type in representations()
        for coding in CODINGS
    }


@pytest.fixture(scope="module")
def current(app):
    return served(app.test_client())


def test_every_representation_is_served_as_snapshotted(current):
    if os.environ.get("ARTICLE_FACTS_SNAPSHOT_UPDATE"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1, ensure_ascii=False) + "\n", "utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert sorted(current) == sorted(expected), "representations added or gone"
    changed = [
        key
        for key in expected
        if current[key] != expected[key]
        and not (TEST_ENGINE == "postgresql" and key.split()[1].startswith(ENGINE_RANKED))
    ]
    assert not changed, f"served differently: {changed[:10]}"


def test_the_snapshot_covers_every_operation_in_every_format(current):
    operations = {key.split(" | ")[0] for key in current}
    assert len(operations) >= 16
    assert all(entry["status"] == 200 for entry in current.values())
