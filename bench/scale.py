"""Requests/s and tail latency through nginx with one and with three API instances.

    .venv/bin/python bench/scale.py [--duration 10] [--connections 32] [--workers 2]

Each row starts a layout with deploy/layout.py (Redis, N instances, nginx, on free loopback
ports), warms it up, loads it with wrk (Debian's `wrk`, installed if missing) for a fixed
time, and stops it. nginx's cache is off in the instance rows, so every request reaches an
instance, which is all that adding instances can change; the last row turns it on to show what
a cache in front does instead. The app's rate limit is off and nginx's is out of reach: this
measures capacity, not limits. Prints a Markdown table. A benchmark, not a test: it reports
numbers and never fails on them.
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "/v1/articles/north-korean-troops-help-russian-army-clear-mines"
# A mix of what clients ask: lists, filters, a detail, the article, and a CSV export.
REQUESTS = [
    (f"{ARTICLE}/entities", "application/json"),
    (f"{ARTICLE}/quotes?speaker=vadym-skibytsky", "application/json"),
    (f"{ARTICLE}/figures/artillery-shells-total", "application/json"),
    (f"{ARTICLE}/timeline?from=2024&to=2024", "application/json"),
    (ARTICLE, "application/json"),
    (f"{ARTICLE}/entities", "text/csv"),
]
# (instances, nginx cache) per row.
ROWS = [(1, False), (3, False), (3, True)]
WARM_UP_SECONDS = 2

WRK_SCRIPT = """
local requests = {%(requests)s}
local next_request = 0
request = function()
  next_request = next_request %% #requests + 1
  return requests[next_request]
end
init = function(args)
  for index, spec in ipairs(requests) do
    requests[index] = wrk.format("GET", spec[1], {["Accept"] = spec[2]})
  end
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests":%%d,"duration_us":%%d,"socket_errors":%%d,"non_2xx":%%d,' ..
    '"p50_us":%%d,"p99_us":%%d}\\n',
    summary.requests, summary.duration,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def load_layout_module():
    """deploy/layout.py, which starts and stops the servers."""
    spec = importlib.util.spec_from_file_location("layout", ROOT / "deploy" / "layout.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wrk_script():
    """The Lua script that rotates wrk through REQUESTS and prints a JSON summary."""
    specs = ", ".join(f'{{"{path}", "{accept}"}}' for path, accept in REQUESTS)
    return WRK_SCRIPT % {"requests": specs}


def run_wrk(wrk, url, script, seconds, options):
    """Load `url` for `seconds` and return wrk's summary."""
    command = [
        wrk,
        f"--threads={options.wrk_threads}",
        f"--connections={options.connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={script}",
        url,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    result = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(result.removeprefix("RESULT "))


def measure(layout, wrk, script, instances, cache, options):
    """One row: bring a layout up, warm it, load it, bring it down."""
    with tempfile.TemporaryDirectory(prefix="article-facts-bench-") as run_dir:
        arguments = [
            "up",
            *("--run-dir", run_dir, "--instances", str(instances)),
            *("--nginx-port", "0", "--app-port", "0", "--redis-port", "0"),
            *("--workers", str(options.workers), "--app-rate-limit", "off"),
            *("--edge-rate", "1000000r/s", "--edge-burst", "1000000"),
            *([] if cache else ["--no-cache"]),
        ]
        state = layout.up(layout.parse_arguments(arguments))
        try:
            run_wrk(wrk, state["url"], script, WARM_UP_SECONDS, options)
            summary = run_wrk(wrk, state["url"], script, options.duration, options)
        finally:
            layout.down(Path(run_dir))
    seconds = summary["duration_us"] / 1e6
    return {
        "instances": instances,
        "cache": "on" if cache else "off",
        "requests_per_second": summary["requests"] / seconds,
        "p50_ms": summary["p50_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
        "failed": summary["socket_errors"] + summary["non_2xx"],
        "requests": summary["requests"],
    }


def cpu_model():
    """The processor's name, for the record."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv=None):
    """Measure every row and print the table with the machine and the command."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per row")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY per instance")
    options = parser.parse_args(argv)

    layout = load_layout_module()
    wrk = layout.ensure_installed(["nginx", "redis-server", "wrk"])["wrk"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script())
    try:
        rows = [
            measure(layout, wrk, script.name, instances, cache, options)
            for instances, cache in ROWS
        ]
    finally:
        os.unlink(script.name)

    python = Path(sys.executable)
    if python.is_relative_to(ROOT):
        python = python.relative_to(ROOT)
    command = shlex.join([str(python), "bench/scale.py", *(argv or sys.argv[1:])])
    print(
        f"{datetime.date.today().isoformat()}, {os.cpu_count()} cores ({cpu_model()}), "
        f"`{command}`: wrk {options.wrk_threads} threads x {options.connections} connections, "
        f"{options.duration} s per row after {WARM_UP_SECONDS} s warm-up; "
        f"{options.workers} gunicorn workers x {layout.parse_arguments(['up']).threads} threads "
        "per instance; wrk, nginx, Redis "
        "and every instance share the same cores."
    )
    print()
    print("| instances | nginx cache | requests/s | p50 (ms) | p99 (ms) | failed |")
    print("| ---: | :---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['instances']} | {row['cache']} | {row['requests_per_second']:,.0f} "
            f"| {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['failed']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
