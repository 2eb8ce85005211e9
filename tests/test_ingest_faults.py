"""Faults during ingest: an ingest killed mid-batch leaves each article at its old version or
its new one, never part of one, and the store goes on working."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.store.database import database_url, versions
from api.store.loading import served_facts
from api.store.repository import Store
from api.store.validation import validate_article

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from corpus import write_corpus  # noqa: E402

SCRIPT = Path(sys.executable).parent / "article-facts"
ARTICLES = 300


def correct_every_article(folder):
    """A second edition of every article: each city's description corrected."""
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["entities"][0]["description"] += " (corrected)"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def run_ingest(folder, env):
    return subprocess.run(
        [SCRIPT, "ingest", folder], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.system
def test_an_ingest_killed_mid_batch_leaves_whole_versions(tmp_path):
    corpus = tmp_path / "corpus"
    ids = write_corpus(ARTICLES, 7, corpus)
    env = {**os.environ, "ARTICLE_FACTS_DATA_DIR": str(tmp_path / "data")}
    first = run_ingest(corpus, env)
    assert first.returncode == 0, first.stdout + first.stderr
    correct_every_article(corpus)
    expected = {
        path.stem: served_facts(validate_article(path)[0].annotation)
        for path in sorted(corpus.glob("*.json"))
    }

    store = Store(database_url("", env["ARTICLE_FACTS_DATA_DIR"]))
    # A session of its own: SIGKILL goes to the command and the processes validating for it.
    ingest = subprocess.Popen(
        [SCRIPT, "ingest", corpus],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # Kill it once it has written some second versions and not all.
    deadline = time.monotonic() + 120
    while True:
        with store.engine.connect() as connection:
            written = connection.execute(
                sa.select(sa.func.count()).where(versions.c.version == 2)
            ).scalar_one()
        if written >= 5 or time.monotonic() > deadline or ingest.poll() is not None:
            break
        time.sleep(0.01)
    os.killpg(ingest.pid, signal.SIGKILL)
    ingest.wait(timeout=30)
    assert 0 < written < ARTICLES, "the kill came before or after the batch"

    store.refresh(force=True)
    seconds = 0
    for article_id in ids:
        latest = store.latest(article_id)
        assert latest is not None and latest.version in (1, 2), article_id
        article = store.article(article_id)
        served = {name: list(facts) for name, facts in article.facts.items()}
        if latest.version == 2:
            seconds += 1
            wanted = {name: list(facts) for name, facts in expected[article_id].items()}
            assert served == wanted, article_id  # the whole new version
        else:
            assert not article.find("entities", "city")["description"].endswith("(corrected)")
    assert 0 < seconds < ARTICLES
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    store.dispose()

    # The store goes on: the same ingest again writes the rest, and only the rest.
    again = run_ingest(corpus, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{ARTICLES - seconds} versions written, {seconds} unchanged" in again.stdout
