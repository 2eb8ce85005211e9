#!/usr/bin/env python3
"""Bring the scaled-out layout up and down on one machine, on loopback only.

    deploy/layout.py up [--instances 3] [--run-dir DIR] [...]   # start, wait until ready
    deploy/layout.py status [--run-dir DIR]                      # what runs, where
    deploy/layout.py down [--run-dir DIR]                        # stop what `up` started

`up` starts Redis (Debian's redis-server) for the shared rate-limit counters, N gunicorn
instances of the API on consecutive ports, and nginx (Debian's nginx) in front of them, each
bound to 127.0.0.1 and each installed with apt-get when missing. It returns once nginx answers
/readyz, leaving the servers running, and records every process in RUN_DIR/layout.json; `down`
stops exactly those processes (checked by PID and start time) and nothing else. Logs are in
RUN_DIR/logs. Port 0 means "any free port"; layout.json says which was chosen.

Standard library only, so it runs with any Python 3.11; the instances run the gunicorn given
by --gunicorn (the project's .venv by default).
"""

import argparse
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
DEFAULT_RUN_DIR = Path(
    os.environ.get("ARTICLE_FACTS_LAYOUT_DIR", f"/tmp/article-facts-layout-{os.getuid()}")
)
HOST = "127.0.0.1"
STATE_FILE = "layout.json"
PLACEHOLDER = re.compile(r"@[A-Z_]+@")
# Debian package that provides each server binary.
PACKAGES = {"nginx": "nginx", "redis-server": "redis-server", "wrk": "wrk"}
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class LayoutError(RuntimeError):
    """The layout could not be brought up; the message says which part failed and why."""


# --- installing -----------------------------------------------------------------------------


def find_binary(name):
    """Path of a server binary, looking in sbin too (nginx lives in /usr/sbin)."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin"])
    return shutil.which(name, path=search)


def ensure_installed(names, install=True):
    """Return {name: path} for each binary, installing missing ones from Debian's archive."""
    missing = [name for name in names if not find_binary(name)]
    if missing and install:
        packages = sorted({PACKAGES[name] for name in missing})
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        if not shutil.which("apt-get") or (sudo and not shutil.which("sudo")):
            raise LayoutError(f"missing {missing}; install the packages {packages}")
        print(f"installing {' '.join(packages)} with apt-get", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
            check=True,
            env=env,
        )
    paths = {name: find_binary(name) for name in names}
    still_missing = [name for name, path in paths.items() if not path]
    if still_missing:
        raise LayoutError(f"missing {still_missing}; install the Debian packages of that name")
    return paths


# --- processes ------------------------------------------------------------------------------


def free_port():
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def process_start_time(pid):
    """The kernel's start time of a live process, or None when it is gone or a zombie.

    A PID alone could have been reused by an unrelated process since `up`; PID plus start
    time cannot.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; the fields after it are fixed.
    fields = stat[stat.rindex(")") + 2 :].split()
    state, start_time = fields[0], fields[19]
    return None if state in ("Z", "X") else start_time


def group_members(pgid):
    """Live processes in a process group: a killed gunicorn master can leave workers behind."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def start(name, command, log_path, env=None, cwd=None):
    """Start a server detached in its own process group and describe it for layout.json."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            # Its own session: `down` can stop the server with everything it forked, and a
            # Ctrl-C meant for this script does not reach it.
            start_new_session=True,
        )
    # The server outlives this script on purpose and `down` stops it by the PID recorded
    # here: this Popen is done with it, and must not warn when collected that it still runs.
    process.returncode = 0
    return {
        "name": name,
        "pid": process.pid,
        "start_time": process_start_time(process.pid),
        "log": str(log_path),
    }


def is_running(server):
    """Whether the process recorded for a server is still the one `up` started."""
    return (
        server.get("start_time") is not None
        and process_start_time(server["pid"]) == server["start_time"]
    )


def stop(server, timeout=STOP_TIMEOUT):
    """Stop one recorded server and whatever it forked: SIGTERM, then SIGKILL after a timeout.

    A server found dead may have left children behind (a gunicorn master killed with SIGKILL
    leaves its workers to finish their requests); they are still in its process group, whose
    id is the server's PID, and Linux gives no new process a PID still in use as a group id.
    """
    pid = server["pid"]
    if server.get("start_time") is None:
        return
    if is_running(server):
        os.kill(pid, signal.SIGTERM)
        wait_for_exit(lambda: not is_running(server), timeout)
    elif process_start_time(pid) is not None:
        # The PID now belongs to a process this layout did not start: so does its group.
        return
    leftovers = group_members(pid)
    for member in leftovers:
        signal_quietly(member, signal.SIGTERM)
    wait_for_exit(lambda: not group_members(pid), timeout)
    for member in group_members(pid):
        signal_quietly(member, signal.SIGKILL)
    if is_running(server):
        signal_quietly(pid, signal.SIGKILL)


def wait_for_exit(gone, timeout):
    """Poll until `gone()` holds or the timeout passes."""
    deadline = time.monotonic() + timeout
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.05)


def signal_quietly(pid, signum):
    """Send a signal to a process that may have exited meanwhile."""
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def wait_until(check, what, server, timeout=READY_TIMEOUT):
    """Poll `check` until it holds; fail early, with the log's tail, if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if not is_running(server):
            raise LayoutError(f"{what} exited during start-up:\n{log_tail(server['log'])}")
        time.sleep(0.05)
    raise LayoutError(f"{what} not ready after {timeout:.0f} s:\n{log_tail(server['log'])}")


def log_tail(path, lines=20):
    """The end of a log, to explain a failure."""
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def answers_http(url):
    """Whether a GET of `url` gives 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def redis_answers_ping(port):
    """Whether Redis on `port` answers PING (spoken in RESP; no client library needed)."""
    try:
        with socket.create_connection((HOST, port), timeout=1) as connection:
            connection.sendall(b"*1\r\n$4\r\nPING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# --- the layout -----------------------------------------------------------------------------


def render_nginx_conf(listen, instance_ports, edge_rate, edge_burst, cache):
    """The nginx configuration for this layout, from deploy/nginx.conf.template."""
    # As root, nginx's workers switch to `nobody`, who may not reach a private run directory;
    # they run as the caller instead. In production the template names an unprivileged user.
    user = pwd.getpwuid(os.geteuid()).pw_name
    user_directive = f"user {user};" if os.geteuid() == 0 else "# user: the caller"
    servers = "\n        ".join(
        f"server {HOST}:{port} max_fails=1 fail_timeout=5s;" for port in instance_ports
    )
    values = {
        "USER_DIRECTIVE": user_directive,
        "LISTEN": listen,
        "UPSTREAM_SERVERS": servers,
        "EDGE_RATE": edge_rate,
        "EDGE_BURST": str(edge_burst),
        "PROXY_CACHE": "article_facts" if cache else "off",
    }
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines(keepends=True)
    rendered = []
    for line in lines:
        # Comments name the placeholders to document them; only directives are filled in.
        if not line.lstrip().startswith("#"):
            for name, value in values.items():
                line = line.replace(f"@{name}@", value)
            if PLACEHOLDER.search(line):
                raise LayoutError(f"{TEMPLATE.name} has a placeholder this script lacks: {line}")
        rendered.append(line)
    return "".join(rendered)


def instance_environment(port, options, redis_port):
    """Environment of one API instance: gunicorn's settings and the shared limit storage."""
    env = dict(os.environ)
    env.update(
        BIND=f"{HOST}:{port}",
        WEB_CONCURRENCY=str(options.workers),
        GUNICORN_THREADS=str(options.threads),
        ACCESS_LOG="-",
        ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI=f"redis://{HOST}:{redis_port}/0",
        # nginx is the one proxy in front; it appends the client's address to X-Forwarded-For.
        ARTICLE_FACTS_TRUSTED_PROXIES="1",
    )
    if options.app_rate_limit is not None:
        env["ARTICLE_FACTS_RATE_LIMIT"] = options.app_rate_limit
    return env


def check_gunicorn(gunicorn):
    """Fail early when the instances could not start or could not reach Redis."""
    if not gunicorn or not Path(gunicorn).exists():
        raise LayoutError(f"no gunicorn at {gunicorn}; pip install the project first")
    python = Path(gunicorn).parent / "python"
    if python.exists():
        probe = subprocess.run(
            [str(python), "-c", "import redis"], capture_output=True, timeout=30, check=False
        )
        if probe.returncode != 0:
            raise LayoutError(
                f"{python} cannot import redis, which the shared rate-limit storage needs; "
                f"run {Path(gunicorn).parent / 'pip'} install redis"
            )


def save_state(run_dir, state):
    """Write layout.json after every start, so `down` can stop a half-started layout too."""
    path = run_dir / STATE_FILE
    path.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")


def load_state(run_dir):
    """The layout recorded in RUN_DIR/layout.json, or None."""
    try:
        return json.loads((run_dir / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def recorded_servers(state):
    """Every server in a layout, in start order."""
    return [server for server in [state.get("redis"), *state.get("instances", [])] if server] + (
        [state["nginx"]] if state.get("nginx") else []
    )


def up(options):
    """Start Redis, the API instances and nginx; return the layout once nginx is ready."""
    run_dir = options.run_dir
    previous = load_state(run_dir)
    if previous and any(is_running(server) for server in recorded_servers(previous)):
        raise LayoutError(f"a layout is already running from {run_dir}; run `down` first")
    binaries = ensure_installed(["nginx", "redis-server"], install=options.install)
    check_gunicorn(options.gunicorn)

    logs = run_dir / "logs"
    nginx_prefix = run_dir / "nginx"
    for directory in (logs, run_dir / "redis", nginx_prefix / "logs", nginx_prefix / "temp"):
        directory.mkdir(parents=True, exist_ok=True)
    redis_port = options.redis_port or free_port()
    nginx_port = options.nginx_port or free_port()
    if options.app_port:
        instance_ports = [options.app_port + offset for offset in range(options.instances)]
    else:
        instance_ports = [free_port() for _ in range(options.instances)]

    state = {"run_dir": str(run_dir), "url": f"http://{HOST}:{nginx_port}", "instances": []}
    try:
        state["redis"] = start(
            "redis",
            [
                binaries["redis-server"],
                "--bind", HOST,
                "--port", str(redis_port),
                # Counters only: nothing to persist, and no dump file left behind.
                "--save", "",
                "--appendonly", "no",
                "--dir", str(run_dir / "redis"),
                "--daemonize", "no",
                "--protected-mode", "yes",
            ],
            logs / "redis.log",
        )  # fmt: skip
        state["redis"]["port"] = redis_port
        save_state(run_dir, state)
        wait_until(lambda: redis_answers_ping(redis_port), "redis-server", state["redis"])

        # Start every instance first and wait after: they load the corpus in parallel.
        for port in instance_ports:
            instance = start(
                f"instance-{port}",
                [options.gunicorn],
                logs / f"instance-{port}.log",
                env=instance_environment(port, options, redis_port),
                cwd=options.app_dir,
            )
            instance.update(port=port, url=f"http://{HOST}:{port}")
            state["instances"].append(instance)
            save_state(run_dir, state)
        for instance in state["instances"]:
            readyz = f"{instance['url']}/readyz"
            wait_until(lambda url=readyz: answers_http(url), instance["name"], instance)

        conf = nginx_prefix / "nginx.conf"
        conf.write_text(
            render_nginx_conf(
                f"{HOST}:{nginx_port}",
                instance_ports,
                options.edge_rate,
                options.edge_burst,
                options.cache,
            ),
            encoding="utf-8",
        )
        nginx_command = [
            binaries["nginx"],
            "-p", f"{nginx_prefix}/",
            "-c", str(conf),
            # Errors before the configuration is read would otherwise go to /var/log/nginx.
            "-e", str(nginx_prefix / "logs" / "error.log"),
        ]  # fmt: skip
        checked = subprocess.run(
            [*nginx_command, "-t", "-q"], capture_output=True, text=True, check=False, timeout=30
        )
        if checked.returncode != 0:
            raise LayoutError(f"nginx rejects {conf}:\n{checked.stderr}")
        # In the foreground, so the PID recorded is nginx's master and no pid file is trusted.
        state["nginx"] = start("nginx", [*nginx_command, "-g", "daemon off;"], logs / "nginx.log")
        state["nginx"].update(
            port=nginx_port,
            access_log=str(nginx_prefix / "logs" / "access.log"),
            error_log=str(nginx_prefix / "logs" / "error.log"),
        )
        save_state(run_dir, state)
        wait_until(lambda: answers_http(f"{state['url']}/readyz"), "nginx", state["nginx"])
    except BaseException:
        down(run_dir)
        raise
    return state


def down(run_dir):
    """Stop every server the layout in `run_dir` started, newest first; return their names."""
    state = load_state(run_dir)
    if not state:
        return []
    stopped = []
    for server in reversed(recorded_servers(state)):
        if is_running(server):
            stopped.append(server["name"])
        stop(server)
    (run_dir / STATE_FILE).unlink()
    return stopped


def status(run_dir):
    """Each recorded server with whether it still runs."""
    state = load_state(run_dir)
    if not state:
        return []
    return [
        (server["name"], server["pid"], server.get("port"), is_running(server))
        for server in recorded_servers(state)
    ]


# --- command line ---------------------------------------------------------------------------


def default_gunicorn():
    """The project's own gunicorn when its .venv exists, else the one on PATH."""
    venv_gunicorn = PROJECT_ROOT / ".venv" / "bin" / "gunicorn"
    return str(venv_gunicorn) if venv_gunicorn.exists() else shutil.which("gunicorn")


def parse_arguments(argv=None):
    """The command line: up, down or status, and the layout's settings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR)
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--nginx-port", type=int, default=18080, help="0: any free port")
    parser.add_argument(
        "--app-port", type=int, default=18101, help="first instance's port; 0: any free ports"
    )
    parser.add_argument("--redis-port", type=int, default=16390, help="0: any free port")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY per instance")
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        # gthread (threads > 1) keeps nginx's upstream connections alive and overlaps the
        # Redis round trip of the rate limiter with other requests.
        help="GUNICORN_THREADS per instance",
    )
    parser.add_argument(
        "--app-rate-limit",
        default=None,
        help='ARTICLE_FACTS_RATE_LIMIT for every instance ("off", "30 per minute"); '
        "default: the environment's, else the app's",
    )
    # The app's default budget, 6000 per minute, is 100 per second; the edge allows that
    # rate to every request, cache hits included, and absorbs anything faster.
    parser.add_argument("--edge-rate", default="100r/s", help="nginx's per-client rate")
    parser.add_argument("--edge-burst", type=int, default=200, help="nginx's per-client burst")
    parser.add_argument(
        "--no-cache", dest="cache", action="store_false", help="turn nginx's cache off"
    )
    parser.add_argument("--gunicorn", default=default_gunicorn())
    parser.add_argument(
        "--app-dir", type=Path, default=PROJECT_ROOT, help="folder with gunicorn.conf.py"
    )
    parser.add_argument(
        "--no-install", dest="install", action="store_false", help="never run apt-get"
    )
    options = parser.parse_args(argv)
    # Not resolved: a symlink planted at the run directory's path must be refused, not followed.
    options.run_dir = options.run_dir.absolute()
    return options


def main(argv=None):
    """Run one command; exit status 1 with a message when the layout cannot come up."""
    options = parse_arguments(argv)
    try:
        if options.command == "up":
            options.run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if options.run_dir.is_symlink() or options.run_dir.stat().st_uid != os.geteuid():
                raise LayoutError(f"{options.run_dir} is a symlink or belongs to another user")
            state = up(options)
            print(f"up: nginx at {state['url']}, {len(state['instances'])} instances, ", end="")
            print(f"redis on port {state['redis']['port']}; state in {options.run_dir}")
        elif options.command == "down":
            stopped = down(options.run_dir)
            print(f"down: stopped {', '.join(stopped) or 'nothing'}")
        else:
            for name, pid, port, running in status(options.run_dir):
                print(f"{name:<20} pid {pid:<8} port {port}  {'up' if running else 'DOWN'}")
    except LayoutError as error:
        print(f"{options.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
