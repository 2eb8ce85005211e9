"""Requests/s and tail latency through nginx with one and with three API replicas.

    bash .ci/images/build && .venv/bin/python bench/scale.py [--duration 10] [--connections 32]

Each row starts the Compose stack (deploy/compose.yaml with podman-compose and the images
.ci/images/build makes: Redis, N replicas of one CPU and two workers each, nginx on a free
loopback port), warms it up, loads it with wrk (Debian's `wrk`) for a fixed time, and takes
it down. nginx's cache is off in the instance rows, so every request reaches an
instance, which is all that adding instances can change; the last row turns it on to show what
a cache in front does instead. The app's rate limit is off and nginx's is out of reach: this
measures capacity, not limits. Prints a Markdown table. A benchmark, not a test: it reports
numbers and never fails on them.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
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


def compose(project, *arguments, env):
    """Run podman-compose on deploy/compose.yaml for one project."""
    subprocess.run(
        [str(Path(sys.executable).parent / "podman-compose"), "--project-name", project]
        + ["-f", str(ROOT / "deploy" / "compose.yaml"), *arguments],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def free_port():
    """A loopback TCP port nothing is listening on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(url, timeout=120):
    """Wait until nginx and a replica behind it answer /readyz."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not become ready in {timeout} s")


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


def measure(wrk, script, replicas, cache, options):
    """One row: bring the stack up, warm it, load it, take it down."""
    project = f"article_facts_bench_{os.getpid()}_{replicas}_{int(cache)}"
    port = free_port()
    env = {
        **os.environ,
        "ARTICLE_FACTS_IMAGE": os.environ.get(
            "ARTICLE_FACTS_IMAGE", "localhost/article-facts-api:ci"
        ),
        "NGINX_IMAGE": os.environ.get("NGINX_IMAGE", "localhost/article-facts-nginx:ci"),
        "REDIS_IMAGE": os.environ.get("REDIS_IMAGE", "localhost/article-facts-redis:ci"),
        "API_REPLICAS": str(replicas),
        "NGINX_PORT": str(port),
        "ARTICLE_FACTS_RATE_LIMIT": "off",
        "NGINX_EDGE_RATE": "1000000r/s",
        "NGINX_EDGE_BURST": "1000000",
        "NGINX_PROXY_CACHE": "article_facts" if cache else "off",
    }
    env.setdefault("CONTAINERS_CONF", str(ROOT / ".ci" / "images" / "containers.conf"))
    url = f"http://127.0.0.1:{port}"
    try:
        compose(project, "up", "--detach", env=env)
        wait_until_ready(url)
        run_wrk(wrk, url, script, WARM_UP_SECONDS, options)
        summary = run_wrk(wrk, url, script, options.duration, options)
    finally:
        compose(project, "down", "--timeout", "5", env=env)
    seconds = summary["duration_us"] / 1e6
    return {
        "instances": replicas,
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
    options = parser.parse_args(argv)

    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("bench/scale.py needs wrk (apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script())
    try:
        rows = [measure(wrk, script.name, instances, cache, options) for instances, cache in ROWS]
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
        "deploy/compose.yaml (each replica limited to one CPU, 2 gunicorn workers x 4 threads); "
        "wrk, nginx, Redis and every replica share the machine's cores."
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
