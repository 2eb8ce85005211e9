"""A worker killed under load: gunicorn replaces it and the service keeps answering.

    .venv/bin/python bench/fault.py [--seconds 12] [--kill-after 4] [--connections 32]

Runs wrk against the API under gunicorn on loopback, SIGKILLs one worker part-way through,
and prints how many requests failed, which worker died, and the workers afterwards.
"""

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

TARGET = "/v1/articles/north-korean-troops-help-russian-army-clear-mines/entities"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=12)
    parser.add_argument("--kill-after", type=float, default=4)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    with harness.gunicorn() as server:
        time.sleep(1)  # every worker booted
        before = harness.worker_pids(server["pid"])
        killed = {}

        def kill_one_worker():
            time.sleep(args.kill_after)
            victim = harness.worker_pids(server["pid"])[0]
            os.kill(victim, signal.SIGKILL)
            killed["pid"], killed["at"] = victim, args.kill_after

        killer = threading.Thread(target=kill_one_worker)
        killer.start()
        figures = harness.wrk(
            server["url"] + TARGET, seconds=args.seconds, connections=args.connections
        )
        killer.join()
        after = harness.worker_pids(server["pid"])

    print(f"workers before: {before}; killed {killed['pid']} with SIGKILL at {killed['at']} s")
    replaced = killed["pid"] not in after and len(after) == len(before)
    print(f"workers after:  {after} (replaced: {replaced})")
    print(
        f"{figures['requests']:,} requests in {args.seconds} s at {figures['rps']:,.0f} req/s, "
        f"p99 {figures['p99_ms']:.1f} ms; failed requests: {figures['errors']}, of which "
        f"{figures['read_errors']} reset mid-request by the dying worker"
    )


if __name__ == "__main__":
    main()
