"""Fixtures of the upload tests: the Aanleveren page module as the app imports it, and the viewer stood in by
monkeypatching `dashboard.context.viewer`."""

from __future__ import annotations

import sys

import pytest

from dashboard.viewer import Viewer


@pytest.fixture
def aanleveren(engine):
    """The Aanleveren page module as the app imports it."""
    from dashboard.app import create_app

    create_app()
    return sys.modules["pages.aanleveren"]


@pytest.fixture
def as_viewer(monkeypatch):
    def set_viewer(viewer: Viewer) -> None:
        monkeypatch.setattr("dashboard.context.viewer", lambda: viewer)

    return set_viewer
