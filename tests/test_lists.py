"""Behaviour every list shares: paging headers, links, and details equal to list items."""

import json

import pytest

from conftest import ARTICLE, FACT_LISTS

LIST_URLS = ["/v1/articles", *(f"{ARTICLE}/{name}" for name in FACT_LISTS)]


def links(response):
    """The Link header as {rel: url}."""
    found = {}
    for part in response.headers["Link"].split(", "):
        url, rel = part.split("; ")
        found[rel.removeprefix('rel="').rstrip('"')] = url.strip("<>")
    return found


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_is_a_json_array_with_pagination_header(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    items = response.get_json()
    assert isinstance(items, list) and items
    # X-Pagination is a JSON object carried as a string, in flask-smorest's format.
    metadata = json.loads(response.headers["X-Pagination"])
    assert metadata["total"] == len(items)
    assert metadata["page"] == metadata["first_page"] == metadata["last_page"] == 1


@pytest.mark.parametrize("url", [f"{ARTICLE}/{name}" for name in FACT_LISTS])
def test_detail_returns_exactly_the_object_the_list_shows(client, url):
    for item in client.get(f"{url}?page_size=100").get_json():
        assert client.get(f"{url}/{item['id']}").get_json() == item


def test_pages_walk_through_the_whole_list_with_links(client):
    everything = client.get(f"{ARTICLE}/entities?page_size=100").get_json()
    seen, url = [], f"{ARTICLE}/entities?page_size=2&type=place"
    places = [entity for entity in everything if entity["type"] == "place"]
    first = client.get(url)
    assert set(links(first)) == {"first", "next", "last"}
    while url:
        response = client.get(url)
        seen += response.get_json()
        url = links(response).get("next")
        if url:
            assert "type=place" in url and "page_size=2" in url
    assert seen == places
    metadata = json.loads(first.headers["X-Pagination"])
    assert metadata["total"] == len(places)
    assert metadata["total_pages"] == -(-len(places) // 2)


def test_page_in_the_middle_links_both_ways(client):
    response = client.get(f"{ARTICLE}/entities?page_size=5&page=2")
    assert set(links(response)) == {"first", "prev", "next", "last"}
    assert "page=1" in links(response)["prev"] and "page=3" in links(response)["next"]
    metadata = json.loads(response.headers["X-Pagination"])
    assert (metadata["previous_page"], metadata["page"], metadata["next_page"]) == (1, 2, 3)


def test_page_past_the_end_is_an_empty_list_with_links_back(client):
    response = client.get(f"{ARTICLE}/quotes?page=50")
    assert response.status_code == 200
    assert response.get_json() == []
    found = links(response)
    assert "page=1" in found["first"] and "page=1" in found["last"] and "page=1" in found["prev"]
    assert "next" not in found
    assert "page" not in json.loads(response.headers["X-Pagination"])


def test_lists_are_in_reading_order(client):
    for name in ("entities", "quotes", "figures"):
        starts = [
            item["mentions"][0]["start"]
            for item in client.get(f"{ARTICLE}/{name}?page_size=100").get_json()
        ]
        assert starts == sorted(starts), name
