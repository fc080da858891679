"""The 'Exporteer' download: the quarterly pack of the current view, in the user's own scope, as a zip.

The audience follows from the logged-in user, never from the request: coordinators and admins get the
coordinator pack, a gemeente user the pack of their own gemeente. Every export, refused ones included, is
in the audit log.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import flask
from markupsafe import escape

from dashboard import auth, data, export, i18n
from dashboard.i18n import _
from dashboard.viewer import MUNICIPALITY

blueprint = flask.Blueprint("download", __name__)
APP_FORMATS = ("png", "pdf", "pptx", "xlsx")


@blueprint.get("/exporteer")
def export_zip():
    viewer = auth.current_viewer()
    quarter = data.resolve_quarter(flask.request.args.get("kwartaal"))
    code = (flask.request.args.get("gemeente") or "").strip().upper() or None
    region = flask.request.args.get("regio") == "1"
    asked = [f for f in (flask.request.args.get("formats") or ",".join(APP_FORMATS)).split(",") if f]
    formats = [f for f in asked if f in APP_FORMATS] or list(APP_FORMATS)
    detail = {"kwartaal": quarter, "gemeente": code, "regio": region, "formaten": formats, "kanaal": "app"}
    if quarter is None:
        return _refuse(404, _("Er zijn nog geen gegevens om te exporteren."), detail)
    if viewer.role == MUNICIPALITY:
        if code and code != viewer.municipality_code:
            return _refuse(403, _("U kunt alleen de gegevens van uw eigen gemeente exporteren."), detail)
        audience, codes = "gemeente", [viewer.municipality_code]
    else:
        audience, codes = "coordinator", [code] if code else []
    if not codes and not region:
        region = True
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "pakket"
        try:
            result = export.build_pack(quarter, audience, codes, region, formats, target)
        except export.ExportError as problem:
            return _refuse(400, str(problem), detail)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(target.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(target).as_posix())
    auth.audit("export", {**detail, "publiek": audience, "bestanden": len(result.files), "uitkomst": "gemaakt"})
    buffer.seek(0)
    name = f"nhsv_{quarter}_{code or (codes[0] if audience == 'gemeente' else 'regio')}.zip"
    return flask.send_file(buffer, mimetype="application/zip", as_attachment=True, download_name=name)


def _refuse(status: int, message: str, detail: dict):
    auth.audit("export", {**detail, "uitkomst": "geweigerd", "reden": message})
    title, back = escape(_("Export niet mogelijk")), escape(_("Terug naar het overzicht"))
    page = (f"<!doctype html><html lang=\"{i18n.html_lang()}\"><title>{title}</title><main><h1>{title}</h1>"
            f"<p>{escape(message)}</p><p><a href=\"/\">{back}</a></p></main></html>")
    return flask.Response(page, status=status, mimetype="text/html")
