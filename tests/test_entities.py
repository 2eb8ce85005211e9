"""Entities: one per real-world thing, filtered by type and text."""

import pytest

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
