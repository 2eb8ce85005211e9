"""W3C Web Annotations: every mention of every fact, anchored exactly, expandable offline."""

import json

import pytest
from pyld import jsonld

from api.annotations import ANNO_CONTEXT_FILE, ANNO_CONTEXT_URL, annotation_page
from conftest import ARTICLE, ARTICLE_ID, FACT_LISTS, KINDS, ROOT

OA = "http://www.w3.org/ns/oa#"
AS = "http://www.w3.org/ns/activitystreams#"
BASE = "http://localhost"


def shipped_context_only(url, options=None):
    """A pyld document loader that serves the shipped W3C context and fetches nothing."""
    if url != ANNO_CONTEXT_URL:
        raise AssertionError(f"the annotations made pyld fetch {url}")
    document = json.loads(ANNO_CONTEXT_FILE.read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


@pytest.fixture(scope="module")
def page(app):
    article = app.extensions["article_facts"]["corpus"][ARTICLE_ID]
    with app.test_request_context(ARTICLE, base_url=BASE):
        return annotation_page(article)


def selectors(annotation):
    """The annotation's TextPositionSelector and TextQuoteSelector."""
    found = {selector["type"]: selector for selector in annotation["target"]["selector"]}
    return found["TextPositionSelector"], found["TextQuoteSelector"]


def test_page_expands_with_the_shipped_w3c_context_and_nothing_fetched(page):
    [expanded] = jsonld.expand(page, {"documentLoader": shipped_context_only})
    assert expanded["@id"] == f"{BASE}{ARTICLE}#annotations"
    assert expanded["@type"] == [f"{AS}OrderedCollectionPage"]  # AnnotationPage
    items = expanded[f"{AS}items"][0]["@list"]
    assert len(items) == len(page["items"])
    first = items[0]
    assert first["@type"] == [f"{OA}Annotation"]
    assert first[f"{OA}motivatedBy"] == [{"@id": f"{OA}identifying"}]
    [target] = first[f"{OA}hasTarget"]
    assert target[f"{OA}hasSource"] == [{"@id": f"{BASE}{ARTICLE}/text"}]
    types = {selector["@type"][0] for selector in target[f"{OA}hasSelector"]}
    assert types == {f"{OA}TextPositionSelector", f"{OA}TextQuoteSelector"}
    purposes = {body[f"{OA}hasPurpose"][0]["@id"] for body in first[f"{OA}hasBody"]}
    assert purposes == {f"{OA}identifying", f"{OA}classifying", f"{OA}describing"}


def test_every_selector_slices_the_text_exactly(page, article_text):
    for annotation in page["items"]:
        position, quote = selectors(annotation)
        start, end = position["start"], position["end"]
        assert article_text[start:end] == quote["exact"], annotation["id"]
        prefix, suffix = quote.get("prefix", ""), quote.get("suffix", "")
        assert article_text[start - len(prefix) : start] == prefix, annotation["id"]
        assert article_text[end : end + len(suffix)] == suffix, annotation["id"]
        assert prefix or start == 0, annotation["id"]  # context wherever there is text
        assert suffix or end == len(article_text), annotation["id"]
        # The quote with its context anchors one place only.
        assert article_text.count(prefix + quote["exact"] + suffix) == 1, annotation["id"]


def test_one_annotation_per_mention_of_every_fact_in_text_order(page, facts, client):
    expected = {
        (KINDS[name], fact["id"], mention["start"], mention["end"])
        for name in FACT_LISTS
        for fact in facts[name]
        for mention in fact["mentions"]
    }
    found = []
    for annotation in page["items"]:
        identifying, kind, label = annotation["body"]
        position, _ = selectors(annotation)
        fact_path = identifying["source"].removeprefix(BASE)
        fact = client.get(fact_path).get_json()  # the body links the fact itself
        spans = [(mention["start"], mention["end"]) for mention in fact["mentions"]]
        assert (position["start"], position["end"]) in spans, annotation["id"]
        assert kind == {"type": "TextualBody", "value": kind["value"], "purpose": "classifying"}
        assert label["value"] in [
            fact.get(key) for key in ("name", "text", "description", "summary")
        ]
        found.append((kind["value"], fact["id"], position["start"], position["end"]))
    assert len(found) == len(expected) and set(found) == expected
    assert [item[2:] for item in found] == sorted(item[2:] for item in found)


def test_labels_are_the_facts_names_words_or_summaries(page, facts):
    labels = {
        (
            annotation["body"][1]["value"],
            annotation["body"][0]["source"].rsplit("/", 1)[1],
        ): annotation["body"][2]["value"]
        for annotation in page["items"]
    }
    assert labels[("entity", "veles")] == "Veles"
    assert labels[("quote", "veles-great-guys")] == next(
        quote["text"] for quote in facts["quotes"] if quote["id"] == "veles-great-guys"
    )
    event = facts["timeline"][0]
    assert labels[("event", event["id"])] == event["summary"]


def test_the_target_source_is_the_exact_text(page, client, article_text):
    source = page["items"][0]["target"]["source"]
    response = client.get(source.removeprefix(BASE))
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True) == article_text


def test_the_w3c_context_ships_with_the_package():
    context = json.loads(ANNO_CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    assert context["AnnotationPage"] == "as:OrderedCollectionPage"
    assert context["TextQuoteSelector"] == "oa:TextQuoteSelector"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"contexts/*.jsonld"' in pyproject  # installed with the package, not only in git
