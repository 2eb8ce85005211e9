"""Per-client rate limits, counted with the `limits` library in one budget per client.

A limit is written in `limits`' notation ("6000 per minute", "100/second;5000/hour"). Each
client (its address, as read through the trusted proxies) has one budget across every
endpoint except the probes and metrics.

Windows are fixed and aligned to the clock: "per minute" resets at the start of each minute.
Every worker and every instance therefore computes the same window and the same
`X-RateLimit-Reset` without asking the store, and one request costs one increment in the
store (one round trip to Redis). Within a window the count only grows, so `Remaining` only
goes down, whichever process answers.

A count is only one budget if every process shares it: `memory://` counts in one process.
`refuse_per_process_limit` stops a server that would run a limit in `memory://` across
several worker processes before it binds a port (see gunicorn.conf.py).
"""

import logging
import math
import os
import time
from dataclasses import dataclass

from limits import parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string

from api.settings import ConfigurationError

LOG = logging.getLogger(__name__)

# After the shared store fails, count in this process's memory and try the store again after
# this many seconds, so a dead Redis costs one timeout per interval, not one per request.
STORE_RETRY_SECONDS = 5


def is_off(notation):
    """Whether a rate-limit setting turns limiting off ("" or "off")."""
    return notation.strip().lower() in ("", "off")


def is_per_process(storage_uri):
    """Whether counts in this store are private to one process."""
    return storage_uri.split(":", 1)[0].lower() in ("memory", "async+memory")


def is_redis(storage_uri):
    """Whether the store is a Redis (or Valkey) server, which the storage options are for."""
    return storage_uri.split(":", 1)[0].lower().startswith(("redis", "rediss", "valkey"))


def refuse_per_process_limit(notation, storage_uri, workers):
    """Refuse a limit counted per process when several worker processes would each count it.

    Each worker would keep its own count: a client would get `workers` times its budget and
    see `X-RateLimit-Remaining` jump up and down as its requests land on different workers.
    """
    if is_off(notation) or not is_per_process(storage_uri) or workers <= 1:
        return
    raise ConfigurationError(
        f"ARTICLE_FACTS_RATE_LIMIT={notation!r} would be counted in each of {workers} worker "
        f"processes separately (ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI={storage_uri!r}), so no "
        "client would get the budget it is told. Set ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI to a "
        "shared store (redis://host:6379/0), or WEB_CONCURRENCY=1, or "
        "ARTICLE_FACTS_RATE_LIMIT=off (and limit in the proxy in front)."
    )


@dataclass(frozen=True)
class Verdict:
    """The outcome of counting one request: allowed or not, and what to tell the client."""

    allowed: bool
    headers: list
    # When refused: the limit that was exceeded, in words, and seconds until it resets.
    exceeded: str = ""
    retry_after: int = 0

    @property
    def detail(self) -> str:
        """Why a refused request was refused, in the words its problem's `detail` gives."""
        return f"Too many requests from this client; the limit is {self.exceeded}."


class RateLimit:
    """One budget per client across endpoints, in a store shared by every process using it."""

    def __init__(self, notation, storage_uri, storage_options=None, key_prefix="article-facts"):
        """`storage_options` go to a Redis store's client (timeouts, one connection)."""
        self.limits = sorted(parse_many(notation), key=lambda item: item.get_expiry())
        self.storage_uri = storage_uri
        self.storage_options = dict(storage_options or {})
        self.key_prefix = key_prefix
        self._storage = None
        self._fallback = None
        self._retry_store_at = 0.0
        # A store's connections and timer threads do not survive fork: each process opens its own.
        os.register_at_fork(after_in_child=self._forget_storage)

    def _forget_storage(self):
        self._storage = None
        self._fallback = None
        self._retry_store_at = 0.0

    def _store(self):
        """The configured store; or, for a while after it failed, this process's memory."""
        if self._fallback is not None and time.monotonic() < self._retry_store_at:
            return self._fallback
        if self._storage is None:
            options = self.storage_options if is_redis(self.storage_uri) else {}
            try:
                self._storage = storage_from_string(
                    self.storage_uri, wrap_exceptions=True, **options
                )
            except Exception as error:  # a client that connects as it is made (one connection)
                raise StorageError(error) from error
        return self._storage

    def hit(self, client, now=None):
        """Count one request of `client` against every limit; say whether it may proceed.

        The headers describe the limit closest to exhaustion (fewest requests left), or the
        one exceeded.
        """
        now = time.time() if now is None else now
        counted = []
        for item in self.limits:
            window = item.get_expiry()
            number = int(now // window)
            count = self._increment(item.key_for(self.key_prefix, client, number), window)
            counted.append((item, count, (number + 1) * window))
        exceeded = [entry for entry in counted if entry[1] > entry[0].amount]
        item, count, reset = (
            max(exceeded, key=lambda e: e[2])
            if exceeded
            else min(counted, key=lambda e: (e[0].amount - e[1], e[2]))
        )
        headers = [
            ("X-RateLimit-Limit", str(item.amount)),
            ("X-RateLimit-Remaining", str(max(item.amount - count, 0))),
            ("X-RateLimit-Reset", str(reset)),
        ]
        if not exceeded:
            return Verdict(True, headers)
        return Verdict(
            False, headers, exceeded=repr(item), retry_after=max(math.ceil(reset - now), 1)
        )

    def _increment(self, key, window):
        store = None
        try:
            store = self._store()
            return store.incr(key, window)
        except StorageError as error:
            if store is not None and store is self._fallback:
                raise
            # The shared store is down: keep answering, counting in this process until the
            # store is tried again. Limits then hold per process, not across them.
            if self._fallback is None:
                self._fallback = MemoryStorage()
            self._retry_store_at = time.monotonic() + STORE_RETRY_SECONDS
            self._storage = None
            LOG.warning(
                "Rate-limit store %s failed (%s); counting in this process for %d s",
                self.storage_uri,
                error,
                STORE_RETRY_SECONDS,
            )
            return self._fallback.incr(key, window)
