"""The production server (gunicorn) facing raw, malformed HTTP: it refuses and keeps serving."""

import socket
import urllib.request

import pytest

from conftest import ARTICLE, gunicorn_server

pytestmark = pytest.mark.system


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


def http(target, *header_lines, body=b""):
    """A request as raw bytes: request line, headers, blank line, body."""
    head = [b"GET " + target + b" HTTP/1.1", b"Host: x", *header_lines, b"Connection: close"]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


RAW_REQUESTS = {
    "request line over gunicorn's limit": http(b"/v1/articles?q=" + b"x" * 9000),
    "URL over the app's limit": http(f"{ARTICLE}/search?q={'x' * 5000}".encode()),
    "NUL in the request line": http(b"/v1/articles/\x00"),
    "raw non-UTF-8 path": http(b"/v1/articles/\xff\xfe"),
    "not HTTP at all": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n",
    "unknown HTTP version": b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    "header too large": http(b"/v1/articles", b"Accept: " + b"a" * 9000),
    "too many headers": http(b"/v1/articles", *(b"X-%d: y" % n for n in range(200))),
    "body on a GET with a huge length": http(
        b"/v1/articles", b"Content-Length: 99999999999", body=b"abc"
    ),
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
