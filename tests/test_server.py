"""The production server (gunicorn) facing raw, malformed HTTP: it refuses and keeps serving."""

import socket
import urllib.request

import pytest

from conftest import ARTICLE, gunicorn_server


@pytest.fixture(scope="module")
def server():
    with gunicorn_server(
        workers=2, env={"ARTICLE_FACTS_RATE_LIMIT": "off"}, log_name="server"
    ) as running:
        yield running


def raw_exchange(server, request_bytes):
    """Send bytes as they are; return the status line and the whole answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request_bytes)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
    return status_line, answer


RAW_REQUESTS = {
    "request line over gunicorn's limit": b"GET /v1/articles?q="
    + b"x" * 9000
    + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "URL over the app's limit": f"GET {ARTICLE}/search?q={'x' * 3000} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(),
    "NUL in the request line": b"GET /v1/articles/\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    "raw non-UTF-8 path": b"GET /v1/articles/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "not HTTP at all": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n",
    "unknown HTTP version": b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    "header too large": b"GET /v1/articles HTTP/1.1\r\nHost: x\r\nAccept: "
    + b"a" * 9000
    + b"\r\n\r\n",
    "too many headers": b"GET /v1/articles HTTP/1.1\r\n"
    + b"".join(b"X-%d: y\r\n" % n for n in range(200))
    + b"\r\n",
    "body on a GET with a huge length": b"GET /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\nabc",
}


@pytest.mark.parametrize("request_bytes", RAW_REQUESTS.values(), ids=RAW_REQUESTS.keys())
def test_malformed_http_is_refused_with_a_4xx_and_the_server_keeps_serving(server, request_bytes):
    status_line, answer = raw_exchange(server, request_bytes)
    status = int(status_line.split()[1])
    assert 400 <= status < 500, status_line
    assert b"Traceback" not in answer
    with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as health:
        assert health.status == 200


def test_app_level_refusals_are_problem_documents(server):
    status_line, answer = raw_exchange(server, RAW_REQUESTS["URL over the app's limit"])
    assert status_line.startswith("HTTP/1.1 414")
    assert b"application/problem+json" in answer
