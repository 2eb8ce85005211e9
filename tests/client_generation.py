"""Generating the Python client from an OpenAPI document, as tests/test_clients.py and
tests/test_compat.py both do: openapi-python-client, unmodified, with no warning."""

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
PYTHON_TOOLS = {
    "openapi-python-client": BIN / "openapi-python-client",
    "mypy": BIN / "mypy",
    "ruff": BIN / "ruff",  # openapi-python-client formats what it generates with it
}
PACKAGE = "article_facts_api_client"


def run(command, **kwargs):
    """Run a command; fail the test with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{output}"
    return output


def generate_python_client(source, folder):
    """Generate the client package into `folder` from a document URL or file; return its path.

    The document must generate cleanly: a warning from the generator fails the test.
    """
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    where = ["--url", source] if str(source).startswith("http") else ["--path", str(source)]
    generated = run(
        [PYTHON_TOOLS["openapi-python-client"], "generate", *where, "--meta", "none"],
        cwd=folder,
        env=environment,
    )
    assert "Warning" not in generated, generated
    package = Path(folder) / PACKAGE
    assert (package / "client.py").exists(), generated
    return package
