# NHSV-monitor: the dashboard under gunicorn (several workers), Debian's Chromium for chart exports.
# Build:  docker build -t nhsv-monitor .
# Run:    see docs/operations.md (docker compose with PostgreSQL) or the README.
# No secrets are baked in: NHSV_SECRET_KEY and the database URL come from the environment at run time.

# --- build: install the project and its dependencies into /install ------------------------------------
FROM python:3.11-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src
# the dependencies from the lock file (exact versions, checked against their hashes), then the project itself
COPY requirements.lock ./
RUN pip install --no-cache-dir --prefix=/install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY nhsv ./nhsv
COPY cli ./cli
COPY etl ./etl
COPY dashboard ./dashboard
# the pages' partial plotly.js bundle from the npm registry, checked against its pinned hash (standard library only)
RUN python -m dashboard.plotly_bundle \
    && pip install --no-cache-dir --prefix=/install --no-deps .

# --- runtime ----------------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Chromium renders chart exports (PNG, SVG, PDF, PowerPoint); the fonts give them readable labels; Pango lets
# WeasyPrint lay out the accessible PDF report.
# Versions are not pinned on purpose: every build takes Debian bookworm's current security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core fonts-liberation \
       libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 nhsv \
    && useradd --system --uid 10001 --gid nhsv --create-home --home-dir /home/nhsv \
       --shell /usr/sbin/nologin nhsv \
    && mkdir -p /var/lib/nhsv /inbox \
    && chown nhsv:nhsv /var/lib/nhsv /inbox

COPY --from=build /install /usr/local
COPY data/reference /app/data/reference

# Defaults for a container; docker-compose.yml points NHSV_DATABASE_URL at PostgreSQL.
ENV NHSV_ENV=production \
    NHSV_LOG_FORMAT=json \
    NHSV_REFERENCE_DIR=/app/data/reference \
    NHSV_DATA_DIR=/var/lib/nhsv \
    NHSV_DATABASE_URL=sqlite:////var/lib/nhsv/warehouse.db \
    NHSV_BROWSER_PATH=/usr/bin/chromium \
    NHSV_WORKERS=2 \
    NHSV_THREADS=4 \
    MALLOC_MMAP_THRESHOLD_=4194304
# MALLOC_MMAP_THRESHOLD_ (cli/serve.py, MALLOC_ENV): glibc maps blocks of 4 MiB and more on their own and hands
# them back when freed, instead of keeping them in the workers' heaps after the first login's 19 MiB (argon2id).

WORKDIR /var/lib/nhsv
USER 10001:10001
EXPOSE 8050

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8050/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["nhsv", "serve", "--production", "--host", "0.0.0.0", "--port", "8050"]
