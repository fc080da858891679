"""A per-process cache of rendered pages, keyed by scope and warehouse version.

Every page view is one POST of Dash's pages router to /_dash-update-component. For a page that depends only
on the URL, the viewer's scope, the warehouse and the date, the same request from a viewer with the same
scope gives the same answer until something is loaded. So its JSON answer is kept, gzip-compressed, under a
key that holds:

- the request body (path, query string, the router's ids): what is asked;
- the viewer's `cache_key` (role and gemeente), so no answer crosses scopes;
- the warehouse version (grows with every file offered to the loader), so a load invalidates everything;
- today's date and the imported boundaries' stamp, which pages also read.

The check runs after the login guard (the guard is registered first), so an anonymous or ended session never
reaches it. Pages opt in with `dash.register_page(..., render_cache=True)`; pages with forms, uploads or
audited actions do not. The cache is bounded in compressed bytes (NHSV_RENDER_CACHE_MB, 0 switches it off)
and evicts the least recently used answer. Answers are sent gzip-compressed when the browser accepts it,
cached or not, which also cuts what a national page sends over the wire by about ten times.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict

import flask

from nhsv import settings

ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
UPDATE_PATH = "/_dash-update-component"
COMPRESS_MIN_BYTES = 1024
GZIP_LEVEL = 1  # 9x smaller already; level 5 took twice the CPU for 20% less


class RenderCache:
    """Least-recently-used answers, bounded in bytes; safe for the threads of one worker."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: str, value: bytes) -> None:
        if len(value) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[key] = value
            self._bytes += len(value)
            while self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)


def _cacheable_page(app, body: dict) -> bool:
    """Whether the router request asks for a page that opted in."""
    from dash import _pages

    inputs = body.get("inputs") or []
    pathname = next((i.get("value") for i in inputs if isinstance(i, dict) and i.get("property") == "pathname"),
                    None)
    if not isinstance(pathname, str):
        return False
    page, _variables = _pages._path_to_page(app.strip_relative_path(pathname) or "")
    return bool(page.get("render_cache"))


def request_key(app, raw: bytes) -> str | None:
    """The cache key of this request, or None when it must be rendered afresh."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("output") != ROUTER_OUTPUT or not _cacheable_page(app, body):
        return None
    from dashboard import context, data
    from etl import domain, geo

    viewer = context.viewer()
    boundaries = geo.target_path()
    stamp = boundaries.stat().st_mtime_ns if boundaries.exists() else 0
    scope = json.dumps([viewer.cache_key, data.warehouse_version(), domain.today().isoformat(), stamp])
    digest = hashlib.sha256(scope.encode())
    digest.update(b"\0")
    digest.update(raw)
    return digest.hexdigest()


def _accepts_gzip() -> bool:
    return "gzip" in flask.request.headers.get("Accept-Encoding", "").lower()


def _respond(compressed: bytes) -> flask.Response:
    if _accepts_gzip():
        response = flask.Response(compressed, mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = flask.Response(gzip.decompress(compressed), mimetype="application/json")
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["X-Render-Cache"] = "hit"
    return response


def init_app(app) -> RenderCache:
    """Registers the look-up (after the login guard) and the store on the app's Flask server."""
    server = app.server
    cache = RenderCache(int(float(settings.get("NHSV_RENDER_CACHE_MB")) * 1024 * 1024))
    server.extensions["render_cache"] = cache

    @server.before_request
    def _lookup():
        request = flask.request
        if request.method != "POST" or request.path != UPDATE_PATH or cache.max_bytes <= 0:
            return None
        key = request_key(app, request.get_data(cache=True))
        if key is None:
            return None
        compressed = cache.get(key)
        if compressed is not None:
            return _respond(compressed)
        flask.g.render_cache_key = key  # rendered by Dash, then stored below
        return None

    @server.after_request
    def _store_and_compress(response: flask.Response):
        request = flask.request
        if (request.path != UPDATE_PATH or response.status_code != 200 or response.direct_passthrough
                or "X-Render-Cache" in response.headers or "Content-Encoding" in response.headers
                or response.mimetype != "application/json"):
            return response
        raw = response.get_data()
        key = flask.g.pop("render_cache_key", None)
        if key is None and len(raw) < COMPRESS_MIN_BYTES:
            return response
        compressed = gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0)
        if key is not None:
            cache.put(key, compressed)
            response.headers["X-Render-Cache"] = "miss"
        response.headers["Vary"] = "Accept-Encoding"
        if _accepts_gzip():
            response.set_data(compressed)
            response.headers["Content-Encoding"] = "gzip"
        return response

    return cache
