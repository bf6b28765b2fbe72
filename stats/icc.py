r"""Intraclass correlation coefficients: the six forms of Shrout and Fleiss (1979).

An intraclass correlation (ICC) says how much of the variation in scores is
variation between the rated units (pupils' work, vignettes, cases) rather
than between raters or noise. It is read on a correlation-like scale: 1 when
every rater gives every unit the score its other raters give it, 0 when the
scores say nothing about which unit was rated.

Notation (Shrout & Fleiss 1979 [1]_)
------------------------------------
:math:`n` units (Shrout and Fleiss's *targets*) are each scored by :math:`k`
raters (*judges*); :math:`x_{ij}` is rater :math:`j`'s score of unit
:math:`i`, :math:`\bar x_{i\cdot}` unit :math:`i`'s mean, :math:`\bar x_{\cdot j}`
rater :math:`j`'s mean and :math:`\bar x` the grand mean. The two-way analysis
of variance gives the mean squares

.. math::

    \mathrm{BMS} = \frac{k\sum_i(\bar x_{i\cdot} - \bar x)^2}{n-1}, \qquad
    \mathrm{JMS} = \frac{n\sum_j(\bar x_{\cdot j} - \bar x)^2}{k-1},

.. math::

    \mathrm{WMS} = \frac{\sum_{i,j}(x_{ij} - \bar x_{i\cdot})^2}{n(k-1)}, \qquad
    \mathrm{EMS} = \frac{\sum_{i,j}(x_{ij} - \bar x_{i\cdot} - \bar x_{\cdot j}
                   + \bar x)^2}{(n-1)(k-1)},

between units, between raters (judges), within units, and residual (error).

The six forms
-------------
Names in brackets are McGraw and Wong's (1996) [2]_ terms.

ICC1 = ICC(1,1) (one-way random effects, absolute agreement, single rater)
    :math:`\dfrac{\mathrm{BMS} - \mathrm{WMS}}{\mathrm{BMS} + (k-1)\mathrm{WMS}}`.
    Each unit is scored by its own set of raters; rater differences cannot be
    told apart from noise.
ICC2 = ICC(2,1) (two-way random effects, absolute agreement, single rater)
    :math:`\dfrac{\mathrm{BMS} - \mathrm{EMS}}{\mathrm{BMS} + (k-1)\mathrm{EMS}
    + k(\mathrm{JMS} - \mathrm{EMS})/n}`.
    The raters are a sample of the raters who could have scored; a rater who
    is systematically harsh counts against agreement.
ICC3 = ICC(3,1) (two-way mixed effects, consistency, single rater)
    :math:`\dfrac{\mathrm{BMS} - \mathrm{EMS}}{\mathrm{BMS} + (k-1)\mathrm{EMS}}`.
    These raters are the only raters of interest, and a constant offset between
    them does not count (they only need to rank the units alike).
ICC1k, ICC2k, ICC3k = ICC(1,k), ICC(2,k), ICC(3,k) (... mean of k raters)
    :math:`\dfrac{\mathrm{BMS} - \mathrm{WMS}}{\mathrm{BMS}}`,
    :math:`\dfrac{\mathrm{BMS} - \mathrm{EMS}}{\mathrm{BMS} + (\mathrm{JMS} -
    \mathrm{EMS})/n}` and
    :math:`\dfrac{\mathrm{BMS} - \mathrm{EMS}}{\mathrm{BMS}}`: the reliability
    of the *mean* of :math:`k` raters' scores (the single-rater form stepped
    up by the Spearman-Brown formula).

**Which form to read.** In Huddle the raters are a sample of practitioners
and a harsh or lenient marker matters, so the default to read is **ICC2**
(absolute agreement of one practitioner's score) and **ICC2k** when the score
that is used is the mean of the :math:`k` practitioners' scores. ICC3 larger
than ICC2 says the raters differ by a constant offset (calibration would
help); ICC1 is for designs where every unit has different raters.

Confidence intervals
--------------------
F-based, as McGraw and Wong (1996, Table 7) and Shrout and Fleiss (1979),
at level :math:`1-\alpha` (``confidence``), with :math:`F_{q}(a, b)` the
upper :math:`q = 1 - \alpha/2` quantile of the F distribution.

* ICC1: :math:`F_0 = \mathrm{BMS}/\mathrm{WMS}` on :math:`n-1` and
  :math:`n(k-1)` degrees of freedom; :math:`F_L = F_0/F_q(n-1, n(k-1))`,
  :math:`F_U = F_0\,F_q(n(k-1), n-1)`; limits :math:`(F_L-1)/(F_L+k-1)` and
  :math:`(F_U-1)/(F_U+k-1)`; for ICC1k :math:`1 - 1/F_L` and :math:`1 - 1/F_U`.
* ICC3: the same with :math:`F_0 = \mathrm{BMS}/\mathrm{EMS}` on :math:`n-1`
  and :math:`(n-1)(k-1)` degrees of freedom.
* ICC2 (Satterthwaite's approximation, Fleiss & Shrout 1978 [4]_): with
  :math:`\hat\rho` = ICC2, :math:`a = k\hat\rho/(n(1-\hat\rho))` and
  :math:`b = 1 + k\hat\rho(n-1)/(n(1-\hat\rho))`,

  .. math::

      \nu = \frac{(a\,\mathrm{JMS} + b\,\mathrm{EMS})^2}
                 {\frac{(a\,\mathrm{JMS})^2}{k-1} + \frac{(b\,\mathrm{EMS})^2}{(n-1)(k-1)}},

  :math:`F^* = F_q(n-1, \nu)`, :math:`F_* = F_q(\nu, n-1)`; lower limit
  :math:`\dfrac{n(\mathrm{BMS} - F^*\mathrm{EMS})}{F^*(k\,\mathrm{JMS} +
  (kn-k-n)\mathrm{EMS}) + n\,\mathrm{BMS}}`, upper limit
  :math:`\dfrac{n(F_*\mathrm{BMS} - \mathrm{EMS})}{k\,\mathrm{JMS} +
  (kn-k-n)\mathrm{EMS} + nF_*\mathrm{BMS}}`; ICC2k's limits are these stepped
  up, :math:`kL/(1 + (k-1)L)`.

These are the intervals of ``pingouin.intraclass_corr`` and of R's irr
``icc``. The F test beside each form is :math:`F_0` with its degrees of
freedom (the test of ICC = 0 for ICC1 and ICC3; for ICC2 it is the same
:math:`\mathrm{BMS}/\mathrm{EMS}` test, as pingouin reports it, where irr
uses a modified denominator degrees of freedom).

Incomplete designs
------------------
When some rater did not score some unit, the mean squares above no longer
separate the sources of variation, and units are never dropped to make the
design complete. Instead the variance components are estimated by restricted
maximum likelihood (REML; Patterson & Thompson 1971 [5]_) with statsmodels'
``MixedLM``: scores :math:`x_{ij} = \mu + u_i + r_j + e_{ij}` with crossed
random unit and rater effects (one group holding every rating, a variance
component for each factor), and a one-way model :math:`x_{ij} = \mu + u_i +
w_{ij}` (unit random effect only) for ICC1. Then

.. math::

    \mathrm{ICC1} = \frac{\sigma^2_{u,1}}{\sigma^2_{u,1} + \sigma^2_w},\quad
    \mathrm{ICC2} = \frac{\sigma^2_u}{\sigma^2_u + \sigma^2_r + \sigma^2_e},\quad
    \mathrm{ICC3} = \frac{\sigma^2_u}{\sigma^2_u + \sigma^2_e},

and the k forms divide the non-unit variances by :math:`k`, here the
harmonic mean of the number of ratings per unit. In a complete design these
agree with the ANOVA formulas whenever no variance component is negative
(REML keeps components at 0 or above; the ANOVA estimates may fall below).
The intervals and F tests above do not hold for incomplete designs, so none
is given. REML is refused (with a reason) for more than
:data:`MAX_REML_RATINGS` ratings or more than :data:`MAX_REML_LEVELS` units
plus raters, where statsmodels' crossed-effects fit would take more than a
few seconds, and when the fit does not converge.

Cost
----
A complete design is summed on the long table with ``bincount`` group sums:
time and memory O(N) for N ratings, no units x raters matrix.

References
----------
.. [1] Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
   assessing rater reliability. Psychological Bulletin, 86(2), 420-428.
   doi:10.1037/0033-2909.86.2.420
.. [2] McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some
   intraclass correlation coefficients. Psychological Methods, 1(1), 30-46.
   doi:10.1037/1082-989X.1.1.30
.. [3] Satterthwaite, F. E. (1946). An approximate distribution of estimates
   of variance components. Biometrics Bulletin, 2(6), 110-114.
   doi:10.2307/3002019
.. [4] Fleiss, J. L., & Shrout, P. E. (1978). Approximate interval estimation
   for a certain intraclass correlation coefficient. Psychometrika, 43(2),
   259-262. doi:10.1007/BF02293867
.. [5] Patterson, H. D., & Thompson, R. (1971). Recovery of inter-block
   information when block sizes are unequal. Biometrika, 58(3), 545-554.
   doi:10.1093/biomet/58.3.545
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import pandas as pd
from scipy.stats import f as f_distribution

from ._ratings import Ratings, format_value, read_long
from .errors import StatsInputError

__all__ = [
    "ICC_FORMS",
    "MAX_REML_LEVELS",
    "MAX_REML_RATINGS",
    "IccForm",
    "IccResult",
    "intraclass_correlations",
]

#: The six forms, in the order of :attr:`IccResult.forms`: key -> (Shrout &
#: Fleiss label, McGraw & Wong name). Read-only.
ICC_FORMS: Final[Mapping[str, tuple[str, str]]] = MappingProxyType({
    "ICC1": ("ICC(1,1)", "one-way random effects, absolute agreement, single rater"),
    "ICC2": ("ICC(2,1)", "two-way random effects, absolute agreement, single rater"),
    "ICC3": ("ICC(3,1)", "two-way mixed effects, consistency, single rater"),
    "ICC1k": ("ICC(1,k)", "one-way random effects, absolute agreement, mean of k raters"),
    "ICC2k": ("ICC(2,k)", "two-way random effects, absolute agreement, mean of k raters"),
    "ICC3k": ("ICC(3,k)", "two-way mixed effects, consistency, mean of k raters"),
})

#: Most ratings of an incomplete design fitted by REML. statsmodels' MixedLM
#: handles crossed effects as one group with dense design matrices, so its time
#: grows like ratings x (units + raters)^2: up to about 5 s on two cores at the
#: limits (4,000 ratings of 230 units by 20 raters), under 1 s for 1,000 ratings.
MAX_REML_RATINGS: Final[int] = 4_000

#: Most units plus raters of an incomplete design fitted by REML (see
#: :data:`MAX_REML_RATINGS`).
MAX_REML_LEVELS: Final[int] = 250

#: ``IccResult.method`` of a complete design and of an incomplete one.
ANOVA: Final[str] = "anova"
REML: Final[str] = "variance components (REML)"

#: Gradient tolerance and iteration limit of the REML fits. The default
#: tolerance of statsmodels (1e-5) stops short of the optimum in the fourth
#: decimal of a standard deviation (lme4's Penicillin example); 1e-8 reaches it.
_GTOL: Final[float] = 1e-8
_MAX_ITER: Final[int] = 200

#: A variance component below this share of the total is reported as "at or
#: near zero" (the boundary of what REML allows).
_BOUNDARY_SHARE: Final[float] = 0.01


@dataclass(frozen=True)
class IccForm:
    """One of the six intraclass correlations, with its F test and interval.

    Attributes
    ----------
    form : str
        ``"ICC1"``, ``"ICC2"``, ``"ICC3"``, ``"ICC1k"``, ``"ICC2k"`` or ``"ICC3k"``.
    shrout_fleiss : str
        Shrout and Fleiss's label, e.g. ``"ICC(2,1)"``, ``"ICC(2,k)"``.
    name : str
        McGraw and Wong's description, e.g. "two-way random effects, absolute
        agreement, single rater".
    estimate : float or None
        The coefficient; None when it is undefined or was not computed (see
        ``reason``). It may be negative (the formulas are not truncated at 0).
    ci95 : tuple of (float, float) or None
        F-based confidence interval at the result's ``confidence`` (0.95 unless
        asked otherwise); complete designs only.
    f : float or None
        The F statistic: BMS/WMS for ICC1 and ICC1k, BMS/EMS for the others.
    df1, df2 : int or None
        Its degrees of freedom: :math:`n-1` and :math:`n(k-1)` (ICC1, ICC1k)
        or :math:`(n-1)(k-1)` (the others).
    p_value : float or None
        Upper-tail probability of ``f`` (the test of ICC = 0).
    reason : str or None
        Why ``estimate``, or the interval and F test beside a defined
        estimate, are None; None when everything is defined.
    """

    form: str
    shrout_fleiss: str
    name: str
    estimate: float | None
    ci95: tuple[float, float] | None
    f: float | None
    df1: int | None
    df2: int | None
    p_value: float | None
    reason: str | None


@dataclass(frozen=True)
class IccResult:
    """The six intraclass correlations of one table of ratings.

    Attributes
    ----------
    forms : dict of str to IccForm
        Keyed ``"ICC1"``, ``"ICC2"``, ``"ICC3"``, ``"ICC1k"``, ``"ICC2k"``,
        ``"ICC3k"``, in that order. Read ICC2 (one rater) or ICC2k (the mean of
        k raters) when the raters are a sample of the raters who could score.
    method : str or None
        ``"anova"`` for a complete design (every rater scored every unit),
        ``"variance components (REML)"`` for an incomplete one, None when no
        ICC was computed (see ``reason``).
    n_units : int
        Units with at least one rating (none is dropped).
    n_raters : int
        Raters with at least one rating.
    n_ratings : int
        Ratings used.
    k : float or None
        Raters per unit used by the k forms: the number of raters in a
        complete design, the harmonic mean of the ratings per unit in an
        incomplete one; None when no ICC was computed.
    mean_squares : dict of str to float or None
        ``BMS``, ``WMS``, ``JMS``, ``EMS`` (complete designs only).
    variance_components : dict of str to float or None
        ``unit``, ``rater``, ``residual`` (two-way model) and ``unit_one_way``,
        ``within_one_way`` (one-way model). From the mean squares for a
        complete design (:math:`(\\mathrm{BMS}-\\mathrm{EMS})/k`,
        :math:`(\\mathrm{JMS}-\\mathrm{EMS})/n`, EMS,
        :math:`(\\mathrm{BMS}-\\mathrm{WMS})/k`, WMS; these may be negative),
        from REML for an incomplete one (never negative). A value is None
        when its model could not be fitted.
    reason : str or None
        Why no ICC was computed; None otherwise.
    notes : tuple of str
        Plain-English notes on how the figures were obtained.
    confidence : float
        Coverage of every ``ci95``.
    """

    forms: dict[str, IccForm]
    method: str | None
    n_units: int
    n_raters: int
    n_ratings: int
    k: float | None
    mean_squares: dict[str, float] | None
    variance_components: dict[str, float | None] | None
    reason: str | None
    notes: tuple[str, ...]
    confidence: float


# --------------------------------------------------------------------------
# Public function: validate here, once.
# --------------------------------------------------------------------------


def intraclass_correlations(
    frame: pd.DataFrame,
    *,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
    confidence: float = 0.95,
) -> IccResult:
    r"""The six Shrout-Fleiss intraclass correlations, with F tests and intervals.

    For a complete design (every rater scored every unit) the mean squares of
    the two-way analysis of variance give ICC1, ICC2, ICC3 and their k forms,

    .. math::

        \mathrm{ICC2} = \frac{\mathrm{BMS} - \mathrm{EMS}}{\mathrm{BMS} +
        (k-1)\,\mathrm{EMS} + k(\mathrm{JMS} - \mathrm{EMS})/n},

    and so on (module documentation; Shrout & Fleiss [1]_, McGraw & Wong
    [2]_), each with its F test and F-based confidence interval. For an
    incomplete design the ICCs come from REML variance components (statsmodels
    MixedLM), without intervals.

    Read **ICC2** (one rater's score) or **ICC2k** (the mean of k raters'
    scores) when the raters are a sample of the people who could have scored,
    as Huddle's practitioners are: they count a harsh or lenient rater against
    agreement. ICC3 ignores constant offsets between raters; ICC1 assumes each
    unit had its own raters.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating. A row whose score is missing (NaN, None,
        ``pd.NA``) is a missing rating and is ignored. Scores are numbers on
        an interval scale.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.
    confidence : float, default 0.95
        Coverage of the intervals, strictly between 0 and 1.

    Returns
    -------
    IccResult
        ``forms`` holds the six forms; ``reason`` says why none was computed
        (a single rater or unit, every score the same, fewer than two units
        with two ratings, an incomplete design too large for REML, a REML fit
        that did not converge), and then every estimate is None. A form's own
        ``reason`` says why its estimate or interval is None.

    Raises
    ------
    StatsInputError
        If ``frame`` is not a DataFrame, lacks a column, is empty or holds no
        rating; holds a non-numeric or infinite score, a rated row without its
        unit or rater, or two scores by one rater for one unit; if
        ``confidence`` is not a number strictly between 0 and 1.

    References
    ----------
    .. [1] Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations:
       uses in assessing rater reliability. Psychological Bulletin, 86(2),
       420-428. doi:10.1037/0033-2909.86.2.420
    .. [2] McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some
       intraclass correlation coefficients. Psychological Methods, 1(1),
       30-46. doi:10.1037/1082-989X.1.1.30

    Examples
    --------
    The ratings of Shrout and Fleiss (1979), Table 2: six targets, four judges. Published:
    ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62,
    ICC(3,4) .91.

    >>> import pandas as pd
    >>> table = {"J1": [9, 6, 8, 7, 10, 6], "J2": [2, 1, 4, 1, 5, 2],
    ...          "J3": [5, 3, 6, 2, 6, 4], "J4": [8, 2, 8, 6, 9, 7]}
    >>> frame = pd.DataFrame(
    ...     [(target + 1, judge, s) for judge, scores in table.items()
    ...      for target, s in enumerate(scores)], columns=["unit", "rater", "score"])
    >>> result = intraclass_correlations(frame)
    >>> {key: round(form.estimate, 2) for key, form in result.forms.items()}
    {'ICC1': 0.17, 'ICC2': 0.29, 'ICC3': 0.71, 'ICC1k': 0.44, 'ICC2k': 0.62, 'ICC3k': 0.91}
    >>> icc2 = result.forms["ICC2"]
    >>> icc2.shrout_fleiss, icc2.name
    ('ICC(2,1)', 'two-way random effects, absolute agreement, single rater')
    >>> tuple(round(x, 3) for x in icc2.ci95), round(icc2.f, 2), icc2.df1, icc2.df2
    ((0.019, 0.761), 11.03, 5, 15)
    >>> result.method, result.k
    ('anova', 4.0)

    With one rating missing the design is incomplete and REML is used:

    >>> incomplete = intraclass_correlations(frame.drop(index=0))
    >>> incomplete.method, incomplete.forms["ICC2"].ci95
    ('variance components (REML)', None)
    """
    level = _check_confidence(confidence)
    ratings = read_long(frame, unit=unit, rater=rater, score=score, value_domain=None)
    design = _design(ratings)
    return _intraclass(design, level)


# --------------------------------------------------------------------------
# Readers: what the shared reader does not return.
# --------------------------------------------------------------------------


def _check_confidence(value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise StatsInputError(
            f"confidence must be a number between 0 and 1, e.g. 0.95; got {value!r}"
        )
    if not 0.0 < float(value) < 1.0:
        raise StatsInputError(
            f"confidence must be strictly between 0 and 1, e.g. 0.95; got {value!r}"
        )
    return float(value)


@dataclass(frozen=True, eq=False)
class _Design:
    """Validated ratings with codes 0..n-1 (units) and 0..k-1 (raters), all rated."""

    unit_code: np.ndarray
    rater_code: np.ndarray
    score: np.ndarray
    n_units: int
    n_raters: int
    unrated_units: int
    unrated_raters: int


def _compress(code: np.ndarray, size: int) -> tuple[np.ndarray, int, int]:
    """Renumber codes so that only the values present remain: (codes, present, absent)."""
    counts = np.bincount(code, minlength=size)
    present = counts > 0
    new_code = np.cumsum(present) - 1
    n_present = int(present.sum())
    return new_code[code].astype(np.int64), n_present, size - n_present


def _design(ratings: Ratings) -> _Design:
    """Attach rater codes to ratings that passed :func:`read_long`.

    Units and raters none of whose scores is present are left out of the codes
    and counted.
    """
    rater_labels = ratings.rater_labels
    rater_code, n_raters, _ = _compress(ratings.rater_code, len(rater_labels))
    unit_code, n_units, unrated_units = _compress(ratings.unit_code, len(ratings.unit_labels))
    return _Design(
        unit_code=unit_code,
        rater_code=rater_code,
        score=ratings.score,
        n_units=n_units,
        n_raters=n_raters,
        unrated_units=unrated_units,
        unrated_raters=len(rater_labels) - n_raters,
    )


# --------------------------------------------------------------------------
# Computation: trusts its input.
# --------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _is_are(count: int) -> str:
    return "is" if count == 1 else "are"


def _form(key: str, **values: Any) -> IccForm:
    label, name = ICC_FORMS[key]
    fields = {"ci95": None, "f": None, "df1": None, "df2": None, "p_value": None}
    fields.update(values)
    return IccForm(form=key, shrout_fleiss=label, name=name, **fields)


def _refused(design: _Design, reason: str, notes: list[str], confidence: float) -> IccResult:
    return IccResult(
        forms={key: _form(key, estimate=None, reason=reason) for key in ICC_FORMS},
        method=None,
        n_units=design.n_units,
        n_raters=design.n_raters,
        n_ratings=len(design.score),
        k=None,
        mean_squares=None,
        variance_components=None,
        reason=reason,
        notes=tuple(notes),
        confidence=confidence,
    )


def _intraclass(design: _Design, confidence: float) -> IccResult:
    notes: list[str] = []
    if design.unrated_units:
        notes.append(
            f"{_plural(design.unrated_units, 'unit')} had no score (every score missing) and "
            f"{_is_are(design.unrated_units)} not counted"
        )
    if design.unrated_raters:
        notes.append(
            f"{_plural(design.unrated_raters, 'rater')} gave no score (every score missing) and "
            f"{_is_are(design.unrated_raters)} not counted"
        )
    n, k, x = design.n_units, design.n_raters, design.score
    N = len(x)
    if k < 2:
        reason = (
            f"only one rater scored the units ({_plural(N, 'rating')}): an intraclass "
            "correlation compares raters, so it needs two raters or more"
        )
        return _refused(design, reason, notes, confidence)
    if n < 2:
        reason = (
            f"only one unit was rated ({_plural(N, 'rating')}), so the variation between "
            "units, which an intraclass correlation measures, cannot be estimated; it needs "
            "two units or more"
        )
        return _refused(design, reason, notes, confidence)
    low, high = float(x.min()), float(x.max())
    if low == high:
        reason = (
            f"every score is the same ({format_value(low)}), so there is no variance to "
            "divide between units, raters and error: the intraclass correlation is undefined"
        )
        return _refused(design, reason, notes, confidence)
    if N == n * k:  # read_long refused repeated (unit, rater) pairs, so every cell is filled
        return _anova_result(design, confidence, notes)

    per_unit = np.bincount(design.unit_code, minlength=n)
    pairable = int(np.count_nonzero(per_unit >= 2))
    if pairable < 2:
        reason = (
            f"fewer than two units have two or more ratings ({pairable} of {n}), so "
            "differences between units cannot be told apart from differences between raters"
        )
        return _refused(design, reason, notes, confidence)
    missing = 1.0 - N / (n * k)
    if N > MAX_REML_RATINGS or n + k > MAX_REML_LEVELS:
        reason = (
            f"the design is incomplete ({_percent(missing)} of the unit x rater cells are "
            f"missing) and too large for the REML fit ({N:,} ratings, {n:,} units + {k:,} "
            f"raters; at most {MAX_REML_RATINGS:,} ratings and {MAX_REML_LEVELS:,} units + "
            "raters are fitted, since statsmodels' crossed-effects fit slows down sharply "
            "beyond). The ANOVA formulas need every rater to score every unit: compute the "
            "ICCs on a complete subset (units scored by the same raters)"
        )
        return _refused(design, reason, notes, confidence)
    notes.append(
        f"the design is incomplete ({_percent(missing)} of cells missing), so the ICCs are "
        "estimated from REML variance components with statsmodels MixedLM; no F-based "
        "intervals"
    )
    return _reml_result(design, confidence, notes, per_unit)


def _percent(share: float, decimals: int = 0) -> str:
    """A share as a percentage for a note, never rounded to a misleading 0%."""
    smallest = 10.0 ** -(decimals + 2)
    if 0 < share < smallest:
        return f"under {smallest:.{max(decimals, 0)}%}"
    return f"{share:.{decimals}%}"


# --- Complete designs: the two-way analysis of variance --------------------


def _mean_squares(design: _Design) -> dict[str, float]:
    """BMS, WMS, JMS and EMS of a complete design, from group sums (O(N))."""
    n, k = design.n_units, design.n_raters
    u, r, x = design.unit_code, design.rater_code, design.score
    d = x - x.mean()
    unit_dev = np.bincount(u, weights=d, minlength=n) / k  # unit mean - grand mean
    rater_dev = np.bincount(r, weights=d, minlength=k) / n  # rater mean - grand mean
    within = d - unit_dev[u]
    residual = within - rater_dev[r]
    # Sums of squares below the rounding floor of the data are exactly 0 (e.g.
    # no residual when the raters differ by constant offsets only).
    floor = 64.0 * len(x) * (np.finfo(np.float64).eps * float(np.max(np.abs(x)))) ** 2

    def ss(value: float) -> float:
        return 0.0 if value <= floor else value

    bss = ss(k * float(unit_dev @ unit_dev))
    jss = ss(n * float(rater_dev @ rater_dev))
    wss = ss(float(within @ within))
    ess = ss(float(residual @ residual))
    return {
        "BMS": bss / (n - 1),
        "WMS": wss / (n * (k - 1)),
        "JMS": jss / (k - 1),
        "EMS": ess / ((n - 1) * (k - 1)),
    }


def _ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator when the denominator is positive and the result finite."""
    if not denominator > 0.0:
        return None
    value = numerator / denominator
    return value if math.isfinite(value) else None


def _interval(low: float | None, high: float | None) -> tuple[float, float] | None:
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return None
    return (float(low), float(high))


def _anova_forms(
    ms: dict[str, float], n: int, k: int, confidence: float
) -> dict[str, IccForm]:
    """The six forms, F tests and F-based intervals from the mean squares."""
    bms, wms, jms, ems = ms["BMS"], ms["WMS"], ms["JMS"], ms["EMS"]
    q = 1.0 - (1.0 - confidence) / 2.0
    df_b, df_w, df_e = n - 1, n * (k - 1), (n - 1) * (k - 1)

    def quantile(a: float, b: float) -> float:
        return float(f_distribution.ppf(q, a, b))

    # Estimates (module documentation). A zero or negative denominator leaves None.
    icc = {
        "ICC1": _ratio(bms - wms, bms + (k - 1) * wms),
        "ICC2": _ratio(bms - ems, bms + (k - 1) * ems + k * (jms - ems) / n),
        "ICC3": _ratio(bms - ems, bms + (k - 1) * ems),
        "ICC1k": _ratio(bms - wms, bms),
        "ICC2k": _ratio(bms - ems, bms + (jms - ems) / n),
        "ICC3k": _ratio(bms - ems, bms),
    }
    undefined = {
        "ICC1": "BMS + (k - 1) WMS is 0",
        "ICC2": "the denominator BMS + (k - 1) EMS + k (JMS - EMS) / n is not positive",
        "ICC3": "BMS and EMS are both 0: all the variation is between raters",
        "ICC1k": "BMS is 0: every unit has the same mean score",
        "ICC2k": "the denominator BMS + (JMS - EMS) / n is not positive",
        "ICC3k": "BMS is 0: every unit has the same mean score",
    }

    # F tests: BMS/WMS for the one-way forms, BMS/EMS for the two-way forms.
    tests: dict[str, tuple[float | None, int, int, str | None]] = {}
    f1 = _ratio(bms, wms)
    f1_reason = None if f1 is not None else (
        "WMS is 0 (each unit got the same score from every rater), so the F statistic "
        "BMS/WMS and its interval are not finite"
    )
    f3 = _ratio(bms, ems)
    f3_reason = None if f3 is not None else (
        "EMS is 0 (the raters differ by constant offsets only), so the F statistic "
        "BMS/EMS and its interval are not finite"
    )
    for key in ("ICC1", "ICC1k"):
        tests[key] = (f1, df_b, df_w, f1_reason)
    for key in ("ICC2", "ICC3", "ICC2k", "ICC3k"):
        tests[key] = (f3, df_b, df_e, f3_reason)

    ci: dict[str, tuple[float, float] | None] = dict.fromkeys(ICC_FORMS)
    if f1 is not None:
        f_low, f_high = f1 / quantile(df_b, df_w), f1 * quantile(df_w, df_b)
        ci["ICC1"] = _interval(_ratio(f_low - 1, f_low + k - 1), _ratio(f_high - 1, f_high + k - 1))
        ci["ICC1k"] = _interval(_ratio(f_low - 1, f_low), _ratio(f_high - 1, f_high))
    if f3 is not None:
        f_low, f_high = f3 / quantile(df_b, df_e), f3 * quantile(df_e, df_b)
        ci["ICC3"] = _interval(_ratio(f_low - 1, f_low + k - 1), _ratio(f_high - 1, f_high + k - 1))
        ci["ICC3k"] = _interval(_ratio(f_low - 1, f_low), _ratio(f_high - 1, f_high))
        rho = icc["ICC2"]
        if rho is not None:
            ci["ICC2"] = _icc2_interval(bms, jms, ems, n, k, rho, quantile)
            if ci["ICC2"] is not None:
                low, high = ci["ICC2"]
                ci["ICC2k"] = _interval(
                    _ratio(k * low, 1 + (k - 1) * low), _ratio(k * high, 1 + (k - 1) * high)
                )

    forms = {}
    for key in ICC_FORMS:
        f_value, df1, df2, f_reason = tests[key]
        reason: str | None
        if icc[key] is None:
            reason = f"{ICC_FORMS[key][0]} is undefined: {undefined[key]}"
            forms[key] = _form(key, estimate=None, reason=reason)
            continue
        reason = f_reason
        if reason is None and ci[key] is None:
            reason = (
                "the F-based interval is undefined for these mean squares (a limit is not "
                "finite or its denominator is not positive, as happens with very few units)"
            )
        p_value = None if f_value is None else float(f_distribution.sf(f_value, df1, df2))
        forms[key] = _form(
            key,
            estimate=float(icc[key]),
            ci95=ci[key],
            f=f_value,
            df1=df1 if f_value is not None else None,
            df2=df2 if f_value is not None else None,
            p_value=p_value,
            reason=reason,
        )
    return forms


def _icc2_interval(
    bms: float,
    jms: float,
    ems: float,
    n: int,
    k: int,
    rho: float,
    quantile: Callable[[float, float], float],
) -> tuple[float, float] | None:
    """ICC2's interval with Satterthwaite's degrees of freedom (Fleiss & Shrout 1978).

    McGraw and Wong's a and b multiplied by n (1 - rho) / EMS, which leaves
    nu unchanged and stays finite at rho = 1.
    """
    a = k * rho * jms / ems
    b = n * (1 + (k - 1) * rho) - k * rho
    denominator = (n - 1) * a**2 + b**2
    if not denominator > 0.0:
        return None
    nu = (k - 1) * (n - 1) * (a + b) ** 2 / denominator
    f_upper, f_lower = quantile(n - 1, nu), quantile(nu, n - 1)
    scale = k * jms + (k * n - k - n) * ems
    low = _ratio(n * (bms - f_upper * ems), f_upper * scale + n * bms)
    high = _ratio(n * (f_lower * bms - ems), scale + n * f_lower * bms)
    return _interval(low, high)


def _anova_result(design: _Design, confidence: float, notes: list[str]) -> IccResult:
    n, k = design.n_units, design.n_raters
    ms = _mean_squares(design)
    components = {
        "unit": (ms["BMS"] - ms["EMS"]) / k,
        "rater": (ms["JMS"] - ms["EMS"]) / n,
        "residual": ms["EMS"],
        "unit_one_way": (ms["BMS"] - ms["WMS"]) / k,
        "within_one_way": ms["WMS"],
    }
    notes.append(
        f"complete design: each of the {k:,} raters scored each of the {n:,} units, so the "
        "ICCs come from the two-way ANOVA mean squares with F-based intervals"
    )
    if ms["BMS"] < ms["EMS"]:
        notes.append(
            "BMS is below EMS: the units differ less than the residual error would make "
            "them, so the two-way ICCs are negative (read them as no reliability)"
        )
    return IccResult(
        forms=_anova_forms(ms, n, k, confidence),
        method=ANOVA,
        n_units=n,
        n_raters=k,
        n_ratings=len(design.score),
        k=float(k),
        mean_squares=ms,
        variance_components=components,
        reason=None,
        notes=tuple(notes),
        confidence=confidence,
    )


# --- Incomplete designs: REML variance components ---------------------------


@dataclass(frozen=True)
class _Fit:
    """Variance components of one REML fit (on the data's scale), or why there are none."""

    components: dict[str, float] | None
    reason: str | None
    notes: tuple[str, ...]


def _start_ratios(design: _Design, z: np.ndarray) -> tuple[float, float, float]:
    """Rough moment estimates (unit, rater, residual) on the standardized scale.

    Only a starting point for the optimizer: the pooled within-unit and
    within-rater variances each hold the other factor's variance plus error.
    """
    n, k = design.n_units, design.n_raters
    u, r = design.unit_code, design.rater_code
    N = len(z)

    def within(code: np.ndarray, size: int) -> float:
        counts = np.bincount(code, minlength=size)
        means = np.bincount(code, weights=z, minlength=size) / np.maximum(counts, 1)
        spread = z - means[code]
        return float(spread @ spread) / max(N - size, 1)

    total = float(z @ z) / (N - 1)
    w_unit, w_rater = within(u, n), within(r, k)
    floor = 0.05 * total
    return (
        max(total - w_unit, floor),
        max(total - w_rater, floor),
        max(w_unit + w_rater - total, floor),
    )


def _fit_quietly(
    build: Callable[[], Any], start: np.ndarray, what: str
) -> tuple[Any, list[str], str | None]:
    """Fit a MixedLM by REML, turning its warnings into notes and its failures into a reason.

    BFGS with a tight gradient tolerance first; L-BFGS when BFGS does not
    converge. Returns ``(fit or None, notes, reason or None)``.
    """
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    notes: list[str] = []
    failures: list[str] = []
    for method, options in (("bfgs", {"gtol": _GTOL}), ("lbfgs", {})):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = build().fit(
                    reml=True, method=method, start_params=start, maxiter=_MAX_ITER, **options
                )
            except (np.linalg.LinAlgError, ValueError, ArithmeticError) as exc:
                fit, error = None, f"{type(exc).__name__}: {exc}"
            else:
                error = None
        convergence = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
        others = [str(w.message) for w in caught if not issubclass(w.category, ConvergenceWarning)]
        if fit is not None and fit.converged:
            if failures:
                notes.append(f"the {what} fit converged with L-BFGS after BFGS did not")
            # The boundary and Hessian warnings of a converged fit concern standard
            # errors of the components, which are not used; the components that sit
            # at the boundary are named from the estimates themselves.
            notes.extend(f"statsmodels warned during the {what} fit: {text}" for text in others)
            return fit, notes, None
        gradient = [text for text in convergence if text.startswith("Gradient optimization")]
        failures.append(error or (gradient + convergence + ["it did not converge"])[0])
    reason = (
        f"the REML fit of the {what} model did not converge (statsmodels MixedLM: "
        f"{failures[-1]}), so no ICC from it is reported"
    )
    return None, notes, reason


def _fit_crossed(z: np.ndarray, design: _Design, scale: float) -> _Fit:
    """Crossed random unit and rater effects: one group holds every rating."""
    import statsmodels.api as sm

    data = pd.DataFrame(
        {
            "z": z,
            "unit": design.unit_code,
            "rater": design.rater_code,
            "group": np.zeros(len(z), dtype=np.int64),
        }
    )

    def build() -> Any:
        return sm.MixedLM.from_formula(
            "z ~ 1",
            data=data,
            groups="group",
            re_formula="0",
            vc_formula={"unit": "0 + C(unit)", "rater": "0 + C(rater)"},
        )

    s2_unit, s2_rater, s2_residual = _start_ratios(design, z)
    start_of = {"unit": s2_unit / s2_residual, "rater": s2_rater / s2_residual}
    names = ("rater", "unit")  # statsmodels orders the variance components by name
    start = np.sqrt(np.array([start_of[name] for name in names]))
    fit, notes, reason = _fit_quietly(build, start, "crossed unit x rater")
    if fit is None:
        return _Fit(None, reason, tuple(notes))
    vcomp = dict(zip(list(fit.model.exog_vc.names), np.asarray(fit.vcomp, dtype=float)))
    components = {
        "unit": float(vcomp["unit"]) * scale,
        "rater": float(vcomp["rater"]) * scale,
        "residual": float(fit.scale) * scale,
    }
    return _checked(components, notes, "crossed unit x rater")


def _fit_one_way(z: np.ndarray, design: _Design, scale: float) -> _Fit:
    """One-way model: a random effect per unit, rater differences left in the error."""
    import statsmodels.api as sm

    def build() -> Any:
        return sm.MixedLM(z, np.ones((len(z), 1)), groups=design.unit_code)

    s2_unit, s2_rater, s2_residual = _start_ratios(design, z)
    start = np.array([math.sqrt(s2_unit / (s2_rater + s2_residual))])
    fit, notes, reason = _fit_quietly(build, start, "one-way")
    if fit is None:
        return _Fit(None, reason, tuple(notes))
    components = {
        "unit_one_way": float(np.asarray(fit.cov_re)[0, 0]) * scale,
        "within_one_way": float(fit.scale) * scale,
    }
    return _checked(components, notes, "one-way")


def _checked(components: dict[str, float], notes: list[str], what: str) -> _Fit:
    """Refuse non-finite components; name those at (or near) the boundary."""
    if not all(math.isfinite(v) and v >= 0.0 for v in components.values()):
        return _Fit(
            None,
            f"the REML fit of the {what} model returned an invalid variance component "
            f"({components}), so no ICC from it is reported",
            tuple(notes),
        )
    total = sum(components.values())
    for name, value in components.items():
        if total > 0 and value < _BOUNDARY_SHARE * total:
            label = name.replace("_one_way", "").replace("_", " ")
            notes.append(
                f"the REML estimate of the {label} variance in the {what} model is at or "
                f"near zero ({_percent(value / total, 1)} of the total variance)"
            )
    return _Fit(components, None, tuple(notes))


def _reml_components(design: _Design) -> tuple[_Fit, _Fit]:
    """REML variance components of the crossed (unit x rater) and one-way models.

    The scores are standardized for the fits (REML is equivariant under affine
    changes of the scores, so the optimizer's tolerances become relative to the
    data's spread) and the components scaled back.
    """
    x = design.score
    sd = float(np.std(x, ddof=1))
    z = (x - x.mean()) / sd
    scale = sd * sd
    one_way = _fit_one_way(z, design, scale)
    per_rater = np.bincount(design.rater_code, minlength=design.n_raters)
    if per_rater.max() < 2:
        crossed = _Fit(
            None,
            "no rater scored two or more units, so rater differences cannot be told apart "
            "from error and the two-way forms are undefined; read ICC1",
            (),
        )
    else:
        crossed = _fit_crossed(z, design, scale)
    return crossed, one_way


def _reml_result(
    design: _Design, confidence: float, notes: list[str], per_unit: np.ndarray
) -> IccResult:
    n, k = design.n_units, design.n_raters
    x = design.score
    k_harmonic = float(len(per_unit) / np.sum(1.0 / per_unit))
    single = int(np.count_nonzero(per_unit == 1))
    if single:
        notes.append(
            f"{_plural(single, 'unit')} {'has' if single == 1 else 'have'} a single rating "
            f"and {'is' if single == 1 else 'are'} kept in the fits (such a unit informs the "
            "rater effects and the mean but carries no within-unit comparison)"
        )
    notes.append(
        f"the k forms use k = {k_harmonic:.3g}, the harmonic mean of the number of ratings "
        "per unit"
    )
    crossed, one_way = _reml_components(design)
    notes.extend(one_way.notes)
    notes.extend(crossed.notes)

    no_interval = (
        "no F-based interval or F test: the design is incomplete, so the ANOVA mean squares "
        "do not follow the F distributions they rely on; the estimate is from REML variance "
        "components"
    )
    estimates: dict[str, float | None] = dict.fromkeys(ICC_FORMS)
    reasons: dict[str, str | None] = dict.fromkeys(ICC_FORMS)
    if one_way.components is not None:
        su, sw = one_way.components["unit_one_way"], one_way.components["within_one_way"]
        estimates["ICC1"] = _ratio(su, su + sw)
        estimates["ICC1k"] = _ratio(su, su + sw / k_harmonic)
    else:
        reasons["ICC1"] = reasons["ICC1k"] = one_way.reason
    if crossed.components is not None:
        su, sr, se = (crossed.components[key] for key in ("unit", "rater", "residual"))
        estimates["ICC2"] = _ratio(su, su + sr + se)
        estimates["ICC3"] = _ratio(su, su + se)
        estimates["ICC2k"] = _ratio(su, su + (sr + se) / k_harmonic)
        estimates["ICC3k"] = _ratio(su, su + se / k_harmonic)
    else:
        for key in ("ICC2", "ICC3", "ICC2k", "ICC3k"):
            reasons[key] = crossed.reason
    forms = {}
    for key in ICC_FORMS:
        if estimates[key] is None and reasons[key] is None:
            reasons[key] = f"{ICC_FORMS[key][0]} is undefined: its variance components are all 0"
        forms[key] = _form(
            key,
            estimate=estimates[key],
            reason=no_interval if estimates[key] is not None else reasons[key],
        )
    components: dict[str, float | None] = {
        "unit": None,
        "rater": None,
        "residual": None,
        "unit_one_way": None,
        "within_one_way": None,
    }
    components.update(crossed.components or {})
    components.update(one_way.components or {})
    if all(estimates[key] is None for key in ICC_FORMS):
        reason = "; ".join(dict.fromkeys(r for r in reasons.values() if r))
        return _refused(design, reason, notes, confidence)
    return IccResult(
        forms=forms,
        method=REML,
        n_units=n,
        n_raters=k,
        n_ratings=len(x),
        k=k_harmonic,
        mean_squares=None,
        variance_components=components,
        reason=None,
        notes=tuple(notes),
        confidence=confidence,
    )
