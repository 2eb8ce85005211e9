"""Entities: one per real-world thing, filtered by type and text."""

import pytest
from pyld import jsonld

from conftest import ARTICLE


def entity_ids(client, query=""):
    return [
        entity["id"]
        for entity in client.get(f"{ARTICLE}/entities?page_size=100&{query}").get_json()
    ]


def test_one_entity_per_real_world_thing_with_its_aliases(client):
    north_korea = client.get(f"{ARTICLE}/entities/north-korea").get_json()
    assert {"Pyongyang", "DPRK"} <= set(north_korea["aliases"])
    kursk = client.get(f"{ARTICLE}/entities/kursk-oblast").get_json()
    assert kursk["aliases"] == ["Kursk"]
    assert {mention["text"] for mention in kursk["mentions"]} == {"Kursk", "Kursk Oblast"}
    assert "Moscow" in client.get(f"{ARTICLE}/entities/russia").get_json()["aliases"]


def test_person_known_only_by_call_sign(client):
    veles = client.get(f"{ARTICLE}/entities/veles").get_json()
    assert veles["type"] == "person"
    assert "call sign" in veles["description"]


@pytest.mark.parametrize("entity_type", ["person", "organization", "group", "place", "weapon"])
def test_filter_by_type(client, entity_type):
    found = client.get(f"{ARTICLE}/entities?page_size=100&type={entity_type}").get_json()
    assert found and all(entity["type"] == entity_type for entity in found)


def test_people_named_in_the_article(client):
    assert set(entity_ids(client, "type=person")) == {
        "dmitry-peskov",
        "kim-jong-un",
        "veles",
        "vadym-skibytsky",
    }


def test_q_searches_names_aliases_and_descriptions_case_insensitively(client):
    assert entity_ids(client, "q=pyongyang") == ["north-korea"]
    assert "vadym-skibytsky" in entity_ids(client, "q=DEPUTY HEAD")
    assert entity_ids(client, "q=nothing-like-this") == []


def test_unknown_type_is_rejected_listing_the_choices(client):
    problem = client.get(f"{ARTICLE}/entities?type=robot").get_json()
    assert "person" in problem["errors"]["query"]["type"][0]


WITH_WIKIDATA = {
    "north-korea": "Q423",
    "russia": "Q159",
    "ukraine": "Q212",
    "britain": "Q145",
    "kharkiv": "Q42308",
    "kursk-oblast": "Q3178",
    "kim-jong-un": "Q56226",
    "reuters": "Q130879",
}


def test_entities_carry_a_wikidata_item_only_where_confirmed(client):
    entities = client.get(f"{ARTICLE}/entities?page_size=100").get_json()
    assert {e["id"]: e["wikidata"] for e in entities if e["wikidata"]} == WITH_WIKIDATA
    # Cited groups and a call sign are not one Wikidata item.
    for entity in entities:
        if entity["type"] == "group" or entity["id"] == "veles":
            assert entity["wikidata"] is None, entity["id"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", set(WITH_WIKIDATA)),
        ("Q423", {"north-korea"}),
        ("Q1", set()),
    ],
)
def test_filter_by_wikidata(client, value, expected):
    assert set(entity_ids(client, f"wikidata={value}")) == expected


def test_wikidata_false_is_the_rest(client):
    without = set(entity_ids(client, "wikidata=false"))
    assert without and not without & set(WITH_WIKIDATA)
    assert without | set(WITH_WIKIDATA) == set(entity_ids(client))


@pytest.mark.parametrize("bad", ["Q0423", "423", "yes", "q423"])
def test_wikidata_filter_takes_a_qid_or_true_or_false(client, bad):
    response = client.get(f"{ARTICLE}/entities?wikidata={bad}")
    assert response.status_code == 422
    assert "wikidata" in response.get_json()["errors"]["query"]


def test_json_ld_links_each_entity_to_its_wikidata_item(client):
    document = client.get(ARTICLE, headers={"Accept": "application/ld+json"}).get_json()
    nodes = jsonld.flatten(document, None, {"base": "http://127.0.0.1:8000/"})
    same_as = {
        node["@id"].rsplit("/", 1)[-1]: [ref["@id"] for ref in node["https://schema.org/sameAs"]]
        for node in nodes
        if "https://schema.org/sameAs" in node
    }
    assert same_as == {
        entity_id: [f"https://www.wikidata.org/entity/{qid}"]
        for entity_id, qid in WITH_WIKIDATA.items()
    }
