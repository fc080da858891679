"""The Dash app as `dashboard.app.create_app` makes it: every app carries all of its own callbacks."""

from __future__ import annotations

import os
import subprocess
import sys

from nhsv.settings import PROJECT_ROOT


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


def test_a_new_worker_leaves_the_password_dictionaries_for_the_first_password_check(engine):
    # zxcvbn's dictionaries (about 13 MB) are only needed where a password is set; a worker that imported them at
    # start would hold them for its whole life. In a process of its own: other tests may have imported them here.
    code = ("import sys\n"
            "from dashboard.app import create_app\n"
            "create_app().server.test_client().get('/login')\n"
            "print('zxcvbn' in sys.modules)\n"
            "from dashboard.auth import passwords\n"
            "passwords.check('een-goed-wachtwoord-123')\n"
            "print('zxcvbn' in sys.modules)\n")
    env = {**os.environ, "NHSV_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
