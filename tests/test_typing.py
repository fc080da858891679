"""The submission boundary (extract, archive, validate, findings, personal data) passes the type checker, with
the files and settings of pyproject.toml's [tool.mypy]."""

from __future__ import annotations

import subprocess
import sys

from nhsv import settings


def test_the_submission_boundary_passes_mypy(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, cwd=settings.PROJECT_ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found in 5 source files" in done.stdout
