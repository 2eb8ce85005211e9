"""What every benchmark here shares: gunicorn on loopback, wrk to drive it, /proc to watch it.

Benchmarks print figures; they never assert on timing. Every server binds 127.0.0.1, every
load run has a fixed duration, and everything started is stopped by its PID.
"""

import contextlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The launchers the tests use too (tests/processes.py).
sys.path.insert(0, str(ROOT / "tests"))

import processes  # noqa: E402


def ensure_wrk():
    """wrk from Debian's packages, installed if missing (we run as root on these machines)."""
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk")


@contextlib.contextmanager
def gunicorn(app=None, *, env=None, args=(), log=None):
    """Start gunicorn with the project's config on a free loopback port; yield the server.

    Every setting is the default, as the README's first command runs it, unless `env` sets
    it. `app` overrides the config's `wsgi_app` (for the baseline); `args` are extra gunicorn
    options; `log` is a path for its output. The yielded dict has url, pid and
    seconds_to_first_response.
    """
    args = ["--pythonpath", str(ROOT / "bench"), *args, *([app] if app else [])]
    # /healthz answers as soon as a worker does: the time to a first response.
    with processes.gunicorn(env=env, args=args, log_path=log, ready_path="/healthz") as server:
        yield {
            "url": server.url,
            "pid": server.pid,
            "seconds_to_first_response": server.seconds_to_ready,
        }


@contextlib.contextmanager
def redis_server():
    """Debian's redis-server on a free loopback port, counters only; yields its URL."""
    if shutil.which("redis-server") is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], check=True)
    with processes.redis() as url:
        yield url


def worker_pids(master_pid):
    """The PIDs of the master's children (gunicorn's workers), from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == master_pid:
            children.append(int(stat.parent.name))
    return sorted(children)


def rss_mib(pid):
    """Resident memory of a process in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def _to_ms(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, *, seconds=10, connections=32, threads=2, headers=(), script=None):
    """Drive `url` with wrk for a fixed time; return requests/s, p50/p99 (ms) and errors.

    `script` is a wrk Lua script that makes each request (its path), for workloads of many
    URLs."""
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.M))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_success = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _to_ms(latency["50"]),
        "p99_ms": _to_ms(latency["99"]),
        # Every socket error (connect, read, write, timeout) and every 4xx/5xx is a failed
        # request; read errors are connections reset mid-request, as by a dying worker.
        "errors": (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0)
        + (int(non_success.group(1)) if non_success else 0),
        "read_errors": int(socket_errors.group(2)) if socket_errors else 0,
    }
