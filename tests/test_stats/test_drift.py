"""Area drift (linear model): closed forms, statsmodels as a witness, and simulation.

- A balanced nested design has closed-form REML estimates (the ANOVA estimators).
- statsmodels' MixedLM fits the same model (vignette x domain fixed effects, sum-to-zero
  area contrasts, a random intercept per rater) by a generic optimiser; ours must agree.
- Simulated counties with known area offsets (0, or 0.9 in size), an ordinal rating
  process and areas that see needier vignettes than others: the flags must match the truth.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.stats.multitest import multipletests

from stats import (
    StatsInputError,
    connectivity,
    drift_report,
    fit_linear_drift,
    holm_adjust,
    read_drift_table,
    simulate_county,
)
from stats.__main__ import main

DRIFT_KEYS = {"model", "areas", "area_domains", "periods", "raters", "connectivity"}


def balanced_table(scores: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    units = [f"V{i + 1}" for i in range(len(next(iter(scores.values()))))]
    return pd.DataFrame(
        [(v, "sensory", r, a, s) for (a, r), row in scores.items() for v, s in zip(units, row)],
        columns=["unit", "domain", "rater", "area", "score"],
    )


def test_balanced_nested_design_gives_the_anova_estimates():
    """REML equals the ANOVA estimators in a balanced design (Searle et al. 1992, ch. 4)."""
    scores = {("A", "a1"): [1, 2, 4], ("A", "a2"): [3, 3, 5], ("B", "b1"): [2, 3, 4],
              ("B", "b2"): [4, 5, 5], ("B", "b3"): [3, 3, 5], ("C", "c1"): [2, 2, 3],
              ("C", "c2"): [1, 3, 3]}
    table = balanced_table(scores)
    y = np.array(list(scores.values()), dtype=float)  # raters x vignettes
    area = np.array([a for a, _ in scores])
    # Two-way (vignette + rater) residual mean square, and raters within areas.
    residual = y - y.mean(1, keepdims=True) - y.mean(0, keepdims=True) + y.mean()
    ms_error = (residual**2).sum() / ((y.shape[0] - 1) * (y.shape[1] - 1))
    rater_mean = y.mean(1)
    within = sum(((rater_mean[area == a] - rater_mean[area == a].mean()) ** 2).sum()
                 for a in np.unique(area))
    ms_raters = y.shape[1] * within / (len(rater_mean) - len(np.unique(area)))
    fit = fit_linear_drift(table)
    assert fit.sigma2_residual == pytest.approx(ms_error, rel=1e-5)
    assert fit.sigma2_rater == pytest.approx((ms_raters - ms_error) / y.shape[1], rel=1e-5)
    # Offsets: GLS of the area means of rater means (unequal raters per area), centred on
    # the unweighted mean of the areas.
    area_means = np.array([rater_mean[area == a].mean() for a in fit.areas])
    n_a = np.array([(area == a).sum() for a in fit.areas])
    weights = 1 / (fit.sigma2_rater + fit.sigma2_residual / y.shape[1]) * n_a
    assert fit.offset == pytest.approx(area_means - area_means.mean(), abs=1e-9)
    assert fit.offset.sum() == pytest.approx(0.0, abs=1e-12)
    var_means = 1 / weights
    K = len(n_a)
    expected_var = [(1 - 2 / K) * var_means[k] + var_means.sum() / K**2 for k in range(K)]
    assert fit.se**2 == pytest.approx(expected_var, rel=1e-5)


def statsmodels_fit(table: pd.DataFrame):
    frame = table.assign(ud=table["unit"] + "_" + table["domain"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return smf.mixedlm("score ~ C(ud) + C(area, Sum)", frame, groups=frame["rater"]).fit(
            reml=True
        )


@pytest.mark.parametrize("seed", [3, 4])
def test_agrees_with_statsmodels_mixedlm(seed):
    county = simulate_county(area_offsets=[0, 0.9, 0, -0.9, 0], seed=seed, n_huddles=25)
    table = read_drift_table(county.ratings)
    ours = fit_linear_drift(table)
    theirs = statsmodels_fit(table)
    names = [k for k in theirs.params.index if k.startswith("C(area")]
    # statsmodels' Sum coding: the first K - 1 areas, in sorted order, as ours.
    assert ours.offset[:-1] == pytest.approx(theirs.params[names].to_numpy(), abs=1e-4)
    assert ours.se[:-1] == pytest.approx(theirs.bse[names].to_numpy(), rel=1e-3)
    assert ours.sigma2_rater == pytest.approx(float(theirs.cov_re.iloc[0, 0]), rel=1e-3)
    assert ours.sigma2_residual == pytest.approx(theirs.scale, rel=1e-4)
    # Rater predictions: area offset plus the BLUP.
    blup = {r: float(v.iloc[0]) for r, v in theirs.random_effects.items()}
    ours_blup = dict(zip(ours.raters, ours.rater_effect))
    assert [ours_blup[r] for r in blup] == pytest.approx(list(blup.values()), abs=1e-4)


def test_holm_matches_statsmodels():
    p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.0001]
    assert holm_adjust(p) == pytest.approx(multipletests(p, method="holm")[1], abs=1e-15)


# --- Simulation ---------------------------------------------------------------------------

SIMULATIONS = [
    (seed, [0, 0, 0.9, 0, -0.9, 0] if seed % 2 == 0 else [0.0] * 6) for seed in range(20)
]


def test_flags_match_the_truth_in_simulated_counties():
    """20 counties, half with two drifting areas (+-0.9 latent points), half with none,
    scored through a rounded and clipped latent scale; areas see needier vignettes."""
    exact = false_flags = 0
    for seed, truth in SIMULATIONS:
        county = simulate_county(area_offsets=truth, seed=seed)
        report = drift_report(county.ratings)
        flagged = {a.area: a.flag for a in report.areas if a.flag}
        true = {a: ("higher" if o > 0 else "lower")
                for a, o in county.area_offset.items() if abs(o) >= 0.5}
        exact += flagged == true
        false_flags += len(set(flagged) - set(true))
    assert exact >= 19
    assert false_flags <= 1


def test_raw_means_mislead_where_the_model_does_not():
    """No drift at all, but areas see needier vignettes: raw area means differ a lot."""
    county = simulate_county(area_offsets=[0.0] * 6, seed=5, need_bias=2.0)
    raw = county.ratings.groupby("area")["score"].mean()
    assert raw.max() - raw.min() > 0.6
    report = drift_report(county.ratings)
    assert not any(a.flag for a in report.areas)
    assert max(abs(a.offset) for a in report.areas) < 0.3


def test_small_areas_are_never_flagged():
    county = simulate_county(area_offsets=[0, 0, 1.5, 0], seed=2, raters_per_area=4,
                             locals_per_huddle=4, visitors_per_huddle=1)
    report = drift_report(county.ratings)
    assert {a.status for a in report.areas} == {"insufficient_data"}
    assert not any(a.flag for a in report.areas)
    loose = drift_report(county.ratings, min_raters=3)
    assert [a.area for a in loose.areas if a.flag] == ["A3"]


def test_unlinked_areas_are_named_and_left_out():
    county = simulate_county(area_offsets=[0, 0, 0], seed=1)
    island = pd.DataFrame({
        "unit": [f"X{u}" for u in range(3) for _ in range(6)], "domain": "D1",
        "rater": [f"I{r}" for _ in range(3) for r in range(6)], "area": "Island",
        "score": 2.0, "period": "P1", "huddle": 99,
    })
    report = drift_report(pd.concat([county.ratings, island], ignore_index=True))
    assert report.connectivity.not_linked == ("Island",)
    assert not report.connectivity.connected
    island_row = next(a for a in report.areas if a.area == "Island")
    assert (island_row.status, island_row.offset, island_row.n_ratings) == ("not_linked", None, 18)
    assert any("Island" in note for note in report.notes)


def test_connectivity_counts_shared_vignette_domains():
    table = pd.DataFrame({"unit": ["V1", "V1", "V1", "V2", "V2"],
                          "domain": ["a", "a", "b", "a", "a"],
                          "rater": list("pqrst"), "area": ["N", "S", "S", "S", "W"],
                          "score": 1.0})
    links = connectivity(table)
    assert links.connected and links.groups == (("N", "S", "W"),)
    assert links.shared_units == {("N", "S"): 1, ("N", "W"): 0, ("S", "W"): 1}


def test_periods_and_domains_are_fitted_separately():
    county = simulate_county(area_offsets=[0, 0, 0.9, 0, -0.9, 0], seed=8)
    report = drift_report(county.ratings)
    assert {p.period for p in report.periods} == {"P1", "P2", "P3"}
    assert {d.domain for d in report.area_domains} == {"D1", "D2", "D3", "D4"}
    for part in (report.periods, report.area_domains):
        by_area: dict[str, list[float]] = {}
        for row in part:
            if row.offset is not None:
                by_area.setdefault(row.area, []).append(row.offset)
        assert np.mean(by_area["A3"]) > 0.4 and np.mean(by_area["A5"]) < -0.4


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"unit": ["V1"], "rater": ["a"], "area": ["N"], "score": [1]}),
     "no column domain"),
    (pd.DataFrame({"unit": ["V1"], "domain": "d", "rater": ["a"], "area": ["N"],
                   "score": ["high"]}), "'high' in the row labelled 0 is not a number"),
    (pd.DataFrame({"unit": ["V1"], "domain": "d", "rater": ["a"], "area": [None],
                   "score": [2]}), "a score without an area"),
    (pd.DataFrame({"unit": ["V1", "V2"], "domain": "d", "rater": ["a", "b"], "area": "N",
                   "score": [1, 2]}), "at least two are needed"),
])
def test_bad_tables_are_refused_with_a_reason(frame, message):
    with pytest.raises(StatsInputError, match=message):
        drift_report(frame)


# --- Command line -------------------------------------------------------------------------


def test_command_line_json_contract(tmp_path, capsys):
    county = simulate_county(area_offsets=[0, 0, 0.9, 0, -0.9, 0], seed=0)
    path = tmp_path / "drift.csv"
    county.ratings.to_csv(path, index=False)
    assert main(["drift", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out, parse_constant=pytest.fail)
    assert DRIFT_KEYS <= set(report) and report["model"] == "linear"
    direct = drift_report(county.ratings)
    assert [a["area"] for a in report["areas"]] == [a.area for a in direct.areas]
    for row, a in zip(report["areas"], direct.areas):
        assert {"area", "offset", "ci95", "n_raters", "n_ratings", "flag", "status"} <= set(row)
        assert row["offset"] == pytest.approx(a.offset, abs=1e-12)
        assert row["ci95"] == pytest.approx(list(a.ci95), abs=1e-12)
    assert {r["flag"] for r in report["areas"]} == {None, "higher", "lower"}
    assert {"area", "domain", "offset", "ci95", "flag", "status"} <= set(report["area_domains"][0])
    assert {"period", "area", "offset", "ci95", "n_raters"} <= set(report["periods"][0])
    assert {"rater", "area", "offset", "ci95", "n_ratings"} <= set(report["raters"][0])
    assert report["connectivity"]["connected"] is True
    # Settings are honoured.
    assert main(["drift", str(path), "--format", "json", "--threshold", "5"]) == 0
    assert not any(a["flag"] for a in json.loads(capsys.readouterr().out)["areas"])
    assert main(["drift", str(path), "--min-raters", "50"]) == 0
    assert "insufficient data" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [
    ("", "the file is empty"),
    ("unit,domain,rater,area\nV1,d,a,N\n", "missing column(s) score"),
    ("unit,domain,rater,area,score\nV1,d,a,N,x\n", "line 2: score 'x' is not a number"),
    ("unit,domain,rater,area,score\nV1,d,a,N,1\nV1,d,b,N,2\n", "at least two are needed"),
    ("unit,domain,rater,area,score\nV1,d,a,N,1e308\nV1,d,b,S,2\n",
     "score 1e+308 on line 2 is far off any rating scale"),
    ("unit,domain,rater,area,score\nV1,d,a,N,3\nV1,d,b,S,3\nV2,d,a,N,3\n",
     "every score is 3, so no area can score higher or lower"),
    ("unit,domain,rater,area,score\nV1,d,a,,3\n", "a score without an area on line 2"),
])
def test_command_line_bad_files_exit_2_with_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["drift", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and message in captured.err


def test_changes_between_periods_are_found_with_their_start():
    """Drift that begins in the fourth of six terms: found in both areas, since that term,
    and in the raters of those areas only; nothing is found where nothing changes."""
    found = 0
    for seed in range(5):
        county = simulate_county(area_offsets=[0, 0, 0.9, 0, -0.9, 0], n_periods=6,
                                 n_huddles=60, drift_from_period=4, seed=seed)
        report = drift_report(county.ratings)
        areas = {(c.name, c.direction, c.since) for c in report.changes if c.kind == "area"}
        found += areas == {("A3", "higher", "P4"), ("A5", "lower", "P4")}
        home = county.ratings.groupby("rater")["area"].first()
        assert {home[c.name] for c in report.changes if c.kind == "rater"} <= {"A3", "A5"}
        for change in report.changes:
            assert abs(change.after - change.before) >= 0.5 and change.p_holm < 0.05
        steady = simulate_county(area_offsets=[0, 0, 0.9, 0, -0.9, 0], n_periods=6,
                                 n_huddles=60, seed=50 + seed)
        assert drift_report(steady.ratings).changes == ()
    assert found >= 4


# --- The ordinal (many-facet Rasch) model ---------------------------------------------------


def rating_scale_data(seed: int, erratic: int | None = None):
    """Scores drawn from the rating-scale model itself, with known severities."""
    from stats.facets import _category_probabilities

    rng = np.random.default_rng(seed)
    n_areas, per_area, n_units = 6, 10, 150
    area = np.repeat(np.arange(n_areas), per_area)
    severity_area = np.array([0.0, 0.0, 0.8, 0.0, -0.8, 0.0])
    own = rng.normal(0.0, 0.4, len(area))
    for a in range(n_areas):
        own[area == a] -= own[area == a].mean()
    need = rng.normal(0.0, 1.5, n_units)
    thresholds = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    rows = []
    for u in range(n_units):
        people = rng.choice(len(area), 15, replace=False)
        probabilities = _category_probabilities(
            need[u] - severity_area[area[people]] - own[people], thresholds)
        for r, p in zip(people, probabilities):
            score = rng.integers(0, 6) if r == erratic else rng.choice(6, p=p)
            rows.append((f"V{u}", "d", f"R{r:02d}", f"A{area[r]}", float(score)))
    table = pd.DataFrame(rows, columns=["unit", "domain", "rater", "area", "score"])
    return table, -severity_area, -(severity_area[area] + own)


def test_rating_scale_model_recovers_known_severities():
    from stats import fit_rating_scale_model

    table, area_leniency, rater_leniency = rating_scale_data(4)
    fit = fit_rating_scale_model(table)
    assert fit.converged
    assert fit.area_leniency.sum() == pytest.approx(0.0, abs=1e-9)
    # Joint maximum likelihood spreads measures a little (its known bias), so allow 0.25.
    assert fit.area_leniency == pytest.approx(area_leniency, abs=0.25)
    order = [int(r[1:]) for r in fit.raters]
    assert np.corrcoef(fit.rater_leniency, rater_leniency[order])[0, 1] > 0.9
    assert fit.thresholds == pytest.approx([-2, -1, 0, 1, 2], abs=0.35)
    assert 0.8 < np.median(fit.infit) < 1.2 and 0.8 < np.median(fit.outfit) < 1.2


def test_an_erratic_rater_misfits():
    from stats import fit_rating_scale_model

    table, _, _ = rating_scale_data(5, erratic=7)
    fit = fit_rating_scale_model(table)
    j = fit.raters.index("R07")
    assert fit.infit[j] > 1.5 and fit.outfit[j] > 1.5
    others = np.delete(fit.infit, j)
    assert np.all(others < fit.infit[j])


def test_ordinal_and_linear_models_agree_in_order_sign_and_flags():
    for seed in range(5):
        county = simulate_county(area_offsets=[0, 0, 0.9, 0, -0.9, 0], seed=seed)
        linear = drift_report(county.ratings)
        ordinal = drift_report(county.ratings, model="ordinal")
        assert [a.area for a in linear.areas] == [a.area for a in ordinal.areas]
        assert [a.flag for a in linear.areas] == [a.flag for a in ordinal.areas]
        lin = np.array([a.offset for a in linear.areas])
        ordi = np.array([a.offset for a in ordinal.areas])
        big = np.abs(lin) > 0.3
        assert np.array_equal(np.sign(lin[big]), np.sign(ordi[big]))
        assert np.corrcoef(lin, ordi)[0, 1] > 0.95
        for a in ordinal.areas:
            assert np.sign(a.logit) == np.sign(a.offset)
            assert a.ci95[0] <= a.offset <= a.ci95[1]


def test_ordinal_model_on_the_command_line(tmp_path, capsys):
    county = simulate_county(area_offsets=[0, 0, 0.9, 0, -0.9, 0], seed=0)
    path = tmp_path / "drift.csv"
    county.ratings.to_csv(path, index=False)
    assert main(["drift", str(path), "--model", "ordinal", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "ordinal"
    assert {"logit", "logit_se", "fair_average"} <= set(report["areas"][0])
    assert {"logit", "infit", "outfit"} <= set(report["raters"][0])
    flagged = {a["area"]: a["flag"] for a in report["areas"] if a["flag"]}
    assert flagged == {"A3": "higher", "A5": "lower"}


def test_a_second_score_of_the_same_vignette_is_counted_and_said():
    county = simulate_county(area_offsets=[0, 0, 0.9, 0, -0.9, 0], seed=1)
    before = int(county.ratings.duplicated(["unit", "domain", "rater"]).sum())
    again = county.ratings.drop_duplicates(["unit", "domain", "rater"]).head(7).assign(huddle=999)
    report = drift_report(pd.concat([county.ratings, again], ignore_index=True))
    assert any(note.startswith(f"{before + 7} score(s) are a rater's second score")
               for note in report.notes)
    assert sum(a.n_ratings for a in report.areas) == len(county.ratings) + 7


def test_without_breakdowns_the_area_and_rater_figures_are_the_same():
    county = simulate_county(area_offsets=[0, 0, 0.9, 0, -0.9, 0], seed=6)
    full = drift_report(county.ratings)
    lean = drift_report(county.ratings, breakdowns=False)
    assert (lean.area_domains, lean.periods, lean.changes) == ((), (), ())
    assert [a.offset for a in lean.areas] == [a.offset for a in full.areas]
    assert [r.offset for r in lean.raters] == [r.offset for r in full.raters]
