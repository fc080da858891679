"""One Chromium per process for chart images, shared safely by every thread that exports.

kaleido's public `Kaleido` browser runs on an event loop in a thread of its own; threads hand it their figures
with `asyncio.run_coroutine_threadsafe` and wait for the result, so two exports in one server process render
on the same browser (its tabs are a queue inside kaleido) instead of starting one each. The browser starts
with the first user and stops when the last one is done: a server process that exports nothing holds no
Chromium. MathJax is off, plotly.js comes from the installed plotly package and every network request goes
to a dead proxy, so rendering needs no network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from nhsv import settings

TABS = 3  # tabs in the one Chromium: while one reloads plotly.js after a render, the others render
NO_NETWORK_PROXY = "http://127.0.0.1:9"  # every http(s) request from the renderer fails at once
RENDER_TIMEOUT_SECONDS = 120  # one figure; a hung tab fails the export instead of holding its thread forever

log = logging.getLogger(__name__)

Job = tuple[dict, Path, str, int, int]
"""(figure dict, path, format, width, height in CSS pixels)."""


def _local_plotly_js() -> str | None:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return str(path) if path.is_file() else None


class Browser:
    """A `kaleido.Kaleido` on its own event loop thread. Use through `renderer()`."""

    def __init__(self, tabs: int = TABS) -> None:
        self.tabs = tabs
        self.renders = 0
        self.seconds = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="export-browser", daemon=True)
        self._thread.start()
        self._kaleido = None
        try:
            self._call(self._open(), timeout=90)
        except BaseException:
            self.close()
            raise

    def _call(self, coroutine, timeout: float | None = None):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _open(self) -> None:
        import kaleido

        options: dict = dict(n=self.tabs, mathjax=False, timeout=RENDER_TIMEOUT_SECONDS,
                             proxy_server=NO_NETWORK_PROXY)
        if plotly_js := _local_plotly_js():
            options["plotlyjs"] = plotly_js
        if browser := settings.get("NHSV_BROWSER_PATH").strip():
            options["path"] = browser
        k = kaleido.Kaleido(**options)
        await k.__aenter__()
        self._kaleido = k

    async def _close(self) -> None:
        if self._kaleido is not None:
            k, self._kaleido = self._kaleido, None
            await k.__aexit__(None, None, None)

    def render(self, jobs: Sequence[Job]) -> None:
        """Write every (figure, path, format, width, height) job; this thread waits, the tabs share the work."""
        if not jobs:
            return
        start = time.perf_counter()
        specs = [{"fig": fig, "path": str(path),
                  "opts": {"format": fmt, "width": width, "height": height, "scale": 2 if fmt == "png" else 1}}
                 for fig, path, fmt, width, height in jobs]
        self._call(self._kaleido.write_fig_from_object(specs, cancel_on_error=True),
                   timeout=RENDER_TIMEOUT_SECONDS * max(1, len(jobs)))
        self.seconds += time.perf_counter() - start
        self.renders += len(jobs)

    def close(self) -> None:
        try:
            if self._thread.is_alive():
                self._call(self._close(), timeout=30)
        except Exception:  # a browser that will not close cleanly is killed with the loop
            log.warning("export browser did not close cleanly", exc_info=True)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()


class _Shared:
    """The process's one browser and the number of blocks using it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.browser: Browser | None = None
        self.users = 0


_shared = _Shared()


@contextlib.contextmanager
def renderer(tabs: int = TABS) -> Iterator[Browser]:
    """The process's browser for the duration of the block; started by the first user, stopped after the last."""
    with _shared.lock:
        if _shared.browser is None:
            _shared.browser = Browser(tabs)
        _shared.users += 1
        browser = _shared.browser
    try:
        yield browser
    finally:
        with _shared.lock:
            _shared.users -= 1
            if _shared.users == 0 and _shared.browser is browser:
                _shared.browser = None
                browser.close()


def running() -> bool:
    """Whether this process has a browser open now (tests and the health of the export queue)."""
    return _shared.browser is not None
