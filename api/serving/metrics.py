"""Prometheus metrics, counted by the serving core so that every request counts.

`GET /metrics` answers on each instance's own port, in the format Prometheus asks for in
`Accept` (its text format, or OpenMetrics). It is for the operator's Prometheus, not for the
public (nginx refuses it), so it is not in the OpenAPI document, and it is never kept or
rate-limited.

Under gunicorn, each worker is a process with its own counters: prometheus_client's
multiprocess mode has every process write to files in `PROMETHEUS_MULTIPROC_DIR` and sums
them when scraped. gunicorn.conf.py makes that folder, empty, before the app is loaded; without
the variable (tests, `flask run`) the counts are this process's own.
"""

import os
import platform
import time
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, current_app, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder

from schemas.kinds import KINDS

# Request durations on this API are a fraction of a millisecond when replayed and a few
# milliseconds when rendered; the default buckets (5 ms to 10 s) would put nearly all in one.
DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# Route label of a request that matched no route: paths a client invents must not become
# label values, each a new time series.
UNMATCHED = "(unmatched)"
KNOWN_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})

blp = Blueprint("metrics", __name__)


def multiprocess_dir():
    """The folder shared by every worker's counters, or None when counting in this process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def _package_version():
    try:
        return version("article-facts-api")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


class Metrics:
    """The app's metrics, in a registry of its own (so tests can build many apps)."""

    def __init__(self):
        self.registry = CollectorRegistry()
        # One histogram for every answered request: its `_count` is the request count (by
        # route, method, status and whether a kept rendering answered), its buckets the
        # latency. Two writes per request where a counter beside it would make four, which
        # measurably slows a worker (bench/compare.py).
        self.requests = Histogram(
            "article_facts_http_request_duration_seconds",
            "Requests answered and the time from receiving each to handing its answer to the "
            "server, by route template, method, status and whether a kept rendering answered "
            "it without Flask (from_cache).",
            ["route", "method", "status", "from_cache"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.refusals = Counter(
            "article_facts_rate_limit_refusals",
            "Requests refused with 429 because the client had spent its budget.",
            registry=self.registry,
        )
        # Set by the worker that answers a scrape, from the store as it sees it then: the
        # most recent reading of a live process is the instance's.
        self.articles = Gauge(
            "article_facts_articles_loaded",
            "Articles in the store (latest versions, not withdrawn).",
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        self.facts = Gauge(
            "article_facts_facts_loaded",
            "Facts of the articles' latest versions, by kind.",
            ["kind"],
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        # Each worker's: how long since it last saw the store's state. Past the bound of
        # ARTICLE_FACTS_NEW_VERSION_SECONDS, the store is not answering it.
        self.behind = Gauge(
            "article_facts_store_behind_seconds",
            "Seconds since this instance's most out-of-date worker last saw the store's state.",
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.build = Gauge(
            "article_facts_build_info",
            "Always 1; the labels say which version runs on which Python.",
            ["version", "python"],
            registry=self.registry,
            multiprocess_mode="max",
        )
        self.build.labels(_package_version(), platform.python_version()).set(1)
        # Request histogram children by label values: labels() costs more than observe() itself.
        self._children = {}

    def loaded(self, summaries):
        """Record what the store holds: each article's summary, with its counts."""
        self.articles.set(len(summaries))
        for kind in KINDS:
            self.facts.labels(kind.name).set(sum(s["counts"][kind.name] for s in summaries))

    store = None

    def observe(self, route, method, status, seconds, from_cache):
        """Count one answered request and its duration, and how far behind the store this
        worker is as it answers."""
        if self.store is not None:
            self.behind.set(max(time.monotonic() - self.store.seen_at, 0.0))
        route = route or UNMATCHED
        method = method if method in KNOWN_METHODS else "other"
        labels = (route, method, status, "true" if from_cache else "false")
        child = self._children.get(labels)
        if child is None:
            child = self._children[labels] = self.requests.labels(*labels)
        child.observe(seconds)

    def refused(self):
        """Count one rate-limit refusal."""
        self.refusals.inc()

    def exposition(self, accept):
        """Every metric, summed over the workers in multiprocess mode, in the format `accept`
        asks for (Prometheus text 0.0.4 by default, or OpenMetrics): (body, content type)."""
        encode, content_type = choose_encoder(accept)
        if multiprocess_dir() is None:
            return encode(self.registry), content_type
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return encode(registry), content_type


@blp.get("/metrics")
def metrics():
    """Every metric of this instance (all its workers), for Prometheus to scrape."""
    metrics_ = current_app.extensions["article_facts"]["metrics"]
    metrics_.loaded(metrics_.store.summaries())
    exposition, content_type = metrics_.exposition(request.headers.get("Accept"))
    response = current_app.response_class(exposition, content_type=content_type)
    response.cache_control.no_store = True  # a live reading, never to be kept
    return response


def init_app(app):
    """Count from the core, serve /metrics, and record what the corpus holds."""
    metrics_ = Metrics()
    metrics_.store = app.extensions["article_facts"]["store"]
    app.extensions["article_facts"]["metrics"] = metrics_
    app.register_blueprint(blp)
    return metrics_
