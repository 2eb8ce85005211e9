"""One URL per resource: a trailing slash is a 308 to the URL without it, never a second copy."""

import pytest

from conftest import ARTICLE

REDIRECTS = {
    "/v1/articles/": "/v1/articles",
    "/v1/articles//": "/v1/articles",
    f"{ARTICLE}/": ARTICLE,
    f"{ARTICLE}/text/": f"{ARTICLE}/text",
    f"{ARTICLE}/entities/?type=person&page_size=2": f"{ARTICLE}/entities?type=person&page_size=2",
    f"{ARTICLE}/quotes/veles-great-guys/?embed=outlet": (
        f"{ARTICLE}/quotes/veles-great-guys?embed=outlet"
    ),
    "/healthz/": "/healthz",
    "/openapi.json/": "/openapi.json",
    "/docs/": "/docs",
}


@pytest.mark.parametrize(("url", "canonical"), REDIRECTS.items())
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_trailing_slash_redirects_permanently_to_the_canonical_url(client, url, canonical, method):
    response = client.open(url, method=method)
    assert response.status_code == 308
    assert response.headers["Location"] == canonical
    assert response.data == b"" and "Content-Type" not in response.headers
    assert client.open(canonical, method=method).status_code == 200


def test_the_canonical_url_answers_what_the_slashed_one_would_have(client):
    followed = client.get("/v1/articles/?sort=-id", follow_redirects=True)
    assert followed.status_code == 200
    assert followed.get_json() == client.get("/v1/articles?sort=-id").get_json()


@pytest.mark.parametrize("url", ["/nothing/", "/v2/articles/", f"{ARTICLE}/colours/"])
def test_a_slash_on_a_path_that_does_not_exist_stays_a_404_problem(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_the_root_page_keeps_its_slash(client):
    assert client.get("/").status_code == 200
