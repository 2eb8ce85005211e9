"""gunicorn settings for production; every one can be overridden from the environment.

Run `gunicorn` in the project folder and it reads this file. The environment variables, the
app's and the server's, are declared in `api.settings.SETTINGS` (docs/configuration.md lists
them); this file checks every one before the app is loaded or a port is bound.
"""

import multiprocessing
import os
import shutil
import sys
import tempfile
from pathlib import Path

# prometheus_client chooses between counting in this process and in the shared folder when it
# is first imported, and importing the app package (for its settings, below) imports it. So the
# folder is set up first, from the raw variable: any text is a folder path, nothing to refuse.
# It must exist, empty, before the app is loaded; this runs when the settings are first read
# (not again on a reload, which would lose the running workers' counts). Without the variable,
# a private folder is made, and removed when the server stops.
if "ARTICLE_FACTS_METRICS_READY" not in os.environ:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _metrics_dir = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
        _metrics_dir.mkdir(parents=True, exist_ok=True)
        # An earlier run's counts would be summed with this one's; only prometheus_client's
        # own files go.
        for _stale in _metrics_dir.glob("*.db"):
            _stale.unlink()
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="article-facts-metrics-")
        os.environ["ARTICLE_FACTS_METRICS_DIR_MADE"] = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.environ["ARTICLE_FACTS_METRICS_READY"] = "1"

from api.settings import ConfigurationError, read  # noqa: E402 (after the metrics folder)


def _refuse(refusal):
    """Stop start-up with the refusal's one line and exit 1, leaving no metrics folder behind.

    gunicorn prints a traceback for an exception raised while it reads this file, which would
    bury the line that says what to change, and runs no on_exit hook when on_starting fails.
    SystemExit passes through gunicorn untouched.
    """
    print(f"Error: {refusal}", file=sys.stderr)
    if "ARTICLE_FACTS_METRICS_DIR_MADE" in os.environ:
        shutil.rmtree(os.environ["ARTICLE_FACTS_METRICS_DIR_MADE"], ignore_errors=True)
    raise SystemExit(1)


# Every setting, the app's included, is checked here, before the app is loaded.
try:
    _settings = read(os.environ)
except ConfigurationError as refusal:
    _refuse(refusal)

wsgi_app = "api:create_app()"

# Bind to loopback unless told otherwise: exposing the port is a deployment decision.
bind = _settings["BIND"] or f"127.0.0.1:{_settings['PORT']}"

# The data is immutable and requests are CPU-bound, so one process per core (plus one to
# cover a worker blocked on a slow client) uses the machine without oversubscribing it.
# Measured on 2 cores (wrk -c32, one entity, 2026-11-26), requests/s with the fast path and
# with the rate limiter on: sync x3 4,259-4,716 / 1,108-1,129; sync x2 3,545-3,882 / 814-943;
# gthread 3x4 3,637-4,841 / 861-874; gthread 2x4 3,687-5,208 / 875-928. Threads buy no
# throughput for CPU-bound work under the GIL and cost p99 (12 ms sync x3, 19-39 ms gthread),
# so the default is the sync worker, cores + 1. Behind a proxy that keeps upstream connections
# alive (deploy/'s nginx), use the gthread worker, which keeps them open where the sync worker
# closes each. Keep it at one thread: gunicorn writes a response's headers and its body in two
# calls, and a thread can wait for the GIL between them (milliseconds under load); a replica
# killed then has started an answer the proxy cannot retry on another. The Compose failover
# test failed 1 run in 6 under load with 4 threads, none in 12 with one (2026-11-27).
worker_class = _settings["GUNICORN_WORKER_CLASS"]
workers = _settings["WEB_CONCURRENCY"] or multiprocessing.cpu_count() + 1
threads = _settings["GUNICORN_THREADS"]
timeout = _settings["GUNICORN_TIMEOUT"]
keepalive = _settings["GUNICORN_KEEPALIVE"]

# Build the app once in the master, before any port is bound: on SQLite that migrates the
# store and ingests the corpus folder, once rather than by every worker; the master then closes
# its connections, so each worker connects to the store after it forks.
preload_app = True

# The longest request line gunicorn accepts (its maximum). The app refuses URLs over 4096
# bytes itself, with a problem document; only longer lines get gunicorn's plain 400.
limit_request_line = 8190

# Logs go to stdout/stderr, where a process manager or container runtime collects them, as
# one JSON object per line (api.serving.logs).
accesslog = _settings["ACCESS_LOG"] or None
errorlog = "-"
loglevel = _settings["LOG_LEVEL"]
logger_class = "api.serving.logs.JsonLogger"

# gunicorn 27 would otherwise write a control socket under the user's home directory.
control_socket_disable = True


def on_starting(server):
    """Refuse, before any port is bound, a rate limit that several workers would each count.

    Here rather than with the other checks because `--workers` on the command line counts.
    """
    from api.serving.ratelimit import refuse_per_process_limit

    try:
        refuse_per_process_limit(
            _settings["ARTICLE_FACTS_RATE_LIMIT"],
            _settings["ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI"],
            workers=server.cfg.workers,
        )
    except ConfigurationError as refusal:
        _refuse(refusal)


def child_exit(server, worker):
    """Let prometheus_client drop the live gauges of a worker that has gone."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics folder this configuration made for itself."""
    if "ARTICLE_FACTS_METRICS_DIR_MADE" in os.environ:
        shutil.rmtree(os.environ["ARTICLE_FACTS_METRICS_DIR_MADE"], ignore_errors=True)
