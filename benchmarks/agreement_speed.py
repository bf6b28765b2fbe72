"""Speed of Huddle's agreement statistics against the peer libraries, in one run.

Run from the repository root (one core, so the figures do not depend on BLAS threads):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/agreement_speed.py

What is timed, each library on its own natural input built before the clock starts:

* Krippendorff's alpha, ordinal and interval, on 10k, 100k and 1M ratings of a 0-5 scale
  with 20% of the rater x unit cells missing: ``stats.krippendorff_alpha_long`` on the long
  table (how Huddle stores ratings) and ``stats.krippendorff_alpha`` on the raters x units
  matrix, against ``krippendorff.alpha`` on that matrix.
* The six intraclass correlations on complete designs of 10k, 100k and 1M ratings:
  ``stats.intraclass_correlations`` on the long table against ``pingouin.intraclass_corr``
  on the same long table.
* 1,000 bootstrap replicates of ordinal alpha on 100k ratings.

Each figure is the median of several runs. Goals (issue: agreement coefficients): never
slower than ``krippendorff`` at 100k and 1M ratings, at least 5 times faster at 1M, and the
bootstrap within 2 s. This prints figures and ratios; it asserts nothing and is not a test.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

if importlib.util.find_spec("stats") is None:  # a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stats import (  # noqa: E402
    intraclass_correlations,
    krippendorff_alpha,
    krippendorff_alpha_bootstrap,
    krippendorff_alpha_long,
)

SEED = 20261204
SIZES = (10_000, 100_000, 1_000_000)
N_RATERS = 20
MISSING = 0.2
SCALE = list(range(6))
ICC_RATERS = 10


def median_time(function: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def simulate_missing(n_ratings: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """About ``n_ratings`` ratings: N_RATERS raters, 20% of cells missing, scores 0-5."""
    n_units = round(n_ratings / (N_RATERS * (1 - MISSING)))
    truth = rng.integers(0, 6, n_units)
    bias = rng.normal(0.0, 0.3, N_RATERS)
    noise = rng.normal(0.0, 0.8, (N_RATERS, n_units))
    matrix = np.clip(np.rint(truth[None, :] + bias[:, None] + noise), 0, 5)
    matrix[rng.random(matrix.shape) < MISSING] = np.nan
    rater, unit = np.nonzero(~np.isnan(matrix))
    frame = pd.DataFrame({"unit": unit, "rater": rater, "score": matrix[rater, unit]})
    return frame, matrix


def simulate_complete(n_ratings: int, rng: np.random.Generator) -> pd.DataFrame:
    n_units = n_ratings // ICC_RATERS
    truth = rng.normal(2.5, 1.0, n_units)
    bias = rng.normal(0.0, 0.3, ICC_RATERS)
    unit = np.repeat(np.arange(n_units), ICC_RATERS)
    rater = np.tile(np.arange(ICC_RATERS), n_units)
    score = np.clip(np.rint(truth[unit] + bias[rater] + rng.normal(0, 0.7, len(unit))), 0, 5)
    return pd.DataFrame({"unit": unit, "rater": rater, "score": score})


def repeats_for(n_ratings: int) -> int:
    return 7 if n_ratings <= 100_000 else 3


def bench_alpha(rng: np.random.Generator) -> None:
    try:
        import krippendorff as peer
    except ImportError:  # pragma: no cover - the test extra installs it
        peer = None
        print("krippendorff is not importable: alpha comparison skipped")
    print("Krippendorff's alpha (median seconds; ratio = krippendorff / ours)")
    for n in SIZES:
        frame, matrix = simulate_missing(n, rng)
        repeats = repeats_for(n)
        for level in ("ordinal", "interval"):
            t_long, ours = median_time(
                lambda: krippendorff_alpha_long(frame, level, value_domain=SCALE), repeats
            )
            t_matrix, _ = median_time(
                lambda: krippendorff_alpha(matrix, level, value_domain=SCALE), repeats
            )
            line = (
                f"  {len(frame):>9,} ratings {level:<8} long {t_long:8.4f}  "
                f"matrix {t_matrix:8.4f}"
            )
            if peer is not None:
                t_peer, theirs = median_time(
                    lambda: peer.alpha(
                        reliability_data=matrix, level_of_measurement=level, value_domain=SCALE
                    ),
                    repeats,
                )
                line += (
                    f"  krippendorff {t_peer:8.4f}  ratio long {t_peer / t_long:6.1f}x  "
                    f"matrix {t_peer / t_matrix:6.1f}x  |diff| {abs(theirs - ours.alpha):.1e}"
                )
            print(line)


def bench_icc(rng: np.random.Generator) -> None:
    try:
        import pingouin
    except ImportError:  # pragma: no cover
        pingouin = None
        print("pingouin is not importable: ICC comparison skipped")
    print("Intraclass correlations, complete designs (median seconds; ratio = pingouin / ours)")
    for n in SIZES:
        frame = simulate_complete(n, rng)
        repeats = repeats_for(n)
        t_ours, ours = median_time(lambda: intraclass_correlations(frame), repeats)
        line = f"  {len(frame):>9,} ratings  ours {t_ours:8.4f}"
        if pingouin is not None:
            peer_repeats = repeats if n <= 100_000 else 1
            t_peer, theirs = median_time(
                lambda: pingouin.intraclass_corr(
                    frame, targets="unit", raters="rater", ratings="score"
                ),
                peer_repeats,
            )
            table = theirs.set_index("Type")
            # pingouin 0.7 labels ICC2 "ICC(A,1)"; earlier releases "ICC2".
            icc2 = float(table.loc["ICC(A,1)" if "ICC(A,1)" in table.index else "ICC2", "ICC"])
            line += (
                f"  pingouin {t_peer:8.4f}  ratio {t_peer / t_ours:7.1f}x  "
                f"|ICC2 diff| {abs(icc2 - ours.forms['ICC2'].estimate):.1e}"
            )
        print(line)


def bench_bootstrap(rng: np.random.Generator) -> None:
    frame, _ = simulate_missing(100_000, rng)
    elapsed, result = median_time(
        lambda: krippendorff_alpha_bootstrap(
            frame, "ordinal", n_boot=1000, seed=1, value_domain=SCALE
        ),
        3,
    )
    print(
        f"Bootstrap: 1,000 replicates of ordinal alpha on {len(frame):,} ratings: "
        f"{elapsed:.3f} s (goal 2 s); alpha {result.alpha:.4f}, "
        f"95% CI {result.ci[0]:.4f} to {result.ci[1]:.4f}"
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    bench_alpha(rng)
    print()
    bench_icc(rng)
    print()
    bench_bootstrap(rng)


if __name__ == "__main__":
    main()
