"""The partial plotly.js bundle the pages load instead of the full one.

dcc.Graph loads plotly.js once the first page has rendered. The full bundle is 4.8 MB of minified JavaScript,
and loading and parsing it was most of a first visit: about 1.5 s of the 2.5 s from logging in to the
overview's drawn charts, with a 2-core server and the browser on one machine. The monitor draws only cartesian
traces (scatter, bar, heatmap and box plots), so the pages load plotly.js's own "cartesian" partial bundle
(1.5 MB) of the same plotly.js release that plotly.py bundles, with which the exports are drawn (kaleido).

It comes from the npm registry as the package plotly.js-cartesian-dist-min, pinned by version and checked
against the registry's integrity hash, into dashboard/assets/vendor/ (kept out of git). Dash serves every
script under assets/ with the page, and dcc.Graph uses the `window.Plotly` it defines instead of fetching the
full bundle. Without the file, or when its release is not plotly.py's, the app leaves it out and Dash loads
its full bundle as before (`assets_path_ignore`, used by dashboard.app): slower, never different.

Only the standard library is used here, so that the Docker build can fetch the bundle before it installs
anything:

    python -m dashboard.plotly_bundle       # fetch it (scripts/setup.sh and the Dockerfile do)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import logging
import os
import re
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

PACKAGE = "plotly.js-cartesian-dist-min"
# The plotly.js release plotly.py bundles (plotly.offline.get_plotlyjs_version(); a test keeps them equal) and
# the npm registry's integrity hash of that release's tarball (`npm view plotly.js-cartesian-dist-min@4.1.1 dist`).
VERSION = "4.1.1"
INTEGRITY = "sha512-o8GrFeusncwBIxbBynRJpY4pkgVB6caM+JLpwrLYbbsO7dZ8FJ+SVN2Fr+L7kiG/Z6w4P5O0Jus/Qr5EefHVeg=="
REGISTRY = "https://registry.npmjs.org"
MEMBER = "package/plotly-cartesian.min.js"  # the bundle inside the package's tarball
VENDOR = "vendor"  # the folder under assets/ that holds it
TARGET = Path(__file__).resolve().parent / "assets" / VENDOR / "plotly-cartesian.min.js"
MAX_BYTES = 20 * 1024 * 1024
_HEADER = re.compile(rb"plotly\.js \(cartesian - minified\) v(\d+\.\d+\.\d+)")

log = logging.getLogger(__name__)


class BundleError(RuntimeError):
    """The bundle could not be fetched, or what came is not the pinned release."""


def bundled_version(path: Path = TARGET) -> str | None:
    """The plotly.js release of the bundle at `path` (from its licence header), or None without one."""
    try:
        with path.open("rb") as handle:
            match = _HEADER.search(handle.read(400))
    except OSError:
        return None
    return match.group(1).decode() if match else None


def tarball_url(registry: str = REGISTRY, version: str = VERSION) -> str:
    return f"{registry.rstrip('/')}/{PACKAGE}/-/{PACKAGE}-{version}.tgz"


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch(target: Path = TARGET, registry: str = REGISTRY, version: str | None = None, integrity: str | None = None,
          timeout: float = 60) -> Path:
    """Puts the pinned bundle (VERSION, INTEGRITY unless given) at `target`, unless it is there already. The
    tarball must match the integrity hash; the file is replaced in one step, so a failed or partial download
    leaves what was there."""
    version, integrity = version or VERSION, integrity or INTEGRITY
    if bundled_version(target) == version:
        return target
    url = tarball_url(registry, version)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError) as problem:
        raise BundleError(f"{url} kon niet worden opgehaald: {problem}") from problem
    if len(data) > MAX_BYTES:
        raise BundleError(f"{url} is groter dan {MAX_BYTES // 1024 // 1024} MB")
    if _integrity(data) != integrity:
        raise BundleError(f"{url} heeft niet de verwachte inhoud (integriteitscontrole mislukt)")
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            member = archive.extractfile(MEMBER)
            script = member.read() if member is not None else b""
    except (tarfile.TarError, KeyError) as problem:
        raise BundleError(f"{url} bevat geen {MEMBER}: {problem}") from problem
    found = _HEADER.search(script[:400])
    if not found or found.group(1).decode() != version:
        raise BundleError(f"{MEMBER} in {url} is niet plotly.js {version}")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".plotly-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(script)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def plotly_py_version() -> str:
    """The plotly.js release plotly.py bundles, and so the one the exports draw with."""
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def assets_path_ignore(target: Path = TARGET) -> list[str]:
    """For dash.Dash(assets_path_ignore=...): nothing when the bundle is there and is plotly.py's release;
    otherwise the vendor folder, so that Dash loads its own full plotly.js."""
    found, expected = bundled_version(target), plotly_py_version()
    if found == expected:
        return []
    if found is None:
        log.info("plotly.js cartesian bundle not found at %s: the pages load the full plotly.js "
                 "(python -m dashboard.plotly_bundle fetches it)", target)
    else:
        log.warning("plotly.js cartesian bundle at %s is release %s, plotly.py bundles %s: the pages load "
                    "the full plotly.js", target, found, expected)
    return [f"^{VENDOR}$"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.plotly_bundle",
        description=f"Haalt de gedeeltelijke plotly.js-bundel ({PACKAGE} {VERSION}, 1,5 MB in plaats van 4,8 MB) "
                    f"uit het npm-register naar {TARGET}, gecontroleerd op zijn integriteitshash. Zonder dit "
                    "bestand werkt het dashboard ook, maar laadt elke eerste pagina de volledige plotly.js.")
    parser.add_argument("--registry", default=REGISTRY, help="npm-register (standaard: %(default)s)")
    parser.add_argument("--target", type=Path, default=TARGET, help="waar het bestand komt (standaard: %(default)s)")
    args = parser.parse_args(argv)
    try:
        expected = plotly_py_version()
    except ImportError:  # the Docker build fetches before plotly is installed; the app checks again at start
        expected = VERSION
    if expected != VERSION:
        print(f"plotly.py bundelt plotly.js {expected}, deze module is vastgezet op {VERSION}: werk VERSION en "
              f"INTEGRITY in dashboard/plotly_bundle.py bij. De pagina's laden tot dan de volledige plotly.js.",
              file=sys.stderr)
        return 1
    try:
        path = fetch(args.target, args.registry)
    except BundleError as problem:
        print(f"plotly.js-bundel niet opgehaald: {problem}. Het dashboard laadt de volledige plotly.js.",
              file=sys.stderr)
        return 1
    print(f"plotly.js {VERSION} (cartesian): {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
