"""Imports gemeente boundaries (GeoJSON file or the PDOK WFS of CBS) for the choropleth map.

The boundaries are public geometry, not warehouse facts: they are stored as one GeoJSON file in the data
folder (git-ignored), reduced to the region's gemeenten, each feature carrying `statcode` (GMxxxx) and
`statnaam`. Coordinates must be WGS84 longitude/latitude.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

from etl import reference
from nhsv import settings

PDOK_WFS = "https://service.pdok.nl/cbs/gebiedsindelingen/2025/wfs/v1_0"
PDOK_LAYER = "gemeente_gegeneraliseerd"
CODE_KEYS = ("statcode", "cbs_code", "gemeentecode", "code", "GM_CODE")
NAME_KEYS = ("statnaam", "name", "gemeentenaam", "GM_NAAM")


class GeoImportError(Exception):
    """A Dutch message for the person running the import."""


def target_path() -> Path:
    return settings.data_dir() / "geo" / "gemeenten.geojson"


def wfs_url(base: str) -> str:
    """A GetFeature request for the generalised gemeente boundaries in WGS84 as GeoJSON."""
    query = dict(service="WFS", version="2.0.0", request="GetFeature", typeNames=PDOK_LAYER,
                 outputFormat="application/json", srsName="EPSG:4326")
    return base + ("&" if "?" in base else "?") + urllib.parse.urlencode(query)


def read_source(source: str, timeout: float = 60) -> dict:
    if source.startswith(("http://", "https://")):
        url = source if "request=" in source.lower() else wfs_url(source)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - user-given URL
                raw = response.read()
        except OSError as exc:
            raise GeoImportError(f"de grenzen konden niet worden opgehaald van {url}: {exc}") from None
    else:
        path = Path(source)
        if not path.is_file():
            raise GeoImportError(f"bestand niet gevonden: {source}")
        raw = path.read_bytes()
    try:
        return json.loads(raw)
    except ValueError:
        raise GeoImportError("dit is geen GeoJSON (geen geldige JSON)") from None


def _looks_like_wgs84(geometry: dict) -> bool:
    coords = geometry.get("coordinates")
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    return isinstance(coords, list) and len(coords) >= 2 and -180 <= coords[0] <= 180 and -90 <= coords[1] <= 90


def _signed_area(ring: list) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def rewind(geometry: dict) -> dict:
    """Exterior rings clockwise and holes counter-clockwise, as plotly's spherical geo drawing expects
    (a ring the other way round is drawn as the whole globe minus the gemeente)."""
    def fix(polygon: list) -> list:
        out = []
        for k, ring in enumerate(polygon):
            clockwise = _signed_area(ring) < 0
            want_clockwise = k == 0
            out.append(ring if clockwise == want_clockwise else list(reversed(ring)))
        return out

    if geometry.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": fix(geometry["coordinates"])}
    if geometry.get("type") == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [fix(p) for p in geometry["coordinates"]]}
    return geometry


def normalise(collection: dict) -> tuple[dict, list[str]]:
    """The region's features with statcode/statnaam, and the region codes that had no boundary."""
    if collection.get("type") != "FeatureCollection" or not isinstance(collection.get("features"), list):
        raise GeoImportError("de GeoJSON is geen FeatureCollection")
    region = reference.region()
    features = []
    for feature in collection["features"]:
        props = feature.get("properties") or {}
        code = next((str(props[k]) for k in CODE_KEYS if props.get(k)), "")
        code = code.upper() if code.upper().startswith("GM") else f"GM{code.zfill(4)}" if code.isdigit() else code
        if code not in region or not feature.get("geometry"):
            continue
        if not _looks_like_wgs84(feature["geometry"]):
            raise GeoImportError("de coördinaten zijn niet in WGS84 (lengte/breedte); vraag de WFS op met "
                                 "srsName=EPSG:4326")
        features.append({"type": "Feature", "geometry": rewind(feature["geometry"]),
                         "properties": {"statcode": code, "statnaam": region[code].name}})
    missing = sorted(set(region) - {f["properties"]["statcode"] for f in features})
    if not features:
        raise GeoImportError("geen van de gemeenten van de regio gevonden; de objecten moeten een CBS-code "
                             "hebben (statcode, zoals GM0405)")
    return {"type": "FeatureCollection", "features": features}, missing


def import_boundaries(source: str) -> tuple[Path, int, list[str]]:
    collection, missing = normalise(read_source(source))
    path = target_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(collection), encoding="utf-8")
    tmp.replace(path)
    return path, len(collection["features"]), missing


def load_boundaries() -> dict | None:
    """The imported boundaries, or None (the dashboard then draws the tile map)."""
    path = target_path()
    if not path.exists():
        return None
    stamp = path.stat().st_mtime_ns
    if _cache.get("stamp") != (path, stamp):
        _cache.update(stamp=(path, stamp), data=json.loads(path.read_text(encoding="utf-8")))
    return _cache["data"]


_cache: dict = {}


def remove_boundaries() -> bool:
    path = target_path()
    if path.exists():
        path.unlink()
        return True
    return False
