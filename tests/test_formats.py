"""One URL, several representations: JSON, CSV and JSON-LD, chosen by Accept."""

import csv
import io

import pytest
from pyld import jsonld

from conftest import ARTICLE, FACT_LISTS

LISTS = ["/v1/articles", *(f"{ARTICLE}/{name}" for name in FACT_LISTS)]


def read_csv(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("url", LISTS)
def test_every_list_is_csv_one_row_per_object(client, url):
    as_json = client.get(f"{url}?page_size=100").get_json()
    rows = read_csv(client.get(f"{url}?page_size=100", headers={"Accept": "text/csv"}))
    assert [row["id"] for row in rows] == [item["id"] for item in as_json]


def test_csv_flattens_mentions_lists_and_nested_objects(client):
    figures = {
        row["id"]: row
        for row in read_csv(client.get(f"{ARTICLE}/figures", headers={"Accept": "text/csv"}))
    }
    total = figures["artillery-shells-total"]
    assert total["value"] == "6500000"
    assert total["mentions"] == "3029:3068"
    assert total["period.start"] == "2023" and total["period.end"] == ""
    assert figures["north-korean-soldiers-killed"]["source_ids"] == (
        "south-korean-sources|ukrainian-sources|western-sources"
    )
    assert figures["north-korean-soldiers-killed"]["mentions"] == "411:441 3608:3636"


def test_csv_columns_follow_fields_and_embed(client):
    response = client.get(
        f"{ARTICLE}/quotes?fields=text&embed=speaker", headers={"Accept": "text/csv"}
    )
    rows = read_csv(response)
    assert list(rows[0]) == ["id", "text", "speaker"]
    assert {row["speaker"] for row in rows} >= {"Dmitry Peskov", "Vadym Skibytsky"}


def test_empty_csv_still_has_its_header(client):
    response = client.get(f"{ARTICLE}/timeline?from=2030", headers={"Accept": "text/csv"})
    header = response.get_data(as_text=True).splitlines()[0]
    assert header.startswith("id,date,precision,date_text")


def test_json_is_the_default(client):
    assert client.get(f"{ARTICLE}/entities").content_type == "application/json"
    assert (
        client.get(f"{ARTICLE}/entities", headers={"Accept": "*/*"}).content_type
        == "application/json"
    )


def test_quality_values_are_honoured(client):
    response = client.get(
        f"{ARTICLE}/entities", headers={"Accept": "application/json;q=0.5, text/csv"}
    )
    assert response.headers["Content-Type"].startswith("text/csv")


def test_article_as_json_ld_expands_offline(client):
    response = client.get(ARTICLE, headers={"Accept": "application/ld+json"})
    assert response.headers["Content-Type"] == "application/ld+json"
    document = response.get_json()
    assert isinstance(document["@context"], dict)  # inline: nothing to fetch
    expanded = jsonld.expand(document, {"base": f"http://127.0.0.1:8000{ARTICLE}"})
    [article] = expanded
    assert article["@type"] == ["https://schema.org/NewsArticle"]
    assert article["https://schema.org/headline"][0]["@value"].startswith("North Korean troops")


def test_json_ld_graph_holds_every_fact(client):
    document = client.get(ARTICLE, headers={"Accept": "application/ld+json"}).get_json()
    flat = jsonld.flatten(document, None, {"base": "http://127.0.0.1:8000/"})
    types = {}
    for node in flat:
        for node_type in node.get("@type", []):
            types[node_type.rsplit("/", 1)[-1]] = types.get(node_type.rsplit("/", 1)[-1], 0) + 1
    counts = client.get(ARTICLE).get_json()["counts"]
    assert types["Quotation"] == counts["quotes"]
    assert types["Claim"] == counts["figures"] + counts["claims"]
    assert types["Event"] == counts["events"]
    assert types["Person"] == 4
    quotation = next(
        node
        for node in flat
        if "https://schema.org/Quotation" in node.get("@type", [])
        and node["@id"].endswith("/veles-great-guys")
    )
    assert quotation["https://schema.org/creator"][0]["@id"].endswith("/entities/veles")


@pytest.mark.parametrize(
    ("url", "accept"),
    [
        (f"{ARTICLE}/entities", "image/png"),
        (ARTICLE, "text/csv"),
        (f"{ARTICLE}/text", "application/json"),
    ],
)
def test_unservable_accept_is_406_listing_what_can_be_served(client, url, accept):
    response = client.get(url, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.content_type == "application/problem+json"
    available = response.get_json()["errors"]["headers"]["Accept"][0]
    assert "application/json" in available or "text/plain" in available
