"""Imports gemeente boundaries (GeoJSON file or the PDOK WFS of CBS) for the choropleth map.

The boundaries are public geometry, not warehouse facts: they are stored once, simplified (shapely), as one
GeoJSON file in the data folder (git-ignored). Kept: the NHSV gemeenten and the other gemeenten of the province
(grey surroundings on the map, never coloured); everything else is dropped, and the import says how much of
each. Each feature carries `statcode` (GMxxxx), `statnaam` and `nhsv`. Coordinates must be WGS84.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl import reference
from nhsv import settings

PDOK_WFS = "https://service.pdok.nl/cbs/gebiedsindelingen/2025/wfs/v1_0"
PDOK_LAYER = "gemeente_gegeneraliseerd"
CODE_KEYS = ("statcode", "cbs_code", "gemeentecode", "code", "GM_CODE")
NAME_KEYS = ("statnaam", "name", "gemeentenaam", "GM_NAAM")
# Douglas-Peucker tolerance in degrees: about 55 m north-south and 35 m east-west here. On the overview the
# region's 1.2 degrees of longitude are about 600 pixels wide, so 0.0008 degrees is less than half a pixel:
# the shapes stay as recognisable as the source, with about a twentieth of PDOK's points.
SIMPLIFY_DEGREES = 0.0008
DECIMALS = 5  # about a metre


class GeoImportError(Exception):
    """A Dutch message for the person running the import."""


def target_path() -> Path:
    return settings.data_dir() / "geo" / "gemeenten.geojson"


def wfs_url(base: str) -> str:
    """A GetFeature request for the generalised gemeente boundaries in WGS84 as GeoJSON."""
    query = dict(service="WFS", version="2.0.0", request="GetFeature", typeNames=PDOK_LAYER,
                 outputFormat="application/json", srsName="EPSG:4326")
    return base + ("&" if "?" in base else "?") + urllib.parse.urlencode(query)


def read_bytes(source: str, timeout: float = 60) -> bytes:
    if source.startswith(("http://", "https://")):
        url = source if "request=" in source.lower() else wfs_url(source)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # a user-given URL
                raw = response.read()
        except OSError as exc:
            raise GeoImportError(f"de grenzen konden niet worden opgehaald van {url}: {exc}") from None
    else:
        path = Path(source)
        if not path.is_file():
            raise GeoImportError(f"bestand niet gevonden: {source}")
        raw = path.read_bytes()
    return raw


def read_source(source: str, timeout: float = 60) -> dict:
    try:
        return json.loads(read_bytes(source, timeout))
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


@dataclass(frozen=True)
class ImportReport:
    """What an import kept and dropped, for the person who ran it."""
    path: Path
    region: int  # NHSV gemeenten with a boundary
    context: int  # other gemeenten of the province, kept as grey surroundings
    dropped: int  # features outside the province (or without a usable geometry), left out
    missing: list[str]  # NHSV gemeenten without a boundary (not drawn)
    points_before: int
    points_after: int
    bytes_before: int
    bytes_after: int


def _points(geometry: dict) -> int:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return sum(len(ring) for polygon in polygons for ring in polygon)


def simplify(geometry: dict, tolerance: float = SIMPLIFY_DEGREES) -> dict | None:
    """The geometry simplified (Douglas-Peucker with the topology kept: no ring crosses itself or collapses),
    coordinates rounded to DECIMALS, rings wound as plotly expects; None when nothing of it is left."""
    import numpy as np
    import shapely
    from shapely.geometry import mapping, shape

    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    geom = geom.simplify(tolerance, preserve_topology=True)
    geom = shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))
    if geom.geom_type == "GeometryCollection":
        polygons = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polygons) if polygons else None
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    out = mapping(geom)
    as_lists = json.loads(json.dumps(out))  # tuples to lists, as GeoJSON
    return rewind({"type": as_lists["type"], "coordinates": as_lists["coordinates"]})


def normalise(collection: dict, tolerance: float = SIMPLIFY_DEGREES) -> tuple[dict, dict]:
    """The province's features (NHSV gemeenten and the others as context) with statcode, statnaam and
    `nhsv`, simplified; and the counts for the report."""
    if collection.get("type") != "FeatureCollection" or not isinstance(collection.get("features"), list):
        raise GeoImportError("de GeoJSON is geen FeatureCollection")
    province = reference.municipalities()
    features: list[dict[str, Any]] = []
    counts = {"dropped": 0, "points_before": 0, "points_after": 0}
    seen: set[str] = set()
    for feature in collection["features"]:
        props = feature.get("properties") or {}
        code = next((str(props[k]) for k in CODE_KEYS if props.get(k)), "")
        code = code.upper() if code.upper().startswith("GM") else f"GM{code.zfill(4)}" if code.isdigit() else code
        geometry = feature.get("geometry")
        if code not in province or code in seen or not geometry or geometry.get("type") not in (
                "Polygon", "MultiPolygon"):
            counts["dropped"] += 1
            continue
        if not _looks_like_wgs84(geometry):
            raise GeoImportError("de coördinaten zijn niet in WGS84 (lengte/breedte); vraag de WFS op met "
                                 "srsName=EPSG:4326")
        simple = simplify(geometry, tolerance)
        if simple is None:
            counts["dropped"] += 1
            continue
        seen.add(code)
        counts["points_before"] += _points(geometry)
        counts["points_after"] += _points(simple)
        place = province[code]
        features.append({"type": "Feature", "geometry": simple,
                         "properties": {"statcode": code, "statnaam": place.name, "nhsv": place.in_region}})
    if not any(f["properties"]["nhsv"] for f in features):
        raise GeoImportError("geen van de gemeenten van de regio gevonden; de objecten moeten een CBS-code "
                             "hebben (statcode, zoals GM0405)")
    features.sort(key=lambda f: (not f["properties"]["nhsv"], f["properties"]["statcode"]))
    return {"type": "FeatureCollection", "features": features}, counts


def import_boundaries(source: str, tolerance: float = SIMPLIFY_DEGREES) -> ImportReport:
    """Read, keep the province (NHSV and its surroundings), simplify, and store once (replacing the last)."""
    raw = read_bytes(source)
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise GeoImportError("dit is geen GeoJSON (geen geldige JSON)") from None
    collection, counts = normalise(parsed, tolerance)
    del parsed
    region = reference.region()
    kept = {f["properties"]["statcode"] for f in collection["features"]}
    path = target_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)
    return ImportReport(path=path, region=len(kept & set(region)), context=len(kept - set(region)),
                        dropped=counts["dropped"], missing=sorted(set(region) - kept),
                        points_before=counts["points_before"], points_after=counts["points_after"],
                        bytes_before=len(raw), bytes_after=path.stat().st_size)


def load_boundaries() -> dict | None:
    """The imported boundaries, or None (the dashboard then draws the tile map)."""
    path = target_path()
    if not path.exists():
        return None
    stamp = (path, path.stat().st_mtime_ns)
    if _cache.get("stamp") != stamp:
        raw = path.read_bytes()
        _cache.update(stamp=stamp, data=json.loads(raw), version=hashlib.sha256(raw).hexdigest()[:16])
    return _cache["data"]


def boundaries_version() -> str | None:
    """A short hash of the stored boundaries: part of their URL, so a browser may keep them until it changes."""
    return _cache.get("version") if load_boundaries() is not None else None


_cache: dict = {}


def remove_boundaries() -> bool:
    path = target_path()
    if path.exists():
        path.unlink()
        return True
    return False
