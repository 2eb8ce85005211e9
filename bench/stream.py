"""Every result, cheaply: an NDJSON stream of every claim of a synthetic corpus, and its export.

    .venv/bin/python bench/stream.py --articles 10000 [--work FOLDER] [--path /v1/claims]

1. Writes N synthetic articles (bench/corpus.py) and ingests them into a SQLite store with
   `article-facts ingest` (kept in `--work` for the next run: an existing store is reused).
2. Starts gunicorn with the project's config, one gthread worker (as deploy/ runs it), on
   loopback, and reads `GET /v1/claims` with `Accept: application/x-ndjson` to the end, once
   plain and once with `Accept-Encoding: gzip`: lines, bytes, seconds, MB/s (of the
   uncompressed NDJSON), and the worker's resident memory sampled every 20 ms while it
   streams (first, highest, last: flat means the stream is not held in memory).
3. Times `article-facts export` of the same store: seconds, bytes, articles.

Figures only: it never fails on timing. Each stream ends by itself (a timeout of 120 s
bounds it); everything started is stopped by its PID.
"""

import argparse
import gzip
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_corpus  # noqa: E402

import harness  # noqa: E402

SCRIPT = Path(sys.executable).parent / "article-facts"
READ_BYTES = 1 << 20
SAMPLE_SECONDS = 0.02


def read_stream(url, path, coding):
    """Read one NDJSON stream to its end: (lines, bytes on the wire, bytes of NDJSON, s)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    headers = {"Accept": "application/x-ndjson", "Accept-Encoding": coding or "identity"}
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    assert response.status == 200, response.status
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if coding == "gzip" else None
    wire = plain = lines = 0
    while chunk := response.read1(READ_BYTES):
        wire += len(chunk)
        if decoder is not None:
            chunk = decoder.decompress(chunk)
        plain += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    connection.close()
    return lines, wire, plain, seconds


def sampled(pid, work):
    """Run `work()` while sampling `pid`'s resident memory; its result and the samples."""
    samples, done = [], threading.Event()

    def sample():
        while not done.is_set():
            samples.append(harness.rss_mib(pid))
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = work()
    finally:
        done.set()
        sampler.join()
    return result, samples


def stream_figures(server, path, coding):
    """One stream's figures, with the worker's memory while it ran."""
    (worker,) = harness.worker_pids(server["pid"])
    before = harness.rss_mib(worker)
    (lines, wire, plain, seconds), samples = sampled(
        worker, lambda: read_stream(server["url"], path, coding)
    )
    return {
        "coding": coding or "identity",
        "lines": lines,
        "ndjson_mb": round(plain / 1e6, 1),
        "wire_mb": round(wire / 1e6, 1),
        "seconds": round(seconds, 2),
        "ndjson_mb_per_s": round(plain / 1e6 / seconds, 1),
        "worker_rss_mib": {
            "before": round(before, 1),
            "max_while_streaming": round(max(samples), 1),
            "after": round(harness.rss_mib(worker), 1),
            "samples": len(samples),
        },
    }


def main():
    """Build the corpus if needed, stream, export; print one JSON object of figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--work", type=Path, help="a folder to work in (default: a temporary)")
    parser.add_argument("--path", default="/v1/claims", help="the list to stream")
    arguments = parser.parse_args()
    folder = arguments.work or Path(tempfile.mkdtemp(prefix="article-facts-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_FACTS_")}
    store = folder / f"store-{arguments.articles}"
    env = {
        **base,
        "ARTICLE_FACTS_DATA_DIR": str(store),
        "ARTICLE_FACTS_CORPUS_DIR": str(folder / "corpus-empty"),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_WORKER_CLASS": "gthread",
        "ACCESS_LOG": "",
    }
    (folder / "corpus-empty").mkdir(exist_ok=True)
    figures = {"articles": arguments.articles, "path": arguments.path}
    if not (store / "article-facts.sqlite3").exists():
        corpus = folder / f"corpus-{arguments.articles}"
        write_corpus(arguments.articles, 1, corpus)
        started = time.perf_counter()
        subprocess.run([SCRIPT, "ingest", corpus], env=env, check=True, capture_output=True)
        figures["ingest_s"] = round(time.perf_counter() - started, 1)

    with harness.gunicorn(env=env) as server:
        figures["streams"] = [
            stream_figures(server, arguments.path, coding) for coding in (None, "gzip", None)
        ]

    exports = folder / "exports"
    started = time.perf_counter()
    result = subprocess.run(
        [SCRIPT, "export", "--to", exports], env=env, check=True, capture_output=True, text=True
    )
    took = time.perf_counter() - started
    written = max(exports.glob("corpus-*.ndjson.gz"), key=lambda path: path.stat().st_mtime)
    with gzip.open(written, "rb") as file:
        uncompressed = sum(len(chunk) for chunk in iter(lambda: file.read(READ_BYTES), b""))
    figures["export"] = {
        "said": result.stdout.strip(),
        "seconds": round(took, 2),
        "gzip_mb": round(written.stat().st_size / 1e6, 1),
        "ndjson_mb": round(uncompressed / 1e6, 1),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
