"""gunicorn's logs as one JSON object per line, for log collectors (Loki, Elasticsearch, ...).

gunicorn.conf.py names `JsonLogger` as gunicorn's logger class. Every line, access or error,
is a JSON object with `timestamp` (ISO 8601, UTC), `level`, `logger` and `message`. An access
line adds `request_id` (the `X-Request-ID` the serving core gave the request), `remote`,
`method`, `path`, `query`, `status`, `bytes`, `duration_ms`, `user_agent` and `referer`. The
app's own records (an unexpected exception, with its `request_id`) go through the same
handler, since the app logs to the root logger that this one configures.
"""

import logging
import sys

from gunicorn.glogging import Logger
from pythonjsonlogger.orjson import OrjsonFormatter

FORMAT = ["timestamp", "levelname", "name", "message"]
RENAMED = {"levelname": "level", "name": "logger"}


def json_formatter():
    """The formatter every handler here uses (orjson, through python-json-logger)."""
    return OrjsonFormatter(FORMAT, rename_fields=RENAMED, timestamp=True)


class JsonLogger(Logger):
    """gunicorn's logger with its handlers writing JSON, and the app's records joining them."""

    def setup(self, cfg):
        """Set gunicorn's handlers up as usual, then make every one of them write JSON."""
        super().setup(cfg)
        for handler in (*self.error_log.handlers, *self.access_log.handlers):
            handler.setFormatter(json_formatter())
        # The app logs through the root logger (Flask adds no handler of its own when one is
        # there): to stderr, in the same format, at gunicorn's level.
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_article_facts", False)]:
            root.removeHandler(handler)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(json_formatter())
        handler._article_facts = True
        root.addHandler(handler)
        root.setLevel(self.loglevel)

    def access(self, resp, req, environ, request_time):
        """One JSON line per request."""
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        self.access_log.info(
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "request_id": environ.get("HTTP_X_REQUEST_ID"),
                "remote": environ.get("REMOTE_ADDR"),
                "method": method,
                "path": path,
                "query": environ.get("QUERY_STRING", ""),
                "status": int(status),
                "bytes": getattr(resp, "sent", None),
                "duration_ms": round(request_time.total_seconds() * 1000, 3),
                "user_agent": environ.get("HTTP_USER_AGENT"),
                "referer": environ.get("HTTP_REFERER"),
            },
        )
