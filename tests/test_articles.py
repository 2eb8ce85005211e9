"""The article list, metadata and text."""

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
