"""One error shape everywhere: RFC 9457 problem details, naming what was wrong."""

import pytest

from conftest import ARTICLE_ID
from schemas.kinds import KINDS as FACT_KINDS

REAL_IDS = {
    "article_id": ARTICLE_ID,
    **{f"{kind.singular}_id": kind.example_id for kind in FACT_KINDS},
    "qid": "Q423",
}
TEMPLATES = [
    "/healthz",
    "/readyz",
    "/v1/articles",
    "/v1/articles/{article_id}",
    "/v1/articles/{article_id}/text",
    *(
        template
        for kind in FACT_KINDS
        for template in (
            f"/v1/articles/{{article_id}}/{kind.path}",
            f"/v1/articles/{{article_id}}/{kind.path}/{{{kind.singular}_id}}",
        )
    ),
    "/v1/articles/{article_id}/versions",
    "/v1/articles/{article_id}/search",
    "/v1/wikidata/{qid}",
]
LISTS = [t for t in TEMPLATES if t.startswith("/v1") and not t.endswith(("}", "text"))]
# The lists across articles and the feed of changes, paged by cursor.
ACROSS = [*(f"/v1/{kind.path}" for kind in FACT_KINDS), "/v1/changes"]
# The exports of the corpus (tests/test_exports.py).
EXPORTS = ["/v1/exports", "/v1/exports/{name}"]
# Search across articles; `q` is required, so every other parameter is tested beside one.
SEARCH = "/v1/search"
DETAILS = [
    template for template in TEMPLATES if template.endswith("_id}") and template.count("{") == 2
]


def assert_problem(response, status):
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    assert b"Traceback" not in response.data and b"<html" not in response.data.lower()
    return problem


def test_every_documented_path_is_covered_here(app):
    documented = set(app.test_client().get("/openapi.json").get_json()["paths"])
    assert documented == set(TEMPLATES) | set(ACROSS) | set(EXPORTS) | {SEARCH}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page_size=1001", "page_size"),
        ("page=2", "page"),
        ("colour=red", "colour"),
        ("q=", "q"),
        ("cursor=nope", "cursor"),
        ("entity=kharkiv", "entity"),
        ("kind=nope", "kind"),
        ("published_to=2024-02-30", "published_to"),
    ],
)
def test_bad_query_value_of_search_is_422_naming_the_parameter(client, query, parameter):
    problem = assert_problem(client.get(f"{SEARCH}?q=Kursk&{query}"), 422)
    assert repr(parameter) in problem["detail"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_wrong_method_on_search_is_405_with_allow(client, method):
    response = client.open(f"{SEARCH}?q=Kursk", method=method)
    assert method in assert_problem(response, 405)["detail"]


def test_an_entity_no_article_names_is_404_and_what_is_no_qid_422(client):
    assert "Q1" in assert_problem(client.get("/v1/wikidata/Q1"), 404)["detail"]
    problem = assert_problem(client.get("/v1/wikidata/kharkiv"), 422)
    assert "Q followed by digits" in problem["detail"] and "qid" in problem["errors"]["path"]


@pytest.mark.parametrize("template", ACROSS)
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page_size=1001", "page_size"),
        ("page_size=abc", "page_size"),
        ("page=2", "page"),
        ("colour=red", "colour"),
    ],
)
def test_bad_query_value_across_articles_is_422_naming_the_parameter(
    client, template, query, parameter
):
    problem = assert_problem(client.get(f"{template}?{query}"), 422)
    assert repr(parameter) in problem["detail"]


@pytest.mark.parametrize("template", [t for t in TEMPLATES if "{article_id}" in t])
def test_unknown_article_is_404_naming_it(client, template):
    url = template.format(**{**REAL_IDS, "article_id": "no-such-article"})
    if url.endswith("/search"):
        url += "?q=Kursk"  # a valid search, so only the article is wrong
    problem = assert_problem(client.get(url), 404)
    assert "no-such-article" in problem["detail"]


@pytest.mark.parametrize("template", DETAILS)
def test_unknown_fact_is_404_naming_it(client, template):
    parameter = template.rsplit("{", 1)[1].rstrip("}")
    url = template.format(**{**REAL_IDS, parameter: "no-such-thing"})
    problem = assert_problem(client.get(url), 404)
    assert "no-such-thing" in problem["detail"] and ARTICLE_ID in problem["detail"]


@pytest.mark.parametrize("template", LISTS)
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page_size=101", "page_size"),
        ("page=abc", "page"),
        ("colour=red", "colour"),
    ],
)
def test_bad_query_value_is_422_naming_the_parameter(client, template, query, parameter):
    problem = assert_problem(client.get(f"{template.format(**REAL_IDS)}?{query}"), 422)
    assert repr(parameter) in problem["detail"]
    assert parameter in problem["errors"]["query"]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_wrong_method_is_405_with_allow(client, template, method):
    response = client.open(template.format(**REAL_IDS), method=method)
    problem = assert_problem(response, 405)
    assert method in problem["detail"]
    assert {"GET", "HEAD", "OPTIONS"} <= {m.strip() for m in response.headers["Allow"].split(",")}


# Routes outside the OpenAPI document answer OPTIONS the same way.
UNDOCUMENTED = ["/", "/docs", "/openapi.json", "/metrics", "/static/reader/reader.css"]


@pytest.mark.parametrize("template", TEMPLATES + UNDOCUMENTED)
def test_options_is_204_with_allow_and_no_body(client, template):
    response = client.options(template.format(**REAL_IDS))
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.data == b""
    assert "Content-Type" not in response.headers and "Content-Length" not in response.headers
    assert "Cache-Control" not in response.headers  # nothing a cache could keep


def test_options_on_an_unknown_path_is_404_problem(client):
    assert_problem(client.options("/v2/nothing"), 404)


def test_cors_preflight_still_gets_its_cors_answer(client):
    """A browser's preflight is answered by flask-cors, not as a plain OPTIONS."""
    response = client.options(
        "/v1/articles",
        headers={"Origin": "https://newsroom.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_path_is_404_problem(client):
    problem = assert_problem(client.get("/v2/nothing"), 404)
    assert "/v2/nothing" in problem["detail"]


def test_unknown_filter_entity_is_404_naming_the_parameter(client):
    base = f"/v1/articles/{ARTICLE_ID}"
    for path, parameter in [
        ("quotes", "speaker"),
        ("figures", "source"),
        ("timeline", "entity"),
        ("claims", "claimant"),
    ]:
        problem = assert_problem(client.get(f"{base}/{path}?{parameter}=nobody"), 404)
        assert "'nobody'" in problem["detail"] and repr(parameter) in problem["detail"]


def test_unexpected_failure_is_a_500_problem_without_internals():
    from api import create_app

    app = create_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    problem = assert_problem(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert problem["title"] == "Internal Server Error"
