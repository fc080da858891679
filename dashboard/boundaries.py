"""The imported gemeente boundaries for the overview's map, sent once per version and kept by the browser.

The page's figure holds the map's styling and values without coordinates; dashboard/assets/maps.js fetches
`/kaart/grenzen-<version>.json` and fills the shapes in. The URL changes when the boundaries are imported
again, so the answer may be cached for a year (`immutable`): after the first page view the browser sends no
request for it at all. The file holds only outlines in the features' order — no codes, names or values — so
it is the same for every user.
"""

from __future__ import annotations

import gzip
import json
import threading

import flask

from dashboard.charts.maps import outline
from dashboard.i18n import _
from etl import geo

blueprint = flask.Blueprint("boundaries", __name__)
CACHE_CONTROL = "private, max-age=31536000, immutable"
_lock = threading.Lock()
_built: dict = {}


def url() -> str | None:
    version = geo.boundaries_version()
    return f"/kaart/grenzen-{version}.json" if version else None


def _payload(version: str) -> bytes:
    """The outlines as compact JSON, gzipped once per version."""
    with _lock:
        if _built.get("version") != version:
            shapes = [list(outline(feature)) for feature in (geo.load_boundaries() or {}).get("features", [])]
            raw = json.dumps({"version": version, "shapes": shapes}, separators=(",", ":")).encode()
            _built.update(version=version, body=gzip.compress(raw, 6), raw_bytes=len(raw))
        return _built["body"]


@blueprint.get("/kaart/grenzen-<version>.json")
def boundaries(version: str):
    current = geo.boundaries_version()
    if current is None or version != current:
        return flask.Response(_("Deze versie van de grenzen bestaat niet (meer)."), status=404, mimetype="text/plain")
    body = _payload(version)
    if "gzip" in flask.request.headers.get("Accept-Encoding", ""):
        response = flask.Response(body, mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = flask.Response(gzip.decompress(body), mimetype="application/json")
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = CACHE_CONTROL
    flask.g.cacheable = True  # the same public outlines for everyone (dashboard.auth.headers keeps this header)
    return response
