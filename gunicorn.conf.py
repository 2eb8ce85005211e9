"""gunicorn settings for production; every one can be overridden from the environment.

Run `gunicorn` in the project folder and it reads this file. Environment variables:
PORT, BIND, WEB_CONCURRENCY, GUNICORN_WORKER_CLASS, GUNICORN_THREADS, GUNICORN_TIMEOUT,
GUNICORN_KEEPALIVE,
LOG_LEVEL, ACCESS_LOG (set to "-" for stdout, "" to turn off), PROMETHEUS_MULTIPROC_DIR.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

wsgi_app = "api:create_app()"

# Bind to loopback unless told otherwise: exposing the port is a deployment decision.
bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"

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
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Load and validate the corpus once in the master, before any port is bound: a bad dataset
# stops the process with its message and a non-zero exit, and workers share the loaded data.
preload_app = True

# The longest request line gunicorn accepts (its maximum). The app refuses URLs over 4096
# bytes itself, with a problem document; only longer lines get gunicorn's plain 400.
limit_request_line = 8190

# Logs go to stdout/stderr, where a process manager or container runtime collects them, as
# one JSON object per line (api.serving.logs).
accesslog = os.environ.get("ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
logger_class = "api.serving.logs.JsonLogger"

# prometheus_client counts each worker in files in this folder and sums them when scraped
# (api.serving.metrics). The folder must exist, empty, before the app is loaded, and with
# preload_app that is before any server hook runs: so here, when the settings are first read
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

# gunicorn 27 would otherwise write a control socket under the user's home directory.
control_socket_disable = True


def on_starting(server):
    """Refuse, before any port is bound, a rate limit that several workers would each count.

    gunicorn prints the message and exits 1 (see api.serving.ratelimit.ConfigurationError).
    """
    from api.serving.ratelimit import refuse_per_process_limit
    from api.settings import Config

    refuse_per_process_limit(
        Config.RATE_LIMIT, Config.RATE_LIMIT_STORAGE_URI, workers=server.cfg.workers
    )


def child_exit(server, worker):
    """Let prometheus_client drop the live gauges of a worker that has gone."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics folder this configuration made for itself."""
    if "ARTICLE_FACTS_METRICS_DIR_MADE" in os.environ:
        shutil.rmtree(os.environ["ARTICLE_FACTS_METRICS_DIR_MADE"], ignore_errors=True)
