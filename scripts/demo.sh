#!/usr/bin/env bash
# One command from a fresh clone to the demo dashboard on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/nhsv demo "$@"
