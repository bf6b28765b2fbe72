"""Per-unit descriptives and percent agreement: hand-computed and published examples."""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stats import (
    StatsInputError,
    UnitDescriptives,
    percent_agreement,
    percent_exact_agreement,
    percent_within_one,
    unit_descriptives,
)

DATA = Path(__file__).parent / "data"
SETTINGS = settings(max_examples=100, deadline=None, database=None, derandomize=True)


@pytest.fixture
def scores() -> pd.DataFrame:
    """Three units on a 0-5 scale, plus a unit whose only score is missing.

    unit "v1": 1, 2, 2, 4, 5    unit "v2": 3, 4    unit "v3": 2    unit "v4": (missing)
    """
    rows = [
        ("v1", "ann", 1), ("v1", "bob", 2), ("v1", "cat", 2), ("v1", "dan", 4), ("v1", "eve", 5),
        ("v2", "ann", 4), ("v2", "bob", 3),
        ("v3", "cat", 2),
        ("v4", "ann", None),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["unit", "rater", "score"])


def test_unit_descriptives_by_hand(scores):
    result = unit_descriptives(scores, value_domain=range(6))
    assert result.levels == (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)
    assert [s.unit for s in result.units] == ["v1", "v2", "v3", "v4"]

    v1 = result["v1"]
    # Sorted 1, 2, 2, 4, 5: median x(3) = 2; q1 at h = 1 + 4(.25) = 2: x(2) = 2;
    # q3 at h = 4: x(4) = 4. Mean 14/5; squared deviations sum to 10.8, SD = sqrt(10.8/4).
    assert (v1.n, v1.counts) == (5, (0, 1, 2, 0, 1, 1))
    assert (v1.median, v1.q1, v1.q3, v1.iqr, v1.minimum, v1.maximum) == (
        2.0,
        2.0,
        4.0,
        2.0,
        1.0,
        5.0,
    )
    assert v1.mean == pytest.approx(2.8, abs=1e-12)
    assert v1.sd == pytest.approx(math.sqrt(2.7), abs=1e-12)

    v2 = result["v2"]
    # Sorted 3, 4: q1 at h = 1.25: 3 + .25(4 - 3); q3 at h = 1.75.
    assert (v2.n, v2.counts) == (2, (0, 0, 0, 1, 1, 0))
    assert (v2.median, v2.q1, v2.q3, v2.iqr) == (3.5, 3.25, 3.75, 0.5)
    assert v2.sd == pytest.approx(math.sqrt(0.5), abs=1e-12)

    v3 = result["v3"]
    assert (v3.n, v3.median, v3.mean, v3.iqr, v3.sd) == (1, 2.0, 2.0, 0.0, None)

    v4 = result["v4"]
    assert (v4.n, v4.counts) == (0, (0,) * 6)
    assert all(
        getattr(v4, f) is None
        for f in ("median", "mean", "sd", "q1", "q3", "iqr", "minimum", "maximum")
    )


def test_counts_without_a_declared_scale_cover_the_scores_found(scores):
    result = unit_descriptives(scores)
    assert result.levels == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert result["v1"].counts == (1, 2, 0, 1, 1)


def test_to_frame(scores):
    frame = unit_descriptives(scores, value_domain=range(6)).to_frame()
    assert list(frame.columns[:10]) == [
        "unit",
        "n",
        "median",
        "mean",
        "sd",
        "q1",
        "q3",
        "iqr",
        "min",
        "max",
    ]
    assert list(frame.columns[10:]) == [f"n_{k}" for k in range(6)]
    assert frame.loc[frame.unit == "v1", "n_2"].item() == 2


def test_unknown_unit_raises_key_error(scores):
    with pytest.raises(KeyError):
        unit_descriptives(scores)["nope"]


def test_descriptives_refuse_out_of_scale_scores(scores):
    with pytest.raises(
        StatsInputError,
        match=r"score 5 in the row labelled 4, which is not in value_domain \(0, 1, 2, 3, 4\)",
    ):
        unit_descriptives(scores, value_domain=range(5))


def test_descriptives_do_not_need_a_rater_column(scores):
    without_raters = scores.drop(columns="rater")
    assert unit_descriptives(without_raters) == unit_descriptives(scores)


def test_result_is_frozen(scores):
    result = unit_descriptives(scores)
    assert isinstance(result, UnitDescriptives)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.units[0].n = 99  # type: ignore[misc]


@SETTINGS
@given(
    data=st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0])),
        min_size=1,
        max_size=40,
    )
)
def test_descriptives_match_numpy_per_unit(data):
    frame = pd.DataFrame(data, columns=["unit", "score"])
    result = unit_descriptives(frame)
    for summary in result.units:
        x = frame.loc[frame.unit == summary.unit, "score"].to_numpy()
        q1, q3 = np.percentile(x, [25, 75])
        assert summary.n == len(x)
        assert summary.median == pytest.approx(np.median(x), abs=1e-12)
        assert summary.q1 == pytest.approx(q1, abs=1e-12)
        assert summary.q3 == pytest.approx(q3, abs=1e-12)
        assert summary.mean == pytest.approx(np.mean(x), abs=1e-12)
        assert (summary.minimum, summary.maximum) == (x.min(), x.max())
        if len(x) >= 2:
            assert summary.sd == pytest.approx(np.std(x, ddof=1), abs=1e-12)
        else:
            assert summary.sd is None
        assert sum(summary.counts) == len(x)


# --------------------------------------------------------------------------
# Percent agreement
# --------------------------------------------------------------------------


@pytest.fixture
def agreement_example() -> pd.DataFrame:
    """Hand-computed: 10 pairs in all.

    unit a: 2, 2, 3     3 pairs; exact 1 (2-2); within one 3
    unit b: 1, 4        1 pair;  exact 0;       within one 0
    unit c: 5           no pair
    unit d: 0, 0, 0, 1  6 pairs; exact 3 (0-0); within one 6
    """
    rows = [
        ("a", "r1", 2), ("a", "r2", 2), ("a", "r3", 3),
        ("b", "r1", 1), ("b", "r2", 4),
        ("c", "r1", 5),
        ("d", "r1", 0), ("d", "r2", 0), ("d", "r3", 0), ("d", "r4", 1),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["unit", "rater", "score"])


def test_percent_exact_agreement_by_hand(agreement_example):
    result = percent_exact_agreement(agreement_example)
    assert (result.n_agreeing_pairs, result.n_pairs, result.n_pairable_units) == (4, 10, 3)
    assert result.proportion == pytest.approx(0.4)
    assert result.percent == pytest.approx(40.0)
    assert result.tolerance == 0.0 and result.reason is None


def test_percent_within_one_by_hand(agreement_example):
    result = percent_within_one(agreement_example)
    assert (result.n_agreeing_pairs, result.n_pairs) == (9, 10)
    assert result.proportion == pytest.approx(0.9)


def test_within_one_counts_a_difference_of_exactly_one_despite_rounding():
    # 2.3 - 1.3 is slightly more than 1 in binary floating point.
    frame = pd.DataFrame({"unit": ["a", "a"], "rater": ["x", "y"], "score": [1.3, 2.3]})
    assert percent_within_one(frame).proportion == 1.0
    assert percent_exact_agreement(frame).proportion == 0.0


def test_gwet_abstractors_percent_agreement_is_published_89():
    """Gwet (2014), cont3x3abstractors: percent agreement .89."""
    table = pd.read_csv(DATA / "gwet_cont3x3abstractors.csv", index_col=0)
    first, second = np.divmod(
        np.repeat(np.arange(table.size), table.to_numpy().ravel()), table.shape[1]
    )
    frame = pd.DataFrame(
        {
            "unit": np.tile(np.arange(len(first)), 2),
            "rater": np.repeat(["abstractor 1", "abstractor 2"], len(first)),
            "score": np.concatenate([first, second]),
        }
    )
    assert percent_exact_agreement(frame).proportion == pytest.approx(0.89, abs=5e-3)


def test_no_pairs_gives_none_with_a_reason():
    frame = pd.DataFrame({"unit": ["a", "b"], "rater": ["x", "x"], "score": [1, 2]})
    result = percent_exact_agreement(frame)
    assert result.proportion is None and result.percent is None
    assert "no unit has two or more ratings" in result.reason


@pytest.mark.parametrize("tolerance", [-1, float("nan"), float("inf"), "1", True])
def test_bad_tolerance_is_refused(agreement_example, tolerance):
    with pytest.raises(StatsInputError, match="tolerance must be"):
        percent_agreement(agreement_example, tolerance=tolerance)


def test_percent_agreement_refuses_a_rater_scoring_a_unit_twice(agreement_example):
    doubled = pd.concat([agreement_example, agreement_example.iloc[[0]]], ignore_index=True)
    with pytest.raises(StatsInputError, match="unit 'a' has more than one score from rater 'r1'"):
        percent_exact_agreement(doubled)


def _pairwise(frame: pd.DataFrame, tolerance: float) -> tuple[int, int]:
    agreeing = total = 0
    for _, group in frame.groupby("unit"):
        for a, b in itertools.combinations(group["score"].tolist(), 2):
            total += 1
            agreeing += abs(a - b) <= tolerance + 1e-9
    return agreeing, total


@SETTINGS
@given(
    data=st.lists(
        st.tuples(
            st.integers(0, 4),
            st.integers(0, 5),
            st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0]),
        ),
        min_size=1,
        max_size=40,
        unique_by=lambda row: (row[0], row[1]),
    ),
    tolerance=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
)
def test_percent_agreement_matches_pair_by_pair_count(data, tolerance):
    frame = pd.DataFrame(data, columns=["unit", "rater", "score"])
    agreeing, total = _pairwise(frame, tolerance)
    result = percent_agreement(frame, tolerance=tolerance)
    assert (result.n_agreeing_pairs, result.n_pairs) == (agreeing, total)
    if total:
        assert result.proportion == agreeing / total
    else:
        assert result.proportion is None
