"""The Dash app as `dashboard.app.create_app` makes it: every app carries all of its own callbacks."""

from __future__ import annotations


def test_every_app_a_process_makes_opens_a_profile_from_the_map(make_app):
    # a module-level dash.callback goes to the first app of a process only: the tests (and any process that
    # builds a second app) must find the map's click on each
    apps = []
    for _ in range(2):
        app = make_app()
        app.server.test_client().get("/login")  # Dash takes in its callbacks on the first request
        apps.append(app)
    assert all("url.href" in app.callback_map for app in apps)
    assert set(apps[0].callback_map) == set(apps[1].callback_map)
