"""CORS: browser scripts on other origins can read everything, headers included."""

from api import create_app
from conftest import ARTICLE

ORIGIN = "https://newsroom.example"


def test_any_origin_may_read_by_default(client):
    response = client.get(f"{ARTICLE}/entities", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {
        name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert {"ETag", "Link", "X-Pagination", "X-Total-Count"} <= exposed


def test_preflight_is_answered(client):
    response = client.options(
        f"{ARTICLE}/quotes",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD", "OPTIONS"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_allowed_origins_are_configurable():
    client = create_app({"CORS_ORIGINS": [ORIGIN]}).test_client()
    allowed = client.get("/v1/articles", headers={"Origin": ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    other = client.get("/v1/articles", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]
