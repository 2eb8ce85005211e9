"""`GET /v1/wikidata/{qid}`, an entity across articles, on the corpus of tests/test_across.py:
the built-in article, a fictional one with no Wikidata items, and a fictional one sharing North
Korea (Q423), Russia (Q159) and Kim Jong-un (Q56226) with the built-in one, naming Pyongyang
(Q18808) alone and a Dmitry Peskov with no QID."""

import threading

import pytest
from test_across import THIRD_ID, corpus_folder, live  # noqa: F401  (live: a fixture)

from api import create_app
from conftest import ARTICLE_ID


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A client of an app serving the three articles."""
    folder = corpus_folder(tmp_path_factory.mktemp("wikidata") / "corpus")
    data = tmp_path_factory.mktemp("wikidata-data")
    app = create_app({"TESTING": True, "CORPUS_DIR": str(folder), "DATA_DIR": str(data)})
    return app.test_client()


def own_entity(client, article_id, entity_id):
    return client.get(f"/v1/articles/{article_id}/entities/{entity_id}").get_json()


def test_an_entity_in_two_articles_with_each_articles_names(client):
    response = client.get("/v1/wikidata/Q423")
    assert response.status_code == 200
    found = response.get_json()
    assert found["qid"] == "Q423"
    assert found["wikidata_url"] == "https://www.wikidata.org/entity/Q423"
    # By publication: the fictional article (October 2024) before the built-in one (2025).
    assert [(item["article_id"], item["entity_id"]) for item in found["articles"]] == [
        (THIRD_ID, "north-korea"),
        (ARTICLE_ID, "north-korea"),
    ]
    for item in found["articles"]:
        entity = own_entity(client, item["article_id"], item["entity_id"])
        assert (item["name"], item["type"], item["aliases"]) == (
            entity["name"],
            entity["type"],
            entity["aliases"],
        )
        assert item["mention_count"] == len(entity["mentions"])
        assert item["article_version"] == 1
        assert client.get(item["url"]).get_json() == entity
    assert found["article_count"] == 2
    assert found["mention_count"] == sum(item["mention_count"] for item in found["articles"])


def test_a_qid_one_article_alone_names(client):
    found = client.get("/v1/wikidata/Q18808").get_json()
    assert found["article_count"] == 1
    assert [(item["article_id"], item["name"]) for item in found["articles"]] == [
        (THIRD_ID, "Pyongyang")
    ]


def test_every_entity_with_a_qid_is_under_it_and_none_without_one(client):
    """Each QID's entities are exactly the entities carrying it; Dmitry Peskov (no QID, in
    two articles) is under none."""
    with_qid = client.get("/v1/entities?wikidata=true&page_size=1000").get_json()
    by_qid = {}
    for entity in with_qid:
        by_qid.setdefault(entity["wikidata"], set()).add((entity["article_id"], entity["id"]))
    listed = set()
    for qid, expected in by_qid.items():
        found = client.get(f"/v1/wikidata/{qid}").get_json()
        named = {(item["article_id"], item["entity_id"]) for item in found["articles"]}
        assert named == expected
        listed |= named
    assert (THIRD_ID, "dmitry-peskov") not in listed
    assert (ARTICLE_ID, "dmitry-peskov") not in listed


def test_links_lead_to_its_facts_across_articles(client):
    links = client.get("/v1/wikidata/Q56226").get_json()["links"]
    assert links["quotes"] == "/v1/quotes?speaker=Q56226"
    assert links["claims"] == "/v1/claims?claimant=Q56226"
    assert links["relations"] == "/v1/relations?entity=Q56226"
    assert links["timeline"] == "/v1/timeline?entity=Q56226"
    assert links["entities"] == "/v1/entities?wikidata=Q56226"
    assert links["articles"] == "/v1/articles?entity=Q56226"
    quotes = client.get(links["quotes"]).get_json()
    assert {(item["article_id"], item["id"]) for item in quotes} == {
        (ARTICLE_ID, "kim-continue-without-interruption"),
        (THIRD_ID, "kim-stand-with-russia"),
    }
    for url in links.values():
        response = client.get(url)
        assert response.status_code == 200, url
    articles = client.get(links["articles"]).get_json()
    assert sorted(article["id"] for article in articles) == sorted([ARTICLE_ID, THIRD_ID])


def test_a_qid_no_article_names_is_a_404_problem(client):
    response = client.get("/v1/wikidata/Q1")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert "Q1" in response.get_json()["detail"]


@pytest.mark.parametrize(
    "qid",
    ["kharkiv", "north-korea", "Q0", "Q0423", "q423", "Q", "423", "Q" + "1" * 20, "Q42%2523"],
)
def test_what_is_not_a_qid_is_a_problem_saying_what_one_looks_like(client, qid):
    response = client.get(f"/v1/wikidata/{qid}")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert "Q followed by digits" in problem["detail"]
    assert "qid" in problem["errors"]["path"]


def test_it_takes_no_query_parameters(client):
    response = client.get("/v1/wikidata/Q423?page=2")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def test_conditional_requests_and_a_new_version(live):  # noqa: F811  (the fixture)
    """Like the lists across articles: a 304 while nothing changes; a withdrawal shows, and
    changes the ETag."""
    client, writer, _ = live
    response = client.get("/v1/wikidata/Q423")
    etag = response.headers["ETag"]
    again = client.get("/v1/wikidata/Q423", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert writer.withdraw(THIRD_ID, "Written for the tests.")
    for _ in range(100):
        again = client.get("/v1/wikidata/Q423", headers={"If-None-Match": etag})
        if again.status_code == 200:
            break
        threading.Event().wait(0.05)
    assert again.status_code == 200
    assert again.get_json()["article_count"] == 1
    assert client.get("/v1/wikidata/Q18808").status_code == 404
