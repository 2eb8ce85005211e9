"""A bounded load run: the API under gunicorn on loopback, every endpoint kind, zero errors.

    .venv/bin/python bench/load.py [--seconds 10] [--connections 64]

Prints requests/s, latency and the count of failed requests per endpoint. Rate limiting is
off for the run (one client address sends everything); otherwise production settings.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

ARTICLE = "/v1/articles/north-korean-troops-help-russian-army-clear-mines"
TARGETS = [
    f"{ARTICLE}/entities?page_size=100",
    f"{ARTICLE}/quotes?embed=speaker",
    f"{ARTICLE}/figures?sort=-value",
    f"{ARTICLE}/timeline?from=2024",
    f"{ARTICLE}/search?q=Kursk",
    f"{ARTICLE}/text",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    failed = 0
    with harness.gunicorn() as server:
        print("| endpoint | req/s | p50 ms | p99 ms | failed (of requests) |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for target in TARGETS:
            figures = harness.wrk(
                server["url"] + target, seconds=args.seconds, connections=args.connections
            )
            failed += figures["errors"]
            print(
                f"| `{target.replace(ARTICLE, '…')}` | {figures['rps']:,.0f} | "
                f"{figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} | "
                f"{figures['errors']} of {figures['requests']:,} |"
            )
    print(f"\n{args.connections} connections, {args.seconds} s per endpoint; failed: {failed}")


if __name__ == "__main__":
    main()
