"""Querying: sort, sparse fieldsets, embedded relations, search, facets and strictness."""

import json

import pytest

from conftest import ARTICLE


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize(
    ("path", "key"),
    [("entities", "name"), ("quotes", "speaker_id"), ("figures", "value"), ("timeline", "id")],
)
def test_sort_ascending_and_descending(client, path, key):
    ascending = [
        item[key] for item in get_json(client, f"{ARTICLE}/{path}?sort={key}&page_size=100")
    ]
    assert ascending == sorted(ascending)
    descending = [
        item[key] for item in get_json(client, f"{ARTICLE}/{path}?sort=-{key}&page_size=100")
    ]
    assert descending == sorted(ascending, reverse=True)


def test_sort_by_several_keys(client):
    entities = get_json(client, f"{ARTICLE}/entities?sort=type,-name&page_size=100")
    pairs = [(entity["type"], entity["name"]) for entity in entities]
    assert pairs == sorted(pairs, key=lambda pair: (pair[0], [-ord(c) for c in pair[1]]))


def test_sort_position_is_reading_order(client):
    figures = get_json(client, f"{ARTICLE}/figures?sort=-position")
    starts = [figure["mentions"][0]["start"] for figure in figures]
    assert starts == sorted(starts, reverse=True)


def test_sort_keys_are_a_named_enum_in_the_openapi_document(client):
    spec = client.get("/openapi.json").get_json()
    parameters = spec["paths"]["/v1/articles/{article_id}/quotes"]["get"]["parameters"]
    sort = next(p for p in parameters if p["name"] == "sort")
    assert sort["schema"]["items"] == {"$ref": "#/components/schemas/QuoteSortKey"}
    keys = spec["components"]["schemas"]["QuoteSortKey"]
    assert {"position", "-position", "speaker_id", "-kind"} <= set(keys["enum"])
    # Generators name members from x-enum-varnames: `-kind` is KIND_DESCENDING, not VALUE_6.
    members = dict(zip(keys["enum"], keys["x-enum-varnames"], strict=True))
    assert members["-kind"] == "KIND_DESCENDING" and members["position"] == "POSITION"


@pytest.mark.parametrize("bad", ["sort=colour", "sort=-", "fields=colour", "embed=speaker"])
def test_unknown_sort_field_or_embed_is_422_naming_the_parameter(client, bad):
    response = client.get(f"{ARTICLE}/entities?{bad}")
    assert response.status_code == 422
    assert bad.split("=")[0] in response.get_json()["errors"]["query"]


def test_sparse_fieldset_keeps_id_and_the_chosen_fields(client):
    entities = get_json(client, f"{ARTICLE}/entities?fields=name,type")
    assert entities and all(list(entity) == ["id", "name", "type"] for entity in entities)
    detail = get_json(client, f"{ARTICLE}/entities/veles?fields=name,type")
    assert detail == next(entity for entity in entities if entity["id"] == "veles")


def test_embed_returns_the_related_objects_inline(client):
    quote = get_json(client, f"{ARTICLE}/quotes/skibytsky-they-are-learning?embed=speaker,outlet")
    assert quote["speaker_id"] == quote["speaker"]["id"] == "vadym-skibytsky"
    assert quote["speaker"] == get_json(client, f"{ARTICLE}/entities/vadym-skibytsky")
    assert quote["outlet"]["name"] == "Reuters"
    figure = get_json(client, f"{ARTICLE}/figures/north-korean-soldiers-killed?embed=sources")
    assert [source["name"] for source in figure["sources"]] == [
        "South Korean sources",
        "Ukrainian sources",
        "Western sources",
    ]
    event = get_json(client, f"{ARTICLE}/timeline/kim-statement-on-military-ties?embed=quotes")
    assert event["quotes"][0]["text"] == "continue without interruption"


def test_embedded_list_items_equal_their_details(client):
    quotes = get_json(client, f"{ARTICLE}/quotes?embed=speaker")
    for quote in quotes:
        assert quote == get_json(client, f"{ARTICLE}/quotes/{quote['id']}?embed=speaker")


def test_missing_outlet_embeds_as_null(client):
    quote = get_json(client, f"{ARTICLE}/quotes/veles-great-guys?embed=outlet")
    assert quote["outlet"] is None


def test_search_across_every_kind_with_exact_spans(client, article_text):
    hits = get_json(client, f"{ARTICLE}/search?q=skibytsky&page_size=100")
    # The name is in the text twice (both mentions of the entity, each inside the statement of
    # a claim he makes: the longer span comes first; the first also states his post, a
    # relation), and in the annotation of the figure and the event he is the source of.
    text_hits = [(hit["kind"], hit["id"]) for hit in hits if hit["field"] == "text"]
    assert text_hits == [
        ("claim", "skibytsky-learning-to-expand-production"),
        ("relation", "skibytsky-deputy-head-of-military-intelligence"),
        ("entity", "vadym-skibytsky"),
        ("claim", "skibytsky-millions-of-shells"),
        ("entity", "vadym-skibytsky"),
    ]
    assert {hit["kind"] for hit in hits} == {"entity", "figure", "event", "claim", "relation"}
    for hit in hits:
        if hit["field"] == "text":
            match, mention = hit["match"], hit["mention"]
            assert article_text[match["start"] : match["end"]].casefold() == "skibytsky"
            assert mention["start"] <= match["start"] and match["end"] <= mention["end"]
        assert client.get(hit["url"]).status_code == 200


def test_search_finds_quotes_figures_and_events(client):
    kinds = {hit["kind"] for hit in get_json(client, f"{ARTICLE}/search?q=14,000&page_size=100")}
    assert {"figure", "event"} <= kinds
    quote_hits = get_json(client, f"{ARTICLE}/search?q=great guys")
    assert [(hit["kind"], hit["id"]) for hit in quote_hits] == [
        ("claim", "veles-soldiers-learn-quickly"),  # the statement holding the quote
        ("quote", "veles-great-guys"),
    ]


def test_search_can_be_limited_to_kinds(client):
    hits = get_json(client, f"{ARTICLE}/search?q=Kursk&kind=event&page_size=100")
    assert hits and {hit["kind"] for hit in hits} == {"event"}


def test_search_matches_annotation_only_facts_without_a_span(client):
    hits = get_json(client, f"{ARTICLE}/search?q=spokesman&kind=entity")
    assert any(hit["id"] == "kremlin" and hit["match"] is None for hit in hits)


def test_search_needs_words(client):
    response = client.get(f"{ARTICLE}/search")
    assert response.status_code == 422
    assert "q" in response.get_json()["errors"]["query"]


def test_facets_count_what_the_lists_hold(client):
    facets = get_json(client, ARTICLE)["facets"]
    entities = get_json(client, f"{ARTICLE}/entities?page_size=100")
    for entity_type, count in facets["entities_by_type"].items():
        assert count == sum(entity["type"] == entity_type for entity in entities)
    assert facets["quotes_by_speaker"]["dmitry-peskov"] == 2
    assert sum(facets["figures_by_qualifier"].values()) == len(
        get_json(client, f"{ARTICLE}/figures")
    )


UNKNOWN_PARAMETERS = {
    # url: the parameters the operation takes, as its 422 lists them
    f"{ARTICLE}?fields=headline": "version",
    f"{ARTICLE}/text?download=1": "version",
    f"{ARTICLE}/entities?tpye=person": "version, fields, page, page_size, sort, type, wikidata, q",
    f"{ARTICLE}/quotes/veles-great-guys?speaker=veles": "version, fields, embed",
    "/v1/articles?query=x": (
        "page, page_size, sort, entity, outlet, published_from, published_to, q"
    ),
    f"{ARTICLE}/search?q=x&sort=id": "version, page, page_size, q, kind",
}


@pytest.mark.parametrize(("url", "takes"), UNKNOWN_PARAMETERS.items())
def test_unknown_query_parameter_gets_one_message_naming_it(client, url, takes):
    response = client.get(url)
    assert response.status_code == 422
    parameter, value = url.split("?")[1].split("&")[-1].split("=")
    message = "Unknown parameter: this operation takes " + takes + "."
    assert response.get_json()["errors"]["query"] == {parameter: [message]}
    detail = response.get_json()["detail"]
    assert detail == f"Invalid query parameter {parameter!r}: {message}"
    assert repr(value) not in detail  # `?fields=headline` is about `fields`, not `headline`


@pytest.mark.parametrize(
    "query",
    [
        "fields=name&fields=type",
        "fields=name,type",
        "fields=name&fields=type,aliases",
        "fields=name,type&fields=aliases",
    ],
)
def test_list_parameter_takes_repeated_keys_commas_or_both(client, query):
    entities = get_json(client, f"{ARTICLE}/entities?{query}&page_size=3")
    chosen = ["id", *query.replace("fields=", "").replace("&", ",").split(",")]
    assert entities and all(list(entity) == chosen for entity in entities)


def test_every_list_parameter_takes_repeated_keys(client):
    repeated = get_json(client, f"{ARTICLE}/quotes?embed=speaker&embed=outlet&sort=-kind&sort=id")
    assert repeated == get_json(client, f"{ARTICLE}/quotes?embed=speaker,outlet&sort=-kind,id")
    assert all("speaker" in quote and "outlet" in quote for quote in repeated)
    hits = get_json(client, f"{ARTICLE}/search?q=Kursk&kind=event&kind=quote&page_size=100")
    assert hits and {hit["kind"] for hit in hits} == {"event"}  # no quote mentions Kursk


@pytest.mark.parametrize(
    "query", ["page=1&page=2", "page_size=5&page_size=5", "type=person&type=place", "q=a&q=b"]
)
def test_repeated_single_valued_parameter_is_422_naming_it(client, query):
    response = client.get(f"{ARTICLE}/entities?{query}")
    assert response.status_code == 422
    parameter = query.split("=")[0]
    assert response.get_json()["errors"]["query"] == {
        parameter: ["Given more than once; this parameter takes one value."]
    }


def test_a_bad_item_of_a_repeated_list_parameter_is_named(client):
    response = client.get(f"{ARTICLE}/entities?fields=name&fields=colour")
    assert response.status_code == 422
    assert "colour" in response.get_json()["detail"] or "item 1" in response.get_json()["detail"]


def test_link_header_keeps_the_query_options(client):
    response = client.get(f"{ARTICLE}/entities?sort=name&fields=name&page_size=5")
    assert "sort=name" in response.headers["Link"] and "fields=name" in response.headers["Link"]
    assert json.loads(response.headers["X-Pagination"])["next_page"] == 2
