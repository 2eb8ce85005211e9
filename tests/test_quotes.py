"""Quotes: the exact words, the speaker and the channel."""

from conftest import ARTICLE


def test_filter_by_speaker(client):
    quotes = client.get(f"{ARTICLE}/quotes?speaker=dmitry-peskov").get_json()
    assert [quote["text"] for quote in quotes] == [
        "grateful to our friends",
        "for their selfless, heroic assistance",
    ]


def test_interview_quote_names_its_outlet(client):
    quote = client.get(f"{ARTICLE}/quotes/skibytsky-they-are-learning").get_json()
    assert (quote["channel"], quote["outlet_id"], quote["kind"]) == ("interview", "reuters", "full")


def test_q_searches_quoted_words(client):
    quotes = client.get(f"{ARTICLE}/quotes?q=GREAT GUYS").get_json()
    assert [quote["speaker_id"] for quote in quotes] == ["veles"]
