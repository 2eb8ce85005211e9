"""Relations: statements linking two entities, each anchored to the words that state it."""

import csv
import io
import json
import shutil

import pytest

from api import create_app
from api.store import BUILT_IN_CORPUS
from conftest import ARTICLE, ARTICLE_ID, ROOT, SECOND_ARTICLE_DIR, ingest_refusals
from schemas.relations import PREDICATES

RELATIONS = f"{ARTICLE}/relations"


@pytest.fixture(scope="module")
def relations(app):
    return app.test_client().get(f"{RELATIONS}?page_size=100").get_json()


def test_every_relation_links_two_entities_of_the_article_by_a_known_predicate(
    relations, facts, article_text
):
    entities = {entity["id"]: entity for entity in facts["entities"]}
    claims = {claim["id"] for claim in facts["claims"]}
    assert len(relations) == 27
    for relation in relations:
        predicate = PREDICATES[relation["predicate"]]
        assert entities[relation["subject_id"]]["type"] in predicate.subject_types
        assert entities[relation["object_id"]]["type"] in predicate.object_types
        assert set(relation["claim_ids"]) <= claims
        for mention in relation["mentions"]:
            assert article_text[mention["start"] : mention["end"]] == mention["text"]


def test_the_relations_the_issue_names_are_there(relations):
    triples = {(r["subject_id"], r["predicate"], r["object_id"]) for r in relations}
    assert {
        ("dmitry-peskov", "spokesperson_for", "kremlin"),
        ("vadym-skibytsky", "deputy_head_of", "ukrainian-military-intelligence"),
        ("veles", "serves_in", "russian-army"),
        ("kim-jong-un", "leader_of", "north-korea"),
        ("north-korea", "sent_troops_to", "russia"),
        ("north-korea", "party_to", "mutual-defense-pact"),
        ("russia", "party_to", "mutual-defense-pact"),
    } <= triples


def test_a_relation_the_text_only_attributes_rests_on_its_claim(relations, facts):
    pact = next(r for r in relations if r["id"] == "north-korea-party-to-pact")
    assert pact["claim_ids"] == ["sources-troops-sent-and-killed"]
    claim = next(c for c in facts["claims"] if c["id"] == "sources-troops-sent-and-killed")
    assert any(
        statement["start"] <= mention["start"] and mention["end"] <= statement["end"]
        for mention in pact["mentions"]
        for statement in claim["mentions"]
    )


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("subject=north-korea", lambda r: r["subject_id"] == "north-korea"),
        ("object=russia", lambda r: r["object_id"] == "russia"),
        ("entity=russia", lambda r: "russia" in (r["subject_id"], r["object_id"])),
        ("predicate=of_country", lambda r: r["predicate"] == "of_country"),
        ("q=pact", lambda r: "pact" in r["summary"].casefold()),
    ],
)
def test_filters(client, relations, query, keep):
    found = client.get(f"{RELATIONS}?{query}&page_size=100").get_json()
    assert found == [relation for relation in relations if keep(relation)]
    assert found


@pytest.mark.parametrize(
    ("query", "status", "names"),
    [
        ("subject=nobody", 404, "'subject'"),
        ("entity=nobody", 404, "'entity'"),
        ("predicate=likes", 422, "predicate"),
    ],
)
def test_bad_filters_are_problems_naming_the_parameter(client, query, status, names):
    response = client.get(f"{RELATIONS}?{query}")
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert names in response.get_data(as_text=True)


def test_detail_with_embedded_entities_and_claims(client):
    relation = client.get(
        f"{RELATIONS}/north-korea-party-to-pact?embed=subject,object,claims"
    ).get_json()
    assert relation["subject"]["name"] == "North Korea"
    assert relation["object"]["type"] == "agreement"
    assert [claim["id"] for claim in relation["claims"]] == ["sources-troops-sent-and-killed"]


def test_csv_has_a_row_per_relation(client, relations):
    response = client.get(f"{RELATIONS}?page_size=100", headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["id"] for row in rows] == [relation["id"] for relation in relations]
    assert response.headers["Content-Disposition"].endswith(f'{ARTICLE_ID}-relations.csv"')


def test_linked_data_and_web_annotations_carry_every_relation(client, relations):
    graph = client.get(ARTICLE, headers={"Accept": "application/ld+json"}).get_json()["@graph"]
    ids = {node["@id"].rsplit("/", 1)[-1] for node in graph if "/relations/" in node["@id"]}
    assert ids == {relation["id"] for relation in relations}
    page = client.get(
        ARTICLE,
        headers={"Accept": 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'},
    ).get_json()
    linking = [item for item in page["items"] if item["motivation"] == "linking"]
    assert len(linking) == sum(len(relation["mentions"]) for relation in relations)


def test_search_finds_relations(client):
    hits = client.get(f"{ARTICLE}/search?q=spokesman&kind=relation").get_json()
    assert {hit["id"] for hit in hits} == {"peskov-spokesman-of-kremlin"}


def test_an_annotation_without_relations_stays_valid(client):
    app = create_app({"CORPUS_DIR": str(SECOND_ARTICLE_DIR)})
    response = app.test_client().get("/v1/articles/riverton-opens-new-bridge/relations")
    assert response.status_code == 200
    assert response.get_json() == []


def test_a_relation_between_the_wrong_types_is_refused(tmp_path):
    shutil.copytree(BUILT_IN_CORPUS, tmp_path, dirs_exist_ok=True)
    path = tmp_path / f"{ARTICLE_ID}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    relation = next(r for r in doc["relations"] if r["id"] == "kim-jong-un-leader-of-north-korea")
    relation["subject_id"] = "storm-shadow"
    path.write_text(json.dumps(doc), encoding="utf-8")
    refused = ingest_refusals(tmp_path)
    assert str(path) in refused
    index = doc["relations"].index(relation)
    assert f"/relations/{index}/subject_id: leader_of takes a person" in refused


def test_the_data_page_documents_every_predicate():
    page = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    for name, predicate in PREDICATES.items():
        row = next(line for line in page.splitlines() if line.startswith(f"| `{name}` |"))
        assert predicate.definition in row
        assert (predicate.wikidata or "—") in row
