"""The packages import one way, bottom to top: nhsv (settings, mail, proxies) <- etl <- dashboard <- cli.

`nhsv` used to be both the bottom (settings, imported by etl) and the top (the command line, importing the
dashboard); a module that imports from a layer above its own brings that back. Every import counts, also one
inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["nhsv", "etl", "dashboard", "cli"]  # bottom first


def imported_packages(path: Path) -> set[str]:
    """The first name of every absolute import in the file: `from etl.db import x` gives 'etl'."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def upward_imports(package: str) -> list[str]:
    above = set(LAYERS[LAYERS.index(package) + 1:])
    return [f"{path.relative_to(ROOT)} imports {sorted(imported_packages(path) & above)}"
            for path in sorted((ROOT / package).rglob("*.py")) if imported_packages(path) & above]


@pytest.mark.parametrize("package", LAYERS[:-1])
def test_no_package_imports_a_layer_above_its_own(package):
    assert (ROOT / package).is_dir()
    assert upward_imports(package) == []


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from dashboard import data\n    import cli.main\n", encoding="utf-8")
    assert imported_packages(module) == {"dashboard", "cli"}


def test_the_command_and_the_server_live_on_top():
    assert {p.name for p in (ROOT / "nhsv").glob("*.py")} == {"__init__.py", "settings.py", "mail.py", "proxies.py"}
    assert imported_packages(ROOT / "cli" / "main.py") >= {"nhsv", "etl"}
