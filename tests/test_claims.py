"""Claims: every attributed statement, who makes it, in which words, and what it carries."""

import csv
import io
import json
import re

import pytest
from pyld import jsonld

from api import create_app
from api.store import BUILT_IN_CORPUS
from conftest import ARTICLE, ARTICLE_ID, SECOND_ARTICLE_DIR

# Words that attribute a statement to someone, in every form the rule has to consider, with
# nouns that name how a statement reached the text. Each occurrence in an article must be a
# claim's cue or be excluded in its annotation with a reason.
CUE_WORDS = re.compile(
    r"\b(?:according to|say|says|said|saying|tell|tells|told|note|notes|noted|"
    r"reports?|reported|reporting|estimates?|estimated|acknowledge[sd]?|recall(?:s|ed)?|"
    r"confirm(?:s|ed)?|provide[sd]?|claim(?:s|ed)?|state[sd]?|statement|interview|"
    r"announce[sd]?|den(?:y|ies|ied)|insist(?:s|ed)?|warn(?:s|ed)?|add(?:s|ed)?|"
    r"believe[sd]?|show(?:s|n|ed|ing)?|release[sd]?)\b",
    re.IGNORECASE,
)
ARTICLES = [
    (BUILT_IN_CORPUS, ARTICLE_ID),
    (SECOND_ARTICLE_DIR, "riverton-opens-new-bridge"),
]


def inside(span, outer):
    return outer["start"] <= span["start"] and span["end"] <= outer["end"]


@pytest.fixture(scope="module")
def claims(app):
    return app.test_client().get(f"{ARTICLE}/claims?page_size=100").get_json()


def by_id(claims, claim_id):
    return next(claim for claim in claims if claim["id"] == claim_id)


@pytest.mark.parametrize(("folder", "article_id"), ARTICLES)
def test_every_cue_word_is_a_claims_cue_or_excluded_with_a_reason(folder, article_id):
    """Completeness: no attributing word in the text is left unjudged."""
    app = create_app({"CORPUS_DIR": str(folder)})
    client = app.test_client()
    text = client.get(f"/v1/articles/{article_id}/text").get_data(as_text=True)
    claims = client.get(f"/v1/articles/{article_id}/claims?page_size=100").get_json()
    # The exclusions are annotation, not API: read them from the file itself.
    annotation = json.loads((folder / f"{article_id}.json").read_text(encoding="utf-8"))
    excluded = annotation["excluded_cues"]
    occurrences = [
        {"start": m.start(), "end": m.end(), "text": m.group()} for m in CUE_WORDS.finditer(text)
    ]
    assert occurrences
    for word in occurrences:
        cue_of = [
            claim["id"]
            for claim in claims
            if any(inside(word, statement["cue"]) for statement in claim["statements"])
        ]
        reasons = [e["reason"] for e in excluded if inside(word, e["mention"])]
        assert cue_of or reasons, f"{word['text']!r} at {word['start']} is unjudged"
        assert not (cue_of and reasons), f"{word['text']!r} at {word['start']} is both"
    # No exclusion is stale, and every cue is attributing wording this test knows.
    for entry in excluded:
        assert any(inside(word, entry["mention"]) for word in occurrences), entry
        assert entry["reason"].strip()
    for claim in claims:
        for statement in claim["statements"]:
            assert CUE_WORDS.search(statement["cue"]["text"]), claim["id"]


def test_every_span_slices_the_text_exactly(claims, article_text):
    for claim in claims:
        for span in [claim["cue"], claim["content"], *claim["mentions"]]:
            assert article_text[span["start"] : span["end"]] == span["text"], claim["id"]
        # One statement holds both the cue and the content.
        assert any(
            inside(claim["cue"], mention) and inside(claim["content"], mention)
            for mention in claim["mentions"]
        )


def test_claimants_outlets_and_carried_facts_resolve_through_the_api(client, claims):
    for claim in claims:
        assert claim["claimant_ids"], claim["id"]
        for entity_id in [*claim["claimant_ids"], *filter(None, [claim["outlet_id"]])]:
            assert client.get(f"{ARTICLE}/entities/{entity_id}").status_code == 200
        for field, path in (("quote_ids", "quotes"), ("figure_ids", "figures")):
            for fact_id in claim[field]:
                fact = client.get(f"{ARTICLE}/{path}/{fact_id}").get_json()
                # What a claim carries is stated inside one of its statements.
                assert any(
                    inside(mention, statement)
                    for mention in fact["mentions"]
                    for statement in claim["mentions"]
                ), (claim["id"], fact_id)
        for event_id in claim["event_ids"]:
            assert client.get(f"{ARTICLE}/timeline/{event_id}").status_code == 200


def test_the_narrators_own_statements_are_not_claims(claims, article_text):
    for words in (
        "North Korean troops have been sent to Ukraine",
        "underscores the desire of both sides",
        "Kursk saw some of the fiercest fighting",
        "The Ukrainian army managed to hold a significant portion",
        "North Korean troops help Russian army clear mines from battlefield",
    ):
        start = article_text.index(words)
        span = {"start": start, "end": start + len(words)}
        assert not [c["id"] for c in claims if any(inside(span, m) for m in c["mentions"])]


def test_who_claims_what_in_which_words(claims):
    expected = {
        "peskov-grateful-for-assistance": (["dmitry-peskov"], "said"),
        "sources-troops-sent-and-killed": (
            ["south-korean-sources", "ukrainian-sources", "western-sources"],
            "according to",
        ),
        "kim-ties-will-continue": (["kim-jong-un"], "according to"),
        "veles-soldiers-learn-quickly": (["veles"], "says"),
        "russian-media-mines-left-behind": (["russian-media"], "reported"),
        "intelligence-drone-production": (["ukrainian-military-intelligence"], "noted"),
        "skibytsky-learning-to-expand-production": (["vadym-skibytsky"], "told"),
        "skibytsky-millions-of-shells": (["vadym-skibytsky"], "noted"),
        "skibytsky-shells-since-2023": (["vadym-skibytsky"], "estimates"),
        "north-korea-acknowledges-involvement": (["north-korea"], "acknowledged"),
        "north-korea-no-details-of-role": (["north-korea"], "not provided"),
        "north-korea-no-casualty-count": (["north-korea"], "confirmed"),
    }
    assert {c["id"]: (c["claimant_ids"], c["cue"]["text"]) for c in claims} == expected
    starts = [(c["mentions"][0]["start"], c["cue"]["start"]) for c in claims]
    assert starts == sorted(starts)  # reading order


def test_every_quote_is_carried_by_a_claim_in_its_speakers_words(client, claims):
    for quote in client.get(f"{ARTICLE}/quotes?page_size=100").get_json():
        carriers = [claim for claim in claims if quote["id"] in claim["quote_ids"]]
        assert carriers, quote["id"]
        assert all(quote["speaker_id"] in claim["claimant_ids"] for claim in carriers)
        assert all(claim["mode"] in ("direct", "partial") for claim in carriers)


def test_an_attributed_figure_is_stated_by_a_claim_of_its_sources(client, claims):
    """Which claim states this number? Every figure with sources has the answer."""
    for figure in client.get(f"{ARTICLE}/figures?page_size=100").get_json():
        carriers = [claim for claim in claims if figure["id"] in claim["figure_ids"]]
        if figure["source_ids"]:
            assert [set(c["claimant_ids"]) for c in carriers] == [set(figure["source_ids"])]
        else:
            assert carriers == [], figure["id"]


def test_direct_claims_are_their_quotes(client, claims):
    for claim in claims:
        quotes = [client.get(f"{ARTICLE}/quotes/{q}").get_json() for q in claim["quote_ids"]]
        if claim["mode"] == "direct":
            assert claim["content"]["text"] in [quote["text"] for quote in quotes]
        elif claim["mode"] == "partial":
            assert all(quote["kind"] == "partial" for quote in quotes)
        else:
            assert quotes == []


def test_standfirst_restates_a_claim_with_a_statement_of_its_own(client, claims):
    metadata = client.get(ARTICLE).get_json()
    claim = by_id(claims, "sources-troops-sent-and-killed")
    body, standfirst = claim["mentions"]
    assert inside(claim["cue"], body) and claim["cue"]["text"] == "according to"
    # The standfirst attributes only the deaths to the sources: the 14,000 is the narrator's.
    assert inside(standfirst, metadata["standfirst_mention"])
    assert standfirst["text"] == (
        "South Korean, Ukrainian and Western sources saying more than 6,000 of them died"
    )
    first, second = claim["statements"]
    assert (first["cue"], first["content"]) == (claim["cue"], claim["content"])
    assert (second["cue"]["text"], second["content"]["text"]) == (
        "saying",
        "more than 6,000 of them died",
    )
    assert set(claim["figure_ids"]) == {
        "north-korean-soldiers-sent",
        "north-korean-soldiers-killed",
    }


def test_channel_and_outlet_where_the_text_says_them(claims):
    told = by_id(claims, "skibytsky-learning-to-expand-production")
    assert (told["channel"], told["outlet_id"], told["mode"]) == ("interview", "reuters", "direct")
    recalled = by_id(claims, "peskov-grateful-for-assistance")
    assert (recalled["channel"], recalled["outlet_id"]) == ("report", "the-telegraph")
    assert by_id(claims, "kim-ties-will-continue")["channel"] == "statement"
    assert by_id(claims, "skibytsky-millions-of-shells")["channel"] is None


def test_what_north_korea_has_not_said_is_a_withheld_claim_not_a_denial(client):
    withheld = client.get(f"{ARTICLE}/claims?claimant=north-korea&polarity=withheld").get_json()
    assert [(c["cue"]["text"], c["content"]["text"]) for c in withheld] == [
        ("not provided", "details about its role"),
        ("confirmed", "the exact number of casualties"),
    ]
    assert client.get(f"{ARTICLE}/claims?polarity=denied").get_json() == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("claimant=vadym-skibytsky", 3),
        ("claimant=western-sources", 1),
        ("mode=direct", 2),
        ("mode=partial", 3),
        ("polarity=asserted", 10),
        ("q=STOCKPILES", 1),  # in the content
        ("q=heroic", 1),  # in the summary and the content
        ("claimant=reuters", 0),  # the outlet, not a claimant
    ],
)
def test_filters(client, query, expected):
    response = client.get(f"{ARTICLE}/claims?{query}&page_size=100")
    assert response.status_code == 200
    assert len(response.get_json()) == expected


@pytest.mark.parametrize(
    "bad", ["mode=hearsay", "polarity=maybe", "sort=claimant", "embed=speaker"]
)
def test_bad_values_are_422_naming_the_parameter(client, bad):
    response = client.get(f"{ARTICLE}/claims?{bad}")
    assert response.status_code == 422
    assert bad.split("=")[0] in response.get_json()["errors"]["query"]


def test_embed_puts_every_related_fact_inline(client):
    claim = client.get(
        f"{ARTICLE}/claims/skibytsky-shells-since-2023?embed=claimants,outlet,figures,events"
    ).get_json()
    assert [c["name"] for c in claim["claimants"]] == ["Vadym Skibytsky"]
    assert claim["outlet"] is None
    assert claim["figures"] == [client.get(f"{ARTICLE}/figures/artillery-shells-total").get_json()]
    [event] = claim["events"]
    assert (event["id"], event["date"]) == ("artillery-shell-shipments-counted-from", "2023")
    quoted = client.get(f"{ARTICLE}/claims/peskov-grateful-for-assistance?embed=quotes").get_json()
    assert [q["text"] for q in quoted["quotes"]] == [
        "grateful to our friends",
        "for their selfless, heroic assistance",
    ]


def test_sort_by_mode_and_sparse_fields(client):
    claims = client.get(f"{ARTICLE}/claims?sort=mode,-id&fields=mode&page_size=100").get_json()
    assert all(list(claim) == ["id", "mode"] for claim in claims)
    keys = [(claim["mode"], claim["id"]) for claim in claims]
    assert keys == sorted(keys, key=lambda key: (key[0], [-ord(c) for c in key[1]]))


def test_csv_has_a_row_per_claim_with_spans_as_offsets(client, claims):
    response = client.get(
        f"{ARTICLE}/claims?fields=cue,mode&embed=claimants", headers={"Accept": "text/csv"}
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["id", "cue", "mode", "claimants"]
    sources = next(row for row in rows if row["id"] == "sources-troops-sent-and-killed")
    assert sources["cue"] == "443:455"
    assert sources["claimants"] == "South Korean sources|Ukrainian sources|Western sources"
    assert len(rows) == len(claims)


def test_json_ld_claims_have_their_authors_and_appear_in_the_article(client, claims):
    document = client.get(ARTICLE, headers={"Accept": "application/ld+json"}).get_json()
    base = "http://localhost"  # node ids are absolute, from the request's origin
    nodes = {node["@id"]: node for node in jsonld.flatten(document)}
    schema = "https://schema.org/"
    for claim in claims:
        node = nodes[f"{base}{ARTICLE}/claims/{claim['id']}"]
        assert node["@type"] == [f"{schema}Claim"]
        # A withheld claim is the article's word about the claimants' silence: they are what
        # it is about, not its authors.
        role = "about" if claim["polarity"] == "withheld" else "author"
        authors = {ref["@id"].rsplit("/", 1)[-1] for ref in node[f"{schema}{role}"]}
        assert authors == set(claim["claimant_ids"])
        assert node[f"{schema}appearance"] == [{"@id": f"{base}{ARTICLE}"}]
        assert node[f"{schema}text"] == [{"@value": claim["content"]["text"]}]


def test_facets_count_claims_by_mode_and_claimant(client, claims):
    facets = client.get(ARTICLE).get_json()["facets"]
    assert sum(facets["claims_by_mode"].values()) == len(claims)
    assert facets["claims_by_mode"] == {"indirect": 7, "partial": 3, "direct": 2}
    assert facets["claims_by_claimant"]["vadym-skibytsky"] == 3
    assert facets["claims_by_claimant"]["western-sources"] == 1


def test_search_finds_claims_by_their_words(client):
    hits = client.get(f"{ARTICLE}/search?q=estimates&kind=claim").get_json()
    assert [(hit["id"], hit["match"]["text"]) for hit in hits] == [
        ("skibytsky-shells-since-2023", "estimates")
    ]
    assert client.get(hits[0]["url"]).get_json()["cue"]["text"] == "estimates"
