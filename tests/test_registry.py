"""The renderer registry's declarations, as the serving core honours them.

A renderer says whether its media type compresses, a view whether its answers may be kept,
and the table of file types what the rest is: the core compresses and keeps by those
declarations alone, never by a media type it recognises or a header Flask wrote.
"""

import gzip
from pathlib import Path

import brotli
import orjson
import pytest

from api import create_app
from api.formats.registry import FILE_TYPES, Renderer, registry
from conftest import ARTICLE

NDJSON = "application/x-ndjson"
DECOMPRESS = {"gzip": gzip.decompress, "br": brotli.decompress}


def render_ndjson(content):
    """One JSON object per line: a trial format no built-in renderer knows."""
    return b"".join(orjson.dumps(item) + b"\n" for item in content.value)


def app_with_trial_renderer(compressible):
    """A fresh app whose lists are also offered as NDJSON, declared (not) compressible."""
    app = create_app({"RATE_LIMIT": "off"})
    trial = Renderer(
        NDJSON, frozenset({"list"}), render_ndjson, schema={}, compressible=compressible
    )
    registry(app).register(trial)
    return app


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_renderer_declared_compressible_is_sent_compressed(coding):
    client = app_with_trial_renderer(compressible=True).test_client()
    url = f"{ARTICLE}/entities?page_size=100"
    plain = client.get(url, headers={"Accept": NDJSON, "Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.mimetype == NDJSON
    packed = client.get(url, headers={"Accept": NDJSON, "Accept-Encoding": coding})
    assert packed.headers["Content-Encoding"] == coding
    assert DECOMPRESS[coding](packed.data) == plain.data
    assert len(packed.data) < len(plain.data)
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + f'-{coding}"'
    assert (
        "Accept-Encoding" in plain.headers["Vary"] and "Accept-Encoding" in packed.headers["Vary"]
    )


def test_a_renderer_declared_not_compressible_is_sent_as_it_is():
    client = app_with_trial_renderer(compressible=False).test_client()
    url = f"{ARTICLE}/entities?page_size=100"
    for coding in ("gzip", "br"):
        response = client.get(url, headers={"Accept": NDJSON, "Accept-Encoding": coding})
        assert response.status_code == 200 and len(response.data) > 1000
        assert "Content-Encoding" not in response.headers
        assert "Accept-Encoding" not in response.headers["Vary"]
        assert response.headers["Cache-Control"].startswith("public")  # kept all the same


def static_urls(app):
    """The URL of every static file the app serves: its own, and each blueprint's."""
    folders = [(app.static_url_path, app.static_folder)]
    folders += [
        (blueprint.static_url_path, blueprint.static_folder)
        for blueprint in app.blueprints.values()
        if blueprint.has_static_folder
    ]
    return [
        f"{url_path}/{path.relative_to(folder).as_posix()}"
        for url_path, folder in folders
        for path in sorted(Path(folder).rglob("*"))
        if path.is_file()
    ]


def test_every_static_file_has_a_declared_media_type(app):
    client = app.test_client()
    urls = static_urls(app)
    assert any(url.startswith("/docs/assets/") for url in urls)
    assert any(url.startswith("/static/reader/") for url in urls)
    for url in urls:
        with client.get(url, headers={"Accept-Encoding": "identity"}) as response:
            assert response.status_code == 200, url
            assert response.mimetype in FILE_TYPES, (url, response.mimetype)


def test_a_refusal_is_answered_without_negotiating(client):
    # The core decided to refuse; Flask only renders the problem, so no 406 is decided too.
    refused = client.get(ARTICLE, data=b"x", headers={"Accept": "image/png"})
    assert refused.status_code == 413
    assert refused.content_type == "application/problem+json"
    assert refused.headers["Cache-Control"] == "no-store"
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
