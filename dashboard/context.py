"""The viewer of the current request (one indirection, so that tests can stand in for a logged-in user)."""

from __future__ import annotations

from dashboard.viewer import Viewer


def viewer() -> Viewer:
    from dashboard.auth import current_viewer

    return current_viewer()
