"""Settings: one table of environment variables, read when the app is created.

`SETTINGS` is the only place a setting is declared: its variable, where its value goes, its
default, what it accepts and one line of help. `create_app` reads the app's settings from the
environment it is given (`app_config`), gunicorn.conf.py reads the server's (`read`), and a bad
value stops start-up with one line naming the variable (`ConfigurationError`).
docs/configuration.md is generated from the table by
`flask --app api settings write docs/configuration.md`.

`Config` holds the app's fixed configuration, which no environment variable changes.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import click
from limits import parse_many
from limits.storage import SCHEMES  # type: ignore[attr-defined]  # public, not in __all__

# The article the project ships, served unless ARTICLE_FACTS_CORPUS_DIR names another folder.
BUILT_IN_CORPUS = Path(__file__).parent / "corpus"

REGENERATE_DOCS = "flask --app api settings write docs/configuration.md"


class ConfigurationError(RuntimeError):
    """Settings that cannot be served as they promise; the one-line message names what to change.

    A RuntimeError, so gunicorn prints the message and exits 1 when loading the app or a
    start-up hook raises it.
    """


@dataclass(frozen=True)
class Values:
    """What a setting accepts: `parse` turns the variable's text into a `python_type` value or
    raises ValueError; `allowed` says the same in words, for the refusal and the docs."""

    allowed: str
    parse: Callable[[str], Any]
    python_type: type


@dataclass(frozen=True)
class Setting:
    """One environment variable: where its value goes, its default, what it accepts, its help.

    `key` is the Flask config key; for the server's settings (`server=True`, read by
    gunicorn.conf.py), the gunicorn setting it feeds, or None when a library reads the variable
    itself. A `default` of None means the reader works the value out, as `shown_default` says.
    """

    variable: str
    key: str | None
    default: str | None
    values: Values
    help: str
    server: bool = False
    shown_default: str | None = None

    def parse(self, text: str) -> Any:
        """The value of this setting set to `text`; refuse a value it does not accept."""
        try:
            return self.values.parse(text)
        except ValueError:
            raise ConfigurationError(
                f"{self.variable}={text!r} is not allowed: {self.values.allowed}"
            ) from None


def whole_number(what: str = "", minimum: int = 0, maximum: int | None = None) -> Values:
    """A whole number, `what` says of what, from `minimum` (to `maximum`)."""
    of_what = f" of {what}" if what else ""
    bounds = f"{minimum} or more" if maximum is None else f"{minimum} to {maximum}"

    def parse(text: str) -> int:
        # int() would also take "-1", " 1_000 " and "+5": only digits are a whole number here.
        if not re.fullmatch(r"[0-9]+", text.strip()):
            raise ValueError(text)
        number = int(text)
        if number < minimum or (maximum is not None and number > maximum):
            raise ValueError(text)
        return number

    return Values(f"a whole number{of_what}, {bounds}", parse, int)


def one_of(*choices: str) -> Values:
    """One of `choices`, in any case."""

    def parse(text: str) -> str:
        if text.strip().lower() not in choices:
            raise ValueError(text)
        return text

    return Values("one of " + ", ".join(f"`{choice}`" for choice in choices), parse, str)


def any_text(allowed: str) -> Values:
    """Text that the reader takes as it is (a path, an address); `allowed` describes it."""
    return Values(allowed, str, str)


def _rate_limit(text: str) -> str:
    if text.strip().lower() in ("", "off"):
        return text
    # limits' own parser: what it refuses here, api.serving.ratelimit could not count.
    parse_many(text)
    return text


def _storage_uri(text: str) -> str:
    if text.split(":", 1)[0].lower() not in SCHEMES or "://" not in text:
        raise ValueError(text)
    return text


def _origins(text: str) -> list[str]:
    return [origin.strip() for origin in text.split(",") if origin.strip()]


def _worker_class(text: str) -> str:
    # gunicorn's names for its own workers, or the dotted path of any other worker class;
    # gunicorn imports the class itself and says if it cannot.
    if text in ("sync", "gthread", "gevent", "gevent_wsgi", "gevent_pywsgi", "tornado", "asgi"):
        return text
    if re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", text):
        return text
    raise ValueError(text)


# The app's settings and the server's are one table because an operator sets them in one
# environment and the docs list them together; `server` says which reader takes each, so
# gunicorn.conf.py can check every one (the app's included) before the app is loaded.
SETTINGS = (
    Setting(
        "ARTICLE_FACTS_CORPUS_DIR",
        "CORPUS_DIR",
        str(BUILT_IN_CORPUS),
        any_text("a folder holding `<article-id>.txt` / `<article-id>.json` pairs"),
        "on SQLite, the folder ingested at start-up, before the workers fork (an unchanged "
        "article writes nothing; a bad one is refused, named, and the rest are served); on "
        "PostgreSQL, unused: run `article-facts ingest`",
        shown_default="the built-in `api/corpus/`",
    ),
    Setting(
        "ARTICLE_FACTS_DATA_DIR",
        "DATA_DIR",
        "data",
        any_text("a writable folder (relative to the working directory, or absolute)"),
        "where the SQLite store lives (`article-facts.sqlite3`, with its WAL files): a volume "
        "in a container, never the image's read-only root",
    ),
    Setting(
        "ARTICLE_FACTS_DATABASE_URL",
        "DATABASE_URL",
        "",
        any_text("empty (SQLite in the data folder), `sqlite:///PATH` or `postgresql://...`"),
        "the store; PostgreSQL serves several instances and publishing while serving, with "
        "`article-facts migrate` run as its own step",
        shown_default="empty: `data/article-facts.sqlite3`",
    ),
    Setting(
        "ARTICLE_FACTS_NEW_VERSION_SECONDS",
        "NEW_VERSION_SECONDS",
        "5",
        whole_number("seconds", minimum=1),
        "the most seconds an instance goes on serving an article's previous version after a "
        "new one is ingested (each worker checks the store five times in that time)",
    ),
    Setting(
        "ARTICLE_FACTS_ARTICLE_CACHE",
        "ARTICLE_CACHE",
        "256",
        whole_number("article versions", minimum=1),
        "article versions each worker keeps parsed in memory, least recently used out",
    ),
    Setting(
        "ARTICLE_FACTS_RATE_LIMIT",
        "RATE_LIMIT",
        "off",
        Values(
            "`off`, or a limit in the `limits` notation (`6000 per minute`, "
            "`100/second;5000/hour`)",
            _rate_limit,
            str,
        ),
        # Off by default because a budget is only one budget when every process counts it in
        # one place: with several workers that needs a shared store.
        "one budget per client across every endpoint but the probes, told in X-RateLimit-* "
        "headers; beyond it, a 429 problem with Retry-After",
    ),
    Setting(
        "ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI",
        "RATE_LIMIT_STORAGE_URI",
        "memory://",
        Values(
            "a `limits` storage URL: `redis://host:port/db` (or `rediss://`, `valkey://`...), "
            "`memory://`",
            _storage_uri,
            str,
        ),
        "where limit counts live: Redis shares them across workers and instances; "
        "`memory://` counts in one process, so it serves a limit only with `WEB_CONCURRENCY=1` "
        "(gunicorn refuses to start otherwise)",
    ),
    Setting(
        "ARTICLE_FACTS_TRUSTED_PROXIES",
        "TRUSTED_PROXIES",
        "0",
        whole_number("proxies"),
        "reverse proxies in front that set X-Forwarded-For; the client address (the rate-limit "
        "key) is read through that many, and 0 trusts none, so a client cannot forge it",
    ),
    Setting(
        "ARTICLE_FACTS_CACHE_MAX_AGE",
        "CACHE_MAX_AGE",
        "5",
        whole_number("seconds"),
        "seconds in `Cache-Control: public, max-age=N` on responses of an article's latest "
        "version (and other data): how long clients and shared caches may reuse one without "
        "asking again; as short as `ARTICLE_FACTS_NEW_VERSION_SECONDS` by default, so a "
        "correction reaches every cache in that time. A pinned `?version=N` is kept a year",
    ),
    Setting(
        "ARTICLE_FACTS_RESPONSE_CACHE_BYTES",
        "RESPONSE_CACHE_BYTES",
        str(32 * 2**20),
        whole_number("bytes"),
        "upper bound on the memory of the rendered-response cache (bodies, per worker process)",
        shown_default="`33554432` (32 MiB)",
    ),
    Setting(
        "ARTICLE_FACTS_STREAM_BATCH_SIZE",
        "STREAM_BATCH_SIZE",
        "1000",
        whole_number("rows", minimum=1, maximum=100000),
        "rows each query of an NDJSON stream reads (`Accept: application/x-ndjson` on a list "
        "across articles or the feed of changes), each in a short transaction of its own; a "
        "stream's memory is about one batch",
    ),
    Setting(
        "ARTICLE_FACTS_EXPORTS_DIR",
        "EXPORTS_DIR",
        "",
        any_text("empty (`exports/` in the data folder), or a folder"),
        "where `article-facts export` writes full dumps of the corpus and `GET /v1/exports` "
        "lists and serves them; several instances share them by mounting one folder "
        "(read-only is enough for serving)",
        shown_default="empty: `data/exports`",
    ),
    Setting(
        "ARTICLE_FACTS_CORS_ORIGINS",
        "CORS_ORIGINS",
        "*",
        Values("`*` (any), or a comma-separated list such as `https://a.example`", _origins, list),
        "origins whose browser scripts may read responses",
    ),
    Setting(
        "PORT",
        "bind",
        "8000",
        whole_number(minimum=1, maximum=65535),
        "port gunicorn listens on, on 127.0.0.1",
        server=True,
    ),
    Setting(
        "BIND",
        "bind",
        None,
        any_text("an address gunicorn binds: `HOST:PORT`, `unix:PATH` or `fd://FD`"),
        "where gunicorn listens; `0.0.0.0:8000` accepts outside connections (exposing the port "
        "is a deployment decision)",
        server=True,
        shown_default="`127.0.0.1:$PORT`",
    ),
    Setting(
        "WEB_CONCURRENCY",
        "workers",
        None,
        whole_number("worker processes", minimum=1),
        # gunicorn itself reads this variable as it starts, before this table is consulted, and
        # stops with a traceback of its own on one that is not a number.
        "gunicorn worker processes (requests are CPU-bound: one per core, plus one); gunicorn "
        "reads it too, and stops with its own traceback on text that is not a number",
        server=True,
        shown_default="CPU count + 1",
    ),
    Setting(
        "GUNICORN_WORKER_CLASS",
        "worker_class",
        "sync",
        Values(
            "`sync`, `gthread`, another gunicorn worker's name, or a worker class's dotted path",
            _worker_class,
            str,
        ),
        "gunicorn's worker class; `gthread` keeps connections alive, for a proxy in front that "
        "reuses them",
        server=True,
    ),
    Setting(
        "GUNICORN_THREADS",
        "threads",
        "1",
        whole_number("threads", minimum=1),
        "threads per worker",
        server=True,
    ),
    Setting(
        "GUNICORN_TIMEOUT",
        "timeout",
        "30",
        whole_number("seconds"),
        "seconds before a silent worker is restarted (0: never)",
        server=True,
    ),
    Setting(
        "GUNICORN_KEEPALIVE",
        "keepalive",
        "5",
        whole_number("seconds"),
        "seconds an idle keep-alive connection is held",
        server=True,
    ),
    Setting(
        "LOG_LEVEL",
        "loglevel",
        "info",
        one_of("debug", "info", "warning", "error", "critical"),
        "gunicorn's log level",
        server=True,
    ),
    Setting(
        "ACCESS_LOG",
        "accesslog",
        "-",
        any_text("`-` (stdout), a file path, or empty for no access log"),
        "where gunicorn writes its access log, one JSON object per line",
        server=True,
        shown_default="`-` (stdout)",
    ),
    Setting(
        "PROMETHEUS_MULTIPROC_DIR",
        None,
        None,
        any_text("a folder path (made if missing); a tmpfs or `emptyDir` in a container"),
        "where every worker writes its metrics; gunicorn.conf.py empties it of earlier counts "
        "at start",
        server=True,
        shown_default="a private temporary folder, removed on exit",
    ),
)

SETTINGS_BY_VARIABLE = {setting.variable: setting for setting in SETTINGS}
APP_SETTINGS = tuple(setting for setting in SETTINGS if not setting.server)
SERVER_SETTINGS = tuple(setting for setting in SETTINGS if setting.server)


def read(environ: Mapping[str, str], settings: Iterable[Setting] = SETTINGS) -> dict[str, Any]:
    """Each setting's value by variable, from `environ` or its default; refuse a bad one."""
    values = {}
    for setting in settings:
        text = environ.get(setting.variable, setting.default)
        values[setting.variable] = None if text is None else setting.parse(text)
    return values


def app_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """The app's settings from `environ`, by Flask config key; refuse a bad one."""
    values = read(environ, APP_SETTINGS)
    return {str(setting.key): values[setting.variable] for setting in APP_SETTINGS}


class Config:
    """The app's fixed configuration; the environment's settings are added by `create_app`."""

    # Options for a Redis store. One that stops answering must not hold requests: give up on it
    # within a second and count in this process's memory until it is back. Each process keeps
    # one connection rather than a pool: a pool checks every connection out and back in, with a
    # probe of the socket each time, which costs a quarter of a count's client-side time here.
    RATE_LIMIT_STORAGE_OPTIONS = {
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
        "single_connection_client": True,
    }
    # Static assets (explorer, reader page) are versioned by the package: cache them a day.
    SEND_FILE_MAX_AGE_DEFAULT = 86400

    API_TITLE = "Article Facts API"
    API_VERSION = "1.3.0"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # Swagger UI 5 (renders OpenAPI 3.1) from the flask-swagger-ui wheel, served by this app:
    # the explorer works with no internet. flask-smorest needs the trailing slash.
    OPENAPI_SWAGGER_UI_URL = "/docs/assets/"
    OPENAPI_SWAGGER_UI_CONFIG = {"deepLinking": True, "displayRequestDuration": True}

    # Debug mode would serve tracebacks; it is never read from the environment.
    DEBUG = False
    TESTING = False


DOCS_INTRO = f"""\
# Configuration

<!-- Generated from api/settings.py by `{REGENERATE_DOCS}`; do not edit. -->

Every setting is an environment variable with a default; all are optional. The app reads its
own when it is created, and gunicorn.conf.py checks every one before the app is loaded or any
port is bound: a value that is not allowed stops start-up with one line naming the variable,
the value and what is allowed, for example

    Error: {{refusal}}

`gunicorn.conf.py` also builds the app in the master process before it binds a port
(`preload_app`): on SQLite that migrates the store and ingests the corpus folder, and the
workers connect to the store after they fork. It refuses a rate limit that its workers would
count separately, logs JSON lines to stdout/stderr and writes no control socket in your home
directory.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(settings: Iterable[Setting]) -> str:
    rows = ["| variable | default | allowed | meaning |", "| --- | --- | --- | --- |"]
    for setting in settings:
        default = setting.shown_default or f"`{setting.default}`"
        cells = (f"`{setting.variable}`", default, setting.values.allowed, setting.help)
        rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def _refusal(variable: str, text: str) -> str:
    """The line start-up stops with when `variable` is set to `text` (for the docs' example)."""
    try:
        SETTINGS_BY_VARIABLE[variable].parse(text)
    except ConfigurationError as refusal:
        return str(refusal)
    raise ValueError(f"{variable}={text!r} is allowed")


def render_docs() -> str:
    """docs/configuration.md: the intro, then the app's settings and the server's, as tables."""
    intro = DOCS_INTRO.replace("{refusal}", _refusal("ARTICLE_FACTS_RESPONSE_CACHE_BYTES", "abc"))
    return (
        f"{intro}\n## The app\n\n{_table(APP_SETTINGS)}\n"
        f"## The server (gunicorn.conf.py)\n\n{_table(SERVER_SETTINGS)}"
    )


@click.group("settings")
def settings_cli() -> None:
    """The environment variables the app and its server read."""


@settings_cli.command("write")
@click.argument("output", type=click.File("w", encoding="utf-8"), default="-")
def write_docs(output: TextIO) -> None:
    """Write the configuration page generated from the settings table (stdout by default)."""
    output.write(render_docs())
