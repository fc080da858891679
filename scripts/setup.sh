#!/usr/bin/env bash
# Creates .venv with the monitor and, with --test, what the tests need (test packages, Debian's Chromium).
# Python packages come from the lock files (exact versions with their hashes; scripts/lock.sh makes them).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements-test.lock
  .venv/bin/python -m pip install --quiet --no-deps -e .
  if ! command -v chromium >/dev/null 2>&1 && [ -z "${NHSV_BROWSER_PATH:-}" ]; then
    if [ "$(id -u)" = "0" ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
    else
      echo "Chromium ontbreekt: installeer het (sudo apt-get install chromium) of zet NHSV_BROWSER_PATH." >&2
      exit 1
    fi
  fi
  # the export tests open decks and workbooks as LibreOffice does and read PDFs with poppler
  if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-impress-nogui \
        libreoffice-calc-nogui poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null
    else
      echo "LibreOffice of poppler ontbreekt: sudo apt-get install libreoffice-impress-nogui libreoffice-calc-nogui poppler-utils" >&2
      exit 1
    fi
  fi
else
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock
  .venv/bin/python -m pip install --quiet --no-deps -e .
fi
# the partial plotly.js bundle (1.5 MB instead of 4.8 MB per first visit); without it the pages load the full one
.venv/bin/python -m dashboard.plotly_bundle || true
