"""The rules the annotation review (issue 19) wrote down, kept true for every article served.

Each rule is checked through the API, on the built-in article and on the second article (an
annotation file older than `statements`, `as_of` and `insertions`, which get their defaults).
"""

import re

import pytest

from api import create_app
from api.store import BUILT_IN_CORPUS
from conftest import ARTICLE_ID, SECOND_ARTICLE_DIR

ARTICLES = [
    (BUILT_IN_CORPUS, ARTICLE_ID),
    (SECOND_ARTICLE_DIR, "riverton-opens-new-bridge"),
]
# A claimant says it is not so: the words that make a claim `denied`.
DENYING = re.compile(
    r"\b(?:den(?:y|ies|ied|ying|ial)|reject(?:s|ed|ing)?|dismiss(?:es|ed|ing)?|"
    r"refute[sd]?|rebut(?:s|ted)?|not true|untrue|false)\b",
    re.IGNORECASE,
)
# Where a sentence ends: a full stop, question or exclamation mark before a space, or a line.
SENTENCE_END = re.compile(r"[.?!][\"”’)]*\s|\n")
# A printed date: a year, as "Nov 16, 2025 09:39" or "16 November 2025" print it.
PRINTED_YEAR = re.compile(r"\b\d{4}\b")


@pytest.fixture(scope="module", params=ARTICLES, ids=[article_id for _, article_id in ARTICLES])
def article(request):
    """(text, metadata, claims, events) of one article, as the API serves them."""
    folder, article_id = request.param
    client = create_app({"CORPUS_DIR": str(folder)}).test_client()
    base = f"/v1/articles/{article_id}"
    return (
        client.get(f"{base}/text").get_data(as_text=True),
        client.get(base).get_json(),
        client.get(f"{base}/claims?page_size=100").get_json(),
        client.get(f"{base}/timeline?page_size=100").get_json(),
    )


def inside(span, outer):
    return outer["start"] <= span["start"] and span["end"] <= outer["end"]


def test_a_claim_is_denied_only_where_its_statement_has_a_denying_word(article):
    _, _, claims, _ = article
    for claim in claims:
        if claim["polarity"] != "denied":
            continue
        for statement in claim["statements"]:
            mention = next(m for m in claim["mentions"] if inside(statement["cue"], m))
            assert DENYING.search(mention["text"]), (claim["id"], mention["text"])


def test_a_withheld_claim_has_a_negation_in_its_statement(article):
    _, _, claims, _ = article
    for claim in claims:
        if claim["polarity"] == "withheld":
            mention = next(m for m in claim["mentions"] if inside(claim["cue"], m))
            assert re.search(r"\b(?:not|no|never)\b|n't", mention["text"]), claim["id"]


def test_every_statement_has_its_cue_and_content_in_one_sentence_apart(article):
    text, _, claims, _ = article
    for claim in claims:
        first = claim["statements"][0]
        assert (first["cue"], first["content"]) == (claim["cue"], claim["content"])
        assert len(claim["statements"]) == len(claim["mentions"]), claim["id"]
        for statement in claim["statements"]:
            cue, content = statement["cue"], statement["content"]
            assert cue["end"] <= content["start"] or content["end"] <= cue["start"], claim["id"]
            between = text[min(cue["end"], content["end"]) : max(cue["start"], content["start"])]
            assert not SENTENCE_END.search(between), (claim["id"], between)
            assert any(inside(cue, m) and inside(content, m) for m in claim["mentions"])


def test_no_event_is_dated_to_a_day_only_by_the_publication_date(article):
    _, metadata, _, events = article
    published = metadata["published"][:10]
    for event in events:
        if event["precision"] == "day" and event["date"] == published and not event["as_of"]:
            # Then the text prints the date itself ("Nov 16, 2025 09:39").
            assert PRINTED_YEAR.search(event["date_text"]), event["id"]
            assert not event["relative"], event["id"]
        if event["as_of"]:
            assert (event["date"], event["precision"]) == (published, "day"), event["id"]


def test_the_demining_is_a_state_that_holds_as_of_publication(client):
    events = client.get(f"/v1/articles/{ARTICLE_ID}/timeline").get_json()
    assert [event["id"] for event in events if event["as_of"]] == [
        "north-korean-soldiers-demining-kursk"
    ]
    # It sorts and filters by the date by which it holds.
    found = client.get(f"/v1/articles/{ARTICLE_ID}/timeline?from=2025-11-16").get_json()
    assert "north-korean-soldiers-demining-kursk" in [event["id"] for event in found]
    found = client.get(f"/v1/articles/{ARTICLE_ID}/timeline?to=2025-11-15").get_json()
    assert "north-korean-soldiers-demining-kursk" not in [event["id"] for event in found]


def test_who_gives_the_14000_in_each_place(client):
    figure = client.get(f"/v1/articles/{ARTICLE_ID}/figures/north-korean-soldiers-sent").get_json()
    assert [
        (a["mention"]["text"], a["source_ids"], a["claim_id"]) for a in figure["attributions"]
    ] == [
        (
            "some 14,000 soldiers",
            ["south-korean-sources", "ukrainian-sources", "western-sources"],
            "sources-troops-sent-and-killed",
        ),
        ("around 14,000 soldiers", [], None),
    ]
    assert [a["mention"] for a in figure["attributions"]] == figure["mentions"]


def test_russians_is_a_mention_of_russia(client):
    russia = client.get(f"/v1/articles/{ARTICLE_ID}/entities/russia").get_json()
    assert "Russians" in russia["aliases"]
    assert {"start": 3533, "end": 3541, "text": "Russians"} in russia["mentions"]
