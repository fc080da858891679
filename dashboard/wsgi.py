"""The WSGI entry point: `gunicorn dashboard.wsgi:application` (what `nhsv serve --production` runs).

Importing this module builds the app from the environment (NHSV_DATABASE_URL, NHSV_ENV, NHSV_SECRET_KEY, …),
so gunicorn must not preload it: each worker imports it after the fork and gets its own database pool.
With NHSV_FORWARDED_ALLOW_IPS set, requests from those proxies take the client address and scheme from
X-Forwarded-For and X-Forwarded-Proto.
"""

from __future__ import annotations

import gc

from dashboard.app import create_app
from nhsv.proxies import behind_proxy

application = behind_proxy(create_app().server)

# The app's modules, page registry and templates live as long as the worker. Moving them out of the garbage
# collector's reach means a collection walks only what requests create, not the ~1 million objects of Dash,
# plotly and pandas.
gc.collect()
gc.freeze()
