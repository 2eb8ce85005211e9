"""API vs bare baseline under the same gunicorn settings, A/B/A/B, on loopback.

    .venv/bin/python bench/compare.py [--seconds 5] [--rounds 2] [--connections 32]

For each endpoint it prints requests/s, p50 and p99 latency, errors, and the API's ratio to
the baseline (bench/baseline.py: the same bytes from a dict lookup). It also prints the time
from process start to the first answer and the resident memory of each worker. Figures only:
it never fails on timing.
"""

import argparse
import json
import platform
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ARTICLE = "/v1/articles/north-korean-troops-help-russian-army-clear-mines"
ENDPOINTS = [
    ("list page (entities, 100 per page)", f"{ARTICLE}/entities?page_size=100", ()),
    ("detail (one entity)", f"{ARTICLE}/entities/vadym-skibytsky", ()),
    ("filtered query (timeline)", f"{ARTICLE}/timeline?from=2024&entity=north-korean-troops", ()),
    ("304 revalidation (one quote)", f"{ARTICLE}/quotes/veles-great-guys", ("If-None-Match",)),
    ("OpenAPI document", "/openapi.json", ()),
]
SERVERS = {"api": None, "baseline": "baseline:application"}


def etag_of(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers["ETag"]


def measure(name, app, args, harness):
    """One server start: startup time, worker memory, then each endpoint under load."""
    with harness.gunicorn(app) as server:
        time.sleep(1)  # let every worker boot before reading their memory
        workers = harness.worker_pids(server["pid"])
        figures = {
            "startup_s": server["seconds_to_first_response"],
            "worker_rss_mib": [round(harness.rss_mib(pid), 1) for pid in workers],
        }
        for label, target, header_names in ENDPOINTS:
            url = server["url"] + target
            headers = [f"If-None-Match: {etag_of(url)}" for _ in header_names]
            figures[label] = harness.wrk(
                url, seconds=args.seconds, connections=args.connections, headers=headers
            )
        return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per endpoint")
    parser.add_argument("--rounds", type=int, default=2, help="A/B rounds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()

    import harness

    harness.ensure_wrk()
    runs = {name: [] for name in SERVERS}
    for round_number in range(args.rounds):
        for name, app in SERVERS.items():  # A/B/A/B: drift hits both alike
            print(f"round {round_number + 1}: {name} ...", file=sys.stderr, flush=True)
            runs[name].append(measure(name, app, args, harness))

    def median(name, label, key):
        return statistics.median(run[label][key] for run in runs[name])

    print(
        f"\n{time.strftime('%Y-%m-%d')}, {platform.node()}, {_cores()} cores, "
        f"wrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} rounds A/B, medians\n"
    )
    print(
        "| endpoint | API req/s | baseline req/s | ratio | API p50 / p99 ms | "
        "baseline p50 / p99 ms | errors (API/baseline) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, _target, _headers in ENDPOINTS:
        api_rps, base_rps = median("api", label, "rps"), median("baseline", label, "rps")
        errors = [sum(run[label]["errors"] for run in runs[name]) for name in SERVERS]
        print(
            f"| {label} | {api_rps:,.0f} | {base_rps:,.0f} | {api_rps / base_rps:.2f} | "
            f"{median('api', label, 'p50_ms'):.2f} / {median('api', label, 'p99_ms'):.2f} | "
            f"{median('baseline', label, 'p50_ms'):.2f} / {median('baseline', label, 'p99_ms'):.2f}"
            f" | {errors[0]} / {errors[1]} |"
        )
    for name in SERVERS:
        startup = statistics.median(run["startup_s"] for run in runs[name])
        memory = runs[name][-1]["worker_rss_mib"]
        print(f"\n{name}: first response {startup:.2f} s after start; worker RSS MiB {memory}")
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))


def _cores():
    import os

    return os.cpu_count()


if __name__ == "__main__":
    main()
