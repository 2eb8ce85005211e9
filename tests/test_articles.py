"""The article list, metadata and text."""

import json

import pytest
from test_across import corpus_folder

from api import create_app
from conftest import ARTICLE, ARTICLE_ID, FACT_LISTS


def test_article_list_summarises_each_article(client):
    [summary] = client.get("/v1/articles").get_json()
    assert summary["id"] == ARTICLE_ID
    assert summary["title"] == "North Korean troops help Russian army clear mines from battlefield"
    assert summary["published"] == "2025-11-16T09:39"


def test_article_metadata_as_printed(client):
    article = client.get(ARTICLE).get_json()
    assert article["original_outlet_id"] == "the-telegraph"
    assert article["standfirst"].startswith("Pyongyang sent around 14,000 soldiers")
    assert article["language"] == "en"
    # The article gives no time zone, so none is invented.
    assert not article["published"].endswith(("Z", "+00:00"))


def test_counts_match_the_lists(client):
    counts = client.get(ARTICLE).get_json()["counts"]
    for name in FACT_LISTS:
        total = len(client.get(f"{ARTICLE}/{name}?page_size=100").get_json())
        assert counts["events" if name == "timeline" else name] == total


def test_text_is_plain_utf8(client):
    response = client.get(f"{ARTICLE}/text")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "\u2013 the same area" in response.get_data(as_text=True)


# The list's filters, on the corpus of tests/test_across.py: the built-in article (The
# Telegraph, 2025-11-16T09:39), riverton-opens-new-bridge (Riverton Herald, 2025-04-02T08:15)
# and kim-vows-to-stand-with-russia (Harbour Post, 2024-10-12T10:00).
RIVERTON, THIRD = "riverton-opens-new-bridge", "kim-vows-to-stand-with-russia"


@pytest.fixture(scope="module")
def several(tmp_path_factory):
    """A client of an app serving the three articles."""
    folder = corpus_folder(tmp_path_factory.mktemp("articles") / "corpus")
    data = tmp_path_factory.mktemp("articles-data")
    app = create_app({"TESTING": True, "CORPUS_DIR": str(folder), "DATA_DIR": str(data)})
    return app.test_client()


def listed(client, query):
    response = client.get(f"/v1/articles?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [article["id"] for article in response.get_json()]


def test_the_list_stays_in_id_order_and_sorts_by_publication_when_asked(several):
    assert listed(several, "") == sorted([ARTICLE_ID, RIVERTON, THIRD])
    assert listed(several, "sort=published") == [THIRD, RIVERTON, ARTICLE_ID]
    assert listed(several, "sort=-published") == [ARTICLE_ID, RIVERTON, THIRD]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("entity=Q423", {ARTICLE_ID, THIRD}),
        ("entity=Q18808", {THIRD}),  # a QID one article alone names
        ("entity=Q42308", {ARTICLE_ID}),
        ("entity=Q1", set()),  # a well-formed QID nothing names: an empty list
        ("outlet=The Telegraph", {ARTICLE_ID}),
        ("outlet=the telegraph", {ARTICLE_ID}),
        ("outlet=HARBOUR POST", {THIRD}),
        ("outlet=Telegraph", set()),  # the whole name, not a part of it
        ("outlet=%25", set()),
        ("outlet=_", set()),
        ("outlet=%27%22", set()),
        ("entity=Q423&outlet=harbour post", {THIRD}),
    ],
)
def test_filters_by_entity_and_outlet(several, query, expected):
    assert set(listed(several, query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A date covers its whole day, a month its whole month, a year its whole year.
        ("published_from=2025-11-16", {ARTICLE_ID}),
        ("published_to=2025-11-16", {ARTICLE_ID, RIVERTON, THIRD}),
        ("published_from=2025-11-16&published_to=2025-11-16", {ARTICLE_ID}),
        ("published_from=2025-04&published_to=2025-04", {RIVERTON}),
        ("published_from=2025", {ARTICLE_ID, RIVERTON}),
        ("published_to=2024", {THIRD}),
        # At the precision given: the hour 08 holds 08:15; the minute 08:14 does not.
        ("published_from=2025-04-02T08&published_to=2025-04-02T08", {RIVERTON}),
        ("published_to=2025-04-02T08:14", {THIRD}),
        ("published_to=2025-04-02T08:15", {THIRD, RIVERTON}),
        ("published_from=2025-04-02T08:16", {ARTICLE_ID}),
        ("published_from=2026", set()),
        ("published_from=2025-12&published_to=2025-01", set()),
    ],
)
def test_publication_bounds_compare_the_time_as_printed(several, query, expected):
    assert set(listed(several, query)) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2025-11-16T09:39Z", "without a time zone"),
        ("2025-11-16T09:39+01:00", "without a time zone"),
        ("2025-11-16T09-05", "without a time zone"),
        ("2025-02-30", "YYYY-MM-DDTHH:MM"),
        ("2025-11-16T24", "YYYY-MM-DDTHH:MM"),
        ("2025-11-16T09:39:00", "YYYY-MM-DDTHH:MM"),
        ("16/11/2025", "YYYY-MM-DDTHH:MM"),
        ("", "YYYY-MM-DDTHH:MM"),
    ],
)
@pytest.mark.parametrize("parameter", ["published_from", "published_to"])
def test_a_bound_with_a_zone_or_another_form_is_refused(several, parameter, value, says):
    response = several.get(f"/v1/articles?{parameter}={value.replace('+', '%2B')}")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert says in response.get_json()["errors"]["query"][parameter][0]


@pytest.mark.parametrize("query", ["entity=kharkiv", "entity=the-telegraph", "outlet="])
def test_other_bad_filters_are_problems(several, query):
    response = several.get(f"/v1/articles?{query}")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def test_filters_keep_the_paging(several):
    response = several.get("/v1/articles?published_from=2025&sort=published&page_size=1")
    assert [article["id"] for article in response.get_json()] == [RIVERTON]
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    assert "published_from=2025" in response.headers["Link"]
    second = several.get("/v1/articles?published_from=2025&sort=published&page_size=1&page=2")
    assert [article["id"] for article in second.get_json()] == [ARTICLE_ID]
