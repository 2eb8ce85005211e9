"""Starting the servers tests and benchmarks run on loopback, and waiting until they answer.

One place for what tests/conftest.py and bench/harness.py both do: pick a free port, start
gunicorn with the project's gunicorn.conf.py (or Redis), wait until it answers, and stop it by
its PID however the caller ends. It raises `NotReady` rather than failing a test, so the
benchmarks (which are not tests) use it as they are; conftest turns that into `pytest.fail`.
bench/ puts this folder on `sys.path` to import it.
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"


class NotReady(RuntimeError):
    """A server exited, or did not answer in time, after it was started."""


def free_port() -> int:
    """A loopback TCP port nothing is listening on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(url: str) -> bool:
    """Whether `url` answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def accepts(port: int) -> bool:
    """Whether something accepts TCP connections on the loopback `port` now."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


def _stop(process: subprocess.Popen[bytes], within: float = 10) -> None:
    """SIGTERM the process we started, by its PID; SIGKILL it if it lingers."""
    process.terminate()
    try:
        process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=within)


@contextlib.contextmanager
def running(
    command: Sequence[str | os.PathLike[str]],
    *,
    ready: Callable[[], bool],
    what: str,
    within: float = 30,
    env: Mapping[str, str | None] | None = None,
    output: IO[bytes] | int = subprocess.DEVNULL,
    cwd: Path = ROOT,
) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """Run `command` for the block; yield it, and the seconds it took, once `ready()` holds.

    `env` adds to the environment; a value of None removes the variable. The process gets a
    session of its own (a Ctrl-C meant for the caller does not reach it) and is stopped by its
    PID when the block ends, however it ends.
    """
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    started = time.monotonic()
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env={key: value for key, value in environment.items() if value is not None},
        stdout=output,
        stderr=subprocess.STDOUT if output is not subprocess.DEVNULL else subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not ready():
            if process.poll() is not None:
                raise NotReady(f"{what} exited with {process.returncode}")
            if time.monotonic() - started > within:
                raise NotReady(f"{what} did not answer in {within} s")
            time.sleep(0.02)
        yield process, time.monotonic() - started
    finally:
        _stop(process)


@dataclass(frozen=True)
class Server:
    """A server we started: its base URL, port and process."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    seconds_to_ready: float
    log_path: Path | None = None

    @property
    def pid(self) -> int:
        """The PID of the server's (gunicorn's master) process."""
        return self.process.pid


@contextlib.contextmanager
def gunicorn(
    *,
    workers: int | None = None,
    env: Mapping[str, str | None] | None = None,
    args: Sequence[str] = (),
    log_path: Path | None = None,
    ready_path: str = "/readyz",
    within: float = 30,
) -> Iterator[Server]:
    """The app as production runs it (gunicorn with gunicorn.conf.py) on a free loopback port.

    `workers` overrides the config's count, `args` are extra gunicorn arguments (an app
    module last, to serve another app); the output goes to `log_path` (else nowhere). Yields
    once `ready_path` answers 200.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG)]
    command += ["--bind", f"127.0.0.1:{port}"]
    if workers is not None:
        command += ["--workers", str(workers)]
    with contextlib.ExitStack() as stack:
        output: IO[bytes] | int = subprocess.DEVNULL
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            output = stack.enter_context(open(log_path, "wb"))
        what = f"gunicorn on {url}" + (f" (see {log_path})" if log_path else "")
        process, seconds = stack.enter_context(
            running(
                [*command, *args],
                ready=lambda: answers(url + ready_path),
                what=what,
                within=within,
                env=env,
                output=output,
            )
        )
        yield Server(url, port, process, seconds, log_path)


@contextlib.contextmanager
def redis(executable: str = "redis-server", within: float = 10) -> Iterator[str]:
    """A Redis server on a free loopback port, counters only (nothing saved); yields its URL."""
    port = free_port()
    command = [executable, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    command += ["--appendonly", "no"]
    with running(command, ready=lambda: accepts(port), what="redis-server", within=within):
        yield f"redis://127.0.0.1:{port}/0"


@dataclass(frozen=True)
class PostgresCluster:
    """A PostgreSQL cluster we started: its loopback port, data folder and the commands that
    run its programs (as the `postgres` user when we are root)."""

    port: int
    data_dir: Path
    bin_dir: Path
    as_owner: tuple[str, ...]
    options: str

    def url(self, user: str, database: str) -> str:
        """A `postgresql://` URL for a role (trust authentication on loopback) and database."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str, within: float = 60) -> None:
        """Run pg_ctl on this cluster (`restart -m fast`, `stop`), waiting for it to finish."""
        command = [*self.as_owner, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir)]
        subprocess.run(
            [*command, "-l", str(self.data_dir / "server.log"), "-w", *args],
            check=True,
            timeout=within,
            stdout=subprocess.DEVNULL,
        )


@contextlib.contextmanager
def postgres(bin_dir: Path, within: float = 60) -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster on a free loopback port, with trust authentication and no
    fsync (nothing in it outlives the block); yields it once it accepts connections, and stops
    it (its postmaster, by the PID in its own data folder) however the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="article-facts-postgres-"))
    as_owner: tuple[str, ...] = ()
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: its programs run as the package's `postgres` user.
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_owner = ("runuser", "-u", "postgres", "--")
    port = free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder / 'data'}"
    options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    cluster = PostgresCluster(port, folder / "data", bin_dir, as_owner, options)
    subprocess.run(
        [*as_owner, str(bin_dir / "initdb"), "-D", str(cluster.data_dir), "-A", "trust"]
        + ["-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions"],
        check=True,
        timeout=within,
        stdout=subprocess.DEVNULL,
    )
    try:
        try:
            cluster.pg_ctl("-o", cluster.options, "start", within=within)
        except subprocess.SubprocessError as error:
            log = cluster.data_dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise NotReady(f"PostgreSQL did not start: {error}\n{tail}") from error
        yield cluster
    finally:
        if (cluster.data_dir / "postmaster.pid").exists():
            cluster.pg_ctl("-m", "fast", "stop")
        shutil.rmtree(folder, ignore_errors=True)
