"""The OpenAPI document: generated, committed, valid 3.1, and describing everything."""

import json
import re

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from conftest import ARTICLE_ID, ROOT

COMMITTED = ROOT / "openapi" / "openapi.json"
REGENERATE = "flask --app api openapi write openapi/openapi.json"


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/openapi.json").get_json()


def resolve(spec, obj):
    """Follow a local `$ref` to the component it names."""
    if "$ref" not in obj:
        return obj
    section, name = obj["$ref"].split("/")[-2:]
    return spec["components"][section][name]


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def test_committed_document_is_what_the_app_serves(spec):
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == spec, f"openapi/openapi.json is stale: run `{REGENERATE}`"


def test_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_every_operation_has_a_summary_and_documents_errors(spec):
    for path, method, operation in operations(spec):
        assert operation.get("summary"), f"{method} {path}"
        assert "default" in operation["responses"], f"{method} {path}"


def test_every_parameter_is_described(spec):
    for path, item in spec["paths"].items():
        parameters = list(item.get("parameters", []))
        for method, operation in item.items():
            if method != "parameters":
                parameters += operation.get("parameters", [])
        for parameter in map(lambda p: resolve(spec, p), parameters):
            assert parameter.get("description"), f"{path}: {parameter['name']}"


def test_every_schema_property_is_described(spec):
    for name, schema in spec["components"]["schemas"].items():
        for prop, definition in schema.get("properties", {}).items():
            assert definition.get("description"), f"{name}.{prop}"


def test_documented_examples_are_real_objects(client, spec):
    """Path examples name real facts, and required query examples make a valid request."""
    for path, item in spec["paths"].items():
        examples = {
            p["name"]: p["example"] for p in item.get("parameters", []) if p["in"] == "path"
        }
        required = [
            f"{p['name']}={p['schema']['example']}"
            for p in (resolve(spec, p) for p in item["get"].get("parameters", []))
            if p["in"] == "query" and p.get("required")
        ]
        url = path.format(**examples) + ("?" + "&".join(required) if required else "")
        response = client.get(url)
        assert response.status_code == 200, url
        if required:
            assert response.get_json(), f"{url} finds nothing"


def test_errors_are_documented_as_problem_details(spec):
    for name, response in spec["components"]["responses"].items():
        if "content" in response:
            assert list(response["content"]) == ["application/problem+json"], name


def test_pagination_header_is_documented_as_the_string_it_is(spec, client):
    header = spec["components"]["headers"]["PAGINATION"]
    assert header["schema"]["type"] == "string"
    served = client.get("/v1/articles").headers["X-Pagination"]
    assert isinstance(json.loads(served), dict)


def test_spans_convention_is_stated(spec):
    description = spec["components"]["schemas"]["Mention"]["properties"]["start"]["description"]
    assert "Unicode code points" in description
    assert "TextPositionSelector" in spec["info"]["description"]


def test_caching_is_documented_on_every_cached_operation(spec):
    for path, _method, operation in operations(spec):
        cached = not path.endswith(("healthz", "readyz"))
        headers = operation["responses"]["200"].get("headers", {})
        assert ("304" in operation["responses"]) is cached, path
        assert ("ETag" in headers and "Cache-Control" in headers) is cached, path
        if cached:
            assert {"$ref": "#/components/parameters/IF_NONE_MATCH"} in operation["parameters"]
        # Vary names Accept-Encoding on every kept response worth compressing.
        assert ("Vary" in headers) is cached, path


def test_rate_limits_are_documented_on_every_operation_but_the_probes(spec):
    for path, _method, operation in operations(spec):
        limited = not path.endswith(("healthz", "readyz"))
        responses = operation["responses"]
        assert (responses.get("429") == {"$ref": "#/components/responses/RATE_LIMITED"}) is (
            limited
        ), path
        for status, response in responses.items():
            if status.startswith("2"):
                headers = set(resolve(spec, response).get("headers", {}))
                assert RATE_LIMIT_HEADERS.issubset(headers) is limited, f"{path} {status}"
    refused = spec["components"]["responses"]["RATE_LIMITED"]
    assert {"Retry-After", "X-Request-ID", *RATE_LIMIT_HEADERS} == set(refused["headers"])
    assert list(refused["content"]) == ["application/problem+json"]


RATE_LIMIT_HEADERS = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}


def test_documented_rate_limit_headers_are_the_ones_sent():
    from api import create_app

    client = create_app({"RATE_LIMIT": "1 per minute"}).test_client()
    served = client.get("/v1/articles")
    refused = client.get(f"/v1/articles/{ARTICLE_ID}")
    assert served.status_code == 200 and refused.status_code == 429
    assert RATE_LIMIT_HEADERS <= set(served.headers.keys())
    assert {"Retry-After", *RATE_LIMIT_HEADERS} <= set(refused.headers.keys())
    for response in (served, refused):
        for name in RATE_LIMIT_HEADERS:
            assert int(response.headers[name]) >= 0  # integers, as documented
    assert not RATE_LIMIT_HEADERS & set(client.get("/healthz").headers.keys())


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/articles/{article_id}/entities", "Entity"),
        ("/v1/articles/{article_id}/quotes", "Quote"),
        ("/v1/articles/{article_id}/figures", "Figure"),
        ("/v1/articles/{article_id}/timeline", "Event"),
        ("/v1/articles/{article_id}/claims", "Claim"),
    ],
)
def test_whole_objects_have_every_field_required_and_sparse_ones_only_id(spec, client, path, name):
    whole, sparse = (
        spec["components"]["schemas"][name],
        spec["components"]["schemas"][f"Sparse{name}"],
    )
    items = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    refs = [f"#/components/schemas/{name}", f"#/components/schemas/Sparse{name}"]
    assert items["schema"]["items"] == {"anyOf": [{"$ref": ref} for ref in refs]}
    detail = spec["paths"][path + "/{" + name.lower() + "_id}"]
    assert detail["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "anyOf": [{"$ref": ref} for ref in refs]
    }
    assert sparse["required"] == ["id"]
    # Without `fields`, every object carries exactly the required fields.
    url = path.format(article_id=ARTICLE_ID) + "?page_size=100"
    for item in client.get(url).get_json():
        assert set(item) == set(whole["required"]), item["id"]


def test_closed_values_are_named_enums(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["Quote"]["properties"]["channel"]["anyOf"] == [
        {"$ref": "#/components/schemas/Channel"},
        {"type": "null"},
    ]
    assert None not in schemas["Channel"]["enum"]
    assert schemas["SearchHit"]["properties"]["kind"]["$ref"].endswith("/FactKind")
    assert schemas["SearchHit"]["properties"]["field"]["$ref"].endswith("/MatchField")
    for name, schema in schemas.items():
        for prop, definition in schema.get("properties", {}).items():
            # An inline enum would be a separate generated type in each place it appears.
            assert "enum" not in definition, f"{name}.{prop} is an unnamed enum"


def test_conditional_request_headers_say_what_this_api_does(spec):
    etag = spec["components"]["headers"]["ETAG"]["description"]
    if_none_match = spec["components"]["parameters"]["IF_NONE_MATCH"]["description"]
    assert "Tag for the returned entry" not in etag and "If-None-Match" in etag
    assert "304" in if_none_match
    assert spec["components"]["parameters"]["IF_NONE_MATCH"]["name"] == "If-None-Match"


def test_every_documented_response_carries_the_request_id(spec, client):
    documented = [
        resolve(spec, response)
        for _path, _method, operation in operations(spec)
        for response in operation["responses"].values()
    ] + list(spec["components"]["responses"].values())
    for response in documented:
        assert "X-Request-ID" in response.get("headers", {}), response["description"]
    pattern = spec["components"]["headers"]["REQUEST_ID"]["schema"]["pattern"]
    for headers in ({}, {"X-Request-ID": "trace-42"}, {"X-Request-ID": "not plain!"}):
        sent = client.get("/v1/articles/nope", headers=headers).headers["X-Request-ID"]
        assert re.fullmatch(pattern, sent)
