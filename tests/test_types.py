"""The typed interfaces pass mypy: the modules and settings in pyproject.toml's [tool.mypy]."""

import subprocess
import sys

from conftest import ROOT


def test_mypy_finds_no_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"mypy (pyproject.toml's [tool.mypy]) found errors:\n{output}"
    assert output.startswith("Success"), output
