#!/usr/bin/env bash
# One command from a fresh clone to a passing test suite: on SQLite, and on PostgreSQL when
# NHSV_TEST_DATABASE_URL is set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/python -m pytest -q "$@"
