"""Logs as one JSON object per line, each request's with its X-Request-ID."""

import json
import logging
import urllib.error
import urllib.request

import pytest

from api import create_app
from conftest import ARTICLE, gunicorn_server


@pytest.mark.system
def test_gunicorn_writes_every_line_as_json_with_the_request_id():
    with gunicorn_server(workers=2, env={"ACCESS_LOG": "-"}, log_name="json-logs") as server:
        request = urllib.request.Request(
            f"{server.url}{ARTICLE}/figures?fields=value", headers={"X-Request-ID": "trace-7"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["X-Request-ID"] == "trace-7"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{server.url}/v1/nothing", timeout=10)
        generated = missing.value.headers["X-Request-ID"]
        missing.value.close()
    records = [json.loads(line) for line in server.log_path.read_text().splitlines() if line]
    assert all({"timestamp", "level", "logger", "message"} <= set(r) for r in records)
    assert any("Listening at" in r["message"] for r in records if r["logger"] == "gunicorn.error")
    access = {r["request_id"]: r for r in records if r["logger"] == "gunicorn.access"}
    traced = access["trace-7"]
    assert traced["method"] == "GET" and traced["path"] == f"{ARTICLE}/figures"
    assert traced["query"] == "fields=value" and traced["status"] == 200
    assert traced["bytes"] > 0 and traced["duration_ms"] > 0
    assert access[generated]["status"] == 404


def test_an_unexpected_exception_is_logged_with_its_request_id(caplog):
    app = create_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("failure")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500 and response.headers["X-Request-ID"] == "boom-1"
    record = next(r for r in caplog.records if r.getMessage().startswith("Unhandled exception"))
    assert record.request_id == "boom-1" and record.exc_info
