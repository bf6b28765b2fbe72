r"""Per-unit descriptive statistics and percent agreement.

What a reviewer looks at before any coefficient: for each unit (a vignette
and domain, say) how many ratings it has, how they spread over the scale,
and where their middle lies; and across units, how often two raters give
the same score, or scores at most one point apart.

All functions take a long table, one row per rating. A row whose score is
missing (NaN, None, ``pd.NA``) is a missing rating and is ignored.

References
----------
.. [1] Hyndman, R. J., & Fan, Y. (1996). Sample quantiles in statistical
   packages. The American Statistician, 50(4), 361-365.
   doi:10.1080/00031305.1996.10473566
.. [2] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.),
   chapter 2. Advanced Analytics, LLC. ISBN 978-0-9708062-8-4.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._ratings import Ratings, read_long, read_value_domain, unit_value_counts
from .errors import StatsInputError

__all__ = [
    "PercentAgreement",
    "UnitDescriptives",
    "UnitSummary",
    "percent_agreement",
    "percent_exact_agreement",
    "percent_within_one",
    "unit_descriptives",
]

#: Slack added to a positive tolerance, relative to the largest score, so that
#: a difference of exactly one scale point is not lost to rounding (e.g.
#: 2.3 - 1.3 > 1 in binary floating point).
_RELATIVE_SLACK = 1e-9


@dataclass(frozen=True)
class UnitSummary:
    """Descriptive statistics of the ratings of one unit.

    Statistics that need a rating are None when the unit has none; ``sd``
    is None when it has fewer than two.

    Attributes
    ----------
    unit : hashable
        The unit's label.
    n : int
        Number of ratings.
    counts : tuple of int
        Ratings at each level, aligned with :attr:`UnitDescriptives.levels`.
    median, mean : float or None
        Median and arithmetic mean.
    sd : float or None
        Sample standard deviation, :math:`\\sqrt{\\sum (x - \\bar x)^2 / (n - 1)}`.
    q1, q3 : float or None
        First and third quartiles, by linear interpolation between order
        statistics (Hyndman & Fan's definition 7, NumPy's and R's default).
    iqr : float or None
        Interquartile range, ``q3 - q1``.
    minimum, maximum : float or None
        Lowest and highest rating.
    """

    unit: Hashable
    n: int
    counts: tuple[int, ...]
    median: float | None
    mean: float | None
    sd: float | None
    q1: float | None
    q3: float | None
    iqr: float | None
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class UnitDescriptives:
    """Descriptive statistics of every unit.

    Attributes
    ----------
    levels : tuple of float
        The levels that ``counts`` refer to: the declared scale when given,
        else the distinct scores found, ascending.
    units : tuple of UnitSummary
        One per unit, in order of first appearance in the table (units whose
        scores are all missing included, with ``n == 0``).
    """

    levels: tuple[float, ...]
    units: tuple[UnitSummary, ...]

    def __getitem__(self, unit: Hashable) -> UnitSummary:
        """The summary of the unit labelled ``unit``."""
        for summary in self.units:
            if summary.unit == unit:
                return summary
        raise KeyError(unit)

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: the statistics, then one count column per level."""
        rows = []
        for s in self.units:
            row: dict[str, Any] = {
                "unit": s.unit,
                "n": s.n,
                "median": s.median,
                "mean": s.mean,
                "sd": s.sd,
                "q1": s.q1,
                "q3": s.q3,
                "iqr": s.iqr,
                "min": s.minimum,
                "max": s.maximum,
            }
            row.update(
                {f"n_{_level_name(level)}": count for level, count in zip(self.levels, s.counts)}
            )
            rows.append(row)
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class PercentAgreement:
    """Share of within-unit rater pairs whose scores agree.

    Attributes
    ----------
    tolerance : float
        Two scores agree when they differ by at most this much (0: exactly).
    proportion : float or None
        ``n_agreeing_pairs / n_pairs``; None when no unit has two ratings.
    n_agreeing_pairs : int
        Pairs of ratings of the same unit, by different raters, that agree.
    n_pairs : int
        All such pairs, :math:`\\sum_u m_u (m_u - 1) / 2`.
    n_pairable_units : int
        Units with two or more ratings.
    reason : str or None
        Why ``proportion`` is None; None when it is defined.
    """

    tolerance: float
    proportion: float | None
    n_agreeing_pairs: int
    n_pairs: int
    n_pairable_units: int
    reason: str | None

    @property
    def percent(self) -> float | None:
        """``proportion`` as a percentage (0-100), or None."""
        return None if self.proportion is None else 100.0 * self.proportion


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------


def unit_descriptives(
    frame: pd.DataFrame,
    *,
    unit: Hashable = "unit",
    score: Hashable = "score",
    value_domain: Sequence[float] | None = None,
) -> UnitDescriptives:
    """Count, spread and centre of the ratings of each unit.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating. Rater labels are not needed; other columns are
        ignored.
    unit, score : hashable, optional
        Names of the unit and score columns.
    value_domain : sequence of float, optional
        The declared scale, e.g. ``range(6)``. Counts are given for every
        level of it, zeros included, and a score outside it is an error.
        Without it, counts cover the distinct scores found.

    Returns
    -------
    UnitDescriptives

    Raises
    ------
    StatsInputError
        If ``frame`` is not a DataFrame, lacks a column, is empty or holds no
        rating, holds a non-numeric or infinite score, a score outside
        ``value_domain``, or a score without a unit label.

    Notes
    -----
    Quartiles interpolate linearly between order statistics
    :math:`x_{(1)} \\le \\dots \\le x_{(n)}`: the quantile :math:`p` is
    :math:`x_{(j)} + g\\,(x_{(j+1)} - x_{(j)})` with :math:`h = (n - 1)p + 1`,
    :math:`j = \\lfloor h \\rfloor` and :math:`g = h - j` (definition 7 of
    Hyndman & Fan [1]_; NumPy's ``percentile`` default and R's ``quantile``
    default). The median is the middle value, or the mean of the two middle
    values.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"unit": ["a"] * 5 + ["b"] * 2,
    ...                       "score": [1, 2, 2, 4, 5, 3, 4]})
    >>> result = unit_descriptives(frame, value_domain=range(6))
    >>> a = result["a"]
    >>> a.n, a.counts, a.median, a.q1, a.q3, a.iqr
    (5, (0, 1, 2, 0, 1, 1), 2.0, 2.0, 4.0, 2.0)
    >>> round(a.sd, 4)
    1.6432
    >>> result["b"].q1, result["b"].median, result["b"].q3
    (3.25, 3.5, 3.75)
    """
    domain = read_value_domain(value_domain)
    ratings = read_long(frame, unit=unit, rater=None, score=score, value_domain=domain)
    return _unit_descriptives(ratings, domain)


def percent_agreement(
    frame: pd.DataFrame,
    *,
    tolerance: float = 0.0,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
) -> PercentAgreement:
    r"""Share of pairs of raters, within units, whose scores agree.

    Every unordered pair of ratings of the same unit by two different raters
    counts once; a unit rated :math:`m_u` times holds
    :math:`m_u (m_u - 1)/2` pairs, and a unit rated once holds none. Two
    scores agree when :math:`|x_i - x_j| \le` ``tolerance``. Then

    .. math::

        p = \frac{\sum_u a_u}{\sum_u m_u (m_u - 1)/2},

    with :math:`a_u` the agreeing pairs of unit :math:`u`. Equivalently, the
    per-unit shares of agreeing pairs averaged with weights equal to the
    units' numbers of pairs. With two raters it is the familiar percent
    agreement (Gwet [1]_, chapter 2). It is not corrected for chance; use
    Krippendorff's alpha for that.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating.
    tolerance : float, default 0.0
        Largest difference that still counts as agreement; must be >= 0. A
        positive tolerance allows for floating-point rounding (differences
        within 1e-9 of it, relative to the largest score, count).
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.

    Returns
    -------
    PercentAgreement
        ``proportion`` is None, with a ``reason``, when no unit has two
        ratings.

    Raises
    ------
    StatsInputError
        If ``tolerance`` is negative or not a finite number; as
        :func:`unit_descriptives` for the table; and when a rater scores the
        same unit twice or a rated row lacks its rater label.

    See Also
    --------
    percent_exact_agreement, percent_within_one

    Examples
    --------
    Gwet (2014) [1]_: two abstractors classify 100 pregnancies in three
    categories; they agree on 13 + 20 + 56 of them, percent agreement .89.

    >>> import numpy as np
    >>> import pandas as pd
    >>> table = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    >>> first, second = np.divmod(np.repeat(np.arange(9), table.ravel()), 3)
    >>> frame = pd.DataFrame({
    ...     "unit": np.tile(np.arange(100), 2),
    ...     "rater": np.repeat(["abstractor 1", "abstractor 2"], 100),
    ...     "score": np.concatenate([first, second])})
    >>> percent_agreement(frame).proportion
    0.89

    References
    ----------
    .. [1] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.).
       Advanced Analytics, LLC. ISBN 978-0-9708062-8-4.
    """
    if isinstance(tolerance, (bool, np.bool_)) or not isinstance(tolerance, numbers.Real):
        raise StatsInputError(f"tolerance must be a number >= 0; got {tolerance!r}")
    if not np.isfinite(float(tolerance)) or tolerance < 0:
        raise StatsInputError(f"tolerance must be a finite number >= 0; got {tolerance!r}")
    ratings = read_long(frame, unit=unit, rater=rater, score=score, value_domain=None)
    return _percent_agreement(ratings, float(tolerance))


def percent_exact_agreement(
    frame: pd.DataFrame,
    *,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
) -> PercentAgreement:
    """Share of within-unit rater pairs giving exactly the same score.

    :func:`percent_agreement` with ``tolerance=0``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating; a missing score is a missing rating.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.

    Returns
    -------
    PercentAgreement
        ``proportion`` is None, with a ``reason``, when no unit has two
        ratings.

    Raises
    ------
    StatsInputError
        As :func:`percent_agreement`.

    Examples
    --------
    Unit "a" has 3 pairs, one agreeing (2, 2); unit "b" has 1 pair, not
    agreeing; unit "c" was rated once and holds no pair: 1 / 4.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"unit": ["a", "a", "a", "b", "b", "c"],
    ...                       "rater": ["x", "y", "z", "x", "y", "x"],
    ...                       "score": [2, 2, 3, 1, 4, 5]})
    >>> result = percent_exact_agreement(frame)
    >>> result.n_agreeing_pairs, result.n_pairs, result.percent
    (1, 4, 25.0)
    """
    return percent_agreement(frame, tolerance=0.0, unit=unit, rater=rater, score=score)


def percent_within_one(
    frame: pd.DataFrame,
    *,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
) -> PercentAgreement:
    """Share of within-unit rater pairs whose scores differ by at most 1.

    :func:`percent_agreement` with ``tolerance=1``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating; a missing score is a missing rating.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.

    Returns
    -------
    PercentAgreement
        ``proportion`` is None, with a ``reason``, when no unit has two
        ratings.

    Raises
    ------
    StatsInputError
        As :func:`percent_agreement`.

    Examples
    --------
    In unit "a" all 3 pairs of (2, 2, 3) are within one point; in unit "b"
    the pair (1, 4) is not: 3 / 4.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"unit": ["a", "a", "a", "b", "b", "c"],
    ...                       "rater": ["x", "y", "z", "x", "y", "x"],
    ...                       "score": [2, 2, 3, 1, 4, 5]})
    >>> percent_within_one(frame).proportion
    0.75
    """
    return percent_agreement(frame, tolerance=1.0, unit=unit, rater=rater, score=score)


# --------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------


def _level_name(level: float) -> str:
    return str(int(level)) if float(level).is_integer() else repr(float(level))


def _optional(values: np.ndarray, keep: np.ndarray) -> list[float | None]:
    return [float(v) if k else None for v, k in zip(values, keep)]


def _unit_descriptives(ratings: Ratings, value_domain: np.ndarray | None) -> UnitDescriptives:
    U = len(ratings.unit_labels)
    x = ratings.score
    u = ratings.unit_code
    levels = np.unique(x) if value_domain is None else value_domain
    L = len(levels)
    counts = np.bincount(u * L + np.searchsorted(levels, x), minlength=U * L).reshape(U, L)

    n = np.bincount(u, minlength=U)
    rated = n > 0
    safe_n = np.maximum(n, 1)  # avoids 0/0 for unrated units; their entries become None
    mean = np.bincount(u, weights=x, minlength=U) / safe_n
    squares = np.bincount(u, weights=(x - mean[u]) ** 2, minlength=U)
    sd = np.sqrt(squares / np.maximum(n - 1, 1))

    # Sort each unit's ratings; unit u's block is sorted[start[u] : start[u] + n[u]].
    sorted_x = x[np.lexsort((x, u))]
    start = np.cumsum(n) - n
    last = start + safe_n - 1

    def order_statistic(k: np.ndarray) -> np.ndarray:
        """x_(k+1) of each unit (0-based k), clipped into the unit's block.

        An unrated unit gets a placeholder, replaced by None below.
        """
        return sorted_x[np.clip(np.minimum(start + k, last), 0, len(sorted_x) - 1)]

    def quantile(p: float) -> np.ndarray:
        h = (safe_n - 1) * p
        j = np.floor(h).astype(np.int64)
        below, above = order_statistic(j), order_statistic(j + 1)
        return below + (h - j) * (above - below)

    middle_low, middle_high = order_statistic((safe_n - 1) // 2), order_statistic(safe_n // 2)
    median = (middle_low + middle_high) / 2.0
    q1, q3 = quantile(0.25), quantile(0.75)
    minimum, maximum = order_statistic(np.zeros(U, dtype=np.int64)), order_statistic(safe_n - 1)

    columns = {
        "median": _optional(median, rated),
        "mean": _optional(mean, rated),
        "sd": _optional(sd, n >= 2),
        "q1": _optional(q1, rated),
        "q3": _optional(q3, rated),
        "iqr": _optional(q3 - q1, rated),
        "minimum": _optional(minimum, rated),
        "maximum": _optional(maximum, rated),
    }
    units = tuple(
        UnitSummary(
            unit=label,
            n=int(n[k]),
            counts=tuple(int(c) for c in counts[k]),
            **{name: column[k] for name, column in columns.items()},
        )
        for k, label in enumerate(ratings.unit_labels)
    )
    return UnitDescriptives(levels=tuple(float(v) for v in levels), units=units)


def _percent_agreement(ratings: Ratings, tolerance: float) -> PercentAgreement:
    """Count agreeing pairs through per-unit value counts, not pair by pair.

    For value c of unit u held n_uc times, its n_uc (n_uc - 1) / 2 pairs agree
    exactly, and each of its ratings agrees with every rating of u whose value
    lies above c but within the tolerance. Counting only upwards counts each
    unordered pair once.
    """
    values, value_code = np.unique(ratings.score, return_inverse=True)
    V = len(values)
    u, c, n_uc = unit_value_counts(ratings.unit_code, value_code.astype(np.int64), V)
    m_u = np.bincount(ratings.unit_code)
    n_pairs = int(np.sum(m_u * (m_u - 1) // 2))
    n_pairable_units = int(np.count_nonzero(m_u >= 2))
    if n_pairs == 0:
        return PercentAgreement(
            tolerance=tolerance,
            proportion=None,
            n_agreeing_pairs=0,
            n_pairs=0,
            n_pairable_units=0,
            reason="no unit has two or more ratings, so there are no pairs of raters to compare",
        )
    slack = _RELATIVE_SLACK * max(1.0, float(np.max(np.abs(values)))) if tolerance > 0 else 0.0
    # Highest value index within the tolerance above each value.
    reach = np.searchsorted(values, values + tolerance + slack, side="right") - 1
    key = u * V + c
    ratings_before = np.concatenate(([0], np.cumsum(n_uc)))
    above_from = np.searchsorted(key, key, side="right")
    above_to = np.searchsorted(key, u * V + reach[c], side="right")
    n_above = ratings_before[above_to] - ratings_before[above_from]
    agreeing = int(np.sum(n_uc * (n_uc - 1) // 2) + np.sum(n_uc * n_above))
    return PercentAgreement(
        tolerance=tolerance,
        proportion=agreeing / n_pairs,
        n_agreeing_pairs=agreeing,
        n_pairs=n_pairs,
        n_pairable_units=n_pairable_units,
        reason=None,
    )
