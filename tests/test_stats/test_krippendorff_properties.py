"""Properties of Krippendorff's alpha, and a second, independent implementation.

The witness below follows the definitions pair by pair over ratings, without
a coincidence matrix: it is slow, plain and only for small data.

Hypothesis runs derandomized (the same examples on every run) and keeps no
example database, so the suite is reproducible and writes nothing.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stats import (
    LEVELS,
    AlphaResult,
    krippendorff_alpha,
    krippendorff_alpha_all_levels,
    krippendorff_alpha_long,
)

SETTINGS = settings(max_examples=150, deadline=None, database=None, derandomize=True)

#: Non-negative, so the ratio level applies; not evenly spaced, so interval
#: and ordinal differ; includes 0, so the ratio metric's 0/0 case occurs.
VALUES = (0.0, 1.0, 2.0, 3.0, 4.5, 7.0)
NAN = float("nan")


# --------------------------------------------------------------------------
# The witness: pairwise over ratings, straight from the definitions.
# --------------------------------------------------------------------------


def witness_alpha(matrix: list[list[float]], level: str) -> float | None:
    """alpha = 1 - D_o / D_e, summing delta^2 over pairs of ratings.

    D_o = 1/n sum_u 1/(m_u - 1) sum_{i != j in u} delta^2(x_i, x_j)
    D_e = 1/(n (n - 1)) sum_{i != j, all pairable ratings} delta^2(x_i, x_j)
    """
    n_units = len(matrix[0])
    units = []
    for u in range(n_units):
        ratings = [row[u] for row in matrix if not math.isnan(row[u])]
        if len(ratings) >= 2:
            units.append(ratings)
    pairable = [x for ratings in units for x in ratings]
    n = len(pairable)
    if n == 0:
        return None
    n_g = Counter(pairable)

    def delta2(c: float, k: float) -> float:
        if level == "nominal":
            return 0.0 if c == k else 1.0
        if level == "interval":
            return (c - k) ** 2
        if level == "ratio":
            return 0.0 if c + k == 0 else ((c - k) / (c + k)) ** 2
        low, high = min(c, k), max(c, k)
        between = sum(count for g, count in n_g.items() if low <= g <= high)
        return (between - (n_g[c] + n_g[k]) / 2) ** 2

    d_o = (
        sum(
            sum(delta2(a, b) for i, a in enumerate(r) for j, b in enumerate(r) if i != j)
            / (len(r) - 1)
            for r in units
        )
        / n
    )
    d_e = sum(
        delta2(a, b) for i, a in enumerate(pairable) for j, b in enumerate(pairable) if i != j
    ) / (n * (n - 1))
    if d_e == 0:
        return None
    return 1.0 - d_o / d_e


# --------------------------------------------------------------------------
# Strategies and helpers
# --------------------------------------------------------------------------

cells = st.one_of(st.just(NAN), st.sampled_from(VALUES))


@st.composite
def reliability_matrices(draw, max_raters: int = 5, max_units: int = 8) -> list[list[float]]:
    """Raters x units, values from VALUES, NaN for missing; at least one rating."""
    n_raters = draw(st.integers(1, max_raters))
    n_units = draw(st.integers(1, max_units))
    matrix = draw(
        st.lists(
            st.lists(cells, min_size=n_units, max_size=n_units),
            min_size=n_raters,
            max_size=n_raters,
        )
    )
    if all(math.isnan(x) for row in matrix for x in row):
        matrix[draw(st.integers(0, n_raters - 1))][draw(st.integers(0, n_units - 1))] = draw(
            st.sampled_from(VALUES)
        )
    return matrix


def to_long(matrix, unit_labels=None, rater_labels=None) -> pd.DataFrame:
    unit_labels = unit_labels or [f"unit {u}" for u in range(len(matrix[0]))]
    rater_labels = rater_labels or [f"rater {r}" for r in range(len(matrix))]
    rows = [
        (unit_labels[u], rater_labels[r], x)
        for r, row in enumerate(matrix)
        for u, x in enumerate(row)
        if not math.isnan(x)
    ]
    return pd.DataFrame(rows, columns=["unit", "rater", "score"])


def assert_same_alpha(a: float | None, b: float | None, tolerance: float = 1e-12) -> None:
    if a is None or b is None:
        assert a is None and b is None, (a, b)
    else:
        assert a == pytest.approx(b, abs=tolerance)


def assert_same_result(a: AlphaResult, b: AlphaResult) -> None:
    assert_same_alpha(a.alpha, b.alpha)
    assert_same_alpha(a.observed_disagreement, b.observed_disagreement)
    assert_same_alpha(a.expected_disagreement, b.expected_disagreement)
    assert (a.level, a.reason, a.values) == (b.level, b.reason, b.values)
    assert (a.n_units, a.n_pairable_units, a.n_pairable_values, a.n_ratings) == (
        b.n_units,
        b.n_pairable_units,
        b.n_pairable_values,
        b.n_ratings,
    )


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------


@SETTINGS
@given(matrix=reliability_matrices())
def test_agrees_with_pairwise_witness_at_every_level(matrix):
    results = krippendorff_alpha_all_levels(matrix)
    for level in LEVELS:
        assert_same_alpha(results[level].alpha, witness_alpha(matrix, level))


def test_witness_reproduces_a_published_value():
    """The witness itself is checked on Krippendorff (2011): ordinal .815."""
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
    published = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    for level, value in published.items():
        assert witness_alpha(data, level) == pytest.approx(value, abs=5e-4)


@SETTINGS
@given(matrix=reliability_matrices())
def test_long_table_and_matrix_agree(matrix):
    for level in LEVELS:
        assert_same_result(
            krippendorff_alpha_long(to_long(matrix), level), krippendorff_alpha(matrix, level)
        )


@SETTINGS
@given(matrix=reliability_matrices(), data=st.data())
def test_invariant_to_relabelling_and_order(matrix, data):
    n_raters, n_units = len(matrix), len(matrix[0])
    rater_order = data.draw(st.permutations(range(n_raters)))
    unit_order = data.draw(st.permutations(range(n_units)))
    shuffled = [[matrix[r][u] for u in unit_order] for r in rater_order]

    # Long form with other labels (integers for units, mixed for raters) and rows shuffled.
    unit_labels = data.draw(
        st.lists(st.integers(-1000, 1000), min_size=n_units, max_size=n_units, unique=True)
    )
    rater_labels = [("r", k) if k % 2 else k * 10 for k in range(n_raters)]
    frame = to_long(matrix, unit_labels=unit_labels, rater_labels=rater_labels)
    row_order = data.draw(st.permutations(range(len(frame))))
    frame = frame.iloc[row_order].set_index(pd.Index(row_order) * 7)

    for level in LEVELS:
        original = krippendorff_alpha(matrix, level)
        assert_same_result(krippendorff_alpha(shuffled, level), original)
        assert_same_result(krippendorff_alpha_long(frame, level), original)


@SETTINGS
@given(matrix=reliability_matrices(), data=st.data())
def test_a_unit_with_one_rating_changes_nothing(matrix, data):
    rater = data.draw(st.integers(0, len(matrix) - 1))
    lone_value = data.draw(st.sampled_from(VALUES + (99.0,)))
    extended = [row + [lone_value if r == rater else NAN] for r, row in enumerate(matrix)]
    for level in LEVELS:
        before, after = krippendorff_alpha(matrix, level), krippendorff_alpha(extended, level)
        assert after.alpha == before.alpha
        assert (after.observed_disagreement, after.expected_disagreement) == (
            before.observed_disagreement,
            before.expected_disagreement,
        )
        assert after.values == before.values
        assert after.n_units == before.n_units + 1
        assert after.n_pairable_units == before.n_pairable_units


@SETTINGS
@given(
    matrix=reliability_matrices(),
    extra=st.sets(st.sampled_from((0.5, 5.0, 10.0, 100.0, 250.0)), min_size=1),
)
def test_declared_but_unused_values_do_not_change_alpha(matrix, extra):
    domain = sorted(set(VALUES) | extra)
    for level in LEVELS:
        plain = krippendorff_alpha(matrix, level)
        declared = krippendorff_alpha(matrix, level, value_domain=domain)
        assert_same_result(declared, plain)


@st.composite
def perfect_agreement(draw) -> list[list[float]]:
    """Every unit's ratings are equal; pairable units hold at least two distinct values."""
    n_raters = draw(st.integers(2, 5))
    n_units = draw(st.integers(2, 8))
    unit_values = draw(st.lists(st.sampled_from(VALUES), min_size=n_units, max_size=n_units))
    unit_values[0], unit_values[1] = draw(
        st.lists(st.sampled_from(VALUES), min_size=2, max_size=2, unique=True)
    )
    matrix = [[v for v in unit_values] for _ in range(n_raters)]
    for u in range(2, n_units):  # the first two units stay fully rated
        for r in range(n_raters):
            if draw(st.booleans()):
                matrix[r][u] = NAN
    return matrix


@SETTINGS
@given(matrix=perfect_agreement())
def test_perfect_agreement_with_variation_gives_one(matrix):
    for level in LEVELS:
        result = krippendorff_alpha(matrix, level)
        assert result.alpha == pytest.approx(1.0, abs=1e-12)
        assert result.observed_disagreement == 0.0
        assert result.expected_disagreement > 0


def _floats_in(result: AlphaResult) -> list[float]:
    found = [
        result.alpha,
        result.observed_disagreement,
        result.expected_disagreement,
        *result.values,
    ]
    return [x for x in found if x is not None]


@SETTINGS
@given(matrix=reliability_matrices())
def test_results_are_never_nan(matrix):
    for result in krippendorff_alpha_all_levels(matrix).values():
        assert all(math.isfinite(x) for x in _floats_in(result))
        assert (result.alpha is None) == (result.reason is not None)
        if result.alpha is not None:
            assert result.alpha <= 1.0 + 1e-12


@SETTINGS
@given(
    matrix=reliability_matrices(),
    scale=st.sampled_from((1e-6, 0.25, 3.0, 1e6)),
    shift=st.sampled_from((-100.0, 0.0, 12.5)),
)
def test_interval_alpha_invariant_to_linear_rescaling(matrix, scale, shift):
    """Interval alpha depends on differences only; ratio alpha on ratios only."""
    moved = [[scale * x + shift for x in row] for row in matrix]
    assert_same_alpha(
        krippendorff_alpha(moved, "interval").alpha,
        krippendorff_alpha(matrix, "interval").alpha,
        1e-6,
    )
    assert_same_alpha(
        krippendorff_alpha(moved, "ordinal").alpha,
        krippendorff_alpha(matrix, "ordinal").alpha,
        1e-12,
    )
    scaled = [[scale * x for x in row] for row in matrix]
    assert_same_alpha(
        krippendorff_alpha(scaled, "ratio").alpha, krippendorff_alpha(matrix, "ratio").alpha, 1e-9
    )


def test_long_path_handles_a_million_ratings_without_a_dense_matrix():
    """1e6 ratings over 1e5 units and 1e6 raters: a dense matrix would need 1e11 cells."""
    rng = np.random.default_rng(20240601)
    n_ratings, n_units = 1_000_000, 100_000
    frame = pd.DataFrame(
        {
            "unit": rng.integers(0, n_units, n_ratings),
            "rater": rng.permutation(n_ratings),
            "score": rng.integers(0, 6, n_ratings),
        }
    )
    result = krippendorff_alpha_long(frame, "interval", value_domain=range(6))
    assert result.n_ratings == n_ratings
    # Scores drawn independently of units: alpha is near zero.
    assert abs(result.alpha) < 0.01


@SETTINGS
@given(keys=st.lists(st.integers(0, 50), min_size=1, max_size=60))
def test_counting_by_bincount_and_by_sorting_agree(keys):
    """The tally counts keys with bincount when the key space is small, else by sorting."""
    from stats._ratings import count_keys

    key = np.array(keys, dtype=np.int64)
    by_bincount = count_keys(key, 51)
    by_sorting = count_keys(key, 10**8)
    expected_keys, expected_counts = np.unique(key, return_counts=True)
    for found in (by_bincount, by_sorting):
        np.testing.assert_array_equal(found[0], expected_keys)
        np.testing.assert_array_equal(found[1], expected_counts)


# --------------------------------------------------------------------------
# The krippendorff package as a second witness
# --------------------------------------------------------------------------

peer = pytest.importorskip("krippendorff")


@SETTINGS
@given(matrix=reliability_matrices(), level=st.sampled_from(LEVELS))
def test_agrees_with_the_krippendorff_package(matrix, level):
    """Where both give a value, it is the same to 1e-9, declared scale or not.

    Where ours says alpha is undefined (no pairable values, or one value only), the
    package returns NaN or raises; that difference is deliberate (see test_results_are_never_nan).
    """
    ours = krippendorff_alpha(matrix, level, value_domain=VALUES)
    if ours.alpha is None:
        return
    theirs = peer.alpha(
        reliability_data=np.asarray(matrix), level_of_measurement=level, value_domain=VALUES
    )
    assert ours.alpha == pytest.approx(float(theirs), abs=1e-9)


def test_agrees_with_the_krippendorff_package_on_a_large_scale_with_gaps():
    """A 0-5 scale, 30 raters, 400 units, 20% missing: the fast whole-number path."""
    rng = np.random.default_rng(11)
    truth = rng.integers(0, 6, 400)
    matrix = np.clip(truth + rng.integers(-1, 2, (30, 400)), 0, 5).astype(float)
    matrix[rng.random(matrix.shape) < 0.2] = np.nan
    for level in LEVELS:
        theirs = peer.alpha(
            reliability_data=matrix, level_of_measurement=level, value_domain=list(range(6))
        )
        assert krippendorff_alpha(matrix, level, value_domain=range(6)).alpha == pytest.approx(
            float(theirs), abs=1e-9
        )
        assert krippendorff_alpha_long(
            to_long(matrix.tolist()), level, value_domain=range(6)
        ).alpha == pytest.approx(float(theirs), abs=1e-9)


@SETTINGS
@given(
    matrix=reliability_matrices(),
    steps=st.lists(st.floats(0.01, 50.0), min_size=len(VALUES), max_size=len(VALUES)),
    start=st.floats(-100.0, 100.0),
)
def test_ordinal_alpha_unchanged_by_an_order_preserving_relabelling(matrix, steps, start):
    """Ordinal alpha depends only on the order of the values (Krippendorff 2011): any strictly
    increasing map of the values, however uneven its steps, gives the same alpha."""
    new_value = dict(zip(VALUES, start + np.cumsum(steps)))
    relabelled = [[x if math.isnan(x) else new_value[x] for x in row] for row in matrix]
    assert_same_alpha(
        krippendorff_alpha(relabelled, "ordinal").alpha,
        krippendorff_alpha(matrix, "ordinal").alpha,
        tolerance=1e-9,
    )
