"""The reader's page of an entity across articles (`/wikidata/<qid>`), and the article page's
links to it, on the corpus of tests/test_across.py."""

import pytest
from test_across import THIRD_ID, corpus_folder
from test_reader import Page

from api import create_app
from conftest import ARTICLE, ARTICLE_ID


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A client of an app serving the three articles."""
    folder = corpus_folder(tmp_path_factory.mktemp("reader-entity") / "corpus")
    data = tmp_path_factory.mktemp("reader-entity-data")
    app = create_app({"TESTING": True, "CORPUS_DIR": str(folder), "DATA_DIR": str(data)})
    return app.test_client()


def page(client, url):
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    parsed = Page(response.get_data(as_text=True))
    assert parsed.misnested == []
    assert not [script for script in parsed.root.find_all("script") if not script.get("src")]
    return parsed.root


def anchors_exist(client, href):
    """Whether the article page a link leads to has the element its fragment names."""
    path, fragment = href.split("#")
    return bool(page(client, path).find_all(id=fragment))


def test_the_articles_that_name_it(client):
    root = page(client, "/wikidata/Q423")
    assert root.find("h1").text() == "North Korea"
    cards = root.find(id="articles").find_all("li", class_="article-card")
    # Newest first, as the index of articles.
    assert [card.get("data-id") for card in cards] == [ARTICLE_ID, THIRD_ID]
    for card in cards:
        assert card.find("a").get("href") == f"/v1/articles/{card.get('data-id')}"
        entity = card.find("a", class_="to-text").get("href")
        assert entity == f"/v1/articles/{card.get('data-id')}#entity-north-korea-1"
        assert anchors_exist(client, entity)


def test_a_page_shows_the_newest_articles_and_links_to_the_list_of_all(client, monkeypatch):
    monkeypatch.setattr("api.reader.entity.NEWEST_SHOWN", 1)
    root = page(client, "/wikidata/Q159")
    section = root.find(id="articles")
    cards = section.find_all("li", class_="article-card")
    assert [card.get("data-id") for card in cards] == [ARTICLE_ID]
    note = section.find("p", class_="more-articles")
    assert "1 older article names Russia too" in note.text()
    assert note.find("a").get("href") == "/v1/articles?entity=Q159"


def test_what_it_said_with_the_words_linking_to_the_article_at_the_quote(client):
    root = page(client, "/wikidata/Q56226")
    said = root.find(id="said").find_all("li", class_="speaker-quote")
    expected = client.get("/v1/quotes?speaker=Q56226").get_json()
    assert {(item.get("data-article"), item.get("data-id")) for item in said} == {
        (quote["article_id"], quote["id"]) for quote in expected
    }
    words = {quote["id"]: quote["text"] for quote in expected}
    for item in said:
        assert item.find("blockquote").text() == words[item.get("data-id")]
        href = item.find("a", class_="to-text").get("href")
        assert href == f"/v1/articles/{item.get('data-article')}#quote-{item.get('data-id')}-1"
        assert anchors_exist(client, href)


def test_claims_by_it_and_about_it(client):
    claims = page(client, "/wikidata/Q423").find(id="claims")
    by, about = claims.find_all("ol", class_="claims")
    expected = client.get("/v1/claims?claimant=Q423&page_size=1000").get_json()
    assert {(item.get("data-article"), item.get("data-id")) for item in by.find_all("li")} == {
        (claim["article_id"], claim["id"]) for claim in expected
    }
    # About it: claims that report an event naming it, or that a relation naming it rests on.
    about_ids = {(item.get("data-article"), item.get("data-id")) for item in about.find_all("li")}
    assert about_ids
    for article_id, claim_id in about_ids:
        claim = client.get(f"/v1/articles/{article_id}/claims/{claim_id}").get_json()
        events = {
            event["id"]
            for event in client.get(
                f"/v1/articles/{article_id}/timeline?entity=north-korea&page_size=100"
            ).get_json()
        }
        relations = client.get(
            f"/v1/articles/{article_id}/relations?entity=north-korea&page_size=100"
        ).get_json()
        assert events & set(claim["event_ids"]) or any(
            claim_id in relation["claim_ids"] for relation in relations
        )
    for item in by.find_all("li") + about.find_all("li"):
        href = item.find("a", class_="to-text").get("href")
        assert anchors_exist(client, href)


def test_its_timeline_across_articles_by_date(client):
    rows = page(client, "/wikidata/Q423").find(id="timeline").find_all("li")
    expected = client.get("/v1/timeline?entity=Q423&page_size=1000").get_json()
    assert [(row.get("data-article"), row.get("data-id")) for row in rows] == [
        (event["article_id"], event["id"]) for event in expected
    ]
    # Two articles dating one event differently: both, each at its date.
    sent = [
        row.get("data-date") for row in rows if row.get("data-id") == "north-korea-sends-troops"
    ]
    assert sent == ["2024", "2024-10"]
    for row in rows:
        assert anchors_exist(client, row.find("a", class_="to-text").get("href"))


def test_the_article_page_links_entities_with_a_qid_to_their_page(client):
    root = page(client, ARTICLE)
    for item in root.find(id="named").find_all("li"):
        entity = client.get(f"{ARTICLE}/entities/{item.get('data-id')}").get_json()
        links = item.find_all("a", class_="across-link")
        if entity["wikidata"]:
            assert [link.get("href") for link in links] == [f"/wikidata/{entity['wikidata']}"]
        else:
            assert links == []


def test_one_article_alone_has_no_links_across_articles(app):
    root = page(app.test_client(), "/")
    assert root.find_all("a", class_="across-link") == []


@pytest.mark.parametrize(("qid", "status"), [("Q1", 404), ("kharkiv", 422), ("Q0", 422)])
def test_no_page_for_what_no_article_names_or_what_is_no_qid(client, qid, status):
    response = client.get(f"/wikidata/{qid}", headers={"Accept": "text/html"})
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
