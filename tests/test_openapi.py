"""The OpenAPI document: generated, committed, valid 3.1, and describing everything."""

import json

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from conftest import ROOT

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
