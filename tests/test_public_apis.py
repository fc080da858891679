"""The product uses dash, plotly, flask and kaleido through their public APIs only: no import of a private
(`_`-prefixed) module and no private attribute, so that an upgrade cannot break the monitor silently. A speed-up
that needs one would have to live in one documented module, listed here with the reason; there is none."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = {"dash", "plotly", "flask", "kaleido", "_plotly_utils"}
PACKAGES = ("dashboard", "etl", "nhsv", "benchmarks", "scripts")
ALLOWED: dict[str, str] = {}  # path → why it may reach into a library's internals (none)


def _private(name: str) -> bool:
    return any(part.startswith("_") and not (part.startswith("__") and part.endswith("__"))
               for part in name.split("."))


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, aliases = _import_violations(tree)
    return found + _attribute_violations(tree, aliases)


def _import_violations(tree: ast.AST) -> tuple[list[str], dict[str, str]]:
    """Private modules or names imported from the libraries, and the local names that stand for library modules."""
    aliases = {}  # local name → library module it stands for
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LIBRARIES:
                    if _private(alias.name):
                        found.append(f"import {alias.name}")
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LIBRARIES:
            if _private(node.module) or any(_private(a.name) for a in node.names):
                found.append(f"from {node.module} import {', '.join(a.name for a in node.names)}")
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found, aliases


def _attribute_violations(tree: ast.AST, aliases: dict[str, str]) -> list[str]:
    """Private attributes reached from a library module, directly or through getattr/hasattr."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in aliases:
                found.append(f"{ast.unparse(node)} (line {node.lineno})")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
                and len(node.args) >= 2 and isinstance(node.args[0], ast.Name) and node.args[0].id in aliases
                and isinstance(node.args[1], ast.Constant) and _private(str(node.args[1].value))):
            found.append(f"{ast.unparse(node)} (line {node.lineno})")
    return found


def test_no_private_api_of_dash_plotly_flask_or_kaleido_is_used():
    problems = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative not in ALLOWED and (found := violations(path)):
                problems[relative] = found
    assert not problems, problems


def test_the_check_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import dash\nimport kaleido\nfrom dash import _pages\nfrom _plotly_utils.utils import x\n"
                      "dash._callback.to_json = None\nserver = getattr(kaleido, '_global_server', None)\n"
                      "print(dash.__version__)\n", encoding="utf-8")
    found = violations(sample)
    assert len(found) == 4 and not any("__version__" in f for f in found), found
