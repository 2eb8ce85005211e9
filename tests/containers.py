"""Driving podman from the container tests: the images under test, names, waiting, cleaning up.

The images are built by `bash .ci/images/build` (CI runs it first); ARTICLE_FACTS_IMAGE,
NGINX_IMAGE, REDIS_IMAGE, POSTGRES_IMAGE name others. podman reads the containers.conf that
CONTAINERS_CONF names; unset, it is .ci/images/containers.conf, as for .ci/images/build (these
machines need runc; elsewhere, name your own). Without podman or the images the tests are
skipped with the reason, except in CI (the CI variable is set), where they fail.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Every podman the tests start (podman-compose's too) inherits it.
os.environ.setdefault("CONTAINERS_CONF", str(ROOT / ".ci" / "images" / "containers.conf"))

API_IMAGE = os.environ.get("ARTICLE_FACTS_IMAGE", "localhost/article-facts-api:ci")
NGINX_IMAGE = os.environ.get("NGINX_IMAGE", "localhost/article-facts-nginx:ci")
REDIS_IMAGE = os.environ.get("REDIS_IMAGE", "localhost/article-facts-redis:ci")
POSTGRES_IMAGE = os.environ.get("POSTGRES_IMAGE", "localhost/article-facts-postgres:ci")
PODMAN_COMPOSE = Path(sys.executable).parent / "podman-compose"
# podman logs its failure to reach systemd (not PID 1 here) for every healthcheck timer.
SYSTEMD_NOISE = "unable to get systemd connection"


def unique_name(prefix):
    """A container, pod or project name no other run uses: this run cleans up only its own."""
    return f"{prefix}-{os.getpid()}-{secrets.token_hex(3)}"


def require(*images):
    """Skip without podman or an image; in CI, which builds them, fail instead."""
    missing = [] if shutil.which("podman") else ["podman"]
    if not missing:
        for image in images:
            if run("image", "exists", image, check=False).returncode != 0:
                missing.append(f"the image {image}")
    if missing:
        reason = f"the container tests need {', '.join(missing)} (bash .ci/images/build)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def run(*arguments, check=True, timeout=120):
    """Run `podman ARGUMENTS`; a failure shows podman's own explanation."""
    result = subprocess.run(
        ["podman", *arguments], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        errors = "\n".join(line for line in result.stderr.splitlines() if SYSTEMD_NOISE not in line)
        pytest.fail(f"podman {' '.join(arguments)} exited {result.returncode}:\n{errors}")
    return result


def inspect(name, template):
    """One field of a container, by a Go template such as {{.State.ExitCode}}."""
    return run("inspect", "--format", template, name).stdout.strip()


def published_port(name, container_port):
    """The loopback port a container's port is published on."""
    state = json.loads(run("inspect", name).stdout)[0]
    [binding] = state["NetworkSettings"]["Ports"][f"{container_port}/tcp"]
    return int(binding["HostPort"])


def logs(name):
    """What a container wrote to stdout and stderr."""
    result = run("logs", name, check=False)
    return result.stdout + result.stderr


def wait_for_http(url, timeout=60, describe=lambda: ""):
    """Wait until `url` answers 200; fail with `describe()` (logs, say) if it does not."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer 200 in {timeout} s\n{describe()}")
        time.sleep(0.25)
