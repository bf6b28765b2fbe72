"""Fleiss' and Cohen's kappa: published values, second witnesses, awkward input, properties.

Published values (see ``data/README.md``) are checked to half a unit of their last published
decimal: Fleiss (1971); Wikipedia's Fleiss example; Gwet (2014) and the irrCAC package's
vignettes (``fleiss.kappa.raw``, ``fleiss.kappa.dist``, ``kappa2.table``); SAS PROC FREQ's AGREE
example; Cohen (1968); the R irr package's ``kappa2`` documentation. Second witnesses to 1e-9:
statsmodels' ``fleiss_kappa`` (equal raters), direct loops written from the papers' formulas,
SAS's own unweighted ASE formula, and scikit-learn's ``cohen_kappa_score`` when installed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from stats.errors import StatsInputError
from stats.kappa import (
    PREVALENCE_SHARE,
    KappaResult,
    cohen_kappa,
    cohen_kappa_table,
    fleiss_kappa,
    fleiss_kappa_counts,
)

from .conftest import DATA, long_table

FLEISS1971 = "fleiss1971_diagnoses_raw.csv"
RAW4 = "gwet_cac_raw4raters.csv"
RAW5 = "gwet_cac_raw5obser.csv"
ANXIETY = "irr_anxiety.csv"


def half_unit(published: str) -> float:
    """Half a unit of the last decimal of a value written as published, e.g. '.430' -> 5e-4."""
    decimals = len(published.split(".")[1])
    return 0.5 * 10.0**-decimals


def check(value: float | None, published: str) -> None:
    assert value is not None
    assert abs(value - float(published)) <= half_unit(published) + 1e-12, (value, published)


def read_table(name: str) -> np.ndarray:
    return pd.read_csv(DATA / name, index_col=0).to_numpy()


def counts_of(frame: pd.DataFrame, categories) -> np.ndarray:
    """Units x categories counts of a long table (units in order of first appearance)."""
    table = pd.crosstab(frame["unit"], frame["score"]).reindex(columns=categories, fill_value=0)
    return table.to_numpy()


def long(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "rater", "score"])


def two_raters(name: str, first: str, second: str) -> pd.DataFrame:
    frame = long_table(name)
    return frame[frame["rater"].isin([first, second])].reset_index(drop=True)


# --- Fleiss' kappa: published values ------------------------------------------------------


def test_fleiss_1971_overall_and_per_category():
    result = fleiss_kappa(long_table(FLEISS1971))
    check(result.estimate, ".430")
    assert result.per_category is not None
    per_category = [result.per_category[float(c)] for c in range(1, 6)]
    for value, published in zip(per_category, [".245", ".245", ".520", ".471", ".566"]):
        check(value, published)
    assert (result.n_units, result.n_raters, result.n_ratings) == (30, 6, 180)
    assert result.categories == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert result.notes == ()  # equal raters, no unit rated once, no level at 80%


def test_fleiss_1971_overall_is_the_weighted_mean_of_the_category_kappas():
    """Fleiss (1971): kappa = sum_j p_j q_j kappa_j / sum_j p_j q_j."""
    frame = long_table(FLEISS1971)
    result = fleiss_kappa(frame)
    p = counts_of(frame, range(1, 6)).sum(axis=0) / 180
    kappas = np.array([result.per_category[float(c)] for c in range(1, 6)])
    weights = p * (1 - p)
    assert result.estimate == pytest.approx(np.sum(weights * kappas) / weights.sum(), abs=1e-12)


def test_fleiss_first_15_patients_is_irrcac_distrib_6raters():
    """irrCAC's ``distrib.6raters`` is the first 15 patients of Fleiss (1971)."""
    counts = counts_of(long_table(FLEISS1971), range(1, 6))[:15]
    result = fleiss_kappa_counts(counts)
    check(result.estimate, ".4139265")
    check(result.se, ".08119291")
    check(result.p_observed, ".5511111")
    check(result.p_expected, ".2340741")
    low, high = result.ci95
    check(low, ".240")  # irrCAC prints round(x, 3): (0.24,0.588)
    check(high, ".588")


def test_wikipedia_counts():
    counts = pd.read_csv(DATA / "wikipedia_fleiss_10x14_counts.csv", index_col=0)
    result = fleiss_kappa_counts(counts)
    check(result.estimate, ".210")
    check(result.p_observed, ".378")
    check(result.p_expected, ".213")
    assert (result.n_units, result.n_raters, result.n_ratings) == (10, 14, 140)


def test_gwet_generalised_fleiss_raw4raters():
    """irrCAC overview vignette: fleiss.kappa.raw(cac.raw4raters)."""
    result = fleiss_kappa(long_table(RAW4))
    check(result.estimate, ".76117")
    check(result.se, ".15302")
    check(result.p_observed, ".8181818")
    check(result.p_expected, ".2387153")
    check(result.ci95[0], ".424")
    assert result.ci95[1] == 1.0  # capped
    assert result.per_category is None
    assert any("Gwet's (2014) generalisation" in note for note in result.notes)
    assert any("1 unit rated only once" in note for note in result.notes)
    assert (result.n_units, result.n_raters, result.n_ratings) == (12, 4, 41)


def test_gwet_generalised_fleiss_raw5obser():
    """Gwet's .458; the standard error .120 and interval (.199, .716) are the values that the
    Python port of irrCAC (afergadis/irrCAC) tests against for ``cac.raw5obser``."""
    result = fleiss_kappa(long_table(RAW5))
    check(result.estimate, ".458")
    check(result.se, ".120")
    check(result.p_observed, ".616")
    check(result.p_expected, ".291")
    check(result.ci95[0], ".199")
    check(result.ci95[1], ".716")


def test_fleiss_interval_is_student_t_at_the_requested_level():
    frame = long_table(RAW5)
    result = fleiss_kappa(frame, confidence=0.90)
    quantile = scipy.stats.t.ppf(0.95, result.n_units - 1)
    assert result.ci95[0] == pytest.approx(result.estimate - quantile * result.se, abs=1e-12)
    assert result.ci95[1] == pytest.approx(result.estimate + quantile * result.se, abs=1e-12)
    assert result.ci_method.startswith("90% interval")
    assert fleiss_kappa(frame).ci_method.startswith("95% interval")


# --- Fleiss' kappa: second witnesses ------------------------------------------------------


def test_equal_raters_agree_with_statsmodels():
    counts = counts_of(long_table(FLEISS1971), range(1, 6))
    ours = fleiss_kappa(long_table(FLEISS1971)).estimate
    assert ours == pytest.approx(statsmodels_fleiss_kappa(counts, method="fleiss"), abs=1e-9)
    wiki = read_table("wikipedia_fleiss_10x14_counts.csv")
    assert fleiss_kappa_counts(wiki).estimate == pytest.approx(
        statsmodels_fleiss_kappa(wiki, method="fleiss"), abs=1e-9
    )


def direct_fleiss(frame: pd.DataFrame, categories: list[float]) -> tuple[float, float | None]:
    """Gwet's generalised Fleiss kappa and its variance, by explicit loops over units."""
    units = [group["score"].tolist() for _, group in frame.groupby("unit", sort=False)]
    n = len(units)
    pairable = [s for s in units if len(s) >= 2]
    n2 = len(pairable)

    def agreement(scores: list[float]) -> float:
        pairs = [(a, b) for i, a in enumerate(scores) for j, b in enumerate(scores) if i != j]
        return sum(a == b for a, b in pairs) / len(pairs)

    p_o = sum(agreement(s) for s in pairable) / n2
    pi = {c: sum(s.count(c) / len(s) for s in units) / n for c in categories}
    p_e = sum(v * v for v in pi.values())
    kappa = (p_o - p_e) / (1 - p_e)
    if n < 2:
        return kappa, None
    total = 0.0
    for s in units:
        p_o_i = agreement(s) if len(s) >= 2 else 0.0
        kappa_i = (n / n2) * (p_o_i - (p_e if len(s) >= 2 else 0.0)) / (1 - p_e)
        p_e_i = sum(pi[c] for c in s) / len(s)
        star = kappa_i - 2 * (1 - kappa) * (p_e_i - p_e) / (1 - p_e)
        total += (star - kappa) ** 2
    return kappa, total / (n * (n - 1))


ratings = st.lists(
    st.tuples(st.integers(0, 7), st.sampled_from("abcde"), st.integers(0, 3)),
    min_size=2,
    max_size=40,
    unique_by=lambda row: row[:2],
)


def usable(frame: pd.DataFrame) -> bool:
    return frame.groupby("unit").size().max() >= 2 and frame["score"].nunique() >= 2


@settings(max_examples=80, derandomize=True, database=None, deadline=None)
@given(ratings)
def test_fleiss_agrees_with_direct_loops(rows):
    frame = long(rows)
    if not usable(frame):
        return
    result = fleiss_kappa(frame, categories=range(4))
    kappa, variance = direct_fleiss(frame, [0, 1, 2, 3])
    assert result.estimate == pytest.approx(kappa, abs=1e-9)
    if variance is None:
        assert result.se is None and "only one unit" in result.se_reason
    else:
        assert result.se == pytest.approx(math.sqrt(variance), abs=1e-9)


@settings(max_examples=60, derandomize=True, database=None, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda m: st.lists(
            st.lists(st.integers(0, m), min_size=3, max_size=3).filter(lambda r: sum(r) <= m),
            min_size=2,
            max_size=12,
        ).map(lambda rows: (m, rows))
    )
)
def test_equal_raters_counts_agree_with_statsmodels(case):
    m, rows = case
    counts = np.array([row + [m - sum(row)] for row in rows])  # every unit rated m times
    result = fleiss_kappa_counts(counts)
    if np.count_nonzero(counts.sum(axis=0)) < 2:
        assert result.estimate is None
        return
    assert result.estimate == pytest.approx(
        statsmodels_fleiss_kappa(counts, method="fleiss"), abs=1e-9
    )
    assert result.per_category is not None


# --- Fleiss' kappa: properties ---------------------------------------------------------------


@settings(max_examples=60, derandomize=True, database=None, deadline=None)
@given(ratings, st.randoms(use_true_random=False))
def test_fleiss_unchanged_by_permuting_units_and_relabelling_categories(rows, random):
    frame = long(rows)
    if not usable(frame):
        return
    units = sorted(set(frame["unit"]))
    unit_map = dict(zip(units, random.sample(units, len(units))))
    new_labels = random.sample([-4, 10, 11, 17, 30, 99], 4)
    category_map = dict(zip(range(4), new_labels))
    moved = frame.assign(
        unit=frame["unit"].map(unit_map), score=frame["score"].map(category_map)
    ).sample(frac=1.0, random_state=random.randint(0, 10_000))
    a = fleiss_kappa(frame, categories=range(4))
    b = fleiss_kappa(moved, categories=new_labels)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-12)
    assert b.p_observed == pytest.approx(a.p_observed, abs=1e-12)
    if a.se is not None:
        assert b.se == pytest.approx(a.se, abs=1e-12)
    if a.per_category is not None:
        for old, new in category_map.items():
            if a.per_category[float(old)] is None:
                assert b.per_category[float(new)] is None
            else:
                assert b.per_category[float(new)] == pytest.approx(
                    a.per_category[float(old)], abs=1e-12
                )


def test_unused_declared_levels_change_nothing_in_fleiss():
    frame = long_table(FLEISS1971)
    plain = fleiss_kappa(frame)
    wide = fleiss_kappa(frame, categories=range(0, 8))
    assert wide.estimate == pytest.approx(plain.estimate, abs=1e-15)
    assert wide.se == pytest.approx(plain.se, abs=1e-15)
    assert wide.per_category[0.0] is None and wide.per_category[7.0] is None
    assert wide.per_category[3.0] == pytest.approx(plain.per_category[3.0], abs=1e-15)
    assert any("unused levels change nothing" in note for note in wide.notes)


# --- Cohen's kappa: published values ------------------------------------------------------


def test_sas_agree_example():
    table = read_table("sas_procfreq_agree_3x3_counts.csv")
    simple = cohen_kappa_table(table)
    check(simple.estimate, ".4842")
    check(simple.se, ".1380")
    check(simple.ci95[0], ".2137")
    check(simple.ci95[1], ".7547")
    linear = cohen_kappa_table(table, weights="linear")
    check(linear.estimate, ".4701")
    check(linear.se, ".1457")
    assert simple.n_units == 19 and simple.n_ratings == 38


def test_cohen_1968():
    table = np.rint(read_table("cohen1968_proportions_3x3_n200.csv") * 200)
    assert table.sum() == 200
    check(cohen_kappa_table(table).estimate, ".492")
    v = np.array([[0, 1, 3], [1, 0, 6], [3, 6, 0]])
    weighted = cohen_kappa_table(table, weights=1 - v / v.max())
    check(weighted.estimate, ".348")
    assert weighted.weights == "custom"
    # Cohen's own form with disagreement weights: 1 - sum v p_o / sum v p_e.
    p = table / 200
    expected = np.outer(p.sum(axis=1), p.sum(axis=0))
    assert weighted.estimate == pytest.approx(1 - (v * p).sum() / (v * expected).sum(), abs=1e-12)


def test_irr_anxiety_quadratic():
    frame = two_raters(ANXIETY, "rater1", "rater2")
    result = cohen_kappa(frame, weights="quadratic")
    check(result.estimate, ".297")
    assert (result.n_units, result.n_raters, result.n_ratings) == (20, 2, 40)
    assert result.categories == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)


def test_gwet_abstractors_cohen_and_gwet_standard_error():
    """irrCAC's kappa2.table: .7964094, SE .05891072, interval (0.68, 0.913); with quadratic
    weights .8921569, SE .03535151, interval (0.822, 0.962).

    Gwet's variance for two raters is algebraically the Fleiss-Cohen-Everitt ASE, so the
    standard errors agree to every printed digit; irrCAC's interval uses Student's t with
    n - 1 degrees of freedom where SAS (and this module) use the normal quantile.
    """
    table = read_table("gwet_cont3x3abstractors.csv")
    for weights, estimate, se, low, high in [
        ("unweighted", ".7964094", ".05891072", ".680", ".913"),  # printed (0.68,0.913)
        ("quadratic", ".8921569", ".03535151", ".822", ".962"),
    ]:
        result = cohen_kappa_table(table, weights=weights)
        check(result.estimate, estimate)
        check(result.se, se)
        t = scipy.stats.t.ppf(0.975, 99)
        check(result.estimate - t * result.se, low)
        check(result.estimate + t * result.se, high)
        z = scipy.stats.norm.ppf(0.975)
        assert result.ci95 == pytest.approx(
            (result.estimate - z * result.se, result.estimate + z * result.se), abs=1e-12
        )


# --- Cohen's kappa: second witnesses ------------------------------------------------------


def sas_unweighted_ase(table: np.ndarray) -> float:
    """SAS's unweighted formula, (A + B - C) / ((1 - p_e)^2 n), written out term by term."""
    n = table.sum()
    p = table / n
    row, col = p.sum(axis=1), p.sum(axis=0)
    p_o, p_e = np.trace(p), float(row @ col)
    kappa = (p_o - p_e) / (1 - p_e)
    q = len(p)
    a = sum(p[i, i] * (1 - (row[i] + col[i]) * (1 - kappa)) ** 2 for i in range(q))
    b = (1 - kappa) ** 2 * sum(
        p[i, j] * (col[i] + row[j]) ** 2 for i in range(q) for j in range(q) if i != j
    )
    c = (kappa - p_e * (1 - kappa)) ** 2
    return math.sqrt((a + b - c) / ((1 - p_e) ** 2 * n))


tables = st.lists(st.integers(0, 9), min_size=9, max_size=9).map(
    lambda cells: np.array(cells).reshape(3, 3)
)


@settings(max_examples=80, derandomize=True, database=None, deadline=None)
@given(tables)
def test_unweighted_ase_agrees_with_sas_formula_and_is_symmetric(table):
    result = cohen_kappa_table(table)
    if result.estimate is None:
        return
    if result.se is not None:
        assert result.se == pytest.approx(sas_unweighted_ase(table), abs=1e-9)
    swapped = cohen_kappa_table(table.T)
    assert swapped.estimate == pytest.approx(result.estimate, abs=1e-12)
    if result.se is not None:
        assert swapped.se == pytest.approx(result.se, abs=1e-12)


pairs = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=2, max_size=30)


def pairs_frame(scores, names=("A", "B")) -> pd.DataFrame:
    rows = [(u, names[0], a) for u, (a, _) in enumerate(scores)]
    rows += [(u, names[1], b) for u, (_, b) in enumerate(scores)]
    return long(rows)


@settings(max_examples=60, derandomize=True, database=None, deadline=None)
@given(pairs, st.sampled_from(["unweighted", "linear", "quadratic"]))
def test_cohen_symmetric_under_swapping_raters_and_equal_to_the_table(scores, weights):
    frame = pairs_frame(scores)
    result = cohen_kappa(frame, weights=weights, categories=range(5))
    swapped = cohen_kappa(
        frame.assign(rater=frame["rater"].map({"A": "B", "B": "A"})).iloc[::-1],
        weights=weights,
        categories=range(5),
    )
    table = np.zeros((5, 5), dtype=int)
    for a, b in scores:
        table[a, b] += 1
    from_table = cohen_kappa_table(table, weights=weights, categories=range(5))
    if result.estimate is None:
        assert swapped.estimate is None and from_table.estimate is None
        return
    for other in (swapped, from_table):
        assert other.estimate == pytest.approx(result.estimate, abs=1e-12)
        assert other.se == pytest.approx(result.se, abs=1e-12)


@settings(max_examples=40, derandomize=True, database=None, deadline=None)
@given(pairs, st.sampled_from(["unweighted", "linear", "quadratic"]))
def test_cohen_agrees_with_scikit_learn(scores, weights):
    metrics = pytest.importorskip("sklearn.metrics")
    frame = pairs_frame(scores)
    result = cohen_kappa(frame, weights=weights, categories=range(5))
    if result.estimate is None:
        return
    a, b = zip(*scores)
    theirs = metrics.cohen_kappa_score(
        a, b, labels=list(range(5)), weights=None if weights == "unweighted" else weights
    )
    assert result.estimate == pytest.approx(theirs, abs=1e-9)


@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
def test_unused_declared_levels_change_nothing_in_cohen(weights):
    """Wider linear or quadratic weights differ only by a common factor of the disagreement
    weights v = 1 - w, which cancels in kappa = 1 - sum v p_o / sum v p_e."""
    frame = two_raters(ANXIETY, "rater1", "rater2")
    observed = cohen_kappa(frame, weights=weights)
    assert observed.notes == ()
    for scale in (range(0, 8), [1, 2, 2.5, 3, 4, 5, 6, 10]):
        declared = cohen_kappa(frame, weights=weights, categories=scale)
        assert declared.estimate == pytest.approx(observed.estimate, abs=1e-12)
        assert declared.se == pytest.approx(observed.se, abs=1e-12)
        assert len(declared.notes) == 1
        assert "unused levels change nothing in Cohen's kappa" in declared.notes[0]
        assert ("common factor" in declared.notes[0]) == (weights != "unweighted")
    # The weights themselves are rescaled, so weighted p_o and p_e both move; kappa does not.
    wide = cohen_kappa(frame, weights=weights, categories=range(0, 8))
    if weights == "unweighted":
        assert wide.p_observed == pytest.approx(observed.p_observed, abs=1e-15)
    else:
        assert wide.p_observed > observed.p_observed + 0.01
        assert wide.p_expected > observed.p_expected + 0.01


# --- Awkward input: answered ----------------------------------------------------------------


def test_one_rater():
    frame = long([(1, "a", 1), (2, "a", 2), (3, "a", 2)])
    fleiss = fleiss_kappa(frame)
    assert fleiss.estimate is None and fleiss.se is None and fleiss.ci95 is None
    assert "no unit has two or more ratings" in fleiss.reason and "1 rater" in fleiss.reason
    cohen = cohen_kappa(frame)
    assert cohen.estimate is None and "only one rater ('a')" in cohen.reason
    assert cohen.n_raters == 1


def test_a_unit_rated_once_counts_in_pi_but_carries_no_pair():
    base = [(1, "a", 1), (1, "b", 1), (2, "a", 2), (2, "b", 2), (3, "a", 1), (3, "b", 2)]
    with_lone = fleiss_kappa(long(base + [(4, "a", 2)]))
    assert with_lone.n_units == 4 and with_lone.n_ratings == 7
    assert any("1 unit rated only once" in note for note in with_lone.notes)
    assert with_lone.p_observed == pytest.approx(2 / 3)
    # pi = ((1 + 0 + .5 + 0) / 4, (0 + 1 + .5 + 1) / 4)
    assert with_lone.p_expected == pytest.approx((1.5 / 4) ** 2 + (2.5 / 4) ** 2)
    assert with_lone.per_category is None  # 1 to 2 ratings per unit


def test_one_unit_has_no_standard_error():
    result = fleiss_kappa(long([(1, "a", 1), (1, "b", 2), (1, "c", 2)]))
    assert result.estimate is not None
    assert result.se is None and result.ci95 is None and "only one unit" in result.se_reason
    cohen = cohen_kappa_table([[0, 1], [0, 0]])
    assert cohen.estimate == 0.0 and cohen.se is None and "only one unit" in cohen.se_reason


@pytest.mark.parametrize("categories", [None, range(6)])
def test_every_score_identical(categories):
    frame = long([(u, r, 3) for u in range(4) for r in "abc"])
    result = fleiss_kappa(frame, categories=categories)
    assert result.estimate is None and result.se is None
    assert "observed agreement is 100%" in result.reason
    assert "no variation" in result.reason and "(3)" in result.reason
    assert result.p_observed == 1.0 and result.p_expected == pytest.approx(1.0)
    cohen = cohen_kappa(frame[frame["rater"] != "c"], categories=categories)
    assert cohen.estimate is None and "observed agreement is 100%" in cohen.reason
    assert "no variation" in cohen.reason


def test_prevalence_paradox_is_noted():
    """38 of 40 units at level 0, two raters who agree on 38: 95% agreement, kappa below 0."""
    rows = [(u, r, 0) for u in range(38) for r in "AB"]
    rows += [(38, "A", 1), (38, "B", 0), (39, "A", 0), (39, "B", 1)]
    frame = long(rows)
    for result in (cohen_kappa(frame), fleiss_kappa(frame)):
        assert result.p_observed == pytest.approx(0.95)
        assert result.estimate < 0
        paradox = [note for note in result.notes if "prevalence paradox" in note]
        assert len(paradox) == 1
        assert "98% of the ratings are at level 0" in paradox[0]
        assert "Feinstein & Cicchetti 1990" in paradox[0]
    balanced = cohen_kappa(two_raters(ANXIETY, "rater1", "rater2"))
    assert not any("prevalence paradox" in note for note in balanced.notes)
    assert PREVALENCE_SHARE == 0.8


def test_zero_count_tables():
    empty = cohen_kappa_table([[0, 0], [0, 0]])
    assert empty.estimate is None and "every count is 0" in empty.reason
    assert empty.n_units == 0
    assert fleiss_kappa_counts([[0, 0, 0], [0, 0, 0]]).reason.startswith("the table holds no")
    # Empty rows and columns are categories nobody used: unweighted kappa ignores them.
    table = read_table("sas_procfreq_agree_3x3_counts.csv")
    padded = np.zeros((5, 5), dtype=int)
    padded[1:4, 1:4] = table
    assert cohen_kappa_table(padded).estimate == pytest.approx(
        cohen_kappa_table(table).estimate, abs=1e-15
    )
    assert cohen_kappa_table(padded).se == pytest.approx(cohen_kappa_table(table).se, abs=1e-15)
    linear = cohen_kappa_table(padded, weights="linear")
    assert linear.estimate == pytest.approx(
        cohen_kappa_table(table, weights="linear").estimate, abs=1e-12
    )
    assert "categories 1, 5 of the table were used by neither rater" in linear.notes[0]
    # A row of zeros in a count table is a unit nobody rated: left out and noted.
    counts = read_table("wikipedia_fleiss_10x14_counts.csv")
    with_empty = fleiss_kappa_counts(np.vstack([counts, np.zeros((1, 5), dtype=int)]))
    assert with_empty.estimate == pytest.approx(fleiss_kappa_counts(counts).estimate, abs=1e-15)
    assert with_empty.n_units == 10
    assert any("1 unit with no ratings" in note for note in with_empty.notes)


def test_units_scored_by_one_rater_are_left_out_and_counted():
    frame = two_raters(ANXIETY, "rater1", "rater2")
    full = cohen_kappa(frame)
    extra = long([(100, "rater1", 2), (101, "rater1", 5), (102, "rater2", 4)])
    result = cohen_kappa(pd.concat([frame, extra], ignore_index=True))
    assert result.estimate == pytest.approx(full.estimate, abs=1e-15)
    assert result.n_units == 20 and result.n_ratings == 40
    assert len(result.notes) == 1
    assert "3 units scored by only one of the two raters were left out" in result.notes[0]
    assert "2 by 'rater1' alone, 1 by 'rater2' alone" in result.notes[0]
    # A missing score is a missing rating: the unit is scored by one rater only.
    missing = frame.copy()
    missing.loc[0, "score"] = np.nan
    assert "1 unit scored by only one" in cohen_kappa(missing).notes[0]


def test_a_rater_who_scored_nothing_is_not_counted():
    frame = two_raters(ANXIETY, "rater1", "rater2")
    silent = long([(u, "rater3", None) for u in range(1, 21)])
    both = pd.concat([frame, silent], ignore_index=True)
    assert cohen_kappa(both).estimate == pytest.approx(cohen_kappa(frame).estimate, abs=1e-15)
    fleiss = fleiss_kappa(both)
    assert fleiss.n_raters == 2
    assert fleiss.estimate == pytest.approx(fleiss_kappa(frame).estimate, abs=1e-15)


def test_no_unit_scored_by_both():
    result = cohen_kappa(long([(1, "a", 1), (2, "b", 2)]))
    assert result.estimate is None and "no unit was scored by both" in result.reason
    assert "2 units scored by only one" in result.notes[0]


def test_result_is_frozen():
    result = cohen_kappa_table([[3, 1], [1, 3]])
    assert isinstance(result, KappaResult)
    with pytest.raises(AttributeError):
        result.estimate = 1.0  # type: ignore[misc]


# --- Awkward input: refused with a message ---------------------------------------------------


def test_three_raters_for_cohen_names_fleiss():
    frame = long_table(ANXIETY)
    with pytest.raises(StatsInputError, match="exactly two raters.*use fleiss_kappa"):
        cohen_kappa(frame)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda f: fleiss_kappa(f, categories=range(3)), "score 4 .* not in categories"),
        (lambda f: cohen_kappa(f, categories=[1, 2]), "not in categories"),
        (lambda f: cohen_kappa(f, weights="ordinal"), "weights must be one of"),
        (lambda f: fleiss_kappa(f, confidence=95), "strictly between 0 and 1"),
        (lambda f: fleiss_kappa(f, confidence=True), "must be a number"),
        (lambda f: fleiss_kappa(f, categories="1-5"), "sequence of numbers"),
        (lambda f: fleiss_kappa(f.rename(columns={"rater": "who"})), "no column 'rater'"),
        (lambda f: cohen_kappa(pd.concat([f, f.iloc[:1]])), "more than one score"),
        (lambda f: fleiss_kappa(f.to_numpy()), "must be a pandas DataFrame"),
    ],
)
def test_bad_input_is_named(call, message):
    frame = long([(1, "a", 1), (1, "b", 4), (2, "a", 2), (2, "b", 2)])
    with pytest.raises(StatsInputError, match=message):
        call(frame)


@pytest.mark.parametrize(
    "table, kwargs, message",
    [
        ([[1, 2], [3]], {}, "2-D array"),
        ([[1, 2, 3], [4, 5, 6]], {}, "square"),
        ([[1, 0], [0, 0.5]], {}, "whole numbers"),
        ([[1, -1], [0, 2]], {}, "whole numbers"),
        ([[True, 0], [0, 1]], {}, "counts"),
        ([[1, 0], [0, 1]], {"categories": [1, 2, 3]}, "one value per row"),
        ([[1, 0], [0, 1]], {"weights": [[1, 0.5, 0], [0.5, 1, 0.5]]}, "2 x 2 matrix"),
        ([[1, 0], [0, 1]], {"weights": [[0, 1], [1, 0]]}, "1 on the diagonal"),
        ([[1, 0], [0, 1]], {"weights": [[1, 3], [3, 1]]}, "between 0 and 1"),
        ([[1, 0], [0, 1]], {"weights": "squared"}, "weights must be one of"),
    ],
)
def test_bad_tables_are_named(table, kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        cohen_kappa_table(table, **kwargs)


@pytest.mark.parametrize(
    "counts, kwargs, message",
    [
        ([1, 2, 3], {}, "2-D array"),
        ([[1, 2], [3, "x"]], {}, "counts"),
        ([[1, 2], [3, 1.5]], {}, "whole numbers"),
        ([[1, 2], [3, 1]], {"categories": [1]}, "one value per column"),
        ([[1, 2], [3, 1]], {"confidence": 0}, "strictly between 0 and 1"),
    ],
)
def test_bad_count_tables_are_named(counts, kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        fleiss_kappa_counts(counts, **kwargs)
