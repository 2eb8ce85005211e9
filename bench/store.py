"""The store at scale: ingest, start-up, memory and the cold workload, on a synthetic corpus.

    .venv/bin/python bench/store.py --articles 10000 [--seconds 10] [--postgresql URL]
        [--datasette] [--across-only]

1. Writes N synthetic articles (bench/corpus.py) and ingests them into a new SQLite store
   with `article-facts ingest`, validation included: articles/s.
2. Starts the README's first command (gunicorn.conf.py, every default) on a store of 10
   articles and on the store of N: seconds to the first `/readyz` 200, each.
3. Drives it with wrk: the one-article hit path (a kept rendering), then the cold workload,
   uniform random article ids across 6 per-article endpoints (too many to keep): requests/s,
   p50, p99, and their ratio; then each worker's resident memory.
4. Search across articles: `/v1/search?q=<word>`, the first page with its facets, with the
   rendered-response cache off (every request searches): a word drawn uniformly from the
   corpus's distinct words on each request (at c16), then the corpus's most frequent word alone,
   one request at a time (the worst case: it is in nearly every paragraph). requests/s, p50,
   p99.
5. With `--postgresql URL` (a writer's URL; the reader role is not needed here), the same
   cold workload and searches on PostgreSQL after `article-facts migrate` and `ingest` there.
6. With `--datasette`, Datasette (from PyPI, into a venv of its own under the work folder)
   serving the same SQLite file's version rows for the same random article ids.
7. The lists across articles, on each engine, with no kept renderings (every request runs its
   queries, as a fresh URL would): the first page of `/v1/quotes?speaker=<qid>` and of
   `/v1/claims?claimant=<qid>` for the commonest fictional person of each (bench/corpus.py
   gives the commonest synthetic people QIDs of their own), wrk at 16 connections; and a walk
   of every page of `/v1/entities?page_size=1000`, one request at a time, timing each page.
   `--across-only` measures ingest, these and the searches, and skips 2, 3 and 6.

Figures only: it never fails on timing. Everything listens on loopback; every load run has a
fixed duration; everything started is stopped by its PID.
"""

import argparse
import collections
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import fictional_qid, write_corpus  # noqa: E402

import harness  # noqa: E402

ROOT = harness.ROOT
SCRIPT = Path(sys.executable).parent / "article-facts"
# The six per-article endpoints of the cold workload.
ENDPOINTS = ("", "/entities?page_size=100", "/claims", "/timeline", "/relations", "/quotes")
WARM_UP_SECONDS = 2
# The lists across articles measured, first page, by the commonest fictional speaker and
# claimant of the synthetic corpus; and the list walked page by page.
ACROSS_FIRST_PAGES = {
    "quotes_by_speaker": f"/v1/quotes?speaker={fictional_qid('mayor')}",
    "claims_by_claimant": f"/v1/claims?claimant={fictional_qid('engineer')}",
}
WALKED = "/v1/entities?page_size=1000"


def lua_script(folder, ids, paths):
    """A wrk script that asks for a random article's random endpoint on each request."""
    script = folder / "cold.lua"
    quoted = ",".join(json.dumps(article_id) for article_id in ids)
    endpoints = ",".join(json.dumps(path) for path in paths)
    script.write_text(
        f"local ids = {{{quoted}}}\nlocal paths = {{{endpoints}}}\n"
        "math.randomseed(42)\n"
        "request = function()\n"
        '  local path = "/v1/articles/" .. ids[math.random(#ids)] .. paths[math.random(#paths)]\n'
        '  return wrk.format("GET", path)\nend\n',
        encoding="utf-8",
    )
    return script


def search_words(corpus):
    """The corpus's distinct words (lower case), most frequent first, with their counts."""
    counts = collections.Counter(
        word
        for path in corpus.glob("*.txt")
        for word in re.findall(r"[a-z]+", path.read_text(encoding="utf-8").lower())
    )
    return counts.most_common()


def search_script(folder, words):
    """A wrk script that searches for a random word of `words` on each request."""
    script = folder / "search.lua"
    quoted = ",".join(json.dumps(word) for word in words)
    script.write_text(
        f"local words = {{{quoted}}}\nmath.randomseed(42)\n"
        "request = function()\n"
        '  return wrk.format("GET", "/v1/search?q=" .. words[math.random(#words)])\nend\n',
        encoding="utf-8",
    )
    return script


def measure_search(env, script, common_word, seconds):
    """The searches, with no rendering kept: a random word's first page, then the most
    frequent word's. A dict of wrk figures."""
    figures = {}
    with harness.gunicorn(env={**env, "ARTICLE_FACTS_RESPONSE_CACHE_BYTES": "0"}) as server:
        url = server["url"]
        harness.wrk(url, seconds=WARM_UP_SECONDS, connections=16, threads=1, script=script)
        figures["random_word"] = harness.wrk(
            url, seconds=seconds, connections=16, threads=1, script=script
        )
        # One request at a time: at c16 each would wait longer than wrk's 2 s timeout.
        figures["most_frequent_word_c1"] = harness.wrk(
            f"{url}/v1/search?q={common_word}", seconds=seconds, connections=1, threads=1
        )
    return figures


def ingest(folder, env):
    """`article-facts ingest` of a folder into the store `env` names: (seconds, output)."""
    started = time.perf_counter()
    result = subprocess.run(
        [SCRIPT, "ingest", folder], env=env, capture_output=True, text=True, check=False
    )
    return time.perf_counter() - started, result.stdout.strip().splitlines()[-1]


def measure(env, script, seconds, hit_url_path):
    """Start the README's command on the store `env` names; the hit path, the cold workload,
    and memory. Returns a dict of figures."""
    figures = {}
    with harness.gunicorn(env=env) as server:
        figures["start_to_first_response_s"] = round(server["seconds_to_first_response"], 2)
        url = server["url"]
        harness.wrk(url + hit_url_path, seconds=WARM_UP_SECONDS, connections=16, threads=1)
        figures["hit"] = harness.wrk(url + hit_url_path, seconds=seconds, connections=16, threads=1)
        harness.wrk(url, seconds=WARM_UP_SECONDS, connections=16, threads=1, script=script)
        figures["cold"] = harness.wrk(
            url, seconds=seconds, connections=16, threads=1, script=script
        )
        figures["worker_rss_mib"] = [
            round(harness.rss_mib(pid), 1) for pid in harness.worker_pids(server["pid"])
        ]
    return figures


def walk(url):
    """Follow `Link: rel="next"` from `url` to the last page, one request at a time: the
    milliseconds each page took, and how many items there were."""
    took, items = [], 0
    while url:
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as response:
            items += len(json.load(response))
            link = response.headers.get("Link")
        took.append((time.perf_counter() - started) * 1000)
        url = urllib.parse.urljoin(url, link.split(">", 1)[0].lstrip("<")) if link else None
    return took, items


def across(env, seconds):
    """The lists across articles with no kept renderings: first pages under load, and a walk
    of every page of the entities. Returns a dict of figures."""
    figures = {}
    with harness.gunicorn(env={**env, "ARTICLE_FACTS_RESPONSE_CACHE_BYTES": "0"}) as server:
        url = server["url"]
        for name, path in ACROSS_FIRST_PAGES.items():
            with urllib.request.urlopen(url + path, timeout=60) as response:
                total = int(response.headers["X-Total-Count"])
            harness.wrk(url + path, seconds=WARM_UP_SECONDS, connections=16, threads=1)
            figures[name] = {
                "url": path,
                "total": total,
                **harness.wrk(url + path, seconds=seconds, connections=16, threads=1),
            }
        took, items = walk(url + WALKED)
        figures["entities_walk"] = {
            "url": WALKED,
            "pages": len(took),
            "items": items,
            "first_page_ms": round(took[0], 1),
            "slowest_page_ms": round(max(took), 1),
            "slowest_to_first": round(max(took) / took[0], 2),
            "mean_page_ms": round(sum(took) / len(took), 1),
            "last_page_ms": round(took[-1], 1),
            "total_s": round(sum(took) / 1000, 2),
        }
    return figures


def ready_seconds(env):
    """Seconds from starting the README's command to its first `/readyz` 200."""
    with harness.processes.gunicorn(env=env) as server:
        return round(server.seconds_to_ready, 2)


def datasette(folder, database, ids, seconds):
    """Datasette serving the same file's version rows for random article ids: wrk figures."""
    venv = folder / "datasette-venv"
    if not venv.exists():
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([venv / "bin" / "pip", "install", "-q", "datasette"], check=True)
    port = harness.processes.free_port()
    script = folder / "datasette.lua"
    quoted = ",".join(json.dumps(article_id) for article_id in ids)
    script.write_text(
        f"local ids = {{{quoted}}}\nmath.randomseed(42)\nrequest = function()\n"
        '  return wrk.format("GET", "/article-facts/versions.json?_shape=array&article_id=" '
        ".. ids[math.random(#ids)])\nend\n",
        encoding="utf-8",
    )
    command = [venv / "bin" / "datasette", "serve", database, "-h", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not harness.processes.answers(url + "/-/versions.json"):
            if time.monotonic() > deadline:
                raise RuntimeError("datasette did not start")
            time.sleep(0.2)
        harness.wrk(url, seconds=WARM_UP_SECONDS, connections=16, threads=1, script=script)
        return harness.wrk(url, seconds=seconds, connections=16, threads=1, script=script)
    finally:
        process.terminate()
        process.wait(timeout=20)


def main():
    """Run the store benchmarks and print one JSON object of figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--postgresql",
        help="a writer's URL of an empty PostgreSQL database, or `auto` for a throwaway cluster",
    )
    parser.add_argument("--datasette", action="store_true")
    parser.add_argument(
        "--across-only",
        action="store_true",
        help="ingest, then only the lists across articles (no start-up, hit or cold workload)",
    )
    parser.add_argument("--work", type=Path, help="a folder to work in (default: a temporary)")
    arguments = parser.parse_args()
    with contextlib.ExitStack() as stack:
        run(arguments, stack)


def run(arguments, stack):
    """Everything main() says, with what it starts stopped by `stack`."""
    folder = arguments.work or Path(tempfile.mkdtemp(prefix="article-facts-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus"
    ids = write_corpus(arguments.articles, 1, corpus)
    small = folder / "small"
    write_corpus(10, 2, small)
    base = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_FACTS_")}
    large_env = {**base, "ARTICLE_FACTS_DATA_DIR": str(folder / "large-store")}
    small_env = {**base, "ARTICLE_FACTS_DATA_DIR": str(folder / "small-store")}
    figures = {"articles": arguments.articles, "seconds": arguments.seconds}

    took, summary = ingest(corpus, large_env)
    figures["ingest_sqlite"] = {
        "seconds": round(took, 1),
        "articles_per_s": round(arguments.articles / took, 1),
        "said": summary,
    }
    script = lua_script(folder, random.Random(1).sample(ids, len(ids)), ENDPOINTS)
    hit_path = (
        "/v1/articles/north-korean-troops-help-russian-army-clear-mines/entities?page_size=100"
    )
    sqlite = {}
    if not arguments.across_only:
        ingest(small, small_env)
        figures["ready_s"] = {"10": ready_seconds(small_env), str(arguments.articles): None}
        figures["ready_s"][str(arguments.articles)] = ready_seconds(large_env)
        sqlite = measure(large_env, script, arguments.seconds, hit_path)
        sqlite["cold_to_hit"] = round(sqlite["cold"]["rps"] / sqlite["hit"]["rps"], 2)
    sqlite["across"] = across(large_env, arguments.seconds)
    figures["sqlite"] = sqlite

    counted = search_words(corpus)
    counts = sorted(count for _, count in counted)
    figures["search_words"] = {
        "distinct": len(counted),
        "median_occurrences": counts[len(counts) // 2],
        "most_frequent": dict(counted[:1]),
    }
    words_script = search_script(folder, [word for word, _ in counted])
    sqlite["search"] = measure_search(large_env, words_script, counted[0][0], arguments.seconds)

    if arguments.postgresql == "auto":
        # A throwaway cluster of Debian's PostgreSQL on loopback, stopped at the end.
        bin_dir = next(Path("/usr/lib/postgresql").glob("*/bin"))
        cluster = stack.enter_context(harness.processes.postgres(bin_dir))
        arguments.postgresql = f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres"
    if arguments.postgresql:
        pg_env = {**base, "ARTICLE_FACTS_DATABASE_URL": arguments.postgresql}
        subprocess.run([SCRIPT, "migrate"], env=pg_env, check=True, capture_output=True)
        took, summary = ingest(corpus, pg_env)
        subprocess.run([SCRIPT, "ingest"], env=pg_env, check=True, capture_output=True)
        figures["ingest_postgresql"] = {
            "seconds": round(took, 1),
            "articles_per_s": round(arguments.articles / took, 1),
        }
        postgresql = {}
        if not arguments.across_only:
            postgresql = measure(pg_env, script, arguments.seconds, hit_path)
            postgresql["cold_to_sqlite_cold"] = round(
                postgresql["cold"]["rps"] / sqlite["cold"]["rps"], 2
            )
        postgresql["across"] = across(pg_env, arguments.seconds)
        postgresql["search"] = measure_search(
            pg_env, words_script, counted[0][0], arguments.seconds
        )
        figures["postgresql"] = postgresql

    if arguments.datasette and not arguments.across_only:
        served = datasette(
            folder, folder / "large-store" / "article-facts.sqlite3", ids, arguments.seconds
        )
        figures["datasette"] = served
        figures["api_cold_to_datasette"] = round(sqlite["cold"]["rps"] / served["rps"], 2)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
