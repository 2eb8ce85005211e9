"""Exports of the whole corpus: `article-facts export` writes one, `GET /v1/exports` lists it
with its hash and size, `GET /v1/exports/<name>` serves it as a file; its lines rebuild the
corpus."""

import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from test_across import THIRD_ID, corpus_folder

from api import create_app
from api.store.database import database_url, migrate
from api.store.ingest import ingest
from api.store.repository import Store
from conftest import ARTICLE_ID
from schemas.kinds import KINDS

CONSOLE_SCRIPT = Path(sys.executable).parent / "article-facts"
ARTICLE_IDS = sorted([ARTICLE_ID, "riverton-opens-new-bridge", THIRD_ID])


def export_command(data, *arguments):
    """`article-facts export` on the store the app serves (the environment's engine)."""
    env = {**os.environ, "ARTICLE_FACTS_DATA_DIR": str(data)}
    result = subprocess.run(
        [CONSOLE_SCRIPT, "export", *arguments], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture()
def served(tmp_path):
    """An app serving the three articles of tests/test_across.py, its data folder, and a
    handle on its store to write with."""
    folder = corpus_folder(tmp_path / "corpus")
    data = tmp_path / "data"
    app = create_app({"TESTING": True, "CORPUS_DIR": str(folder), "DATA_DIR": str(data)})
    writer = Store(database_url(os.environ.get("ARTICLE_FACTS_DATABASE_URL", ""), str(data)))
    yield app.test_client(), data, writer, folder
    writer.dispose()


def test_the_command_writes_an_export_the_api_lists_and_serves(served):
    client, data, _, _ = served
    assert client.get("/v1/exports").get_json() == []
    output = export_command(data)
    (listed,) = client.get("/v1/exports").get_json()
    assert listed["name"] == "corpus-3.ndjson.gz" and listed["generation"] == 3
    assert listed["media_type"] == "application/gzip" and listed["articles"] == 3
    assert listed["url"] == "/v1/exports/corpus-3.ndjson.gz"
    assert output == (
        f"{data / 'exports' / listed['name']}: 3 articles at generation 3, {listed['size']} "
        f"bytes, sha256 {listed['sha256']}\n"
    )
    download = client.get(listed["url"])
    assert download.status_code == 200
    assert hashlib.sha256(download.get_data()).hexdigest() == listed["sha256"]
    assert len(download.get_data()) == listed["size"] == int(download.headers["Content-Length"])
    assert download.content_type == "application/gzip"
    assert download.headers["ETag"] == f'"{listed["sha256"]}"'
    assert download.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{listed["name"]}"'
    again = client.get(listed["url"], headers={"If-None-Match": download.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    # The same generation again: nothing new written.
    assert export_command(data).endswith("(already exported)\n")
    assert len(client.get("/v1/exports").get_json()) == 1


def test_the_lines_are_the_articles_and_rebuild_the_corpus(served, tmp_path):
    client, data, _, _ = served
    export_command(data)
    (listed,) = client.get("/v1/exports").get_json()
    articles = [
        orjson.loads(line)
        for line in gzip.decompress(client.get(listed["url"]).get_data()).splitlines()
    ]
    assert [article["article_id"] for article in articles] == ARTICLE_IDS
    for article in articles:
        url = f"/v1/articles/{article['article_id']}"
        assert article["version"] == 1
        assert article["text"] == client.get(f"{url}/text").get_data(as_text=True)
        assert article["metadata"]["title"] == client.get(url).get_json()["title"]
        for kind in KINDS:
            assert (
                article["facts"][kind.name]
                == client.get(f"{url}/{kind.path}?page_size=100").get_json()
            ), kind.name
    # Each line's annotation and text, as files, ingest into a new store as the same facts.
    rebuilt = tmp_path / "rebuilt"
    rebuilt.mkdir()
    for article in articles:
        (rebuilt / f"{article['article_id']}.txt").write_text(article["text"], encoding="utf-8")
        (rebuilt / f"{article['article_id']}.json").write_bytes(orjson.dumps(article["annotation"]))
    store = Store(database_url("", str(tmp_path / "rebuilt-store")))
    migrate(store.engine)
    outcomes, problems = ingest(store, [rebuilt])
    assert not problems and {outcome.status for outcome in outcomes} == {"written"}
    for article in articles:
        assert store.facts_of(article["article_id"], 1) == article["facts"]
    store.dispose()


def test_an_export_is_of_the_generation_it_names(served):
    """A later generation exports anew, listed first; the earlier one stays as it was; a
    withdrawn article is left out."""
    client, data, writer, _ = served
    export_command(data)
    assert writer.withdraw(THIRD_ID, "Written for the tests.")
    export_command(data)
    newer, older = client.get("/v1/exports").get_json()
    assert (newer["generation"], older["generation"]) == (4, 3)
    assert (newer["articles"], older["articles"]) == (2, 3)
    lines = gzip.decompress(client.get(newer["url"]).get_data()).splitlines()
    assert [orjson.loads(line)["article_id"] for line in lines] == [
        ARTICLE_ID,
        "riverton-opens-new-bridge",
    ]


def test_the_command_writes_where_it_is_told_and_leaves_no_temporary_file(served, tmp_path):
    _, data, _, _ = served
    elsewhere = tmp_path / "elsewhere"
    export_command(data, "--to", str(elsewhere))
    assert sorted(path.name for path in elsewhere.iterdir()) == [
        "corpus-3.ndjson.gz",
        "corpus-3.ndjson.gz.json",
    ]


def test_the_list_shows_a_new_export_at_once(served):
    """The list is kept like any list, until the exports folder changes."""
    client, data, _, _ = served
    empty = client.get("/v1/exports")
    assert empty.get_json() == []
    export_command(data)
    again = client.get("/v1/exports", headers={"If-None-Match": empty.headers["ETag"]})
    assert again.status_code == 200 and len(again.get_json()) == 1


@pytest.mark.parametrize("sidecar", [b"[1, 2]", b'{"name": "corpus-7.ndjson.gz"}', b"{"])
def test_a_file_without_a_sidecar_this_release_wrote_is_no_export(served, sidecar):
    """A sidecar of another shape (or half-written) leaves its file out, never a 500."""
    client, data, _, _ = served
    export_command(data)
    folder = data / "exports"
    (folder / "corpus-7.ndjson.gz").write_bytes(b"not an export")
    (folder / "corpus-7.ndjson.gz.json").write_bytes(sidecar)
    assert [item["name"] for item in client.get("/v1/exports").get_json()] == ["corpus-3.ndjson.gz"]
    assert client.get("/v1/exports/corpus-7.ndjson.gz").status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "corpus-1.ndjson.gz.json",  # the sidecar
        "corpus-99.ndjson.gz",
        "corpus-01.ndjson.gz",
        "..%2F..%2Fsecret.txt",
        "..%2Fsecret.txt",
        "%2E%2E",
        "secret.txt",
        ".corpus-1.ndjson.gz.x.tmp",
        "corpus-1.ndjson.gz%00",
        "x" * 300,
    ],
)
def test_a_name_that_is_not_an_export_is_a_404_problem(app, name):
    # Beside the exports folder, where a path that climbs out of it would lead.
    secret = Path(app.config["DATA_DIR"]) / "secret.txt"
    secret.write_text("not for you", encoding="utf-8")
    response = app.test_client().get(f"/v1/exports/{name}")
    assert response.status_code in (400, 404), response.status_code
    assert response.content_type == "application/problem+json"
    assert b"not for you" not in response.get_data()


def test_the_built_in_corpus_has_its_export(client):
    (listed,) = client.get("/v1/exports").get_json()
    download = client.get(listed["url"])
    assert hashlib.sha256(download.get_data()).hexdigest() == listed["sha256"]
    csv = client.get("/v1/exports", headers={"Accept": "text/csv"}).get_data(as_text=True)
    assert csv.splitlines()[0] == "name,generation,created_at,media_type,sha256,size,articles,url"
