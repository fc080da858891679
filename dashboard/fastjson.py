"""JSON for Dash's answers in one pass of orjson.

Dash encodes every callback answer with plotly's `to_json_plotly`. With orjson installed, that first walks
the whole answer in Python (`clean_to_json_compatible`, about 5 µs per element) to turn components, figures
and arrays into plain data, and only then hands it to orjson. Here orjson walks the answer itself, in C, and
calls back into Python only for what it cannot encode: a component or figure (its `to_plotly_json()`), a
numpy array it cannot take directly, a pandas timestamp or a decimal. The JSON means the same (a test
compares both encoders on every page); a page is encoded 3-5 times faster.

`install()` points Dash's callback dispatch and layout endpoint at `dumps`. They import `to_json` by name, so
that name is replaced in those two modules; if a Dash release moves it, `install()` refuses loudly instead
of leaving the slow path in place silently.
"""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import orjson
import pandas as pd

OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _default(value):
    to_plotly_json = getattr(value, "to_plotly_json", None)
    if to_plotly_json is not None:
        return to_plotly_json()
    if isinstance(value, np.ndarray):  # object arrays, non-contiguous views
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, pd.Series | pd.Index):
        return value.tolist()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value) -> str:
    """`value` (components, figures, plain data) as JSON text, as Dash's own `to_json` would give it."""
    return orjson.dumps(value, default=_default, option=OPTIONS).decode()


def install() -> None:
    """Let Dash encode callback answers and layouts with `dumps`."""
    import dash._callback
    import dash.dash

    for module in (dash._callback, dash.dash):
        if not callable(getattr(module, "to_json", None)):
            raise RuntimeError(f"{module.__name__}.to_json not found: this Dash release encodes JSON elsewhere")
        module.to_json = dumps
