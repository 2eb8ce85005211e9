"""W3C Web Annotations: every mention of every fact, anchored exactly, expandable offline."""

import json

import pytest
from pyld import jsonld

from api.formats.annotations import ANNO_CONTEXT_FILE, ANNO_CONTEXT_URL, ANNOTATION_MEDIA_TYPE
from conftest import ARTICLE, FACT_LISTS, KINDS, ROOT

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
    """The annotation page as the API serves it at the article's URL."""
    response = app.test_client().get(ARTICLE, headers={"Accept": ANNOTATION_MEDIA_TYPE})
    assert response.status_code == 200
    return response.get_json()


def get(client, accept, url=ARTICLE):
    """The response to GET `url` with this Accept header."""
    return client.get(url, headers={"Accept": accept})


def test_the_w3c_profile_selects_the_annotation_page(client):
    response = get(client, ANNOTATION_MEDIA_TYPE)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == ANNOTATION_MEDIA_TYPE
    assert "Accept" in response.headers["Vary"]
    page = response.get_json()
    assert page["@context"] == ANNO_CONTEXT_URL and page["type"] == "AnnotationPage"


@pytest.mark.parametrize(
    "accept",
    [
        # The profile among others (RFC 6906 allows a space-separated list).
        f'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted {ANNO_CONTEXT_URL}"',
        # Media types and parameter names are case-insensitive.
        f'Application/LD+JSON; Profile="{ANNO_CONTEXT_URL}"',
        # Preferred over plain JSON-LD by quality.
        f'application/ld+json;q=0.5, application/ld+json; profile="{ANNO_CONTEXT_URL}"',
    ],
)
def test_the_profile_wins_however_it_is_written(client, accept):
    assert get(client, accept).headers["Content-Type"] == ANNOTATION_MEDIA_TYPE


@pytest.mark.parametrize(
    "accept",
    [
        "application/ld+json",
        'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"',
        'application/ld+json; profile="https://www.w3.org/ns/anno.jsonld"',  # not W3C's IRI
        f'application/ld+json, application/ld+json; profile="{ANNO_CONTEXT_URL}";q=0.5',
    ],
)
def test_plain_json_ld_or_another_profile_gets_the_schema_org_graph(client, accept):
    response = get(client, accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json"
    assert "Accept" in response.headers["Vary"]
    assert response.get_json()["@graph"][0]["@type"] == "NewsArticle"


def test_each_accept_keeps_its_own_rendering(client):
    """The serving core keeps one rendering per Accept: asking in turn never mixes them."""
    for accept in ["application/ld+json", ANNOTATION_MEDIA_TYPE] * 2:
        served = get(client, accept).get_json()
        assert ("@graph" in served) is (accept == "application/ld+json")


def test_406_lists_the_annotation_page_among_what_the_article_offers(client):
    response = get(client, "image/png")
    assert response.status_code == 406
    available = response.get_json()["errors"]["headers"]["Accept"][0]
    for media_type in ("application/json", "application/ld+json", ANNOTATION_MEDIA_TYPE):
        assert media_type in available


def test_lists_have_no_annotation_page(client):
    response = get(client, ANNOTATION_MEDIA_TYPE, f"{ARTICLE}/entities")
    assert response.status_code == 406
    assert ANNOTATION_MEDIA_TYPE not in response.get_json()["detail"]


def test_the_openapi_document_lists_the_annotation_page_for_the_article_and_lists_across(client):
    spec = client.get("/openapi.json").get_json()
    annotated = {"/v1/articles/{article_id}", *(f"/v1/{name}" for name in FACT_LISTS)}
    for path, methods in spec["paths"].items():
        content = methods["get"]["responses"]["200"]["content"]
        assert (ANNOTATION_MEDIA_TYPE in content) is (path in annotated), path
    article = spec["paths"]["/v1/articles/{article_id}"]["get"]["responses"]["200"]
    assert "AnnotationPage" in article["description"]


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
    for annotation in facts_annotations(page):
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
    starts = [selectors(annotation)[0]["start"] for annotation in page["items"]]
    assert starts == sorted(starts)


def facts_annotations(page):
    """The annotations of facts' mentions: all but the comments on editors' insertions."""
    return [item for item in page["items"] if item["motivation"] != "commenting"]


def test_an_editors_insertion_is_a_comment_on_its_words(page, facts):
    comments = [item for item in page["items"] if item["motivation"] == "commenting"]
    insertions = [
        (quote, insertion) for quote in facts["quotes"] for insertion in quote["insertions"]
    ]
    assert len(comments) == len(insertions) == 1
    [comment], [(quote, insertion)] = comments, insertions
    position, _ = selectors(comment)
    assert (position["start"], position["end"]) == (insertion["start"], insertion["end"])
    assert insertion["text"] == "(in this war)"
    text, linked = comment["body"]
    assert text["purpose"] == "commenting" and "Added by the editor" in text["value"]
    assert linked == {
        "type": "SpecificResource",
        "source": f"{BASE}{ARTICLE}/quotes/{quote['id']}",
        "purpose": "linking",
    }


def test_labels_are_the_facts_names_words_or_summaries(page, facts):
    labels = {
        (
            annotation["body"][1]["value"],
            annotation["body"][0]["source"].rsplit("/", 1)[1],
        ): annotation["body"][2]["value"]
        for annotation in facts_annotations(page)
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
    assert '"formats/contexts/*.jsonld"' in pyproject  # installed with the package, not only in git
