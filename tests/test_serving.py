"""The serving core: one request path, the same answers whatever the settings.

Every mode of the core (no limit; a limit counted in this process; a limit counted in Redis;
no room to keep renderings) gives the same bytes and headers for every representation, method,
content coding and conditional request, on the first request (rendered by Flask) and on the
next (replayed). Only the rate-limit headers differ, and only where a limit is on.
"""

import gzip

import brotli
import pytest

from api import create_app
from conftest import ARTICLE

# Far beyond what a test sends: a budget that never runs out, counted all the same.
NEVER_EXHAUSTED = "1000000 per hour"

REPRESENTATIONS = [
    ("/v1/articles", None),
    (ARTICLE, None),
    (ARTICLE, "application/ld+json"),
    (ARTICLE, "text/html"),
    (f"{ARTICLE}/text", None),
    (f"{ARTICLE}/entities?type=place", None),
    (f"{ARTICLE}/entities?type=place", "text/csv"),
    (f"{ARTICLE}/quotes/veles-great-guys?embed=speaker", None),
    (f"{ARTICLE}/timeline?from=2024", None),
    (f"{ARTICLE}/search?q=Kursk", None),
    ("/openapi.json", None),
    ("/docs", None),
    ("/docs/assets/swagger-ui.css", None),
    ("/", None),
    (f"{ARTICLE}/entities/nobody", None),  # a problem: answered afresh each time
    ("/healthz", None),  # a probe: never kept
]
CODINGS = [None, "gzip", "br"]


@pytest.fixture(scope="module")
def reference():
    """The plainest mode: no limit, room to keep everything."""
    return create_app({"RATE_LIMIT": "off"}).test_client()


@pytest.fixture(
    params=[
        "unlimited",
        "limited in memory",
        pytest.param("limited in Redis", marks=pytest.mark.system),
        "nothing kept",
    ]
)
def mode(request):
    """(name, client) of a fresh app in one of the core's modes."""
    settings = {
        "unlimited": {"RATE_LIMIT": "off"},
        "limited in memory": {"RATE_LIMIT": NEVER_EXHAUSTED},
        "nothing kept": {"RATE_LIMIT": "off", "RESPONSE_CACHE_BYTES": 0},
    }.get(request.param)
    if settings is None:
        redis_url = request.getfixturevalue("redis_url")
        settings = {"RATE_LIMIT": NEVER_EXHAUSTED, "RATE_LIMIT_STORAGE_URI": redis_url}
    return request.param, create_app(settings).test_client()


def request_headers(accept, coding, if_none_match=None):
    headers = {"Accept-Encoding": coding or "identity"}
    if accept:
        headers["Accept"] = accept
    if if_none_match:
        headers["If-None-Match"] = if_none_match
    return headers


def observable(response):
    """Status, headers and body, less the request id and rate-limit state (per request) and
    the ingest time."""
    headers = sorted(
        (name, value)
        for name, value in response.headers
        # Last-Modified is when each app's own store ingested the article.
        if not name.startswith("X-RateLimit-") and name not in ("X-Request-ID", "Last-Modified")
    )
    return response.status_code, headers, response.data


@pytest.mark.parametrize(("url", "accept"), REPRESENTATIONS)
def test_every_mode_answers_alike(reference, mode, url, accept):
    name, client = mode
    for coding in CODINGS:
        etag = reference.get(url, headers=request_headers(accept, coding)).headers.get("ETag")
        for method in ("GET", "HEAD"):
            for if_none_match in (None, etag, '"stale"'):
                headers = request_headers(accept, coding, if_none_match)
                expected = observable(reference.open(url, method=method, headers=headers))
                for attempt in ("first", "again"):
                    answer = client.open(url, method=method, headers=headers)
                    context = (name, method, coding, if_none_match, attempt)
                    assert observable(answer) == expected, context
                    if name.startswith("limited") and not url.startswith("/healthz"):
                        assert answer.headers["X-RateLimit-Limit"] == "1000000", context
                    else:
                        assert "X-RateLimit-Limit" not in answer.headers, context


@pytest.mark.parametrize("coding", ["gzip", "br"])
@pytest.mark.parametrize(
    "url",
    ["/openapi.json", "/", f"{ARTICLE}/entities?page_size=100", "/docs/assets/swagger-ui.css"],
)
def test_compressed_codings_hold_the_same_bytes(reference, url, coding):
    plain = reference.get(url, headers={"Accept-Encoding": "identity"})
    packed = reference.get(url, headers={"Accept-Encoding": coding})
    assert packed.headers["Content-Encoding"] == coding
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    decompress = gzip.decompress if coding == "gzip" else brotli.decompress
    assert decompress(packed.data) == plain.data
    assert (
        "Accept-Encoding" in plain.headers["Vary"] and "Accept-Encoding" in packed.headers["Vary"]
    )


def test_each_coding_has_its_own_etag_and_its_own_304(reference):
    url = f"{ARTICLE}/figures"
    etags = {}
    for coding in CODINGS:
        etags[coding] = reference.get(url, headers=request_headers(None, coding)).headers["ETag"]
    assert len(set(etags.values())) == len(CODINGS)
    for coding, etag in etags.items():
        revalidated = reference.get(url, headers=request_headers(None, coding, etag))
        assert revalidated.status_code == 304 and revalidated.data == b""
        assert revalidated.headers["ETag"] == etag
        assert "Content-Encoding" not in revalidated.headers
        # Another coding's tag names other bytes: the full response in this coding.
        other = etags["gzip" if coding != "gzip" else "br"]
        assert reference.get(url, headers=request_headers(None, coding, other)).status_code == 200


def test_weak_comparison_matches_a_proxy_weakened_etag(reference):
    url = f"{ARTICLE}/quotes"
    etag = reference.get(url).headers["ETag"]
    assert reference.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert reference.get(url, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert reference.get(url, headers={"If-None-Match": "*"}).status_code == 304


@pytest.mark.parametrize(
    "accept_encoding", ["identity", "gzip;q=0, br;q=0", "compress", "*;q=0, identity"]
)
def test_no_acceptable_coding_means_identity(reference, accept_encoding):
    response = reference.get("/openapi.json", headers={"Accept-Encoding": accept_encoding})
    assert "Content-Encoding" not in response.headers
    assert response.get_json()["openapi"] == "3.1.0"


def test_brotli_is_preferred_when_both_are_equally_welcome(reference):
    response = reference.get("/openapi.json", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    response = reference.get("/openapi.json", headers={"Accept-Encoding": "gzip, br;q=0.5"})
    assert response.headers["Content-Encoding"] == "gzip"


@pytest.mark.parametrize(
    "url",
    ["/healthz", f"{ARTICLE}/entities/veles?fields=name", "/docs/assets/favicon-32x32.png"],
)
def test_small_or_binary_responses_are_sent_as_they_are(reference, url):
    response = reference.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" not in response.headers.get("Vary", "")


@pytest.fixture()
def counted():
    """An app whose Flask side counts the requests it is asked to render."""
    app = create_app({"RATE_LIMIT": "off"})
    core = app.wsgi_app
    rendered = []
    flask_wsgi = core.flask_wsgi

    def counting(environ, start_response):
        rendered.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        return flask_wsgi(environ, start_response)

    core.flask_wsgi = counting
    return app.test_client(), rendered


def test_flask_renders_each_representation_once(counted):
    client, rendered = counted
    url = f"{ARTICLE}/quotes/veles-great-guys"
    first = client.head(url, headers={"If-None-Match": '"stale"'})  # first request: HEAD
    assert first.status_code == 200 and first.data == b""
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"Accept-Encoding": "gzip"}).status_code == 200
    assert client.get(url).data
    assert rendered == [("GET", url)]  # rendered once, as a plain GET, whatever came first
    client.get(url, headers={"Accept": "text/csv, application/json;q=0.5"})
    assert len(rendered) == 2  # another Accept may choose another representation


def test_static_files_are_kept_whole(counted):
    client, rendered = counted
    url = "/docs/assets/swagger-ui-bundle.js"
    whole = client.get(url, headers={"Range": "bytes=0-99"})
    assert whole.status_code == 200 and len(whole.data) > 100  # ranges are not served
    assert "Accept-Ranges" not in whole.headers and "Last-Modified" not in whole.headers
    assert whole.headers["Cache-Control"] == "public, max-age=86400"
    packed = client.get(url, headers={"Accept-Encoding": "br"})
    assert brotli.decompress(packed.data) == whole.data
    assert rendered == [("GET", url)]


def test_problems_are_answered_afresh_and_never_stored(counted):
    client, rendered = counted
    for method in ("GET", "HEAD", "GET"):
        response = client.open(f"{ARTICLE}/entities?page=0", method=method)
        assert response.status_code == 422
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers
        assert (response.data == b"") is (method == "HEAD")
    assert len(rendered) == 3


def test_a_body_is_refused_even_on_a_kept_url(reference):
    url = f"{ARTICLE}/figures"
    reference.get(url)
    refused = reference.get(url, data=b"x", headers={"Content-Type": "text/plain"})
    assert refused.status_code == 413
    assert refused.content_type == "application/problem+json"
    assert refused.headers["X-Content-Type-Options"] == "nosniff"  # rendered like any problem


def test_kept_renderings_stay_within_their_memory_bound():
    app = create_app({"RATE_LIMIT": "off", "RESPONSE_CACHE_BYTES": 8192})
    client = app.test_client()
    renderings = app.extensions["article_facts"]["renderings"]
    sizes = []
    for page_size in range(1, 40):
        url = f"{ARTICLE}/entities?page_size={page_size}"
        assert client.get(url).status_code == 200
        sizes.append(renderings.size_bytes)
        assert client.get(url, headers={"Accept-Encoding": "br"}).status_code == 200
        sizes.append(renderings.size_bytes)  # a new coding counts too
    assert max(sizes) <= 8192
    assert sizes[0] > 0 and sizes[-1] == 0  # small pages were kept; the whole list never fits


def test_renderings_larger_than_the_bound_are_served_but_not_kept():
    app = create_app({"RATE_LIMIT": "off", "RESPONSE_CACHE_BYTES": 1024})
    client = app.test_client()
    for _ in range(2):
        assert client.get("/openapi.json").get_json()["openapi"] == "3.1.0"
    assert app.extensions["article_facts"]["renderings"].size_bytes == 0


@pytest.mark.parametrize(
    "url", [f"{ARTICLE}/figures", f"{ARTICLE}/figures/nothing", "/healthz", "/docs/assets/VERSION"]
)
def test_every_answer_carries_a_request_id_of_its_own(reference, url):
    ids = []
    for _ in range(3):  # rendered, then replayed: the id is never part of what is kept
        with reference.get(url) as response:
            ids.append(response.headers["X-Request-ID"])
    assert len(set(ids)) == 3
    assert all(len(request_id) == 32 and int(request_id, 16) >= 0 for request_id in ids)


@pytest.mark.parametrize(
    "request_id", ["abc-123", "6f1c2a9e-0b7d-4c1e-9a55-3f0e8d7b2c41", "a" * 128]
)
def test_a_plain_request_id_from_the_proxy_is_kept(reference, request_id):
    for headers in ({}, {"If-None-Match": "*"}):
        response = reference.get(
            f"{ARTICLE}/quotes", headers={"X-Request-ID": request_id, **headers}
        )
        assert response.headers["X-Request-ID"] == request_id


@pytest.mark.parametrize(
    "request_id", ["", "has space", "a" * 129, "tab\there", 'quote"d', "a+b=c/d"]
)
def test_an_unusable_request_id_is_replaced(reference, request_id):
    response = reference.get(f"{ARTICLE}/quotes", headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] != request_id
    assert len(response.headers["X-Request-ID"]) == 32


def test_refusals_carry_the_request_id_too():
    client = create_app({"RATE_LIMIT": "1 per day"}).test_client()
    client.get("/v1/articles")
    refused = client.get("/v1/articles", headers={"X-Request-ID": "trace-me"})
    assert refused.status_code == 429 and refused.headers["X-Request-ID"] == "trace-me"
    too_long = client.get("/v1/articles?q=" + "x" * 5000, headers={"X-Request-ID": "long-one"})
    assert too_long.status_code == 414 and too_long.headers["X-Request-ID"] == "long-one"
