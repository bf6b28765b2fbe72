"""Validation and speed of the linear area-drift model, in one run.

Run from the repository root:

    .venv/bin/python benchmarks/drift_validation.py [--runs 100] [--skip-statsmodels]

1. Flags of each model (linear and ordinal), on 100 simulated counties scored through a thresholded latent scale (rounded and
   clipped to 0-5), 6 areas of 10 raters, areas seeing needier or less needy vignettes:
   - with drift (two areas at +0.9 and -0.9 latent points): the share of counties in which
     exactly the drifting areas are flagged, in the right direction (goal: at least 95%);
   - without drift: the share of counties with any false flag (goal: at most 5%).
2. Coverage, on 100 counties simulated from the linear model itself (no rounding), with
   random area offsets: the share of 95% intervals that cover the true offset (goal 90-98%).
3. Speed: the whole drift report (areas, domains, periods, raters) on about 200k ratings,
   against one statsmodels MixedLM fit of the area model alone on the same data (goal:
   within 20 s).

This prints figures; it asserts nothing and is not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import warnings
from pathlib import Path

import numpy as np

if importlib.util.find_spec("stats") is None:  # a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stats import drift_report, simulate_county  # noqa: E402

DRIFT = [0.0, 0.0, 0.9, 0.0, -0.9, 0.0]
NO_DRIFT = [0.0] * 6


def flag_rates(runs: int, model: str) -> None:
    exact = any_false = 0
    start = time.perf_counter()
    for seed in range(runs):
        county = simulate_county(area_offsets=DRIFT, seed=1000 + seed)
        areas = drift_report(county.ratings, model=model).areas
        flagged = {a.area: a.flag for a in areas if a.flag}
        exact += flagged == {"A3": "higher", "A5": "lower"}
        county = simulate_county(area_offsets=NO_DRIFT, seed=5000 + seed)
        any_false += any(a.flag for a in drift_report(county.ratings, model=model).areas)
    print(f"Flags of the {model} model over {runs} simulated counties "
          f"({time.perf_counter() - start:.1f} s):")
    print(f"  exactly the drifting areas flagged: {exact / runs:.0%} (goal >= 95%)")
    print(f"  any false flag when nothing drifts: {any_false / runs:.0%} (goal <= 5%)")


def coverage(runs: int) -> None:
    covered = total = 0
    for seed in range(runs):
        rng = np.random.default_rng(9000 + seed)
        county = simulate_county(
            area_offsets=rng.normal(0.0, 0.5, 6), process="linear", seed=9000 + seed
        )
        for area in drift_report(county.ratings).areas:
            low, high = area.ci95
            covered += low <= county.area_offset[area.area] <= high
            total += 1
    print(f"Coverage of 95% intervals on {runs} linear counties: {covered / total:.1%} "
          f"of {total} area offsets (goal 90-98%)")


def speed(skip_statsmodels: bool) -> None:
    county = simulate_county(
        area_offsets=[0, 0.8, 0, 0, -0.8, 0, 0, 0], raters_per_area=25, n_vignettes=100,
        n_domains=7, n_huddles=1200, locals_per_huddle=10, seed=2,
    )
    ratings = county.ratings
    start = time.perf_counter()
    report = drift_report(ratings)
    ours = time.perf_counter() - start
    print(f"Drift report on {len(ratings):,} ratings ({ratings['rater'].nunique()} raters, "
          f"{len(report.areas)} areas, {ratings['domain'].nunique()} domains, "
          f"{ratings['period'].nunique()} periods): linear {ours:.2f} s (goal 20 s)", end="")
    start = time.perf_counter()
    drift_report(ratings, model="ordinal")
    print(f"; ordinal {time.perf_counter() - start:.2f} s")
    if skip_statsmodels:
        return
    import statsmodels.formula.api as smf

    frame = ratings.assign(ud=ratings["unit"] + "_" + ratings["domain"])
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm("score ~ C(ud) + C(area, Sum)", frame, groups=frame["rater"]).fit(
            reml=True
        )
    theirs = time.perf_counter() - start
    names = [k for k in fit.params.index if k.startswith("C(area")]
    difference = np.max(np.abs(fit.params[names].to_numpy()
                               - np.array([a.offset for a in report.areas[:-1]])))
    print(f"statsmodels MixedLM, area model only: {theirs:.1f} s; ratio {theirs / ours:.0f}x "
          f"for our whole report; largest offset difference {difference:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--skip-statsmodels", action="store_true")
    args = parser.parse_args()
    flag_rates(args.runs, "linear")
    flag_rates(args.runs, "ordinal")
    coverage(args.runs)
    speed(args.skip_statsmodels)


if __name__ == "__main__":
    main()
