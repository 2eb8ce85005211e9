"""Every version kept: a correction is the next version, served by running instances within
the bound, with every earlier one still readable at `?version=N`."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from api import create_app
from api.cli import main
from api.store import BUILT_IN_CORPUS
from conftest import ARTICLE, ARTICLE_ID, SECOND_ARTICLE_DIR, gunicorn_server

ANNOTATION = f"{ARTICLE_ID}.json"


@pytest.fixture()
def corpus(tmp_path):
    """A copy of the built-in corpus to correct."""
    folder = tmp_path / "corpus"
    shutil.copytree(BUILT_IN_CORPUS, folder)
    return folder


def correct_veles(corpus, description="A Russian commander known by his call sign."):
    """Correct one entity's description, as an editor would."""
    path = corpus / ANNOTATION
    doc = json.loads(path.read_text(encoding="utf-8"))
    veles = next(entity for entity in doc["entities"] if entity["id"] == "veles")
    veles["description"] = description
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def cli(*args):
    """Run `article-facts` on the store the environment names (the test's own)."""
    return CliRunner().invoke(main, [str(arg) for arg in args])


def eventually(check, within=5.0):
    """Poll `check` until it holds or `within` seconds pass; its last value."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.fixture()
def client(corpus):
    """A client of an app that checks the store every fifth of a second."""
    return create_app({"CORPUS_DIR": str(corpus), "NEW_VERSION_SECONDS": 1}).test_client()


def test_a_correction_is_the_next_version_and_the_first_stays_readable(client, corpus):
    before = client.get(f"{ARTICLE}/entities/veles").get_json()
    assert client.get(ARTICLE).get_json()["version"] == 1
    correct_veles(corpus)
    ingested = cli("ingest", corpus)
    assert ingested.exit_code == 0, ingested.output
    assert f"{ARTICLE_ID}: version 2 written" in ingested.output

    # The kept rendering of version 1 is never served once version 2 is seen.
    assert eventually(lambda: client.get(ARTICLE).get_json()["version"] == 2, within=1.0)
    after = client.get(f"{ARTICLE}/entities/veles").get_json()
    assert after["description"] == "A Russian commander known by his call sign."
    assert client.get(f"{ARTICLE}/entities/veles?version=1").get_json() == before
    assert client.get(f"{ARTICLE}?version=1").get_json()["version"] == 1

    versions = client.get(f"{ARTICLE}/versions").get_json()
    assert [version["version"] for version in versions] == [1, 2]
    assert versions[1]["changes"]["entities"] == {
        "added": [],
        "removed": [],
        "changed": ["veles"],
    }
    assert all(
        not any(ids.values()) for kind, ids in versions[1]["changes"].items() if kind != "entities"
    )
    assert versions[0]["text_sha256"] == versions[1]["text_sha256"]
    assert versions[0]["annotation_sha256"] != versions[1]["annotation_sha256"]


def test_an_unchanged_annotation_writes_nothing(client, corpus):
    again = cli("ingest", corpus)
    assert again.exit_code == 0
    assert f"{ARTICLE_ID}: unchanged: nothing written" in again.output
    assert [v["version"] for v in client.get(f"{ARTICLE}/versions").get_json()] == [1]


def test_a_changed_text_is_refused_unless_asked_for(client, corpus):
    # Ingest computes the text's length and hash when the file leaves them out.
    doc = json.loads((corpus / ANNOTATION).read_text(encoding="utf-8"))
    del doc["article"]["text_length"], doc["article"]["sha256"]
    (corpus / ANNOTATION).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert cli("ingest", corpus).exit_code == 0
    text = corpus / f"{ARTICLE_ID}.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    refused = cli("ingest", corpus)
    assert refused.exit_code == 1
    assert "the text is the source of record" in refused.output
    assert "--new-text" in refused.output
    accepted = cli("ingest", "--new-text", corpus)
    assert accepted.exit_code == 0, accepted.output
    versions = client.get(f"{ARTICLE}/versions").get_json()
    assert [version["version"] for version in versions] == [1, 2, 3]
    assert versions[1]["text_sha256"] == versions[0]["text_sha256"] != versions[2]["text_sha256"]


def test_versions_carry_their_time_and_answer_if_modified_since(client):
    response = client.get(ARTICLE)
    modified = response.headers["Last-Modified"]
    assert client.get(ARTICLE, headers={"If-Modified-Since": modified}).status_code == 304
    assert (
        client.get(ARTICLE, headers={"If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"})
    ).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    assert (
        client.get(ARTICLE, headers={"If-Modified-Since": modified, "If-None-Match": '"x"'})
    ).status_code == 200


def test_a_pinned_version_is_cached_for_a_year_the_latest_for_the_bound(client):
    latest = client.get(f"{ARTICLE}/quotes")
    pinned = client.get(f"{ARTICLE}/quotes?version=1")
    assert latest.headers["Cache-Control"] == "public, max-age=5"
    assert pinned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert latest.data == pinned.data


def test_a_version_that_does_not_exist_is_a_404_naming_the_latest(client):
    response = client.get(f"{ARTICLE}/entities?version=7")
    assert response.status_code == 404
    assert "No version 7" in response.get_json()["detail"]
    assert "its latest is 1" in response.get_json()["detail"]


def test_a_withdrawn_article_is_gone_with_its_reason_and_its_versions_stay(client):
    client.get(f"{ARTICLE}/entities")  # kept, then never served again
    withdrawn = cli("withdraw", ARTICLE_ID, "--reason", "Published in error.")
    assert withdrawn.exit_code == 0, withdrawn.output

    def gone():
        return client.get(f"{ARTICLE}/entities").status_code == 410

    assert eventually(gone, within=1.0)
    for url in (ARTICLE, f"{ARTICLE}/text", f"{ARTICLE}/entities?version=1", f"{ARTICLE}/versions"):
        response = client.get(url)
        assert response.status_code == 410, url
        assert "Published in error." in response.get_json()["detail"]
    assert client.get("/v1/articles").get_json() == []
    # The same files ingested again, as every start on SQLite does, leave it withdrawn.
    again = cli("ingest")
    assert "unchanged, still withdrawn" in again.output, again.output
    assert client.get(ARTICLE).status_code == 410
    listed = cli("versions", ARTICLE_ID)
    assert listed.exit_code == 0 and listed.output.startswith("1  ")


def test_a_rebuild_keeps_every_version_served_alike(client, corpus):
    before = client.get(f"{ARTICLE}/claims?page_size=100").data
    rebuilt = cli("rebuild")
    assert rebuilt.exit_code == 0 and rebuilt.output == "1 version rebuilt\n"
    assert eventually(lambda: client.get(f"{ARTICLE}/claims?page_size=100").data == before)


def test_commands_name_a_missing_article_in_one_line():
    for command in (["versions", "nobody"], ["withdraw", "nobody", "--reason", "x"]):
        result = cli(*command)
        assert result.exit_code == 1
        assert result.output.strip() == "Error: no article 'nobody' in the store"


@pytest.mark.system
def test_a_running_server_serves_a_new_version_within_the_bound(corpus):
    """gunicorn with three workers, the default bound (5 s), the console script to ingest."""
    with gunicorn_server(workers=3, env={"ARTICLE_FACTS_CORPUS_DIR": str(corpus)}) as server:

        def version_everywhere():
            # Enough requests that every worker answers some: each must have moved on.
            answers = []
            for _ in range(12):
                with urllib.request.urlopen(f"{server.url}{ARTICLE}") as response:
                    answers.append(json.load(response)["version"])
            return set(answers)

        assert version_everywhere() == {1}
        correct_veles(corpus)
        script = Path(sys.executable).parent / "article-facts"
        ingested = subprocess.run(
            [script, "ingest", corpus], capture_output=True, text=True, env=os.environ, timeout=60
        )
        assert ingested.returncode == 0, ingested.stdout + ingested.stderr
        started = time.monotonic()
        assert eventually(lambda: version_everywhere() == {2}, within=6.0)
        assert time.monotonic() - started <= 6.0
        with urllib.request.urlopen(f"{server.url}{ARTICLE}/entities/veles?version=1") as old:
            assert json.load(old)["description"] != "A Russian commander known by his call sign."
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{server.url}{ARTICLE}?version=3")
        missing.value.close()
        assert missing.value.code == 404


def test_ingest_writes_the_good_article_and_refuses_the_bad_one(corpus, tmp_path):
    shutil.copytree(SECOND_ARTICLE_DIR, corpus, dirs_exist_ok=True)
    bad = corpus / "riverton-opens-new-bridge.json"
    doc = json.loads(bad.read_text(encoding="utf-8"))
    doc["quotes"][0]["speaker_id"] = "ada-byrn"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = cli("ingest", corpus)
    assert result.exit_code == 1
    assert f"{ARTICLE_ID}: version 1 written" in result.output
    assert (
        f"{bad}: /quotes/0/speaker_id: no entity 'ada-byrn' (did you mean 'ada-byrne'?)"
        in result.output
    )
    assert "1 version written, 0 unchanged, 1 file refused" in result.output
    assert "Traceback" not in result.output
    listed = cli("versions", "riverton-opens-new-bridge")
    assert listed.exit_code == 1  # nothing of the bad article was written
