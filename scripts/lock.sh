#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml: requirements.lock (what the monitor runs on; the Docker build)
# requirements-test.lock (that plus the test extra; scripts/setup.sh --test and CI) and requirements-bench.lock
# (the tests' set plus Locust, for python -m benchmarks). Exact versions with
# their hashes, resolved for every platform. Run after changing a dependency, and commit the three files.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
if [ ! -x "$UV" ]; then
  .venv/bin/python -m pip install --quiet uv
fi
"$UV" pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --no-header \
  -o requirements.lock
"$UV" pip compile pyproject.toml --extra test --universal --python-version 3.11 --generate-hashes --no-header \
  -o requirements-test.lock
"$UV" pip compile pyproject.toml --extra test --extra bench --universal --python-version 3.11 --generate-hashes \
  --no-header -c requirements-test.lock -o requirements-bench.lock
