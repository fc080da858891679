"""Builds the Flask server and the Dash app on it: login in front, pages behind."""

from __future__ import annotations

from pathlib import Path

import dash
import flask

from nhsv import settings

HERE = Path(__file__).resolve().parent


def create_app(database_url: str | None = None) -> dash.Dash:
    """The Dash app; its Flask server is `app.server`. Reads settings at call time (tests set them first)."""
    from dashboard import auth

    server = flask.Flask(__name__, template_folder=str(HERE / "templates"))
    auth.init_app(server, database_url)
    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="NHSV-monitor",
        suppress_callback_exceptions=True,
        update_title=None,
    )
    app.config.update(meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    from dashboard.layout import shell

    app.layout = shell
    app._favicon = None
    _ = settings
    return app
