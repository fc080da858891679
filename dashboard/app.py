"""Builds the Flask server and the Dash app on it: login in front, pages behind."""

from __future__ import annotations

from pathlib import Path

import dash
import flask

from nhsv import settings

HERE = Path(__file__).resolve().parent

# Dash's own page, its <html lang> the request's language (MonitorDash), without a second <footer> landmark for
# its scripts.
LANG_PLACEHOLDER = "{%lang%}"
INDEX = """<!DOCTYPE html>
<html lang="{%lang%}">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <div class="dash-scripts">
            {%config%}
            {%scripts%}
            {%renderer%}
        </div>
    </body>
</html>"""


class MonitorDash(dash.Dash):
    """Dash with the page's <html lang> following the request's language (Dash's documented way to change the
    index: overriding `interpolate_index`)."""

    def interpolate_index(self, **kwargs) -> str:
        from dashboard import i18n

        return super().interpolate_index(**kwargs).replace(LANG_PLACEHOLDER, i18n.html_lang(), 1)


def create_app(database_url: str | None = None) -> dash.Dash:
    """The Dash app; its Flask server is `app.server`. Reads settings at call time (tests set them first)."""
    import numpy  # noqa: F401 - loads OpenBLAS, so that the limit below finds it
    from threadpoolctl import threadpool_limits

    from dashboard import auth

    # One BLAS thread: requests already run in parallel (workers × threads), and the suppression's small SVDs
    # took 5-20 times longer when OpenBLAS threads competed for the same two cores.
    threadpool_limits(limits=1, user_api="blas")
    server = flask.Flask(__name__, template_folder=str(HERE / "templates"))
    auth.init_app(server, database_url)
    from dashboard import accounts, boundaries, download, i18n

    i18n.init_app(server)

    accounts.register(server)  # /account, /beheer, the links from mails, introduction requests
    server.register_blueprint(download.blueprint)
    server.register_blueprint(boundaries.blueprint)
    # Refuse oversized requests before Flask reads them: an upload arrives base64-encoded (4/3) in JSON.
    server.config["MAX_CONTENT_LENGTH"] = settings.get_int("NHSV_UPLOAD_MAX_BYTES") * 4 // 3 + 256_000
    from dashboard import plotly_bundle

    app = MonitorDash(
        __name__,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        server=server,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        # the partial plotly.js bundle under assets/vendor/, or Dash's full one when it is missing or another release
        assets_path_ignore=plotly_bundle.assets_path_ignore(),
        title="NHSV-monitor",
        suppress_callback_exceptions=True,
        update_title=None,
    )
    app.index_string = INDEX
    from dashboard import alternatives, layout

    alternatives.register(app)
    layout.register(app)
    _not_found_answers_404(app)
    auth.init_dash(app)  # its inline renderer script, allowed by hash in the Content-Security-Policy

    app.layout = layout.shell
    return app


def _not_found_answers_404(app: dash.Dash) -> None:
    """Dash serves its page for every path and draws "Pagina niet gevonden" in the browser; the answer to an
    address that is no page says so in its status too (404), for people, links checkers and search engines."""
    from dashboard.alternatives import page_for

    @app.server.after_request
    def _status(response: flask.Response) -> flask.Response:
        rule = flask.request.url_rule
        if (flask.request.method == "GET" and rule is not None and rule.rule == "/<path:path>"
                and response.status_code == 200 and response.mimetype == "text/html"):
            page, _ = page_for(flask.request.path)
            if page is None or page["path"] == "/404":
                response.status_code = 404
        return response
