"""Where a request's time goes, in process: pyinstrument over the WSGI app.

    .venv/bin/pip install pyinstrument && .venv/bin/python bench/profile.py [--requests 3000]

Profiles the same repeated GET through the serving core: with no rate limit (the default: a
repeat is replayed from its kept rendering) and with a limit counted in this process's memory
(the same replay, after one count). Prints the time per request and pyinstrument's call tree,
and writes both as HTML to test-artifacts/.
"""

import argparse
import sys
import time
from pathlib import Path

from pyinstrument import Profiler
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api import create_app  # noqa: E402

TARGET = "/v1/articles/north-korean-troops-help-russian-army-clear-mines/entities/vadym-skibytsky"
SETTINGS = {
    "no rate limit (the default)": {"RATE_LIMIT": "off"},
    "rate limit counted in memory": {"RATE_LIMIT": "1000000000 per hour"},
}


def serve(app, environ):
    """One request through the WSGI callable, as gunicorn would make it."""
    body = app(dict(environ), lambda status, headers, exc_info=None: None)
    for _chunk in body:
        pass
    if hasattr(body, "close"):
        body.close()


def time_by_package(root):
    """Self time by package (api, flask, werkzeug, limits, ...).

    Time in the standard library or built-ins counts for the package that called it, so each
    line answers "what does this layer cost, all in".
    """
    shares, stack = {}, [(root, "benchmark loop")]
    while stack:
        frame, caller = stack.pop()
        path = frame.file_path or ""
        if "site-packages/" in path:
            package = path.split("site-packages/", 1)[1].split("/", 1)[0]
        elif f"{ROOT}/api/" in path:
            package = "api (this project)"
        else:
            package = caller
        shares[package] = shares.get(package, 0.0) + frame.total_self_time
        stack.extend((child, package) for child in frame.children)
    return shares


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    environ = EnvironBuilder(path=TARGET, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    for label, settings in SETTINGS.items():
        app = create_app(settings)
        for _ in range(200):  # warm the caches, as a running server has
            serve(app, environ)
        started = time.perf_counter()
        for _ in range(args.requests):
            serve(app, environ)
        per_request = (time.perf_counter() - started) / args.requests * 1e6
        profiler = Profiler(interval=0.0001)
        with profiler:
            for _ in range(args.requests):
                serve(app, environ)
        print(f"\n== {label}: {per_request:.0f} µs per request (unprofiled)\n")
        shares = time_by_package(profiler.last_session.root_frame())
        total = sum(shares.values())
        for package, seconds in sorted(shares.items(), key=lambda item: -item[1])[:8]:
            print(f"  {package:<16} {seconds / total:6.1%}")
        print()
        print(profiler.output_text(unicode=True, color=False, show_all=False)[:4000])
        name = "profile-" + label.split(" (")[0].replace(" ", "-") + ".html"
        (artifacts / name).write_text(profiler.output_html(), encoding="utf-8")


if __name__ == "__main__":
    main()
