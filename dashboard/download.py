"""'Exporteer': the quarterly pack of the current view, in the user's own scope, built as a job.

    GET  /exporteer?kwartaal=2026Q3&regio=1       what will be exported, and a button (no work is done)
    POST /exporteer  (with the CSRF token)         starts the job, then 303 to its page
    GET  /exporteer/<id>                           progress (refreshes itself), the zip when ready
    GET  /exporteer/<id>.json                      the same as JSON
    GET  /exporteer/<id>/pakket.zip                the pack

The audience follows from the logged-in user, never from the request: coordinators and admins get the
coordinator pack, a gemeente user the pack of their own gemeente. A job is only ever shown to the user who
started it. Every export, refused ones included, is in the audit log, as is its outcome.
"""

from __future__ import annotations

import flask

from dashboard import auth, data, export
from dashboard.auth import config as auth_config
from dashboard.export import jobs
from dashboard.i18n import _
from dashboard.viewer import MUNICIPALITY

blueprint = flask.Blueprint("download", __name__)
APP_FORMATS = ("png", "pdf", "pptx", "xlsx")


def _request(values) -> tuple[dict, tuple[int, str] | None]:
    """The export a request asks for, in the user's own scope, or (status, message) when refused."""
    viewer = auth.current_viewer()
    quarter = data.resolve_quarter(values.get("kwartaal"))
    code = (values.get("gemeente") or "").strip().upper() or None
    region = values.get("regio") == "1"
    asked = [f for f in (values.get("formats") or ",".join(APP_FORMATS)).split(",") if f]
    formats = [f for f in asked if f in APP_FORMATS] or list(APP_FORMATS)
    detail = {"kwartaal": quarter, "gemeente": code, "regio": region, "formaten": formats, "kanaal": "app"}
    if quarter is None:
        return detail, (404, _("Er zijn nog geen gegevens om te exporteren."))
    if viewer.role == MUNICIPALITY:
        if code and code != viewer.municipality_code:
            return detail, (403, _("U kunt alleen de gegevens van uw eigen gemeente exporteren."))
        audience, codes = "gemeente", [viewer.municipality_code]
    else:
        if code and code not in data.region():
            return detail, (404, _("%(code)s is geen NHSV-gemeente.", code=code))
        audience, codes = "coordinator", [code] if code else []
    if not codes and not region:
        region = True
    detail.update(publiek=audience, gemeenten=codes, regio=region)
    return detail, None


def _describe(detail: dict) -> str:
    places = data.region()
    what = [_("het profiel van %(name)s", name=places[c].name) for c in detail["gemeenten"]]
    if detail["regio"]:
        what.append(_("het overzicht van de regio zoals uw gemeente het ziet") if detail["publiek"] == "gemeente"
                    else _("het overzicht van de regio"))
    return what[0] if len(what) == 1 else _("%(first)s en %(last)s", first=", ".join(what[:-1]), last=what[-1])


@blueprint.get("/exporteer")
def confirm():
    """What will be in the pack, with a button that starts it: a GET never builds anything."""
    detail, refused = _request(flask.request.args)
    if refused:
        return _refuse(*refused, detail)
    from dashboard import formatting

    return flask.render_template("export.html", detail=detail, what=_describe(detail),
                                 quarter_label=formatting.quarter_label(detail["kwartaal"]),
                                 label=export.confidentiality_label(
                                     detail["publiek"], data.region()[detail["gemeenten"][0]].name
                                     if detail["publiek"] == "gemeente" else None))


@blueprint.post("/exporteer")
def start():
    """Start the export (the guard has checked the CSRF token) and show its page."""
    detail, refused = _request(flask.request.form)
    if refused:
        return _refuse(*refused, detail)
    owner = _owner()
    engine = auth_config.current().engine

    def finished(job: jobs.Job) -> None:
        auth.audit("export", {**detail, "taak": job.id, "bestanden": job.files,
                              "uitkomst": "gemaakt" if job.state == jobs.DONE else "mislukt"},
                   actor=owner, engine=engine)

    try:
        job, started = jobs.submit(owner, detail["kwartaal"], detail["publiek"], detail["gemeenten"], detail["regio"],
                                   detail["formaten"], on_finish=finished)
    except jobs.QueueFull as full:
        response = _refuse(503, _(str(full)), detail)  # jobs.QueueFull's message is one of the catalogue's
        response.headers["Retry-After"] = "60"
        return response
    auth.audit("export", {**detail, "taak": job.id, "uitkomst": "gestart" if started else "loopt al"})
    return flask.redirect(flask.url_for("download.status", job_id=job.id), 303)


def _owner() -> str:
    from flask_login import current_user

    return current_user.email


def _own_job(job_id: str) -> jobs.Job:
    job = jobs.get(job_id)
    if job is None or job.owner != _owner():
        flask.abort(404)
    return job


@blueprint.get("/exporteer/<job_id>")
def status(job_id: str):
    job = _own_job(job_id)
    # the job's message: one of the catalogue's is translated, one from the pack's checks stays Dutch (as written)
    message = _(job.message) if job.message else ""
    return flask.render_template("export_job.html", job=job, refresh=job.active, message=message,
                                 zip_url=flask.url_for("download.pack_zip", job_id=job.id))


@blueprint.get("/exporteer/<job_id>.json")
def status_json(job_id: str):
    job = _own_job(job_id)
    return flask.jsonify(id=job.id, state=job.state if not (job.state in jobs.ACTIVE and not job.active)
                         else jobs.FAILED, label=job.label, done=job.done, total=job.total, percent=job.percent,
                         message=job.message,
                         zip=flask.url_for("download.pack_zip", job_id=job.id) if job.state == jobs.DONE else None)


@blueprint.get("/exporteer/<job_id>/pakket.zip")
def pack_zip(job_id: str):
    job = _own_job(job_id)
    path = jobs.zip_path(job)
    if job.state != jobs.DONE or not path.is_file():
        flask.abort(404)
    return flask.send_file(path, mimetype="application/zip", as_attachment=True, download_name=job.zip_name)


def _refuse(status_code: int, message: str, detail: dict):
    auth.audit("export", {**detail, "uitkomst": "geweigerd", "reden": message})
    return flask.make_response(flask.render_template("export_refused.html", message=message), status_code)
