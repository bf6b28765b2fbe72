"""Gwet's AC1/AC2 and Brennan-Prediger: Gwet's published values and a direct recomputation.

Published values are from Gwet (2014), *Handbook of Inter-Rater Reliability* (4th ed.), as
printed by the irrCAC package for its data sets ``cac.raw4raters``, ``cac.raw5obser`` and
``cont3x3abstractors`` (see ``data/README.md``). Each is checked to half a unit of its last
published decimal.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from stats import (
    StatsInputError,
    brennan_prediger,
    brennan_prediger_table,
    gwet_ac1,
    gwet_ac1_table,
    gwet_ac2,
    gwet_ac2_table,
)

from .conftest import DATA, long_table

RAW4 = "gwet_cac_raw4raters.csv"
RAW5 = "gwet_cac_raw5obser.csv"


def half_unit(published: str) -> float:
    """Half a unit of the last decimal of a value written as published, e.g. '.775' -> 5e-4."""
    decimals = len(published.split(".")[1])
    return 0.5 * 10.0**-decimals


def check(value: float | None, published: str) -> None:
    assert value is not None
    assert abs(value - float(published)) <= half_unit(published) + 1e-12, (value, published)


def contingency_table() -> np.ndarray:
    return pd.read_csv(DATA / "gwet_cont3x3abstractors.csv", index_col=0).to_numpy()


def table_as_ratings(table: np.ndarray) -> pd.DataFrame:
    """A two-rater table of counts as a long table of raw ratings (categories 1..q)."""
    rows = []
    unit = 0
    for (i, j), count in np.ndenumerate(table):
        for _ in range(int(count)):
            rows += [(unit, "A", i + 1), (unit, "B", j + 1)]
            unit += 1
    return pd.DataFrame(rows, columns=["unit", "rater", "score"])


# --- Published values ------------------------------------------------------------------


@pytest.mark.parametrize(
    "function, kwargs, published",
    [
        (gwet_ac1, {}, ".775"),
        (gwet_ac1, {"categories": range(6)}, ".7855"),
        (gwet_ac2, {"weights": "linear"}, ".859"),
        (gwet_ac2, {"weights": "quadratic"}, ".914"),
        (brennan_prediger, {}, ".773"),
        (brennan_prediger, {"weights": "quadratic"}, ".90152"),
    ],
)
def test_raw4raters_estimates(function, kwargs, published):
    check(function(long_table(RAW4), **kwargs).estimate, published)


def test_raw4raters_precision():
    ac1 = gwet_ac1(long_table(RAW4))
    check(ac1.se, ".14295")
    ac2 = gwet_ac2(long_table(RAW4), "quadratic")
    check(ac2.se, ".10396")
    check(ac2.pa, ".9753788")
    check(ac2.pe, ".7137044")
    check(brennan_prediger(long_table(RAW4), weights="quadratic").se, ".11089")
    # n = 12 units rated, 11 of them twice or more; t with 11 degrees of freedom.
    assert (ac1.n_units, ac1.n_pairable_units, ac1.df, ac1.n_raters) == (12, 11, 11, 4)
    half_width = ac1.ci95[1] - ac1.estimate
    assert ac1.ci95[1] == 1.0  # the upper limit is capped at 1
    lower = ac1.estimate - scipy.stats.t.ppf(0.975, 11) * ac1.se
    assert ac1.ci95[0] == pytest.approx(lower, abs=1e-12)
    assert half_width < 2.2 * ac1.se


@pytest.mark.parametrize(
    "function, published",
    [(gwet_ac1, ".497"), (brennan_prediger, ".487")],
)
def test_raw5obser_estimates(function, published):
    check(function(long_table(RAW5)).estimate, published)


def test_contingency_table_published():
    table = contingency_table()
    ac1 = gwet_ac1_table(table)
    check(ac1.estimate, ".8493305")
    check(ac1.se, ".0432")
    check(ac1.pa, ".89")
    check(brennan_prediger_table(table).estimate, ".835")
    ac2 = gwet_ac2_table(table, "quadratic")
    check(ac2.estimate, ".9402369")
    check(ac2.se, ".01792019")
    bp2 = brennan_prediger_table(table, weights="quadratic")
    check(bp2.estimate, ".9175")
    check(bp2.se, ".02346673")


def test_table_and_raw_ratings_agree_up_to_the_documented_factor():
    """Same coefficient; the raw-data variance divides by n - 1 where the table's divides by n."""
    table = contingency_table()
    raw = table_as_ratings(table)
    for raw_result, table_result in [
        (gwet_ac1(raw), gwet_ac1_table(table)),
        (gwet_ac2(raw, "quadratic"), gwet_ac2_table(table, "quadratic")),
        (brennan_prediger(raw, weights="linear"), brennan_prediger_table(table, weights="linear")),
    ]:
        assert raw_result.estimate == pytest.approx(table_result.estimate, abs=1e-12)
        assert raw_result.se == pytest.approx(table_result.se * math.sqrt(100 / 99), abs=1e-12)


# --- A second witness: the definitions written out directly ------------------------------


def direct(frame: pd.DataFrame, categories: list[float], weights: str, kind: str) -> float:
    """AC1/AC2 or Brennan-Prediger by explicit loops over units and ordered pairs of ratings."""
    q = len(categories)
    span = max(categories) - min(categories)

    def w(a: float, b: float) -> float:
        if weights == "unweighted":
            return float(a == b)
        if weights == "linear":
            return 1 - abs(a - b) / span
        return 1 - (a - b) ** 2 / span**2

    units = [group["score"].tolist() for _, group in frame.groupby("unit", sort=False)]
    agree = []
    for scores in units:
        if len(scores) < 2:
            continue
        pairs = [(a, b) for i, a in enumerate(scores) for j, b in enumerate(scores) if i != j]
        agree.append(sum(w(a, b) for a, b in pairs) / len(pairs))
    pa = sum(agree) / len(agree)
    t_w = sum(w(a, b) for a in categories for b in categories)
    if kind == "BP":
        pe = t_w / q**2
    else:
        pi = [sum(s.count(c) / len(s) for s in units) / len(units) for c in categories]
        pe = t_w / (q * (q - 1)) * sum(p * (1 - p) for p in pi)
    return (pa - pe) / (1 - pe)


ratings = st.lists(
    st.tuples(st.integers(0, 7), st.sampled_from("abcd"), st.integers(0, 5)),
    min_size=2,
    max_size=40,
    unique_by=lambda row: row[:2],
)


@settings(max_examples=80, derandomize=True, database=None, deadline=None)
@given(ratings, st.sampled_from(["unweighted", "linear", "quadratic"]))
def test_agrees_with_direct_definitions(rows, weights):
    frame = pd.DataFrame(rows, columns=["unit", "rater", "score"])
    if frame.groupby("unit").size().max() < 2:
        return
    scale = list(range(6))
    if weights == "unweighted":
        ours = gwet_ac1(frame, categories=scale).estimate
    else:
        ours = gwet_ac2(frame, weights, categories=scale).estimate
    assert ours == pytest.approx(direct(frame, scale, weights, "AC"), abs=1e-9)
    bp = brennan_prediger(frame, weights=weights, categories=scale).estimate
    assert bp == pytest.approx(direct(frame, scale, weights, "BP"), abs=1e-9)


@settings(max_examples=40, derandomize=True, database=None, deadline=None)
@given(ratings, st.randoms(use_true_random=False))
def test_unchanged_by_relabelling_units_and_raters(rows, random):
    frame = pd.DataFrame(rows, columns=["unit", "rater", "score"])
    if frame.groupby("unit").size().max() < 2:
        return
    units = sorted(set(frame["unit"]))
    raters = sorted(set(frame["rater"]))
    unit_map = dict(zip(units, random.sample(units, len(units))))
    rater_map = dict(zip(raters, random.sample(raters, len(raters))))
    shuffled = frame.assign(
        unit=frame["unit"].map(unit_map), rater=frame["rater"].map(rater_map)
    ).sample(frac=1.0, random_state=random.randint(0, 10_000))
    a, b = gwet_ac1(frame, categories=range(6)), gwet_ac1(shuffled, categories=range(6))
    assert a.estimate == pytest.approx(b.estimate, abs=1e-12)
    if a.se is not None:
        assert a.se == pytest.approx(b.se, abs=1e-12)


# --- Awkward input ------------------------------------------------------------------------


def test_prevalence_paradox_ac1_stays_high():
    """38 of 40 units at level 0 with two raters who agree on 38: AC1 stays near agreement."""
    rows = [(u, r, 0) for u in range(38) for r in "AB"]
    rows += [(38, "A", 1), (38, "B", 0), (39, "A", 0), (39, "B", 1)]
    result = gwet_ac1(pd.DataFrame(rows, columns=["unit", "rater", "score"]), categories=range(6))
    assert result.pa == pytest.approx(0.95)
    # pi_0 = (38 + 1/2 + 1/2) / 40 = 39/40, pi_1 = 1/40; pe = sum pi_k (1 - pi_k) / (q - 1).
    pe = 2 * (39 / 40) * (1 / 40) / 5
    assert result.estimate == pytest.approx((0.95 - pe) / (1 - pe), abs=1e-12)
    assert result.estimate > 0.94


def test_every_score_identical():
    frame = pd.DataFrame({"unit": [1, 1, 2, 2], "rater": ["a", "b"] * 2, "score": [3] * 4})
    undeclared = gwet_ac1(frame)
    assert undeclared.estimate is None
    assert "same (3)" in undeclared.reason and "categories=" in undeclared.reason
    declared = gwet_ac1(frame, categories=range(6))
    assert declared.estimate == 1.0 and declared.pe == 0.0


def test_no_pairable_unit_and_one_unit():
    single = pd.DataFrame({"unit": [1, 2], "rater": ["a", "a"], "score": [1, 2]})
    result = gwet_ac1(single, categories=range(6))
    assert result.estimate is None and "no unit has two or more ratings" in result.reason
    assert "1 rater" in result.reason
    one_unit = pd.DataFrame({"unit": [1, 1], "rater": ["a", "b"], "score": [1, 2]})
    result = gwet_ac1(one_unit, categories=range(6))
    assert result.estimate is not None and result.se is None
    assert "only one unit" in result.se_reason


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda f: gwet_ac1(f, categories=range(3)), "not in categories"),
        (lambda f: gwet_ac2(f, "ordinal"), "weights must be one of 'linear', 'quadratic'"),
        (lambda f: brennan_prediger(f, weights=2), "weights must be one of"),
        (lambda f: gwet_ac1(f, population_size=1), "at least the number of units"),
        (lambda f: gwet_ac1(f, categories="0-5"), "sequence of numbers"),
        (lambda f: gwet_ac1(f.rename(columns={"rater": "who"})), "no column 'rater'"),
    ],
)
def test_bad_input_is_named(call, message):
    frame = pd.DataFrame({"unit": [1, 1, 2, 2], "rater": ["a", "b"] * 2, "score": [1, 4, 2, 2]})
    with pytest.raises(StatsInputError, match=message):
        call(frame)


@pytest.mark.parametrize(
    "table, message",
    [
        ([[1, 2], [3]], "square"),
        ([[1, 0], [0, 0.5]], "whole numbers"),
        ([[0, 0], [0, 0]], "no units"),
        ([[1, -1], [0, 2]], "whole numbers"),
        ([[True, 0], [0, 1]], "counts"),
    ],
)
def test_bad_tables_are_named(table, message):
    with pytest.raises(StatsInputError, match=message):
        gwet_ac1_table(table)


def test_finite_population_correction_shrinks_the_variance():
    frame = long_table(RAW4)
    plain, corrected = gwet_ac1(frame), gwet_ac1(frame, population_size=24)
    assert corrected.se == pytest.approx(plain.se * math.sqrt(1 - 12 / 24), abs=1e-12)


def test_every_weight_set_is_one_on_the_diagonal_and_symmetric():
    """Weights enter only through p_a and T_w; check them through a 2x2 identity table."""
    for weights, expected in [("linear", 1.0), ("quadratic", 1.0)]:
        result = gwet_ac2_table([[5, 0], [0, 5]], weights, categories=[0, 5])
        assert result.estimate == expected
    for a, b in itertools.permutations(range(3), 2):
        table = np.zeros((3, 3), dtype=int)
        table[a, b] = 1
        table[b, a] = 1
        forward = gwet_ac2_table(table, "linear").pa
        assert forward == pytest.approx(1 - abs(a - b) / 2)
