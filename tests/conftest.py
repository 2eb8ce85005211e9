"""Shared fixtures: the app on the built-in corpus, a client, and paths to the source files."""

from pathlib import Path

import pytest

from api import create_app

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_ID = "north-korean-troops-help-russian-army-clear-mines"
ARTICLE = f"/v1/articles/{ARTICLE_ID}"
# The source of record, laid beside the project checkout.
SHARED_ARTICLE = ROOT.parent / "shared" / "article.txt"
SECOND_ARTICLE_DIR = Path(__file__).parent / "fixtures" / "second-article"
# Each fact list with the name of its detail path parameter's kind.
FACT_LISTS = ("entities", "quotes", "figures", "timeline")


@pytest.fixture(scope="session")
def app():
    """The app serving the built-in corpus; the data is immutable, so one app serves all tests."""
    return create_app({"TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def article_text(app):
    """The article text as the API serves it."""
    return app.test_client().get(f"{ARTICLE}/text").get_data(as_text=True)


@pytest.fixture(scope="session")
def facts(app):
    """Every fact of the built-in article, by list name, fetched through the API."""
    client = app.test_client()
    return {name: client.get(f"{ARTICLE}/{name}?page_size=100").get_json() for name in FACT_LISTS}


@pytest.fixture()
def unused_port():
    """A loopback TCP port nothing is listening on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
