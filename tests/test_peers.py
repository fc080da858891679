"""Bands over groups of gemeenten (dashboard.data.peers): the Harrell–Davis estimator written out for speed gives
scipy's own numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats.mstats import hdquantiles

from dashboard.data import peers


@pytest.mark.parametrize("size", [2, 3, 5, 7, 12, 31, 100, 342])
def test_harrell_davis_equals_scipys_hdquantiles(size):
    rng = np.random.default_rng(size)
    for values in (rng.normal(50, 15, size), rng.integers(0, 4, size).astype(float), rng.exponential(2, size)):
        ours = peers.harrell_davis(values, peers.QUANTILES)
        theirs = np.asarray(hdquantiles(values, prob=list(peers.QUANTILES)), dtype=float)
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_a_band_leaves_out_missing_values_and_never_decreases():
    band = peers.band([10.0, None, float("nan"), 20.0, 30.0, 40.0, 50.0])
    assert band is not None
    assert band.p50 == pytest.approx(float(hdquantiles(np.array([10.0, 20, 30, 40, 50]), prob=[0.5])[0]))
    assert list(band.values()) == sorted(band.values())
    assert peers.band([None]) is None
    assert peers.band([7.0, 7.0]) == peers.Band(7.0, 7.0, 7.0, 7.0, 7.0)
