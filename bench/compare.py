"""The API against a bare baseline under the same gunicorn settings, alternating, on loopback.

    .venv/bin/python bench/compare.py [--seconds 5] [--rounds 3] [--connections 16]

Three servers, started in turn each round (A/B/C, so drift hits all alike):
- `api`: the README's first command exactly (gunicorn.conf.py and every default: 3 sync
  workers, no app-level rate limit, access log on);
- `api + Redis limit`: the same with a rate limit counted in Redis (a budget no benchmark
  exhausts, so every request is counted and none refused);
- `baseline` (bench/baseline.py): the same bytes from a dict lookup, the floor any Python
  WSGI app can reach under the same gunicorn settings.

For each endpoint it prints requests/s, p50 and p99 latency, errors, and each API mode's ratio
to the baseline; then the time from process start to the first answer and worker memory.
Figures only: it never fails on timing.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ARTICLE = "/v1/articles/north-korean-troops-help-russian-army-clear-mines"
GZIP = {"Accept-Encoding": "gzip"}
# (label, target, request headers, revalidate with the ETag)
ENDPOINTS = [
    ("list page (entities, 100 per page)", f"{ARTICLE}/entities?page_size=100", {}, False),
    ("detail (one entity)", f"{ARTICLE}/entities/vadym-skibytsky", {}, False),
    (
        "filtered query (timeline)",
        f"{ARTICLE}/timeline?from=2024&entity=north-korean-troops",
        {},
        False,
    ),
    ("304 revalidation (one quote)", f"{ARTICLE}/quotes/veles-great-guys", {}, True),
    ("OpenAPI document", "/openapi.json", {}, False),
    ("gzip: list page", f"{ARTICLE}/entities?page_size=100", GZIP, False),
    ("gzip: OpenAPI document", "/openapi.json", GZIP, False),
]
API_MODES = ("api", "api + Redis limit")
# Seconds of load on every server before anything is measured: each worker renders and
# compresses its first answers and opens its connections, as a server in service already has.
WARM_UP_SECONDS = 2
# A budget no benchmark run exhausts: every request is counted, none refused.
UNEXHAUSTED_LIMIT = "1000000000 per hour"


def etag_of(url, headers):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["ETag"]


def measure(app, env, args, harness):
    """One server start: startup time, worker memory, then each endpoint under load."""
    with harness.gunicorn(app, env=env) as server:
        time.sleep(1)  # let every worker boot before reading their memory
        workers = harness.worker_pids(server["pid"])
        figures = {
            "startup_s": server["seconds_to_first_response"],
            "worker_rss_mib": [round(harness.rss_mib(pid), 1) for pid in workers],
        }
        for _label, target, headers, _revalidate in ENDPOINTS:
            harness.wrk(
                server["url"] + target,
                seconds=WARM_UP_SECONDS,
                connections=args.connections,
                threads=args.threads,
                headers=[f"{name}: {value}" for name, value in headers.items()],
            )
        for label, target, headers, revalidate in ENDPOINTS:
            url = server["url"] + target
            sent = {**headers}
            if revalidate:
                sent["If-None-Match"] = etag_of(url, headers)
            figures[label] = harness.wrk(
                url,
                seconds=args.seconds,
                connections=args.connections,
                threads=args.threads,
                headers=[f"{name}: {value}" for name, value in sent.items()],
            )
        return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per endpoint")
    parser.add_argument("--rounds", type=int, default=3, help="A/B/C rounds")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()

    import harness

    harness.ensure_wrk()
    with harness.redis_server() as redis_url:
        servers = {
            "api": (None, {}),
            "api + Redis limit": (
                None,
                {
                    "ARTICLE_FACTS_RATE_LIMIT": UNEXHAUSTED_LIMIT,
                    "ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI": redis_url,
                },
            ),
            "baseline": ("baseline:application", {}),
        }
        runs = {name: [] for name in servers}
        for round_number in range(args.rounds):
            for name, (app, env) in servers.items():
                print(f"round {round_number + 1}: {name} ...", file=sys.stderr, flush=True)
                runs[name].append(measure(app, env, args, harness))

    def median(name, label, key):
        return statistics.median(run[label][key] for run in runs[name])

    print(
        f"\n{time.strftime('%Y-%m-%d')}, {platform.node()}, {_cpu()}, "
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, "
        f"{args.rounds} rounds A/B/C, medians\n"
    )
    print(
        "| endpoint | baseline req/s | API req/s (ratio) | API + Redis limit req/s (ratio) | "
        "p99 ms: baseline / API / API + Redis | errors |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, *_ in ENDPOINTS:
        base = median("baseline", label, "rps")
        cells = [f"{base:,.0f}"]
        for name in API_MODES:
            rps = median(name, label, "rps")
            cells.append(f"{rps:,.0f} ({rps / base:.2f})")
        p99 = " / ".join(
            f"{median(name, label, 'p99_ms'):.2f}" for name in ("baseline", *API_MODES)
        )
        errors = sum(run[label]["errors"] for name in servers for run in runs[name])
        print(f"| {label} | {' | '.join(cells)} | {p99} | {errors} |")
    for name in servers:
        startup = statistics.median(run["startup_s"] for run in runs[name])
        memory = runs[name][-1]["worker_rss_mib"]
        print(f"\n{name}: first response {startup:.2f} s after start; worker RSS MiB {memory}")
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))


def _cpu():
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({model})"


if __name__ == "__main__":
    main()
