r"""Calibration of each rater against a reference score (a consensus or moderated score).

For every rater: how many of their scores have a reference, the mean signed difference
(rater minus reference; positive means they score higher), the mean absolute difference,
the root mean square difference, the shares of scores equal to and within one level
of the reference, the quadratic-weighted kappa of their scores against the reference,
and a verdict against a :class:`Tolerance`.

Quadratic-weighted kappa (Cohen 1968)
-------------------------------------
With :math:`p_{o,ij}` the share of compared scores where the rater gave level
:math:`x_i` and the reference was :math:`x_j`, :math:`p_{c,ij} = p_{i+}\,p_{+j}`
the share expected by chance from the two marginals, and the disagreement
weights :math:`v_{ij} = (x_i - x_j)^2`,

.. math::

    \kappa_w = 1 - \frac{\sum_{i,j} v_{ij}\, p_{o,ij}}{\sum_{i,j} v_{ij}\, p_{c,ij}}.

The weights use the levels' values, so a gap in the scale counts at its true
width; scaling the weights (e.g. dividing by :math:`(x_{max} - x_{min})^2` to
get Cohen's agreement weights :math:`1 - v_{ij}/v_{max}`) does not change
:math:`\kappa_w`, and declared levels that neither the rater nor the reference
used add nothing to either sum. Kappa is undefined when the denominator is 0:
every score and every reference at one and the same level.

References
----------
.. [1] Cohen, J. (1968). Weighted kappa: nominal scale agreement with
   provision for scaled disagreement or partial credit. Psychological
   Bulletin, 70(4), 213-220. doi:10.1037/h0026256
.. [2] Fleiss, J. L., & Cohen, J. (1973). The equivalence of weighted kappa and
   the intraclass correlation coefficient as measures of reliability.
   Educational and Psychological Measurement, 33(3), 613-619.
   doi:10.1177/001316447303300309
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats

from ._ratings import format_label, format_value, read_reference_pairs, read_value_domain
from .errors import StatsInputError

__all__ = ["HaloIndex", "RaterCalibration", "Tolerance", "calibrate_raters", "halo_index"]

#: Slack for comparing a share or a mean with a tolerance limit, so that a
#: value equal to the limit in exact arithmetic passes despite rounding.
_SLACK = 1e-12


@dataclass(frozen=True)
class Tolerance:
    """How close to the reference a rater must be to count as calibrated.

    A rater is within tolerance when at least ``share_within_one_min`` of their
    compared scores are within one level of the reference **and** their mean
    signed difference is at most ``max_abs_mean_signed_difference`` levels
    either way.

    Attributes
    ----------
    share_within_one_min : float, default 0.9
        Smallest acceptable share (0-1) of scores within one level.
    max_abs_mean_signed_difference : float, default 0.5
        Largest acceptable average lean, in levels, above or below the reference.

    Raises
    ------
    StatsInputError
        If ``share_within_one_min`` is not a number between 0 and 1, or
        ``max_abs_mean_signed_difference`` is not a finite number >= 0.

    Examples
    --------
    >>> Tolerance()
    Tolerance(share_within_one_min=0.9, max_abs_mean_signed_difference=0.5)
    >>> Tolerance(share_within_one_min=0.8).max_abs_mean_signed_difference
    0.5
    """

    share_within_one_min: float = 0.9
    max_abs_mean_signed_difference: float = 0.5

    def __post_init__(self) -> None:
        share = _finite_number(self.share_within_one_min, "share_within_one_min")
        if not 0.0 <= share <= 1.0:
            raise StatsInputError(
                "share_within_one_min is a share between 0 and 1 (0.9 means 90%); "
                f"got {self.share_within_one_min!r}"
            )
        lean = _finite_number(self.max_abs_mean_signed_difference, "max_abs_mean_signed_difference")
        if lean < 0:
            raise StatsInputError(
                f"max_abs_mean_signed_difference must be >= 0; got {self.max_abs_mean_signed_difference!r}"
            )


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
    quadratic_weighted_kappa : float or None
        Cohen's (1968) weighted kappa of the rater's scores against the reference,
        with quadratic disagreement weights :math:`(x_i - x_j)^2`; None when undefined.
    kappa_reason : str or None
        Why ``quadratic_weighted_kappa`` is None; None when it is defined.
    within_tolerance : bool or None
        Whether the rater meets the :class:`Tolerance`; None when ``n_compared`` is 0.
    verdict : str or None
        A short plain-English verdict: ``"within tolerance"``, or what is out
        of tolerance, e.g. ``"scores higher than the reference by 0.7 levels on
        average"``, ``"fewer than 90% of scores within one level (78%)"``.
    mean_signed_ci95 : (float, float) or None
        Student's t 95% interval of the mean signed difference,
        :math:`\\bar d \\pm t_{0.975, n-1}\\, s_d / \\sqrt n`; None with fewer than two
        compared scores.
    """

    rater: Hashable
    n_scored: int
    n_compared: int
    mean_signed_difference: float | None
    mean_absolute_difference: float | None
    rmse: float | None
    share_exact: float | None
    share_within_one: float | None
    quadratic_weighted_kappa: float | None = None
    kappa_reason: str | None = None
    within_tolerance: bool | None = None
    verdict: str | None = None
    mean_signed_ci95: tuple[float, float] | None = None


def calibrate_raters(
    frame: pd.DataFrame,
    *,
    rater: Hashable = "rater",
    score: Hashable = "score",
    reference: Hashable = "reference",
    categories: Sequence[float] | None = None,
    tolerance: Tolerance | None = None,
) -> list[RaterCalibration]:
    r"""Compare each rater's scores with the reference scores of the same units.

    For rater scores :math:`x_i` and references :math:`r_i` (:math:`n` pairs):
    mean signed difference :math:`\frac{1}{n}\sum(x_i - r_i)`, mean absolute
    and root mean square differences, shares exactly equal and within one
    level, and the quadratic-weighted kappa

    .. math::

        \kappa_w = 1 - \frac{\sum_{i,j} v_{ij}\,p_{o,ij}}{\sum_{i,j} v_{ij}\,p_{c,ij}},
        \qquad v_{ij} = (x_i - x_j)^2,

    over the rater x reference table (module documentation; Cohen [1]_).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating, with the rater, their score, and the unit's reference score
        (missing where the unit has none; those rows count in ``n_scored`` only).
    rater, score, reference : hashable, optional
        Column names.
    categories : sequence of float, optional
        The declared scale, e.g. ``range(6)``. The kappa table is laid out over
        it, and a score or reference outside it is an error. Without it, the
        levels found are used. (Levels nobody used do not change quadratic-weighted
        kappa, whose weights come from the levels' values.)
    tolerance : Tolerance, optional
        The limits for ``within_tolerance`` and ``verdict``; default
        ``Tolerance()``: at least 90% of scores within one level and an
        average lean of at most 0.5 levels.

    Returns
    -------
    list of RaterCalibration
        One per rater, in order of first appearance.

    Raises
    ------
    StatsInputError
        If a column is missing, the table is empty, or a score or reference is not a number;
        if ``categories`` is not a sequence of distinct numbers, or a score or
        reference lies outside it; if ``tolerance`` is not a :class:`Tolerance`.

    References
    ----------
    .. [1] Cohen, J. (1968). Weighted kappa: nominal scale agreement with
       provision for scaled disagreement or partial credit. Psychological
       Bulletin, 70(4), 213-220. doi:10.1037/h0026256

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
    >>> a.within_tolerance, a.verdict
    (False, 'scores higher than the reference by 1.0 levels on average; fewer than 90% of scores within one level (50%)')

    A rater who leans high by under half a level, and is within one level
    every time, is within tolerance:

    >>> frame = pd.DataFrame({"rater": "c", "score": [2, 3, 3, 4, 1, 0],
    ...                       "reference": [2, 2, 3, 3, 1, 0]})
    >>> (c,) = calibrate_raters(frame, categories=range(6))
    >>> c.verdict, round(c.quadratic_weighted_kappa, 4)
    ('within tolerance', 0.8909)
    """
    domain = read_value_domain(categories, "categories")
    if tolerance is None:
        tolerance = Tolerance()
    elif not isinstance(tolerance, Tolerance):
        raise StatsInputError(
            f"tolerance must be a Tolerance, e.g. Tolerance(share_within_one_min=0.9); "
            f"got {tolerance!r}"
        )
    labels, codes, x, r = read_reference_pairs(
        frame, rater=rater, score=score, reference=reference
    )
    if domain is not None:
        _check_on_scale(frame, score, reference, x, r, domain)
    results = []
    for k, label in enumerate(labels):
        mine = codes == k
        has_reference = mine & ~np.isnan(r)
        d = x[has_reference] - r[has_reference]
        n = int(d.size)
        if n == 0:
            results.append(
                RaterCalibration(
                    label, int(mine.sum()), 0, None, None, None, None, None,
                    quadratic_weighted_kappa=None,
                    kappa_reason="none of their scores has a reference score to compare with",
                    within_tolerance=None,
                    verdict="no scores with a reference to compare",
                )
            )
            continue
        mean_signed = float(d.mean())
        share_within_one = float((np.abs(d) <= 1).mean())
        kappa, kappa_reason = _quadratic_kappa(x[has_reference], r[has_reference], domain)
        within, verdict = _verdict(mean_signed, share_within_one, tolerance)
        results.append(
            RaterCalibration(
                rater=label,
                n_scored=int(mine.sum()),
                n_compared=n,
                mean_signed_difference=mean_signed,
                mean_absolute_difference=float(np.abs(d).mean()),
                rmse=float(np.sqrt((d**2).mean())),
                share_exact=float((d == 0).mean()),
                share_within_one=share_within_one,
                quadratic_weighted_kappa=kappa,
                kappa_reason=kappa_reason,
                within_tolerance=within,
                verdict=verdict,
                mean_signed_ci95=_mean_interval(d),
            )
        )
    return results


def _mean_interval(d: np.ndarray) -> tuple[float, float] | None:
    """Student's t 95% interval of the mean of ``d`` (None for fewer than two values)."""
    if d.size < 2:
        return None
    half = float(scipy.stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
    return (float(d.mean()) - half, float(d.mean()) + half)


# --------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------


def _finite_number(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise StatsInputError(f"{name} must be a number; got {value!r}")
    if not math.isfinite(float(value)):
        raise StatsInputError(f"{name} must be finite; got {value!r}")
    return float(value)


def _check_on_scale(
    frame: pd.DataFrame,
    score: Hashable,
    reference: Hashable,
    x: np.ndarray,
    r: np.ndarray,
    domain: np.ndarray,
) -> None:
    """Refuse the first score or reference (in row order) outside the declared scale.

    ``x`` and ``r`` hold the rows whose score is present, in table order.
    """
    rows = frame.index[frame[score].notna().to_numpy()]
    listed = ", ".join(format_value(v) for v in domain[:12]) + (", ..." if len(domain) > 12 else "")
    for values, column in ((x, score), (r, reference)):
        outside = np.flatnonzero(~np.isnan(values) & ~np.isin(values, domain))
        if outside.size:
            i = int(outside[0])
            raise StatsInputError(
                f"frame column {format_label(column)} holds {format_value(values[i])} in the row "
                f"labelled {format_label(rows[i])}, which is not in categories ({listed})"
            )


def _quadratic_kappa(
    x: np.ndarray, r: np.ndarray, domain: np.ndarray | None
) -> tuple[float | None, str | None]:
    """Quadratic-weighted kappa of paired scores, through the rater x reference table."""
    levels = np.union1d(x, r) if domain is None else domain
    q = len(levels)
    i = np.searchsorted(levels, x)
    j = np.searchsorted(levels, r)
    table = np.bincount(i * q + j, minlength=q * q).reshape(q, q).astype(np.float64)
    v = (levels[:, None] - levels[None, :]) ** 2
    kappa = _weighted_kappa(table, v)
    if kappa is None:
        return None, (
            f"the scores and the reference are all the same level ({format_value(x[0])}), so "
            "agreement expected by chance is already complete and kappa is 0/0; they agree "
            f"on all {len(x)}"
        )
    return kappa, None


def _weighted_kappa(table: np.ndarray, v: np.ndarray) -> float | None:
    """Cohen's weighted kappa of a (q, q) table of counts or proportions.

    ``v`` holds disagreement weights :math:`v_{ij}` (0 on the diagonal), as in
    Cohen (1968): :math:`\\kappa_w = 1 - \\sum v p_o / \\sum v p_c`. None when the
    expected disagreement :math:`\\sum v p_c` is 0.
    """
    p_o = table / table.sum()
    p_c = np.outer(p_o.sum(axis=1), p_o.sum(axis=0))
    expected = float(np.sum(v * p_c))
    if expected <= 0.0:
        return None
    return 1.0 - float(np.sum(v * p_o)) / expected


def _levels(value: float, limit: float) -> str:
    """``value`` with one decimal, or more if one decimal would not exceed ``limit``."""
    for decimals in range(1, 7):
        text = f"{value:.{decimals}f}"
        if float(text) > limit:
            return text
    return repr(value)


def _percent(share: float) -> str:
    """A share as a whole percentage, e.g. 0.9 -> "90%"; 0.905 -> "90.5%"."""
    text = f"{100 * share:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _percent_below(share: float, limit: float) -> str:
    """A share under ``limit`` as a percentage that does not round up to the limit."""
    for decimals in range(0, 4):
        scale = 10**decimals
        text = f"{math.floor(100 * share * scale + 1e-9) / scale:.{decimals}f}"
        if float(text) < 100 * limit:
            return f"{text}%"
    return f"{100 * share}%"


def _verdict(mean_signed: float, share_within_one: float, tolerance: Tolerance) -> tuple[bool, str]:
    problems = []
    limit = float(tolerance.max_abs_mean_signed_difference)
    if abs(mean_signed) > limit + _SLACK:
        direction = "higher" if mean_signed > 0 else "lower"
        problems.append(
            f"scores {direction} than the reference by {_levels(abs(mean_signed), limit)} "
            "levels on average"
        )
    minimum = float(tolerance.share_within_one_min)
    if share_within_one < minimum - _SLACK:
        problems.append(
            f"fewer than {_percent(minimum)} of scores within one level "
            f"({_percent_below(share_within_one, minimum)})"
        )
    if not problems:
        return True, "within tolerance"
    return False, "; ".join(problems)


@dataclass(frozen=True)
class HaloIndex:
    """How far a rater's deviations move together across the domains of one profile.

    Attributes
    ----------
    index : float or None
        ICC(1,1) of the deviations, with each profile a unit and each domain a "rater":
        the share of the variance of deviations that a whole profile shares. Near 0, each
        domain is judged on its own; 0.3 or more, one impression colours the profile.
    n_profiles : int
        Profiles (a rater's scores of one vignette) with two or more domains.
    reason : str or None
        Why ``index`` is None.
    """

    index: float | None
    n_profiles: int
    reason: str | None


def halo_index(
    frame: pd.DataFrame,
    *,
    profile: Hashable = "profile",
    domain: Hashable = "domain",
    deviation: Hashable = "deviation",
) -> HaloIndex:
    r"""The halo effect in whole-profile scores: one impression colouring every domain.

    A rater with a halo (Thorndike 1920) is above the agreed score in most domains of a
    child, or below in most: their deviations move together within a profile. The index is
    the one-way intraclass correlation of the deviations, profiles as units and domains as
    raters (Shrout & Fleiss's ICC(1,1); :func:`stats.intraclass_correlations`):

    .. math::

        \mathrm{ICC}(1,1) = \frac{\mathrm{BMS} - \mathrm{WMS}}{\mathrm{BMS} + (k-1)\mathrm{WMS}}.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per scored domain: the profile it belongs to (e.g. a rater and vignette),
        the domain and the deviation (score minus agreed or reference score).
    profile, domain, deviation : hashable
        Column names.

    Returns
    -------
    HaloIndex

    Examples
    --------
    Two profiles above the agreed score in every domain, two below: a strong halo. By hand,
    BMS = 6.3056 and WMS = 0.25 with k = 3, so ICC(1,1) = 6.0556 / 6.8056 = 0.890.

    >>> import pandas as pd
    >>> rows = [(p, d, dev) for p, devs in {"a": [1, 1, 2], "b": [2, 1, 1],
    ...         "c": [-1, -2, -1], "d": [-1, -1, -1]}.items() for d, dev in zip("xyz", devs)]
    >>> halo = halo_index(pd.DataFrame(rows, columns=["profile", "domain", "deviation"]))
    >>> round(halo.index, 3), halo.n_profiles
    (0.89, 4)

    References
    ----------
    .. [1] Thorndike, E. L. (1920). A constant error in psychological ratings. *Journal of
       Applied Psychology*, 4(1), 25-29. doi:10.1037/h0071663
    """
    from .icc import intraclass_correlations

    table = frame[[profile, domain, deviation]].dropna()
    sizes = table.groupby(profile)[domain].transform("size")
    table = table[sizes >= 2]
    n_profiles = int(table[profile].nunique())
    if n_profiles < 2:
        return HaloIndex(None, n_profiles,
                         "a halo needs at least two profiles with two or more domains scored")
    if table[deviation].nunique() == 1:
        return HaloIndex(None, n_profiles, "every deviation is the same, so nothing varies")
    result = intraclass_correlations(
        table.rename(columns={profile: "unit", domain: "rater", deviation: "score"})
    )
    icc1 = result.forms["ICC1"]
    if icc1.estimate is None:
        return HaloIndex(None, n_profiles, icc1.reason or result.reason)
    return HaloIndex(float(icc1.estimate), n_profiles, None)
