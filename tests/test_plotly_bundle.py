"""The partial plotly.js bundle (dashboard.plotly_bundle): pinned to plotly.py's release, fetched only when its
hash matches, never half-written, and left out (Dash's full plotly.js instead) when it is missing or differs."""

from __future__ import annotations

import contextlib
import http.server
import io
import tarfile
import threading

import pytest

from dashboard import plotly_bundle

OLD = b"/**\n* plotly.js (cartesian - minified) v0.9.0\n*/\nwindow.Plotly={version:'0.9.0'};\n"


def _script(version: str = plotly_bundle.VERSION) -> bytes:
    return f"/**\n* plotly.js (cartesian - minified) v{version}\n*/\nwindow.Plotly={{}};\n".encode()


def _tarball(member: str = plotly_bundle.MEMBER, script: bytes | None = None) -> bytes:
    script = _script() if script is None else script
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = len(script)
        archive.addfile(info, io.BytesIO(script))
    return out.getvalue()


@contextlib.contextmanager
def registry(files: dict[str, bytes]):
    """A local stand-in for the npm registry that serves `files` by path."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # http.server's name
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


PATH = f"/{plotly_bundle.PACKAGE}/-/{plotly_bundle.PACKAGE}-{plotly_bundle.VERSION}.tgz"


def test_the_pin_is_the_plotly_js_release_plotly_py_bundles():
    # the exports draw with plotly.py's plotly.js (kaleido): the screens must draw with the same release.
    # When plotly is upgraded this fails: set VERSION and INTEGRITY to the new release.
    assert plotly_bundle.VERSION == plotly_bundle.plotly_py_version()


def test_setup_fetched_the_bundle_and_the_app_loads_it():
    assert plotly_bundle.bundled_version() == plotly_bundle.VERSION, (
        "scripts/setup.sh fetches it: python -m dashboard.plotly_bundle")
    assert plotly_bundle.assets_path_ignore() == []
    from dashboard.app import create_app

    app = create_app("sqlite://")
    app.server.test_client().get("/login")  # Dash reads the assets folder on its first request
    with app.server.test_request_context("/"):
        html = app.index()
    assert "vendor/plotly-cartesian.min.js" in html
    assert html.index("vendor/plotly-cartesian.min.js") < html.index("dash_renderer")  # defined before any Graph


def test_fetch_writes_the_pinned_bundle_once(tmp_path):
    data = _tarball()
    target = tmp_path / "vendor" / "plotly-cartesian.min.js"
    with registry({PATH: data}) as url:
        assert plotly_bundle.fetch(target, url, integrity=plotly_bundle._integrity(data)) == target
        assert target.read_bytes() == _script()
        assert plotly_bundle.bundled_version(target) == plotly_bundle.VERSION
    # there already: not fetched again (the registry is gone)
    assert plotly_bundle.fetch(target, url, integrity=plotly_bundle._integrity(data)) == target
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left


@pytest.mark.parametrize("problem", ["hash", "member", "release", "missing", "not-gzip"])
def test_a_bad_download_is_refused_and_the_old_file_kept(tmp_path, problem):
    target = tmp_path / "plotly-cartesian.min.js"
    target.write_bytes(OLD)
    data = {
        "hash": _tarball(),
        "member": _tarball(member="package/plotly.min.js"),
        "release": _tarball(script=_script("9.9.9")),
        "missing": None,
        "not-gzip": b"<html>proxy error</html>",
    }[problem]
    files = {PATH: data} if data is not None else {}
    integrity = plotly_bundle._integrity(b"something else") if problem == "hash" else plotly_bundle._integrity(data or b"")
    with registry(files) as url, pytest.raises(plotly_bundle.BundleError) as raised:
        plotly_bundle.fetch(target, url, integrity=integrity)
    assert target.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert str(raised.value)  # a Dutch message for setup's output


def test_the_registry_unreachable_is_a_clear_error(tmp_path):
    with registry({}) as url:
        pass  # shut down: nothing listens there any more
    with pytest.raises(plotly_bundle.BundleError, match="kon niet worden opgehaald"):
        plotly_bundle.fetch(tmp_path / "p.js", url, timeout=5)


def test_without_the_bundle_or_with_another_release_dash_loads_its_full_plotly(tmp_path, caplog):
    missing = tmp_path / "none.js"
    assert plotly_bundle.assets_path_ignore(missing) == ["^vendor$"]
    other = tmp_path / "other.js"
    other.write_bytes(OLD)
    with caplog.at_level("WARNING", logger="dashboard.plotly_bundle"):
        assert plotly_bundle.assets_path_ignore(other) == ["^vendor$"]
    assert "0.9.0" in caplog.text


def test_the_command_fetches_and_says_so(tmp_path, capsys, monkeypatch):
    data = _tarball()
    monkeypatch.setattr(plotly_bundle, "INTEGRITY", plotly_bundle._integrity(data))
    target = tmp_path / "p.js"
    with registry({PATH: data}) as url:
        assert plotly_bundle.main(["--registry", url, "--target", str(target)]) == 0
    assert target.read_bytes() == _script()
    assert str(target) in capsys.readouterr().out
    with registry({}) as url:
        assert plotly_bundle.main(["--registry", url, "--target", str(tmp_path / "q.js")]) == 1
    assert "niet opgehaald" in capsys.readouterr().err
    assert not (tmp_path / "q.js").exists()
