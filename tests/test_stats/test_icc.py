"""Intraclass correlations: published values, pingouin and direct recomputations as witnesses.

Published values (see ``data/README.md``) are checked to half a unit of their last published
decimal. pingouin's ``intraclass_corr`` is a second witness to 1e-9 where its definitions
coincide (complete designs); since it prints intervals to two decimals, the intervals are
also checked unrounded, against pingouin with its rounding switched off and against the
formulas of McGraw & Wong (1996) written out below on a dense units x raters table. For
incomplete designs the REML variance components are checked against the lme4 Penicillin
example and against a dense REML likelihood maximised here with scipy.
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import numpy as np
import pandas as pd
import pingouin
import pytest
import scipy.optimize
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from stats import StatsInputError
from stats import icc as icc_module
from stats._ratings import read_long
from stats.icc import (
    ICC_FORMS,
    MAX_REML_LEVELS,
    MAX_REML_RATINGS,
    IccForm,
    IccResult,
    intraclass_correlations,
)

from .conftest import DATA, long_table

SHROUT_FLEISS = "shrout_fleiss_1979.csv"
WINE = "pingouin_icc_wine_wide.csv"
ANXIETY = "irr_anxiety.csv"
PENICILLIN = "lme4_penicillin_long.csv"

KEYS = list(ICC_FORMS)
#: pingouin's row for each form, in its own order and labels.
PINGOUIN_TYPES = {
    "ICC1": "ICC(1,1)",
    "ICC2": "ICC(A,1)",
    "ICC3": "ICC(C,1)",
    "ICC1k": "ICC(1,k)",
    "ICC2k": "ICC(A,k)",
    "ICC3k": "ICC(C,k)",
}


def half_unit(published: str) -> float:
    """Half a unit of the last decimal of a value as published, e.g. '.17' -> 0.005."""
    return 0.5 * 10.0 ** -len(published.split(".")[1])


def check(value: float | None, published: str) -> None:
    assert value is not None
    assert abs(value - float(published)) <= half_unit(published) + 1e-12, (value, published)


def frame_of(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "rater", "score"])


def estimates(result: IccResult) -> dict[str, float | None]:
    return {key: form.estimate for key, form in result.forms.items()}


def pingouin_table(frame: pd.DataFrame) -> pd.DataFrame:
    """pingouin's ICC table indexed by our keys (its pandas deprecation notices silenced here)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pingouin")
        table = pingouin.intraclass_corr(
            data=frame, targets="unit", raters="rater", ratings="score"
        ).set_index("Type")
    return table.loc[list(PINGOUIN_TYPES.values())].set_axis(KEYS)


def random_complete(seed: int, n: int = 30, k: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit_effect = rng.normal(0.0, 1.0, n)
    rater_effect = rng.normal(0.0, 0.6, k)
    rows = [
        (f"u{i}", f"r{j}", 3.0 + unit_effect[i] + rater_effect[j] + rng.normal(0.0, 0.8))
        for i in range(n)
        for j in range(k)
    ]
    return frame_of(rows)


# --- A witness: McGraw & Wong's formulas on a dense units x raters table ----------------


def direct(frame: pd.DataFrame, confidence: float = 0.95) -> dict[str, tuple]:
    """(estimate, lower, upper, F) of each form, from a pivoted table and textbook sums.

    The Satterthwaite degrees of freedom are written in McGraw & Wong's (1996) a, b form,
    and the k-form intervals of ICC(A,k) in their own closed form, not as a step-up.
    """
    x = frame.pivot(index="unit", columns="rater", values="score").to_numpy(dtype=float)
    n, k = x.shape
    grand = x.mean()
    row, col = x.mean(axis=1), x.mean(axis=0)
    msr = k * np.sum((row - grand) ** 2) / (n - 1)
    msc = n * np.sum((col - grand) ** 2) / (k - 1)
    msw = np.sum((x - row[:, None]) ** 2) / (n * (k - 1))
    mse = np.sum((x - row[:, None] - col[None, :] + grand) ** 2) / ((n - 1) * (k - 1))
    q = 1 - (1 - confidence) / 2

    def F(a, b):
        return scipy.stats.f.ppf(q, a, b)

    out = {}
    # Case 1 (one-way).
    f0 = msr / msw
    fl, fu = f0 / F(n - 1, n * (k - 1)), f0 * F(n * (k - 1), n - 1)
    out["ICC1"] = ((msr - msw) / (msr + (k - 1) * msw), (fl - 1) / (fl + k - 1),
                   (fu - 1) / (fu + k - 1), f0)
    out["ICC1k"] = ((msr - msw) / msr, 1 - 1 / fl, 1 - 1 / fu, f0)
    # Case 3 (consistency).
    f0 = msr / mse
    fl, fu = f0 / F(n - 1, (n - 1) * (k - 1)), f0 * F((n - 1) * (k - 1), n - 1)
    out["ICC3"] = ((msr - mse) / (msr + (k - 1) * mse), (fl - 1) / (fl + k - 1),
                   (fu - 1) / (fu + k - 1), f0)
    out["ICC3k"] = ((msr - mse) / msr, 1 - 1 / fl, 1 - 1 / fu, f0)
    # Case 2 (absolute agreement), McGraw & Wong Table 7.
    rho = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    a = k * rho / (n * (1 - rho))
    b = 1 + k * rho * (n - 1) / (n * (1 - rho))
    nu = (a * msc + b * mse) ** 2 / (
        (a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1))
    )
    f_star_upper, f_star_lower = F(n - 1, nu), F(nu, n - 1)
    lower = n * (msr - f_star_upper * mse) / (
        f_star_upper * (k * msc + (k * n - k - n) * mse) + n * msr
    )
    upper = n * (f_star_lower * msr - mse) / (
        k * msc + (k * n - k - n) * mse + n * f_star_lower * msr
    )
    out["ICC2"] = (rho, lower, upper, msr / mse)
    rho_k = (msr - mse) / (msr + (msc - mse) / n)
    lower_k = n * (msr - f_star_upper * mse) / (f_star_upper * (msc - mse) + n * msr)
    upper_k = n * (f_star_lower * msr - mse) / (msc - mse + n * f_star_lower * msr)
    out["ICC2k"] = (rho_k, lower_k, upper_k, msr / mse)
    return out


def denominators(frame: pd.DataFrame) -> dict[str, float]:
    """Each form's denominator, from the dense table's mean squares."""
    x = frame.pivot(index="unit", columns="rater", values="score").to_numpy(dtype=float)
    n, k = x.shape
    grand, row, col = x.mean(), x.mean(axis=1), x.mean(axis=0)
    msr = k * np.sum((row - grand) ** 2) / (n - 1)
    msc = n * np.sum((col - grand) ** 2) / (k - 1)
    msw = np.sum((x - row[:, None]) ** 2) / (n * (k - 1))
    mse = np.sum((x - row[:, None] - col[None, :] + grand) ** 2) / ((n - 1) * (k - 1))
    return {
        "ICC1": msr + (k - 1) * msw,
        "ICC2": msr + (k - 1) * mse + k * (msc - mse) / n,
        "ICC3": msr + (k - 1) * mse,
        "ICC1k": msr,
        "ICC2k": msr + (msc - mse) / n,
        "ICC3k": msr,
    }


# --- Published values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, published",
    [
        # Shrout & Fleiss (1979), the ratings of their Table 2.
        (SHROUT_FLEISS, {"ICC1": ".17", "ICC2": ".29", "ICC3": ".71",
                         "ICC1k": ".44", "ICC2k": ".62", "ICC3k": ".91"}),
        # pingouin's icc data set, its documented output.
        (WINE, {"ICC1": ".728", "ICC2": ".728", "ICC3": ".729",
                "ICC1k": ".914", "ICC2k": ".914", "ICC3k": ".915"}),
        # R irr, icc(anxiety, model = "twoway", type = "agreement").
        (ANXIETY, {"ICC2": ".198"}),
    ],
)
def test_published_estimates(name, published):
    result = intraclass_correlations(long_table(name))
    assert result.method == "anova" and result.reason is None
    for key, value in published.items():
        check(result.forms[key].estimate, value)


def test_irr_anxiety_interval_and_test():
    """irr prints ICC(A,1) = 0.198 with the interval -0.039 < ICC < 0.494."""
    icc2 = intraclass_correlations(long_table(ANXIETY)).forms["ICC2"]
    check(icc2.ci95[0], "-.039")
    check(icc2.ci95[1], ".494")
    # The F test of ICC = 0 as pingouin reports it: BMS/EMS on 19 and 38 df.
    assert (icc2.df1, icc2.df2) == (19, 38)
    check(icc2.f, "1.83")


@pytest.mark.parametrize("name", [SHROUT_FLEISS, WINE, ANXIETY])
def test_mean_squares_match_the_dense_table(name):
    frame = long_table(name)
    result = intraclass_correlations(frame)
    x = frame.pivot(index="unit", columns="rater", values="score").to_numpy(dtype=float)
    n, k = x.shape
    grand, row, col = x.mean(), x.mean(axis=1), x.mean(axis=0)
    expected = {
        "BMS": k * np.sum((row - grand) ** 2) / (n - 1),
        "WMS": np.sum((x - row[:, None]) ** 2) / (n * (k - 1)),
        "JMS": n * np.sum((col - grand) ** 2) / (k - 1),
        "EMS": np.sum((x - row[:, None] - col[None, :] + grand) ** 2) / ((n - 1) * (k - 1)),
    }
    assert result.mean_squares == pytest.approx(expected, rel=1e-12)
    assert (result.n_units, result.n_raters, result.n_ratings, result.k) == (n, k, n * k, float(k))
    vc = result.variance_components
    assert vc["unit"] == pytest.approx((expected["BMS"] - expected["EMS"]) / k, rel=1e-12)
    assert vc["rater"] == pytest.approx((expected["JMS"] - expected["EMS"]) / n, rel=1e-12)
    assert vc["within_one_way"] == pytest.approx(expected["WMS"], rel=1e-12)


def test_penicillin_reml_standard_deviations():
    """lme4's Penicillin example: REML sds plate .8467, sample 1.9316, residual .5499."""
    frame = pd.read_csv(DATA / PENICILLIN)
    ratings = read_long(frame, unit="plate", rater="sample", score="diameter", value_domain=None)
    design = icc_module._design(ratings)
    crossed, _ = icc_module._reml_components(design)
    assert crossed.reason is None
    sd = {name: np.sqrt(value) for name, value in crossed.components.items()}
    check(sd["unit"], ".8467")
    check(sd["rater"], "1.9316")
    check(sd["residual"], ".5499")
    # Balanced and every component positive: REML equals the ANOVA estimates.
    anova = intraclass_correlations(frame, unit="plate", rater="sample", score="diameter")
    for name in ("unit", "rater", "residual"):
        assert crossed.components[name] == pytest.approx(
            anova.variance_components[name], rel=1e-5
        )


# --- pingouin as a second witness --------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [long_table(SHROUT_FLEISS), long_table(WINE), long_table(ANXIETY),
     random_complete(1), random_complete(2, n=12, k=3), random_complete(3, n=50, k=8)],
    ids=["shrout-fleiss", "wine", "anxiety", "random-30x5", "random-12x3", "random-50x8"],
)
def test_agrees_with_pingouin(frame, monkeypatch):
    ours = intraclass_correlations(frame)
    theirs = pingouin_table(frame)
    for key in KEYS:
        form, row = ours.forms[key], theirs.loc[key]
        assert form.estimate == pytest.approx(row["ICC"], abs=1e-9), key
        assert form.f == pytest.approx(row["F"], abs=1e-9), key
        assert form.p_value == pytest.approx(row["pval"], abs=1e-9), key
        assert (form.df1, form.df2) == (row["df1"], row["df2"]), key
        # pingouin prints its intervals to two decimals.
        assert np.all(np.abs(np.array(form.ci95) - row["CI95"]) <= 0.005 + 1e-12), key
    monkeypatch.setitem(pingouin.options, "round.column.CI95", None)
    unrounded = pingouin_table(frame)
    for key in KEYS:
        assert ours.forms[key].ci95 == pytest.approx(tuple(unrounded.loc[key, "CI95"]), abs=1e-9)


@pytest.mark.parametrize("confidence", [0.95, 0.90, 0.99])
@pytest.mark.parametrize("name", [SHROUT_FLEISS, WINE, ANXIETY])
def test_intervals_match_mcgraw_wong_formulas(name, confidence):
    frame = long_table(name)
    ours = intraclass_correlations(frame, confidence=confidence)
    assert ours.confidence == confidence
    for key, (estimate, lower, upper, f0) in direct(frame, confidence).items():
        form = ours.forms[key]
        assert form.estimate == pytest.approx(estimate, abs=1e-12), key
        assert form.ci95 == pytest.approx((lower, upper), abs=1e-9), key
        assert form.f == pytest.approx(f0, abs=1e-9), key


def test_wider_confidence_gives_wider_intervals():
    frame = long_table(WINE)
    narrow = intraclass_correlations(frame, confidence=0.80)
    wide = intraclass_correlations(frame, confidence=0.99)
    for key in KEYS:
        (a, b), (c, d) = narrow.forms[key].ci95, wide.forms[key].ci95
        assert c < a <= narrow.forms[key].estimate <= b < d, key


# --- Properties ----------------------------------------------------------------------------

complete_designs = st.integers(2, 7).flatmap(
    lambda n: st.integers(2, 5).flatmap(
        lambda k: st.tuples(
            st.just(n), st.just(k), st.lists(st.integers(0, 5), min_size=n * k, max_size=n * k)
        )
    )
)


def as_frame(n: int, k: int, scores: list[int]) -> pd.DataFrame:
    return frame_of([(f"u{i}", f"r{j}", scores[i * k + j]) for i in range(n) for j in range(k)])


@settings(max_examples=60, derandomize=True, database=None, deadline=None)
@given(complete_designs)
def test_complete_designs_agree_with_direct_formulas(design):
    n, k, scores = design
    frame = as_frame(n, k, scores)
    result = intraclass_correlations(frame)
    if len(set(scores)) == 1:
        assert result.reason is not None and "same" in result.reason
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        witness = direct(frame)
    for key, (estimate, lower, upper, _) in witness.items():
        form = result.forms[key]
        if form.estimate is None:
            # Undefined exactly when the form's denominator is not positive.
            assert "undefined" in form.reason
            assert denominators(frame)[key] <= 1e-12, key
            continue
        assert denominators(frame)[key] > 0, key
        assert form.estimate == pytest.approx(estimate, abs=1e-9), key
        if form.ci95 is not None:
            # Degenerate tables (e.g. equal unit means) put limits far out; compare relatively.
            assert form.ci95 == pytest.approx((lower, upper), rel=1e-6, abs=1e-7), key
        else:
            assert form.reason is not None


@settings(max_examples=40, derandomize=True, database=None, deadline=None)
@given(
    st.integers(2, 9),
    st.integers(2, 6),
    st.integers(0, 2**32 - 1),
    st.randoms(use_true_random=False),
    st.floats(0.1, 10),
    st.floats(-5, 5),
)
def test_unchanged_by_permuting_raters_and_units_and_by_linear_rescaling(n, k, seed, random, a, b):
    rng = np.random.default_rng(seed)
    scores = (rng.normal(size=n)[:, None] + rng.normal(size=(n, k))).ravel().tolist()
    frame = as_frame(n, k, scores)
    units = sorted(set(frame["unit"]))
    raters = sorted(set(frame["rater"]))
    unit_map = dict(zip(units, random.sample(units, len(units))))
    rater_map = dict(zip(raters, random.sample(raters, len(raters))))
    shuffled = frame.assign(
        unit=frame["unit"].map(unit_map), rater=frame["rater"].map(rater_map)
    ).sample(frac=1.0, random_state=random.randint(0, 10_000))
    rescaled = frame.assign(score=a * frame["score"] + b)
    reference = intraclass_correlations(frame)
    for other in (intraclass_correlations(shuffled), intraclass_correlations(rescaled)):
        for key in KEYS:
            x, y = reference.forms[key], other.forms[key]
            assert (x.estimate is None) == (y.estimate is None), key
            if x.estimate is None:
                continue
            assert y.estimate == pytest.approx(x.estimate, rel=1e-9, abs=1e-9), key
            assert (x.ci95 is None) == (y.ci95 is None), key
            if x.ci95 is not None:
                assert y.ci95 == pytest.approx(x.ci95, rel=1e-7, abs=1e-9), key
            assert y.p_value == pytest.approx(x.p_value, rel=1e-7, abs=1e-12), key


def test_relabelling_an_incomplete_design_leaves_reml_estimates():
    frame = long_table(SHROUT_FLEISS).drop(index=[0, 7, 13])
    shuffled = frame.assign(
        unit=frame["unit"].map(lambda u: f"target {7 - u}"),
        rater=frame["rater"].map({"J1": "z", "J2": "y", "J3": "x", "J4": "w"}),
    ).sample(frac=1.0, random_state=3)
    a, b = intraclass_correlations(frame), intraclass_correlations(shuffled)
    assert a.method == b.method == "variance components (REML)"
    for key in KEYS:
        assert b.forms[key].estimate == pytest.approx(a.forms[key].estimate, abs=1e-6), key


def test_a_million_ratings_in_well_under_a_second():
    """100,000 units x 10 raters, summed on the long table (no pivot)."""
    rng = np.random.default_rng(7)
    n, k = 100_000, 10
    x = (rng.normal(size=n)[:, None] + rng.normal(size=k)[None, :] + rng.normal(size=(n, k)))
    frame = pd.DataFrame(
        {"unit": np.repeat(np.arange(n), k), "rater": np.tile(np.arange(k), n),
         "score": np.round(x, 1).ravel()}
    )
    intraclass_correlations(frame.head(100))  # warm up
    start = time.perf_counter()
    result = intraclass_correlations(frame)
    elapsed = time.perf_counter() - start
    assert result.n_ratings == 1_000_000 and result.method == "anova"
    assert elapsed < 2.0, elapsed  # about 0.1 s here; generous for a loaded machine
    # The same mean squares from the dense matrix.
    x = frame["score"].to_numpy().reshape(n, k)
    row, col, grand = x.mean(axis=1), x.mean(axis=0), x.mean()
    ems = np.sum((x - row[:, None] - col[None, :] + grand) ** 2) / ((n - 1) * (k - 1))
    bms = k * np.sum((row - grand) ** 2) / (n - 1)
    assert result.mean_squares["EMS"] == pytest.approx(ems, rel=1e-10)
    assert result.mean_squares["BMS"] == pytest.approx(bms, rel=1e-10)


# --- Incomplete designs: REML ---------------------------------------------------------------


def dense_reml(frame: pd.DataFrame, two_way: bool) -> np.ndarray:
    """REML variance components maximised directly: V = sum s2 Z Z' + s2_e I, mean only.

    -2 log L_R = log|V| + log|1'V^-1 1| + r'V^-1 r with r the GLS residual; minimised over
    log-variances with Nelder-Mead. Returns (unit, rater, residual) or (unit, within).
    """
    y = frame["score"].to_numpy(dtype=float)
    N = len(y)
    blocks = [pd.get_dummies(frame["unit"]).to_numpy(dtype=float)]
    if two_way:
        blocks.append(pd.get_dummies(frame["rater"]).to_numpy(dtype=float))
    grams = [Z @ Z.T for Z in blocks]
    ones = np.ones(N)

    def objective(log_s2):
        s2 = np.exp(log_s2)
        V = s2[-1] * np.eye(N) + sum(s * G for s, G in zip(s2[:-1], grams))
        Vi = np.linalg.inv(V)
        xvx = ones @ Vi @ ones
        mu = (ones @ Vi @ y) / xvx
        r = y - mu
        return np.linalg.slogdet(V)[1] + np.log(xvx) + r @ Vi @ r

    start = np.log(np.full(len(blocks) + 1, y.var()))
    best = scipy.optimize.minimize(
        objective, start, method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20_000, "maxfev": 20_000},
    )
    assert best.success
    return np.exp(best.x)


@pytest.mark.parametrize(
    "name, dropped",
    [(SHROUT_FLEISS, [0, 7, 13]), (ANXIETY, [1, 22, 23, 45, 59]), (WINE, [3, 12])],
)
def test_reml_components_match_a_direct_maximisation(name, dropped):
    frame = long_table(name).drop(index=dropped)
    result = intraclass_correlations(frame)
    assert result.method == "variance components (REML)" and result.reason is None
    vc = result.variance_components
    s2u, s2r, s2e = dense_reml(frame, two_way=True)
    s2u1, s2w = dense_reml(frame, two_way=False)
    ours = [vc["unit"], vc["rater"], vc["residual"], vc["unit_one_way"], vc["within_one_way"]]
    total = s2u + s2r + s2e
    # Both optimisers stop near the optimum; components agree to 1e-4 of the total.
    assert ours == pytest.approx([s2u, s2r, s2e, s2u1, s2w], abs=1e-4 * total)
    per_unit = frame.groupby("unit").size().to_numpy()
    k = len(per_unit) / np.sum(1 / per_unit)
    assert result.k == pytest.approx(k, abs=1e-12)
    expected = {
        "ICC1": s2u1 / (s2u1 + s2w),
        "ICC2": s2u / (s2u + s2r + s2e),
        "ICC3": s2u / (s2u + s2e),
        "ICC1k": s2u1 / (s2u1 + s2w / k),
        "ICC2k": s2u / (s2u + (s2r + s2e) / k),
        "ICC3k": s2u / (s2u + s2e / k),
    }
    for key, value in expected.items():
        assert result.forms[key].estimate == pytest.approx(value, abs=2e-4), key


def test_incomplete_design_is_reported_as_such():
    frame = long_table(SHROUT_FLEISS).drop(index=[0, 7, 13])  # 3 of 24 cells missing
    result = intraclass_correlations(frame)
    assert result.method == "variance components (REML)"
    assert (result.n_units, result.n_raters, result.n_ratings) == (6, 4, 21)
    assert result.mean_squares is None
    assert any("incomplete (12% of cells missing)" in note and "MixedLM" in note
               for note in result.notes)
    assert any("harmonic mean" in note for note in result.notes)
    for form in result.forms.values():
        assert form.estimate is not None
        assert form.ci95 is None and form.f is None and form.p_value is None
        assert form.df1 is None and form.df2 is None
        assert "no F-based interval" in form.reason


def test_reml_on_a_complete_design_equals_anova():
    """Balanced data with positive components: the REML path gives the ANOVA ICCs."""
    frame = long_table(WINE)
    ratings = read_long(frame, unit="unit", rater="rater", score="score", value_domain=None)
    design = icc_module._design(ratings)
    result = icc_module._reml_result(design, 0.95, [], np.bincount(design.unit_code))
    anova = intraclass_correlations(frame)
    for key in KEYS:
        assert result.forms[key].estimate == pytest.approx(anova.forms[key].estimate, abs=1e-6)


def test_units_rated_once_are_kept():
    rows = [(u, r, u + (r == "b")) for u in range(5) for r in "ab"] + [(9, "a", 2), (10, "b", 4)]
    rows = [row for row in rows if row[:2] != (0, "b")]
    result = intraclass_correlations(frame_of(rows))
    assert result.method == "variance components (REML)"
    assert result.n_units == 7
    assert any("3 units have a single rating and are kept" in note for note in result.notes)


def test_raters_nested_in_units_leave_only_the_one_way_forms():
    rows = [(1, "a", 1), (1, "b", 2), (2, "c", 3), (2, "d", 5), (3, "e", 4), (3, "f", 4)]
    result = intraclass_correlations(frame_of(rows))
    assert result.method == "variance components (REML)"
    assert result.forms["ICC1"].estimate is not None
    for key in ("ICC2", "ICC3", "ICC2k", "ICC3k"):
        assert result.forms[key].estimate is None
        assert "no rater scored two or more units" in result.forms[key].reason


def test_too_large_for_reml_is_refused_quickly():
    n, k = MAX_REML_RATINGS // 10 + 1, 10
    rows = [(i, j, (i * 7 + j * 3) % 6) for i in range(n) for j in range(k)][1:]
    assert len(rows) > MAX_REML_RATINGS
    start = time.perf_counter()
    result = intraclass_correlations(frame_of(rows))
    assert time.perf_counter() - start < 1.0
    assert result.method is None and "too large for the REML fit" in result.reason
    assert f"{len(rows):,} ratings" in result.reason
    assert all(form.estimate is None and form.reason == result.reason
               for form in result.forms.values())
    # Too many units + raters, even with few ratings.
    rows = [(i, j, (i + j) % 4) for i in range(MAX_REML_LEVELS) for j in range(2)][1:]
    result = intraclass_correlations(frame_of(rows))
    assert result.method is None and "too large" in result.reason


def test_a_fit_that_does_not_converge_is_refused(monkeypatch):
    monkeypatch.setattr(icc_module, "_MAX_ITER", 1)
    frame = long_table(ANXIETY).drop(index=[1, 22, 23, 45, 59])
    result = intraclass_correlations(frame)  # warnings are errors here: none may escape
    assert result.method is None
    assert "did not converge" in result.reason
    assert all(form.estimate is None for form in result.forms.values())


# --- Awkward input ------------------------------------------------------------------------


def test_one_rater():
    result = intraclass_correlations(frame_of([(1, "a", 1), (2, "a", 2), (3, "a", 4)]))
    assert result.method is None and "two raters" in result.reason
    assert all(form.estimate is None for form in result.forms.values())


def test_one_unit():
    result = intraclass_correlations(frame_of([(1, "a", 1), (1, "b", 2), (1, "c", 4)]))
    assert result.method is None and "only one unit" in result.reason


def test_every_score_identical():
    rows = [(u, r, 3) for u in range(4) for r in "abc"]
    result = intraclass_correlations(frame_of(rows))
    assert result.method is None
    assert "every score is the same (3)" in result.reason and "no variance" in result.reason
    assert result.forms["ICC2"].reason == result.reason


def test_fewer_than_two_units_with_two_ratings():
    rows = [(1, "a", 1), (1, "b", 2), (2, "a", 3), (3, "b", 5)]
    result = intraclass_correlations(frame_of(rows))
    assert result.method is None and "fewer than two units have two or more" in result.reason


def test_raters_who_differ_by_constant_offsets_only():
    rows = [(u, r, u + "abc".index(r)) for u in range(6) for r in "abc"]
    result = intraclass_correlations(frame_of(rows))
    assert result.mean_squares["EMS"] == 0.0
    icc3 = result.forms["ICC3"]
    assert icc3.estimate == 1.0 and icc3.ci95 is None and icc3.f is None
    assert "EMS is 0" in icc3.reason
    assert result.forms["ICC2"].estimate == pytest.approx(3.5 / (3.5 + 1.0))
    # The one-way forms still have their F test and interval.
    assert result.forms["ICC1"].ci95 is not None and result.forms["ICC1"].reason is None


def test_units_that_do_not_differ():
    rows = [(u, r, "abc".index(r) + (u % 2) * (r == "a") - (u % 2) * (r == "b"))
            for u in range(4) for r in "abc"]
    result = intraclass_correlations(frame_of(rows))
    assert result.mean_squares["BMS"] == 0.0
    for key in ("ICC1k", "ICC3k"):
        assert result.forms[key].estimate is None
        assert "BMS is 0" in result.forms[key].reason
    assert result.forms["ICC3"].estimate == -0.5  # -1/(k-1): no reliability at all


def test_missing_scores_and_unrated_raters_and_units():
    rows = [(u, r, float(u * (r != "c") + (r == "b"))) for u in range(5) for r in "abc"]
    frame = frame_of(rows)
    with_gaps = pd.concat(
        [frame, frame_of([(2, "nobody", None), (99, "a", np.nan), (99, "b", None)])],
        ignore_index=True,
    )
    a, b = intraclass_correlations(frame), intraclass_correlations(with_gaps)
    assert (b.n_units, b.n_raters, b.n_ratings) == (5, 3, 15)
    assert estimates(a) == estimates(b)
    assert "1 rater gave no score (every score missing) and is not counted" in b.notes
    assert "1 unit had no score (every score missing) and is not counted" in b.notes


def test_columns_can_be_named():
    frame = long_table(WINE).rename(columns={"unit": "wine", "rater": "judge", "score": "points"})
    result = intraclass_correlations(frame, unit="wine", rater="judge", score="points")
    check(result.forms["ICC2"].estimate, ".728")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda f: intraclass_correlations(f, confidence=1.0), "strictly between 0 and 1"),
        (lambda f: intraclass_correlations(f, confidence="95%"), "must be a number"),
        (lambda f: intraclass_correlations(f, confidence=True), "must be a number"),
        (lambda f: intraclass_correlations(f.rename(columns={"rater": "r"})), "no column 'rater'"),
        (lambda f: intraclass_correlations(pd.concat([f, f.head(1)])), "more than one score"),
        (lambda f: intraclass_correlations(f.assign(score="high")), "must hold numbers"),
        (lambda f: intraclass_correlations(f.to_numpy()), "must be a pandas DataFrame"),
    ],
)
def test_bad_input_is_named(call, message):
    frame = frame_of([(1, "a", 1), (1, "b", 4), (2, "a", 2), (2, "b", 2)])
    with pytest.raises(StatsInputError, match=message):
        call(frame)


def test_results_are_frozen_and_forms_ordered():
    result = intraclass_correlations(long_table(WINE))
    assert list(result.forms) == KEYS
    assert [form.shrout_fleiss for form in result.forms.values()] == [
        "ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"
    ]
    assert result.forms["ICC3k"].name == "two-way mixed effects, consistency, mean of k raters"
    assert result.forms["ICC1"].name == "one-way random effects, absolute agreement, single rater"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.method = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.forms["ICC2"].estimate = 1.0  # type: ignore[misc]
    assert isinstance(result.forms["ICC2"], IccForm)
