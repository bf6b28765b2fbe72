"""Time Krippendorff's alpha on simulated ratings; compare with the `krippendorff` package.

Run from the repository root:

    .venv/bin/python benchmarks/alpha_speed.py

Simulation (seeded): each unit has a true level on a 0-5 scale; 10 of 20 raters score it,
each with a rater bias and noise, rounded and clipped to 0-5. Sizes: 1e5 and 1e6 ratings
(1e4 and 1e5 units).

Timed: ``krippendorff_alpha_long`` on the long table (one row per rating, which is how Huddle
stores ratings), ``krippendorff_alpha`` on the same data as a raters x units matrix, and, when
the PyPI package ``krippendorff`` is importable, its ``alpha`` on that matrix. Each figure is
the best of a few runs. This prints figures; it asserts nothing and is not a test.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

if importlib.util.find_spec("stats") is None:  # running from a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stats import krippendorff_alpha, krippendorff_alpha_long  # noqa: E402

SEED = 20240601
N_RATERS = 20
RATINGS_PER_UNIT = 10
SCALE = range(6)
LEVELS = ("nominal", "ordinal", "interval")
REPEATS = 3


def simulate(n_ratings: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """A long table and the same ratings as a (raters, units) matrix with NaN for missing."""
    n_units = n_ratings // RATINGS_PER_UNIT
    truth = rng.integers(0, 6, n_units)
    bias = rng.normal(0.0, 0.3, N_RATERS)
    # For every unit, RATINGS_PER_UNIT distinct raters out of N_RATERS.
    raters = np.argsort(rng.random((n_units, N_RATERS)), axis=1)[:, :RATINGS_PER_UNIT]
    unit = np.repeat(np.arange(n_units), RATINGS_PER_UNIT)
    rater = raters.ravel()
    noise = rng.normal(0.0, 0.8, n_ratings)
    score = np.clip(np.rint(truth[unit] + bias[rater] + noise), 0, 5)
    frame = pd.DataFrame({"unit": unit, "rater": rater, "score": score})
    matrix = np.full((N_RATERS, n_units), np.nan)
    matrix[rater, unit] = score
    return frame, matrix


def best_time(function: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    rng = np.random.default_rng(SEED)
    try:
        import krippendorff as peer
    except ImportError:
        peer = None
        print("The `krippendorff` package is not importable: comparison skipped.\n")

    for n_ratings in (100_000, 1_000_000):
        frame, matrix = simulate(n_ratings, rng)
        print(
            f"{n_ratings:,} ratings, {matrix.shape[1]:,} units, {N_RATERS} raters "
            f"(matrix {matrix.shape[0]} x {matrix.shape[1]:,})"
        )
        for level in LEVELS:
            t_long, ours = best_time(
                lambda: krippendorff_alpha_long(frame, level, value_domain=SCALE)
            )
            t_matrix, _ = best_time(
                lambda: krippendorff_alpha(matrix, level, value_domain=SCALE)
            )
            line = (
                f"  {level:<9} alpha {ours.alpha:.6f}  long {t_long * 1e3:8.1f} ms  "
                f"matrix {t_matrix * 1e3:8.1f} ms"
            )
            if peer is not None:
                t_peer, theirs = best_time(
                    lambda: peer.alpha(
                        reliability_data=matrix,
                        level_of_measurement=level,
                        value_domain=list(SCALE),
                    )
                )
                line += (
                    f"  krippendorff {t_peer * 1e3:8.1f} ms  "
                    f"(peer / long {t_peer / t_long:5.2f}, peer / matrix {t_peer / t_matrix:5.2f})"
                    f"  |difference| {abs(float(theirs) - ours.alpha):.1e}"
                )
            print(line)
        print()


if __name__ == "__main__":
    main()
