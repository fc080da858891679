"""Fixtures of the page tests: the fixture warehouse (with a Hoorn user and a coordinator), one Dash app for the
package, each page's `layout` with its tables and CSVs filled in, and the viewer stood in."""

from __future__ import annotations

import pytest

from dashboard import components, context
from dashboard.viewer import Viewer
from tests.pages.helpers import COORDINATOR_USER, HOORN_USER, OWN, PASSWORD
from tests.warehouses import app_on, demo_warehouse, use_warehouse

# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def warehouse_url(tmp_path_factory) -> str:
    return demo_warehouse(tmp_path_factory.mktemp("pages"), {HOORN_USER: ("gemeente", OWN),
                                                               COORDINATOR_USER: ("coordinator", None)}, PASSWORD)


@pytest.fixture
def warehouse(warehouse_url, monkeypatch):
    return use_warehouse(warehouse_url, monkeypatch)


@pytest.fixture(scope="package")
def app(warehouse_url):
    """One Dash app for the package (it registers the pages, which the page modules need on import)."""
    return app_on(warehouse_url)


PAGE_PATHS = {"overzicht": "/", "gemeente": "/gemeente", "vergelijken": "/vergelijken",
              "ontwikkeling": "/ontwikkeling", "signalen": "/signalen", "aanlevering": "/aanlevering"}


@pytest.fixture
def pages(app, warehouse):
    """Each page's `layout` as Dash registered it, giving the page as a user sees it after opening every
    'Toon als tabel' and pressing every 'Download als CSV' (`with_tables`). (Importing `dashboard.pages.x`
    directly would register the page a second time under another module name, and Dash refuses duplicate
    paths at the first request.)"""
    import dash

    by_path = {page["path"]: page["layout"] for page in dash.page_registry.values()}
    return {name: with_tables(by_path[path]) for name, path in PAGE_PATHS.items()}


def with_tables(layout):
    """The layout with what the table and CSV callbacks (dashboard.alternatives) would put in its placeholders:
    the table of each offered key, and each CSV as text in a <pre class="csv">, so that every check below
    reads the tables and downloads too."""
    from dash import html

    from dashboard import alternatives

    def render(**kwargs):
        with components.collecting() as offered:
            tree = layout(**kwargs)
        if hasattr(tree, "_traverse"):
            for node in tree._traverse():
                kind = getattr(node, "id", None)
                if not isinstance(kind, dict):
                    continue
                if kind.get("type") == "tabel":
                    node.children = alternatives.table_view(offered.get(kind["key"]))
                elif kind.get("type") == "csv-melding":
                    csv = alternatives.csv_file(offered[kind["key"]])["content"]
                    node.children = html.Pre(csv, className="csv")
        return tree

    return render


@pytest.fixture
def as_viewer(monkeypatch):
    def set_viewer(viewer: Viewer) -> Viewer:
        monkeypatch.setattr(context, "viewer", lambda: viewer)
        return viewer

    return set_viewer
