"""Settings: one table, read when the app is created, and a bad value stops start-up in one line."""

import socket
import subprocess
import sys
import time

import pytest

from api import create_app
from api.settings import (
    APP_SETTINGS,
    SERVER_SETTINGS,
    SETTINGS,
    ConfigurationError,
    app_config,
    read,
    render_docs,
)
from conftest import ARTICLE, ROOT, free_port

# Values each typed setting refuses: not a number, below its range, not a choice, bad notation.
BAD_VALUES = {
    "ARTICLE_FACTS_RATE_LIMIT": ["lots", "20 per fortnight"],
    "ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI": ["redis:/localhost", "postgres://db/limits"],
    "ARTICLE_FACTS_TRUSTED_PROXIES": ["abc", "-1", "1.5"],
    "ARTICLE_FACTS_CACHE_MAX_AGE": ["abc", "-1", ""],
    "ARTICLE_FACTS_NEW_VERSION_SECONDS": ["abc", "0", "2.5"],
    "ARTICLE_FACTS_ARTICLE_CACHE": ["abc", "0"],
    "ARTICLE_FACTS_RESPONSE_CACHE_BYTES": ["abc", "32M", "-5"],
    "ARTICLE_FACTS_STREAM_BATCH_SIZE": ["abc", "0", "100001"],
    "PORT": ["abc", "0", "70000"],
    "WEB_CONCURRENCY": ["0", "two"],
    "GUNICORN_WORKER_CLASS": ["fast", ""],
    "GUNICORN_THREADS": ["abc", "0"],
    "GUNICORN_TIMEOUT": ["abc", "-1"],
    "GUNICORN_KEEPALIVE": ["abc"],
    "LOG_LEVEL": ["loud", ""],
}
BY_VARIABLE = {setting.variable: setting for setting in SETTINGS}
APP_CASES = [
    (name, value)
    for name, values in BAD_VALUES.items()
    if not BY_VARIABLE[name].server
    for value in values
]
SERVER_CASES = [
    (name, value)
    for name, values in BAD_VALUES.items()
    if BY_VARIABLE[name].server
    for value in values
]


def assert_one_line_refusal(message, name, value):
    assert "\n" not in message
    assert message.startswith(f"{name}={value!r} is not allowed: ")
    assert message.endswith(BY_VARIABLE[name].values.allowed)


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda setting: setting.variable)
def test_every_setting_parses_its_default(setting):
    if setting.default is None:
        # Worked out by its reader (gunicorn.conf.py); the docs must say how.
        assert setting.server and setting.shown_default
        return
    assert isinstance(setting.parse(setting.default), setting.values.python_type)


def test_every_variable_and_key_is_declared_once():
    variables = [setting.variable for setting in SETTINGS]
    assert len(variables) == len(set(variables))
    keys = [setting.key for setting in APP_SETTINGS]
    assert len(keys) == len(set(keys)) and all(keys)


def test_every_typed_setting_has_bad_values_to_refuse():
    typed = {setting.variable for setting in SETTINGS if setting.values.parse is not str}
    # Origins are any comma-separated text: flask-cors also takes patterns.
    assert typed - set(BAD_VALUES) == {"ARTICLE_FACTS_CORS_ORIGINS"}


@pytest.mark.parametrize(("name", "value"), APP_CASES)
def test_create_app_refuses_a_bad_value_in_one_line_naming_the_variable(name, value, monkeypatch):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as refusal:
        create_app()
    assert_one_line_refusal(str(refusal.value), name, value)


@pytest.mark.parametrize(("name", "value"), SERVER_CASES)
def test_the_servers_settings_refuse_a_bad_value_in_one_line(name, value):
    with pytest.raises(ConfigurationError) as refusal:
        read({name: value}, SERVER_SETTINGS)
    assert_one_line_refusal(str(refusal.value), name, value)


def test_settings_are_read_when_the_app_is_created(monkeypatch):
    monkeypatch.setenv("ARTICLE_FACTS_CACHE_MAX_AGE", "7")
    monkeypatch.setenv("ARTICLE_FACTS_CORS_ORIGINS", "https://a.example, https://b.example")
    app = create_app()
    assert app.config["CACHE_MAX_AGE"] == 7
    assert app.config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert app.test_client().get(ARTICLE).headers["Cache-Control"] == "public, max-age=7"


def test_create_apps_overrides_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("ARTICLE_FACTS_RATE_LIMIT", "5 per day")
    monkeypatch.setenv("ARTICLE_FACTS_RESPONSE_CACHE_BYTES", "1000")
    app = create_app({"RATE_LIMIT": "off", "RESPONSE_CACHE_BYTES": 0})
    assert app.config["RATE_LIMIT"] == "off"
    assert app.config["RESPONSE_CACHE_BYTES"] == 0


def test_the_defaults_are_the_production_settings():
    assert app_config({}) == {
        "CORPUS_DIR": BY_VARIABLE["ARTICLE_FACTS_CORPUS_DIR"].default,
        "RATE_LIMIT": "off",
        "RATE_LIMIT_STORAGE_URI": "memory://",
        "TRUSTED_PROXIES": 0,
        "DATA_DIR": "data",
        "EXPORTS_DIR": "",
        "STREAM_BATCH_SIZE": 1000,
        "DATABASE_URL": "",
        "NEW_VERSION_SECONDS": 5,
        "ARTICLE_CACHE": 256,
        "CACHE_MAX_AGE": 5,
        "RESPONSE_CACHE_BYTES": 32 * 2**20,
        "CORS_ORIGINS": ["*"],
    }


def test_the_cli_writes_the_configuration_page(app):
    written = app.test_cli_runner().invoke(args=["settings", "write"])
    assert written.exit_code == 0
    assert written.output == render_docs()


def port_is_bound(port):
    """Whether something took `port` (a bind to it fails)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@pytest.mark.system
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ARTICLE_FACTS_RESPONSE_CACHE_BYTES", "abc"),
        ("GUNICORN_THREADS", "abc"),
        # gunicorn reads WEB_CONCURRENCY itself first, and a non-number crashes it there.
        ("WEB_CONCURRENCY", "0"),
    ],
)
def test_gunicorn_refuses_a_bad_value_in_one_line_before_binding(name, value):
    port = free_port()
    started = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", name: value},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Polled while it runs: a port bound and released again would be missed afterwards.
        bound = False
        while started.poll() is None:
            bound = bound or port_is_bound(port)
            time.sleep(0.01)
        stdout, stderr = started.communicate(timeout=60)
    finally:
        if started.poll() is None:
            started.kill()
            started.wait(timeout=10)
    output = stdout + stderr
    assert started.returncode != 0
    assert "Traceback" not in output
    assert [line for line in output.splitlines() if name in line] == [
        f"Error: {name}={value!r} is not allowed: {BY_VARIABLE[name].values.allowed}"
    ]
    assert "Listening at" not in output and "Connection in use" not in output
    assert not bound
