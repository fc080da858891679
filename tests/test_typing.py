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
    import tomllib

    with (settings.PROJECT_ROOT / "pyproject.toml").open("rb") as handle:
        files = tomllib.load(handle)["tool"]["mypy"]["files"]
    # every file of [tool.mypy] checked (the list grew with the loader's load.py and db.py)
    assert f"Success: no issues found in {len(files)} source files" in done.stdout
