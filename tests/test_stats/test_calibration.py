"""Calibration against a reference: hand-worked values and an independent recomputation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stats import StatsInputError, calibrate_raters


def test_hand_worked_example():
    # Rater a: differences +1, -1, +2, 0 (one score without a reference);
    # rater b: differences 0, 0; rater c: no reference at all.
    frame = pd.DataFrame({
        "rater": ["a", "a", "a", "a", "a", "b", "b", "c"],
        "score": [3, 1, 5, 2, 4, 2, 2, 1],
        "reference": [2, 2, 3, 2, None, 2, 2, None],
    })
    a, b, c = calibrate_raters(frame)
    assert (a.rater, a.n_scored, a.n_compared) == ("a", 5, 4)
    assert a.mean_signed_difference == 0.5          # (1 - 1 + 2 + 0) / 4
    assert a.mean_absolute_difference == 1.0        # (1 + 1 + 2 + 0) / 4
    assert a.rmse == pytest.approx(math.sqrt(6 / 4))
    assert (a.share_exact, a.share_within_one) == (0.25, 0.75)
    assert (b.mean_signed_difference, b.rmse, b.share_exact) == (0.0, 0.0, 1.0)
    assert (c.n_scored, c.n_compared, c.mean_signed_difference, c.share_within_one) == (
        1, 0, None, None)


@settings(max_examples=60, derandomize=True, database=None)
@given(st.lists(st.tuples(st.sampled_from("pqr"), st.integers(0, 5),
                          st.one_of(st.none(), st.integers(0, 5))), min_size=1, max_size=40))
def test_agrees_with_a_direct_computation(rows):
    frame = pd.DataFrame(rows, columns=["rater", "score", "reference"])
    frame["reference"] = frame["reference"].astype("Float64")
    for result in calibrate_raters(frame):
        mine = [(s, r) for who, s, r in rows if who == result.rater and r is not None]
        assert result.n_scored == sum(who == result.rater for who, _, _ in rows)
        assert result.n_compared == len(mine)
        if not mine:
            assert result.rmse is None
            continue
        d = np.array([s - r for s, r in mine], dtype=float)
        assert result.mean_signed_difference == pytest.approx(d.mean(), abs=1e-12)
        assert result.rmse == pytest.approx(np.sqrt((d ** 2).mean()), abs=1e-12)
        assert result.share_within_one == pytest.approx((abs(d) <= 1).mean(), abs=1e-12)


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"rater": [], "score": [], "reference": []}), "empty"),
    (pd.DataFrame({"rater": ["a"], "score": ["high"], "reference": [1]}), "numbers"),
    (pd.DataFrame({"rater": ["a"], "score": [1]}), "no column 'reference'"),
    ([1, 2, 3], "DataFrame"),
])
def test_bad_input_is_named(frame, message):
    with pytest.raises(StatsInputError, match=message):
        calibrate_raters(frame)
