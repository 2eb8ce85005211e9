"""One URL, several representations: JSON, CSV and JSON-LD, chosen by Accept."""

import csv
import hashlib
import io

import pytest
from pyld import jsonld

from api import create_app
from conftest import ARTICLE, ARTICLE_ID, FACT_LISTS
from schemas.entities import WIKIDATA_ENTITY_URL

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


@pytest.mark.parametrize(
    ("url", "filename"),
    [
        ("/v1/articles", "articles.csv"),
        *((f"{ARTICLE}/{name}", f"{ARTICLE_ID}-{name}.csv") for name in FACT_LISTS),
        (f"{ARTICLE}/search?q=Kursk", f"{ARTICLE_ID}-search.csv"),
        # The name is the list's, whatever the query narrows it to.
        (f"{ARTICLE}/entities?type=person&page=2&page_size=2", f"{ARTICLE_ID}-entities.csv"),
    ],
)
def test_csv_is_named_after_its_article_and_list(client, url, filename):
    response = client.get(url, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'inline; filename="{filename}"'
    # Only CSV is a file to save: JSON carries no disposition.
    assert "Content-Disposition" not in client.get(url).headers


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


SCHEMA = "https://schema.org/"


def json_ld(client, **headers):
    """The article's JSON-LD document, as the API serves it."""
    response = client.get(ARTICLE, headers={"Accept": "application/ld+json", **headers})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json"
    return response.get_json()


def node_ids(value):
    """Every `@id` in an expanded or compacted JSON-LD value, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@id":
                yield item
            else:
                yield from node_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from node_ids(item)


def test_article_as_json_ld_expands_offline_with_absolute_ids(client):
    document = json_ld(client)
    assert isinstance(document["@context"], dict)  # inline: nothing to fetch
    expanded = jsonld.expand(document)  # no base given: absolute ids need none
    article = next(node for node in expanded if f"{SCHEMA}NewsArticle" in node.get("@type", []))
    assert article["@id"] == f"http://localhost{ARTICLE}"
    assert article[f"{SCHEMA}headline"][0]["@value"].startswith("North Korean troops")
    ids = list(node_ids(expanded))
    # The API's own nodes, schema.org terms, and the Wikidata items entities are the same as.
    allowed = ("http://localhost/v1/", SCHEMA, WIKIDATA_ENTITY_URL)
    assert ids and all(i.startswith(allowed) for i in ids), ids


def test_json_ld_is_a_graph_of_the_article_and_every_fact(client):
    document = json_ld(client)
    graph = document["@graph"]
    article, facts = graph[0], graph[1:]
    counts = client.get(ARTICLE).get_json()["counts"]
    assert len(facts) == sum(counts.values())
    linked = {ref["@id"] for key in ("mentions", "hasPart", "about") for ref in article[key]}
    assert linked == {fact["@id"] for fact in facts}
    for fact in facts:  # each node id is the fact's URL, and it answers with that fact
        path = fact["@id"].removeprefix("http://localhost")
        assert client.get(path).get_json()["id"] == fact["identifier"]
    types = {}
    for node in jsonld.flatten(document):
        for node_type in node.get("@type", []):
            types[node_type.removeprefix(SCHEMA)] = types.get(node_type.removeprefix(SCHEMA), 0) + 1
    assert types["Quotation"] == counts["quotes"]
    assert types["Claim"] == counts["figures"] + counts["claims"] + counts["relations"]
    assert types["Event"] == counts["events"]
    assert types["Person"] == 4
    quotation = next(fact for fact in facts if fact["@id"].endswith("/veles-great-guys"))
    assert quotation["creator"]["@id"].endswith("/entities/veles")


def test_json_ld_uses_only_schema_org_terms_where_schema_org_defines_them(client, article_text):
    expanded = jsonld.expand(json_ld(client))

    def terms(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "@type":
                    yield from item
                elif not key.startswith("@"):
                    yield key
                yield from terms(item)
        elif isinstance(value, list):
            for item in value:
                yield from terms(item)

    used = set(terms(expanded))
    assert used and all(term.startswith(SCHEMA) for term in used), sorted(used)
    # schema.org's sha256 is a MediaObject's: the text, at its own URL, is that object.
    [encoding] = expanded[0][f"{SCHEMA}encoding"]
    assert encoding["@type"] == [f"{SCHEMA}MediaObject"]
    assert encoding[f"{SCHEMA}contentUrl"] == [{"@id": f"http://localhost{ARTICLE}/text"}]
    digest = hashlib.sha256(article_text.encode("utf-8")).hexdigest()
    assert encoding[f"{SCHEMA}sha256"] == [{"@value": digest}]
    assert f"{SCHEMA}sha256" not in expanded[0]


def test_json_ld_ids_follow_the_origin_of_each_request():
    """Absolute ids come from the request's origin; a kept rendering never leaks another's."""
    client = create_app().test_client()
    for host in ("a.example", "b.example", "a.example"):
        assert json_ld(client, Host=host)["@graph"][0]["@id"] == f"http://{host}{ARTICLE}"
    kept = client.application.extensions["article_facts"]["renderings"]
    assert kept.size_bytes > 0  # the serving core kept them, one per origin


def test_json_ld_ids_use_the_public_origin_behind_a_trusted_proxy():
    client = create_app({"TRUSTED_PROXIES": 1}).test_client()
    for host, scheme in (("facts.example", "https"), ("other.example", "http")):
        forwarded = {"X-Forwarded-Host": host, "X-Forwarded-Proto": scheme}
        document = json_ld(client, **forwarded)
        assert document["@graph"][0]["@id"] == f"{scheme}://{host}{ARTICLE}"
    # Without a trusted proxy, forwarded headers change nothing.
    forwarded = {"X-Forwarded-Host": "facts.example", "X-Forwarded-Proto": "https"}
    assert json_ld(create_app().test_client(), **forwarded)["@graph"][0]["@id"] == (
        f"http://localhost{ARTICLE}"
    )


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
