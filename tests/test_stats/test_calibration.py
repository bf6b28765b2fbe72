"""Calibration against a reference: hand-worked values and an independent recomputation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stats import StatsInputError, Tolerance, calibrate_raters


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


# --- Quadratic-weighted kappa against the reference, and the tolerance verdict -------------


def direct_quadratic_kappa(x: list[int], r: list[int]) -> float:
    """Cohen's (1968) kappa with weights (i - j)^2: 1 - mean squared difference of the pairs
    over the mean squared difference of every score with every reference."""
    x_a, r_a = np.array(x, dtype=float), np.array(r, dtype=float)
    observed = np.mean((x_a - r_a) ** 2)
    chance = np.mean((x_a[:, None] - r_a[None, :]) ** 2)
    return 1.0 - observed / chance


@settings(max_examples=60, derandomize=True, database=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=2, max_size=30))
def test_quadratic_kappa_agrees_with_direct_definition(pairs):
    frame = pd.DataFrame(pairs, columns=["score", "reference"]).assign(rater="a")
    (result,) = calibrate_raters(frame, categories=range(6))
    x, r = zip(*pairs)
    if len(set(x) | set(r)) == 1:
        assert result.quadratic_weighted_kappa is None
        assert "all the same level" in result.kappa_reason
        return
    assert result.quadratic_weighted_kappa == pytest.approx(direct_quadratic_kappa(x, r), abs=1e-12)


def test_quadratic_kappa_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    x = [2, 3, 3, 4, 1, 0, 5, 5, 2, 1]
    r = [2, 2, 3, 3, 1, 0, 4, 5, 3, 1]
    frame = pd.DataFrame({"rater": "a", "score": x, "reference": r})
    (result,) = calibrate_raters(frame)
    expected = metrics.cohen_kappa_score(x, r, weights="quadratic")
    assert result.quadratic_weighted_kappa == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "differences, tolerance, within, verdict",
    [
        ([0, 0, 1, -1, 0, 0, 0, 0, 0, 1], Tolerance(), True, "within tolerance"),
        # 9 of 10 within one level is exactly the default limit: within.
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 2], Tolerance(), True, "within tolerance"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 2, 2], Tolerance(), False,
         "fewer than 90% of scores within one level (80%)"),
        ([1, 1, 1, 1, 0, 1, 1, 1, 0, 1], Tolerance(), False,
         "scores higher than the reference by 0.8 levels on average"),
        ([-1, -1, 0, -1, 0, -1, 0, 0, 0, -1], Tolerance(), True, "within tolerance"),
        ([-1, -1, 0, -1, 0, -1, 0, 0, 0, -1], Tolerance(max_abs_mean_signed_difference=0.4),
         False, "scores lower than the reference by 0.5 levels on average"),
    ],
)
def test_tolerance_verdict(differences, tolerance, within, verdict):
    reference = [2] * len(differences)
    frame = pd.DataFrame({
        "rater": "a", "score": [2 + d for d in differences], "reference": reference,
    })
    (result,) = calibrate_raters(frame, categories=range(6), tolerance=tolerance)
    assert (result.within_tolerance, result.verdict) == (within, verdict)


def test_rater_without_any_reference_has_no_verdict():
    frame = pd.DataFrame({"rater": ["a", "b"], "score": [1, 2], "reference": [1, None]})
    a, b = calibrate_raters(frame)
    assert a.within_tolerance is True
    assert b.within_tolerance is None and b.quadratic_weighted_kappa is None
    assert b.verdict == "no scores with a reference to compare"


@pytest.mark.parametrize("kwargs, message", [
    ({"share_within_one_min": 90}, "share between 0 and 1"),
    ({"share_within_one_min": "high"}, "must be a number"),
    ({"max_abs_mean_signed_difference": -0.1}, ">= 0"),
    ({"max_abs_mean_signed_difference": float("inf")}, "finite"),
])
def test_bad_tolerance_is_named(kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        Tolerance(**kwargs)


def test_score_off_the_declared_scale_is_named():
    frame = pd.DataFrame({"rater": ["a", "a"], "score": [1, 7], "reference": [1, 2]})
    with pytest.raises(StatsInputError, match=r"'score' holds 7 in the row labelled 1"):
        calibrate_raters(frame, categories=range(6))
    with pytest.raises(StatsInputError, match="tolerance must be a Tolerance"):
        calibrate_raters(frame.iloc[:1], tolerance=0.9)


def test_mean_signed_difference_has_a_student_t_interval():
    """Differences 1, 0, 2, 1: mean 1, sd sqrt(2/3), t(0.975, 3) = 3.182446305."""
    import math

    frame = pd.DataFrame({"rater": "a", "score": [3, 2, 4, 3], "reference": [2, 2, 2, 2]})
    (result,) = calibrate_raters(frame)
    half = 3.182446305284263 * math.sqrt(2 / 3) / 2
    assert result.mean_signed_ci95 == pytest.approx((1 - half, 1 + half), abs=1e-12)
    (single,) = calibrate_raters(frame.head(1))
    assert single.mean_signed_ci95 is None


def test_halo_index_is_the_one_way_icc_of_deviations():
    from stats import halo_index

    rng = np.random.default_rng(3)
    profiles = {f"p{i}": rng.normal(rng.normal(0, 1), 0.5, 7) for i in range(12)}
    frame = pd.DataFrame([(p, f"d{j}", v) for p, values in profiles.items()
                          for j, v in enumerate(values)],
                         columns=["profile", "domain", "deviation"])
    y = np.array(list(profiles.values()))
    n, k = y.shape
    bms = k * ((y.mean(1) - y.mean()) ** 2).sum() / (n - 1)
    wms = ((y - y.mean(1, keepdims=True)) ** 2).sum() / (n * (k - 1))
    halo = halo_index(frame)
    assert halo.index == pytest.approx((bms - wms) / (bms + (k - 1) * wms), abs=1e-12)
    assert halo.n_profiles == 12 and halo.reason is None
    # Deviations that do not move together: no halo to speak of.
    independent = frame.assign(deviation=rng.normal(0, 1, len(frame)))
    assert abs(halo_index(independent).index) < 0.2
    assert halo_index(frame.head(7)).reason.startswith("a halo needs at least two profiles")
