"""The bootstrap of Krippendorff's alpha: the same replicates as a plain loop, seeded, and
answers for awkward input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stats import StatsInputError, krippendorff_alpha_bootstrap, krippendorff_alpha_long

from .conftest import long_table

K2011 = "krippendorff2011_4obs_12units.csv"


def naive_replicates(frame: pd.DataFrame, level: str, n_boot: int, seed: int) -> np.ndarray:
    """Resample the pairable units as documented, rebuild each replicate's table and compute
    alpha from scratch on it."""
    sizes = frame.groupby("unit", sort=False).size()
    pairable = [u for u in frame["unit"].drop_duplicates() if sizes[u] >= 2]
    groups = {u: frame[frame["unit"] == u] for u in pairable}
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_boot):
        drawn = rng.integers(0, len(pairable), size=len(pairable))
        table = pd.concat(
            [groups[pairable[d]].assign(unit=j) for j, d in enumerate(drawn)], ignore_index=True
        )
        alpha = krippendorff_alpha_long(table, level).alpha
        out.append(np.nan if alpha is None else alpha)
    return np.array(out)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_same_replicates_as_a_plain_loop(level):
    frame = long_table(K2011)
    result = krippendorff_alpha_bootstrap(frame, level, n_boot=200, seed=7)
    replicates = naive_replicates(frame, level, 200, 7)
    defined = replicates[~np.isnan(replicates)]
    assert result.n_defined == len(defined)
    low, high = np.quantile(defined, [0.025, 0.975])
    assert result.ci == pytest.approx((low, high), abs=1e-12)
    assert result.se == pytest.approx(np.std(defined, ddof=1), abs=1e-12)
    assert result.p_below == {
        0.667: pytest.approx(np.mean(defined < 0.667), abs=1e-12),
        0.8: pytest.approx(np.mean(defined < 0.8), abs=1e-12),
    }
    assert result.alpha == pytest.approx(krippendorff_alpha_long(frame, level).alpha, abs=1e-15)


def test_seeded_runs_repeat_and_other_seeds_differ():
    frame = long_table("hayes_krippendorff_2007_news_tone.csv")
    first = krippendorff_alpha_bootstrap(frame, n_boot=300, seed=11)
    again = krippendorff_alpha_bootstrap(frame, n_boot=300, seed=11)
    other = krippendorff_alpha_bootstrap(frame, n_boot=300, seed=12)
    assert first == again
    assert first.ci != other.ci
    assert first.seed == 11
    generator = krippendorff_alpha_bootstrap(
        frame, n_boot=300, seed=np.random.default_rng(11)
    )
    assert generator.ci == first.ci and generator.seed is None


def test_interval_contains_the_estimate_on_a_large_sample():
    """Hayes & Krippendorff (2007): ordinal .7598 on 40 units; the interval brackets it."""
    frame = long_table("hayes_krippendorff_2007_news_tone.csv")
    result = krippendorff_alpha_bootstrap(frame, "ordinal", n_boot=2000, seed=3)
    assert round(result.alpha, 4) == 0.7598
    assert result.ci[0] < result.alpha < result.ci[1]
    assert result.n_resampled_units == 40
    # Below .800 is more likely than not for an estimate of .76; below .667 is unlikely.
    assert result.p_below[0.8] > 0.5 > result.p_below[0.667]


def test_undefined_alpha_is_not_resampled():
    frame = pd.DataFrame({"unit": [1, 1, 2, 2], "rater": ["a", "b"] * 2, "score": [2] * 4})
    result = krippendorff_alpha_bootstrap(frame, n_boot=50, seed=1)
    assert result.alpha is None and result.ci is None and result.n_boot == 0
    assert "no variation" in result.reason


def test_replicates_without_variation_are_left_out_and_counted():
    # Two pairable units, one all 0s and one all 1s: half the replicates draw the same unit
    # twice and hold a single value (alpha undefined); the rest agree perfectly.
    frame = pd.DataFrame(
        {"unit": [1, 1, 2, 2], "rater": ["a", "b"] * 2, "score": [0, 0, 1, 1]}
    )
    result = krippendorff_alpha_bootstrap(frame, "nominal", n_boot=400, seed=5)
    assert result.alpha == 1.0
    assert 120 < result.n_defined < 280
    assert result.ci == (1.0, 1.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_boot": 0}, "n_boot must be between 1"),
        ({"n_boot": 2.5}, "n_boot must be a whole number"),
        ({"confidence": 95}, "strictly between 0 and 1"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"seed": "abc"}, "seed must be a whole number"),
        ({"thresholds": []}, "thresholds is empty"),
        ({"level": "rank"}, "level must be one of"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        krippendorff_alpha_bootstrap(long_table(K2011), **kwargs)
