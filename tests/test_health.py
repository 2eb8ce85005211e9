"""The probes: live answers for monitors, whatever they add to the URL."""

import pytest


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("query", ["", "?x=1", "?t=1700000000&t=2", "?%C3%A9=%C3%A9"])
def test_probes_ignore_query_strings(client, path, query):
    response = client.get(path + query)
    assert response.status_code == 200
    assert response.get_json()["status"] == ("ok" if path == "/healthz" else "ready")
    assert response.headers["Cache-Control"] == "no-store"


def test_probes_document_no_query_parameter(client):
    spec = client.get("/openapi.json").get_json()
    for path in ("/healthz", "/readyz"):
        parameters = spec["paths"][path]["get"].get("parameters", [])
        assert not [p for p in parameters if p.get("in") == "query"], path
