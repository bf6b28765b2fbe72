"""Calibration of each rater against a reference score (a consensus or moderated score).

For every rater: how many of their scores have a reference, the mean signed difference
(rater minus reference; positive means they score higher), the mean absolute difference,
the root mean square difference, and the shares of scores equal to and within one level
of the reference.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._ratings import read_reference_pairs

__all__ = ["RaterCalibration", "calibrate_raters"]


@dataclass(frozen=True)
class RaterCalibration:
    """One rater's scores compared with the reference scores.

    Every figure is None when ``n_compared`` is 0 (no score of theirs has a reference).

    Attributes
    ----------
    rater : hashable
        The rater's label.
    n_scored : int
        Scores the rater gave.
    n_compared : int
        Of those, scores whose unit has a reference score.
    mean_signed_difference : float or None
        :math:`\\frac{1}{n}\\sum (x_i - r_i)`; positive when the rater scores higher.
    mean_absolute_difference : float or None
        :math:`\\frac{1}{n}\\sum |x_i - r_i|`.
    rmse : float or None
        :math:`\\sqrt{\\frac{1}{n}\\sum (x_i - r_i)^2}`.
    share_exact : float or None
        Share of compared scores equal to the reference.
    share_within_one : float or None
        Share of compared scores within one level of the reference.
    """

    rater: Hashable
    n_scored: int
    n_compared: int
    mean_signed_difference: float | None
    mean_absolute_difference: float | None
    rmse: float | None
    share_exact: float | None
    share_within_one: float | None


def calibrate_raters(
    frame: pd.DataFrame,
    *,
    rater: Hashable = "rater",
    score: Hashable = "score",
    reference: Hashable = "reference",
) -> list[RaterCalibration]:
    """Compare each rater's scores with the reference scores of the same units.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating, with the rater, their score, and the unit's reference score
        (missing where the unit has none; those rows count in ``n_scored`` only).
    rater, score, reference : hashable, optional
        Column names.

    Returns
    -------
    list of RaterCalibration
        One per rater, in order of first appearance.

    Raises
    ------
    StatsInputError
        If a column is missing, the table is empty, or a score or reference is not a number.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"rater": ["a", "a", "a", "b"],
    ...                       "score": [3, 4, 1, 2],
    ...                       "reference": [3, 2, None, 2]})
    >>> a, b = calibrate_raters(frame)
    >>> a.n_scored, a.n_compared, a.mean_signed_difference, a.share_exact, a.share_within_one
    (3, 2, 1.0, 0.5, 0.5)
    >>> round(a.rmse, 4)
    1.4142
    """
    labels, codes, x, r = read_reference_pairs(
        frame, rater=rater, score=score, reference=reference
    )
    results = []
    for k, label in enumerate(labels):
        mine = codes == k
        has_reference = mine & ~np.isnan(r)
        d = x[has_reference] - r[has_reference]
        n = int(d.size)
        if n == 0:
            results.append(RaterCalibration(label, int(mine.sum()), 0, None, None, None, None, None))
            continue
        results.append(
            RaterCalibration(
                rater=label,
                n_scored=int(mine.sum()),
                n_compared=n,
                mean_signed_difference=float(d.mean()),
                mean_absolute_difference=float(np.abs(d).mean()),
                rmse=float(np.sqrt((d**2).mean())),
                share_exact=float((d == 0).mean()),
                share_within_one=float((np.abs(d) <= 1).mean()),
            )
        )
    return results
