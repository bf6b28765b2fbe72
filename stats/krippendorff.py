r"""Krippendorff's alpha, computed through the coincidence matrix.

Krippendorff's alpha measures how far observers (raters, coders, judges)
agree when they assign values to units, corrected for the agreement expected
by chance. It accepts any number of observers, any pattern of missing
ratings, and four levels of measurement (nominal, ordinal, interval, ratio):

.. math::

    \alpha = 1 - \frac{D_o}{D_e},

with :math:`D_o` the observed and :math:`D_e` the expected disagreement.

Notation (Krippendorff 2011)
----------------------------
:math:`m_u`
    number of values (ratings) assigned to unit :math:`u`. Only *pairable*
    units, :math:`m_u \ge 2`, take part; a unit rated once is ignored.
:math:`n_{uc}`
    number of values :math:`c` assigned to unit :math:`u`.
:math:`o_{ck}`
    coincidences of values :math:`c` and :math:`k`,
    :math:`o_{ck} = \sum_u \frac{n_{uc}\,(n_{uk} - [c = k])}{m_u - 1}`.
:math:`n_c = \sum_k o_{ck}`
    number of pairable values :math:`c`; :math:`n = \sum_c n_c`.
:math:`\delta^2_{ck}`
    the difference function (metric) of the level of measurement.

Then

.. math::

    D_o = \frac{1}{n}\sum_c\sum_k o_{ck}\,\delta^2_{ck}, \qquad
    D_e = \frac{1}{n(n-1)}\sum_c\sum_k n_c\,n_k\,\delta^2_{ck}, \qquad
    \alpha = 1 - (n-1)\frac{\sum_c\sum_k o_{ck}\,\delta^2_{ck}}
                           {\sum_c\sum_k n_c\,n_k\,\delta^2_{ck}}.

Metrics, for values :math:`c` and :math:`k`:

* nominal: :math:`\delta^2_{ck} = 0` if :math:`c = k`, else 1;
* ordinal: :math:`\delta^2_{ck} = \bigl(\sum_{g=c}^{k} n_g - \frac{n_c + n_k}{2}\bigr)^2`,
  the sum running over the values from :math:`c` to :math:`k` in rank order.
  The :math:`n_g` are the pairable values' marginals, so a value of the
  declared scale that nobody used has :math:`n_g = 0` and changes nothing;
* interval: :math:`\delta^2_{ck} = (c - k)^2`;
* ratio: :math:`\delta^2_{ck} = \bigl(\frac{c - k}{c + k}\bigr)^2`, for values
  :math:`\ge 0`; when :math:`c = k = 0` the ratio is 0/0, defined here as 0
  (the two values are identical, so they do not differ).

Cost
----
The ratings are tallied into the sparse value-by-unit counts
:math:`n_{uc}` (one entry per unit and value present), and the coincidence
matrix is summed over pairs of *distinct values* within a unit, never over
pairs of ratings. Time is O(N log N + P + V^2) and memory O(N + P + V^2) for
N ratings, V distinct values and P = \sum_u (distinct values in unit u)^2
<= V N; on a fixed scale (V small) that is linear in the number of ratings.

References
----------
.. [1] Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
   Annenberg School for Communication, University of Pennsylvania,
   Departmental Papers 43. https://repository.upenn.edu/asc_papers/43
.. [2] Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a
   standard reliability measure for coding data. Communication Methods and
   Measures, 1(1), 77-89. doi:10.1080/19312450709336664
.. [3] Krippendorff, K. (2019). Content Analysis: An Introduction to Its
   Methodology (4th ed.), chapter 12. SAGE. doi:10.4135/9781071878781
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import scipy.sparse

from ._ratings import (
    Ratings,
    format_value,
    matrix_value_counts,
    read_long,
    read_reliability_data,
    read_value_domain,
    reliability_matrix,
    unit_value_counts,
    value_codes,
)
from .errors import StatsInputError

__all__ = [
    "ALPHA_THRESHOLDS",
    "LEVELS",
    "MAX_DISTINCT_VALUES",
    "AlphaBootstrap",
    "AlphaResult",
    "CoincidenceMatrix",
    "alpha_from_coincidences",
    "coincidence_matrix",
    "coincidence_matrix_long",
    "krippendorff_alpha",
    "krippendorff_alpha_all_levels",
    "krippendorff_alpha_all_levels_long",
    "krippendorff_alpha_bootstrap",
    "krippendorff_alpha_long",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]

#: The levels of measurement, in the order Krippendorff lists them.
LEVELS: Final[tuple[str, ...]] = ("nominal", "ordinal", "interval", "ratio")

#: Largest number of distinct values (V) accepted: the coincidence and metric
#: matrices are V x V. Scores on a rating scale are far below it; continuous
#: measurements above it should be rounded or binned first.
MAX_DISTINCT_VALUES: Final[int] = 2000


@dataclass(frozen=True, eq=False)
class CoincidenceMatrix:
    """Coincidences of values within units: the sufficient statistic of alpha.

    Attributes
    ----------
    values : tuple of float, length V
        Labels of the rows and columns, ascending: the declared
        ``value_domain`` when one was given, else the distinct values found in
        pairable units.
    o : ndarray of float64, shape (V, V)
        ``o[c, k]`` is :math:`o_{ck}`; symmetric; read-only.
    n_c : ndarray of int64, shape (V,)
        Pairable values per value (row sums of ``o``); read-only.
    n : int
        Number of pairable values, :math:`n = \\sum_c n_c`.
    n_units : int
        Units with at least one rating.
    n_pairable_units : int
        Units with two or more ratings.
    n_ratings : int
        Ratings present (pairable or not).
    """

    values: tuple[float, ...]
    o: np.ndarray
    n_c: np.ndarray
    n: int
    n_units: int
    n_pairable_units: int
    n_ratings: int


@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's alpha at one level of measurement.

    Attributes
    ----------
    level : str
        ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.
    alpha : float or None
        The coefficient; None when it is undefined (see ``reason``).
    reason : str or None
        Plain-English reason why ``alpha`` is None; None when it is defined.
    observed_disagreement : float or None
        :math:`D_o`; None when there are no pairable units.
    expected_disagreement : float or None
        :math:`D_e`; None when there are no pairable units.
    n_units : int
        Units with at least one rating.
    n_pairable_units : int
        Units with two or more ratings.
    n_pairable_values : int
        :math:`n`, the number of ratings in pairable units.
    n_ratings : int
        Ratings present, pairable or not.
    values : tuple of float
        Distinct values among the pairable ratings, ascending.
    """

    level: str
    alpha: float | None
    reason: str | None
    observed_disagreement: float | None
    expected_disagreement: float | None
    n_units: int
    n_pairable_units: int
    n_pairable_values: int
    n_ratings: int
    values: tuple[float, ...]


@dataclass(frozen=True)
class AlphaBootstrap:
    """Krippendorff's alpha with a bootstrap distribution over units.

    Attributes
    ----------
    level : str
        Level of measurement.
    alpha : float or None
        Alpha of the data themselves; None when undefined (see ``reason``).
    ci : tuple of (float, float) or None
        Percentile interval of the replicates at ``confidence``.
    confidence : float
        Coverage of ``ci``, e.g. 0.95.
    se : float or None
        Standard deviation of the replicates (the bootstrap standard error).
    p_below : dict of float to float or None
        For each threshold t, the share of replicates with alpha < t: the
        probability, under the bootstrap, that the data's reliability falls
        short of t (Hayes & Krippendorff 2007 report it for .667 and .800).
    n_boot : int
        Replicates drawn.
    n_defined : int
        Replicates in which alpha was defined (a replicate whose resampled units
        all hold one and the same value has no variation); ``ci``, ``se`` and
        ``p_below`` use these only.
    n_resampled_units : int
        Pairable units resampled in each replicate.
    seed : int or None
        The seed given (None when a Generator or nothing was given).
    method : str
        How the replicates were drawn.
    reason : str or None
        Why ``alpha`` or the interval is None; None when both are defined.
    """

    level: str
    alpha: float | None
    ci: tuple[float, float] | None
    confidence: float
    se: float | None
    p_below: dict[float, float] | None
    n_boot: int
    n_defined: int
    n_resampled_units: int
    seed: int | None
    method: str
    reason: str | None


#: How :func:`krippendorff_alpha_bootstrap` resamples.
BOOTSTRAP_METHOD: Final[str] = (
    "nonparametric bootstrap over units: each replicate draws the pairable units with "
    "replacement (as many as there are) and recomputes alpha from their coincidences; "
    "percentile interval"
)

#: Krippendorff's (2019) thresholds: rely on data with alpha >= .800; draw tentative
#: conclusions only from .667 <= alpha < .800.
ALPHA_THRESHOLDS: Final[tuple[float, float]] = (0.667, 0.800)

#: Largest number of bootstrap replicates accepted.
MAX_BOOTSTRAP: Final[int] = 1_000_000


# --------------------------------------------------------------------------
# Public functions: validate here, once.
# --------------------------------------------------------------------------


def coincidence_matrix(
    reliability_data: Any, *, value_domain: Sequence[float] | None = None
) -> CoincidenceMatrix:
    """Coincidence matrix of reliability data (raters x units).

    Parameters
    ----------
    reliability_data : array_like, shape (raters, units)
        One row per rater (observer), one column per unit; ``np.nan`` or
        None marks a missing rating. Values must be finite numbers.
    value_domain : sequence of float, optional
        The declared scale, e.g. ``range(6)`` for 0-5. Every rating must be
        one of its values, and the matrix is indexed by all of them (values
        nobody used get zero rows).

    Returns
    -------
    CoincidenceMatrix

    Raises
    ------
    StatsInputError
        If the data are empty, not 2-D, hold no rating, hold a non-numeric
        or infinite value, a value outside ``value_domain``, or more than
        :data:`MAX_DISTINCT_VALUES` distinct values.

    Examples
    --------
    Krippendorff's (2011) example [1]_: the coincidences of values 1 and 2
    sum to 4/3, and there are n = 40 pairable values.

    >>> nan = float("nan")
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> cm = coincidence_matrix(data)
    >>> cm.values
    (1.0, 2.0, 3.0, 4.0, 5.0)
    >>> round(float(cm.o[0, 1]), 4), cm.n
    (1.3333, 40)

    References
    ----------
    .. [1] Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
       Annenberg School for Communication Departmental Papers 43.
       https://repository.upenn.edu/asc_papers/43
    """
    domain = read_value_domain(value_domain)
    return _matrix_coincidences(reliability_data, domain)


def coincidence_matrix_long(
    frame: pd.DataFrame,
    *,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
    value_domain: Sequence[float] | None = None,
) -> CoincidenceMatrix:
    """Coincidence matrix of a long table (one row per rating).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating. A row whose score is missing is a missing rating.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.
    value_domain : sequence of float, optional
        The declared scale; see :func:`coincidence_matrix`.

    Returns
    -------
    CoincidenceMatrix

    Raises
    ------
    StatsInputError
        As :func:`coincidence_matrix`; also when a column is absent, a
        rated row has no unit or rater label, or a rater scores a unit twice.

    Examples
    --------
    Unit 6 of Krippendorff's (2011) example [1]_: four observers give 1, 2,
    3 and 4, so each ordered pair of distinct values coincides 1/3 times.
    Declared values nobody used (0 and 5) get zero rows.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"unit": [6, 6, 6, 6], "rater": ["A", "B", "C", "D"],
    ...                       "score": [1, 2, 3, 4]})
    >>> cm = coincidence_matrix_long(frame, value_domain=range(6))
    >>> (cm.o * 3).round(6).tolist()[1]
    [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    >>> cm.n_c.tolist(), cm.n
    ([0, 1, 1, 1, 1, 0], 4)

    References
    ----------
    .. [1] Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
       Annenberg School for Communication Departmental Papers 43.
       https://repository.upenn.edu/asc_papers/43
    """
    domain = read_value_domain(value_domain)
    ratings = read_long(frame, unit=unit, rater=rater, score=score, value_domain=domain)
    return _coincidences(ratings, domain)


def alpha_from_coincidences(
    coincidences: CoincidenceMatrix, level: Level = "ordinal"
) -> AlphaResult:
    """Krippendorff's alpha from a coincidence matrix already computed.

    Use it to get several levels from one tally of the data.

    Parameters
    ----------
    coincidences : CoincidenceMatrix
        From :func:`coincidence_matrix` or :func:`coincidence_matrix_long`.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "ordinal"
        Level of measurement, which selects the metric.

    Returns
    -------
    AlphaResult

    Raises
    ------
    StatsInputError
        If ``level`` is unknown, or is "ratio" and a value is negative.

    Examples
    --------
    >>> nan = float("nan")
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> cm = coincidence_matrix(data)
    >>> [round(alpha_from_coincidences(cm, level).alpha, 3) for level in LEVELS]
    [0.743, 0.815, 0.849, 0.797]
    """
    if not isinstance(coincidences, CoincidenceMatrix):
        raise StatsInputError(
            "coincidences must be a CoincidenceMatrix from coincidence_matrix() or "
            f"coincidence_matrix_long(); got {type(coincidences).__name__}"
        )
    _check_level(level)
    if level == "ratio":
        problem = _ratio_problem(coincidences.values)
        if problem is not None:
            raise StatsInputError(problem)
    return _alpha(coincidences, level)


def krippendorff_alpha(
    reliability_data: Any,
    level: Level = "ordinal",
    *,
    value_domain: Sequence[float] | None = None,
) -> AlphaResult:
    r"""Krippendorff's alpha of reliability data laid out as raters x units.

    .. math::

        \alpha = 1 - (n-1)\frac{\sum_c\sum_k o_{ck}\,\delta^2_{ck}}
                               {\sum_c\sum_k n_c\,n_k\,\delta^2_{ck}}

    with the coincidences :math:`o_{ck}`, marginals :math:`n_c` and metric
    :math:`\delta^2_{ck}` defined in the module documentation.

    Parameters
    ----------
    reliability_data : array_like, shape (raters, units)
        One row per rater, one column per unit; ``np.nan`` or None marks a
        missing rating. Any pattern of missing ratings is allowed.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "ordinal"
        Level of measurement. "ordinal" uses Krippendorff's rank-based
        metric (not Gwet's ordinal weights). "ratio" needs values >= 0;
        two zeros differ by 0/0, taken as 0 (identical values).
    value_domain : sequence of float, optional
        The declared scale, e.g. ``range(6)``. A rating outside it is an
        error. Declared values nobody used do not change alpha at any level.

    Returns
    -------
    AlphaResult
        ``alpha`` is None, with a ``reason``, when no unit has two ratings,
        or when all pairable ratings are the same value (then
        :math:`D_o = D_e = 0`: observed agreement is perfect, but there is no
        variation, so alpha is undefined).

    Raises
    ------
    StatsInputError
        If the data are empty, not 2-D, hold no rating, hold a non-numeric or
        infinite value or a value outside ``value_domain``; if ``level`` is
        unknown; if ``level`` is "ratio" and a pairable value is negative.

    See Also
    --------
    krippendorff_alpha_long : the same from a long table (one row per rating).
    krippendorff_alpha_all_levels : all four levels from one tally.

    Notes
    -----
    Alpha ranges from 1 (perfect agreement) through 0 (agreement at chance
    level) to negative values (systematic disagreement). Krippendorff [3]_
    suggests relying on data with alpha >= .800 and drawing only tentative
    conclusions from .667 <= alpha < .800.

    References
    ----------
    .. [1] Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
       Annenberg School for Communication Departmental Papers 43.
       https://repository.upenn.edu/asc_papers/43
    .. [2] Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a
       standard reliability measure for coding data. Communication Methods
       and Measures, 1(1), 77-89. doi:10.1080/19312450709336664
    .. [3] Krippendorff, K. (2019). Content Analysis: An Introduction to Its
       Methodology (4th ed.). SAGE. doi:10.4135/9781071878781

    Examples
    --------
    Krippendorff's (2011) worked example [1]_: 4 observers, 12 units, values
    1-5, missing ratings; published alpha: nominal .743, ordinal .815,
    interval .849, ratio .797.

    >>> nan = float("nan")
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> result = krippendorff_alpha(data, "ordinal")
    >>> round(result.alpha, 3)
    0.815
    >>> result.n_pairable_units, result.n_pairable_values
    (11, 40)

    Declaring the 0-5 scale changes nothing:

    >>> round(krippendorff_alpha(data, "ordinal", value_domain=range(6)).alpha, 3)
    0.815
    """
    domain = read_value_domain(value_domain)
    _check_level(level)
    return alpha_from_coincidences(_matrix_coincidences(reliability_data, domain), level)


def krippendorff_alpha_long(
    frame: pd.DataFrame,
    level: Level = "ordinal",
    *,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
    value_domain: Sequence[float] | None = None,
) -> AlphaResult:
    """Krippendorff's alpha of a long table: one row per rating.

    The formula, levels and undefined cases are those of
    :func:`krippendorff_alpha`. The table goes straight to the sparse
    value-by-unit counts; no raters x units matrix is built, so a million
    ratings over a hundred thousand units take little time and memory.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating. A row whose score is missing (NaN, None,
        ``pd.NA``) is a missing rating and is ignored.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "ordinal"
        Level of measurement.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns (default "unit", "rater",
        "score"). Unit and rater labels may be of any hashable type.
    value_domain : sequence of float, optional
        The declared scale; see :func:`krippendorff_alpha`.

    Returns
    -------
    AlphaResult

    Raises
    ------
    StatsInputError
        As :func:`krippendorff_alpha`; also when ``frame`` is not a
        DataFrame, a column is absent, a rated row lacks its unit or rater
        label, or a rater scores the same unit twice (the message names the
        unit, the rater and both rows).

    Examples
    --------
    Krippendorff's (2011) example [1]_ in long form (published ordinal
    alpha .815):

    >>> import pandas as pd
    >>> rows = {"A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> frame = pd.DataFrame(
    ...     [(u + 1, r, s) for r, scores in rows.items() for u, s in enumerate(scores)
    ...      if s is not None],
    ...     columns=["unit", "rater", "score"])
    >>> len(frame)
    41
    >>> round(krippendorff_alpha_long(frame, "ordinal").alpha, 3)
    0.815

    References
    ----------
    .. [1] Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
       Annenberg School for Communication Departmental Papers 43.
       https://repository.upenn.edu/asc_papers/43
    """
    domain = read_value_domain(value_domain)
    _check_level(level)
    ratings = read_long(frame, unit=unit, rater=rater, score=score, value_domain=domain)
    return alpha_from_coincidences(_coincidences(ratings, domain), level)


def krippendorff_alpha_all_levels(
    reliability_data: Any, *, value_domain: Sequence[float] | None = None
) -> dict[str, AlphaResult]:
    """Krippendorff's alpha at all four levels, from one tally of the data.

    Parameters
    ----------
    reliability_data : array_like, shape (raters, units)
        As in :func:`krippendorff_alpha`.
    value_domain : sequence of float, optional
        The declared scale.

    Returns
    -------
    dict of str to AlphaResult
        Keyed by level, in the order of :data:`LEVELS`. When a pairable value
        is negative, the ratio entry has ``alpha`` None and says why, instead
        of raising.

    Examples
    --------
    Hayes & Krippendorff (2007), Table 1 [1]_: 5 observers, 40 units, values
    0-3; published ordinal alpha .7598 (nominal .477, interval .757).

    >>> import numpy as np
    >>> nan = np.nan
    >>> data = np.array([
    ...     [1, 1, 2, nan, 0, 0, 1, 1, 2, 2, nan, 0, 1, 3, 1, 1, 2, 1, 1, 0,
    ...      0, 0, 2, 0, 1, 0, 0, 1, 1, 1, 1, 2, 2, 3, 2, 2, 2, 2, 2, 1],
    ...     [1, 1, 3, 0, 0, 0, 0, nan, 2, 1, 1, 0, 2, 3, 1, 1, 1, 2, 1, 0,
    ...      0, 0, 3, 0, 2, 1, 0, 2, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 1],
    ...     [2, 0, 3, 0, 0, 0, 2, 2, 2, 1, 0, 0, 2, 2, 1, 1, 2, 3, 0, 0,
    ...      1, nan, 3, 0, nan, 1, 0, 1, 2, 2, 0, 2, nan, 2, 2, 3, 2, nan, 2, 1],
    ...     [nan, 1, 3, nan, nan, nan, nan, 0, nan, 1, 0, 0, 2, 2, nan, nan,
    ...      nan, 3, 1, nan, 1, 0, 3, 0, 2, 1, 1, 2, 2, nan, nan, 1, 2, 2, nan,
    ...      nan, nan, 1, 2, nan],
    ...     [2, nan, nan, 0, 0, 0, 1, nan, 2, nan, nan, nan, nan, 3, 1, 1, 2,
    ...      nan, nan, 0, nan, 0, nan, nan, 2, nan, 0, nan, nan, 2, 0, nan, 2,
    ...      nan, 2, 2, 2, 2, nan, 1]])
    >>> int(np.count_nonzero(~np.isnan(data)))
    159
    >>> results = krippendorff_alpha_all_levels(data, value_domain=range(4))
    >>> round(results["ordinal"].alpha, 4)
    0.7598
    >>> round(results["nominal"].alpha, 3), round(results["interval"].alpha, 3)
    (0.477, 0.757)

    References
    ----------
    .. [1] Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a
       standard reliability measure for coding data. Communication Methods
       and Measures, 1(1), 77-89. doi:10.1080/19312450709336664
    """
    domain = read_value_domain(value_domain)
    return _all_levels(_matrix_coincidences(reliability_data, domain))


def krippendorff_alpha_all_levels_long(
    frame: pd.DataFrame,
    *,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
    value_domain: Sequence[float] | None = None,
) -> dict[str, AlphaResult]:
    """Krippendorff's alpha at all four levels from a long table.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating; see :func:`krippendorff_alpha_long`.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.
    value_domain : sequence of float, optional
        The declared scale.

    Returns
    -------
    dict of str to AlphaResult
        As :func:`krippendorff_alpha_all_levels`.

    Raises
    ------
    StatsInputError
        As :func:`krippendorff_alpha_long`.

    Examples
    --------
    Krippendorff's (2011) example in long form; published nominal .743,
    ordinal .815, interval .849, ratio .797.

    >>> import pandas as pd
    >>> rows = {"A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> frame = pd.DataFrame({"unit": list(range(1, 13)) * 4,
    ...                       "rater": [r for r in rows for _ in range(12)],
    ...                       "score": [s for scores in rows.values() for s in scores]})
    >>> results = krippendorff_alpha_all_levels_long(frame, value_domain=range(1, 6))
    >>> {level: round(r.alpha, 3) for level, r in results.items()}
    {'nominal': 0.743, 'ordinal': 0.815, 'interval': 0.849, 'ratio': 0.797}
    """
    domain = read_value_domain(value_domain)
    ratings = read_long(frame, unit=unit, rater=rater, score=score, value_domain=domain)
    return _all_levels(_coincidences(ratings, domain))


def krippendorff_alpha_bootstrap(
    frame: pd.DataFrame,
    level: Level = "ordinal",
    *,
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
    confidence: float = 0.95,
    thresholds: Sequence[float] = ALPHA_THRESHOLDS,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
    value_domain: Sequence[float] | None = None,
) -> AlphaBootstrap:
    r"""Krippendorff's alpha with a bootstrap confidence interval and the risk of falling short.

    Replicate :math:`b` draws the :math:`U` pairable units (units with two or
    more ratings, in order of first appearance) with replacement, using
    ``rng.integers(0, U, size=U)``, and recomputes alpha from the sum of the
    drawn units' coincidences, :math:`o^{(b)}_{ck} = \sum_u w^{(b)}_u\,o_{u,ck}`
    with :math:`w^{(b)}_u` the number of times unit :math:`u` was drawn. The
    interval is the percentile interval of the replicates; ``p_below[t]`` is
    the share of replicates below :math:`t`.

    Units are the sampling unit here, as in most reliability studies (the
    vignettes could have been others). Hayes & Krippendorff's (2007) KALPHA
    macro resamples pairs of values instead; its interval is similar in
    large samples but not identical.

    The cost is one sparse product per batch of replicates: O(B P) for B
    replicates and P = the number of (unit, value, value) terms, plus
    O(B V^2) for the metric, so 1,000 replicates on 100,000 ratings take
    well under a second.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating; see :func:`krippendorff_alpha_long`.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "ordinal"
        Level of measurement. For "ordinal" the metric is recomputed from
        each replicate's marginals.
    n_boot : int, default 1000
        Number of replicates (1 to :data:`MAX_BOOTSTRAP`).
    seed : int or numpy.random.Generator, optional
        Seed of ``numpy.random.default_rng``, or a Generator to draw from.
        The same seed gives the same replicates.
    confidence : float, default 0.95
        Coverage of the percentile interval, strictly between 0 and 1.
    thresholds : sequence of float, default (0.667, 0.800)
        Values for ``p_below``.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.
    value_domain : sequence of float, optional
        The declared scale.

    Returns
    -------
    AlphaBootstrap
        ``alpha`` None with a ``reason`` when alpha of the data is undefined
        (then nothing is resampled); ``ci`` None with a ``reason`` when fewer
        than two replicates have a defined alpha.

    Raises
    ------
    StatsInputError
        As :func:`krippendorff_alpha_long`; also when ``n_boot``,
        ``confidence``, ``seed`` or ``thresholds`` are not acceptable.

    References
    ----------
    .. [1] Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a
       standard reliability measure for coding data. Communication Methods
       and Measures, 1(1), 77-89. doi:10.1080/19312450709336664
    .. [2] Efron, B., & Tibshirani, R. J. (1993). An Introduction to the
       Bootstrap, chapter 13. Chapman & Hall. doi:10.1201/9780429246593

    Examples
    --------
    Krippendorff's (2011) example (ordinal alpha .815) has only 11 pairable
    units, so the interval is wide and alpha may well fall below .800:

    >>> import pandas as pd
    >>> rows = {"A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> frame = pd.DataFrame({"unit": list(range(1, 13)) * 4,
    ...                       "rater": [r for r in rows for _ in range(12)],
    ...                       "score": [s for scores in rows.values() for s in scores]})
    >>> result = krippendorff_alpha_bootstrap(frame, "ordinal", n_boot=2000, seed=1)
    >>> round(result.alpha, 3), result.n_resampled_units, result.n_defined
    (0.815, 11, 2000)
    >>> result.ci[0] < 0.7 < result.alpha < result.ci[1] <= 1.0
    True
    >>> 0.2 < result.p_below[0.8] < 0.6
    True
    """
    domain = read_value_domain(value_domain)
    _check_level(level)
    n_boot = _check_count(n_boot, "n_boot", 1, MAX_BOOTSTRAP)
    confidence = _check_share(confidence, "confidence")
    thresholds = _check_thresholds(thresholds)
    rng, seed_value = _make_rng(seed)
    ratings = read_long(frame, unit=unit, rater=rater, score=score, value_domain=domain)
    cm = _coincidences(ratings, domain)
    point = alpha_from_coincidences(cm, level)

    def result(**values: Any) -> AlphaBootstrap:
        fields: dict[str, Any] = {
            "level": level, "alpha": point.alpha, "ci": None, "confidence": confidence,
            "se": None, "p_below": None, "n_boot": n_boot, "n_defined": 0,
            "n_resampled_units": cm.n_pairable_units, "seed": seed_value,
            "method": BOOTSTRAP_METHOD, "reason": point.reason,
        }
        fields.update(values)
        return AlphaBootstrap(**fields)

    if point.alpha is None:
        return result(n_boot=0)
    replicates = _bootstrap_replicates(ratings, cm, level, n_boot, rng)
    defined = replicates[~np.isnan(replicates)]
    if len(defined) < 2:
        return result(
            n_defined=len(defined),
            reason=(
                "fewer than two bootstrap replicates had any variation in their scores, so no "
                "interval can be given"
            ),
        )
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(defined, [tail, 1.0 - tail])
    return result(
        ci=(float(low), float(high)),
        se=float(np.std(defined, ddof=1)),
        p_below={t: float(np.mean(defined < t)) for t in thresholds},
        n_defined=len(defined),
    )


# --------------------------------------------------------------------------
# Private helpers: they trust their input.
# --------------------------------------------------------------------------


def _check_level(level: Any) -> None:
    if level not in LEVELS:
        raise StatsInputError(
            f"level must be one of {', '.join(repr(x) for x in LEVELS)}; got {level!r}"
        )


def _ratio_problem(values: tuple[float, ...]) -> str | None:
    """Why the ratio metric does not apply, or None when it does."""
    negative = [v for v in values if v < 0]
    if negative:
        return (
            "the ratio level needs values that are zero or positive (a scale with an absolute "
            f"zero); found {format_value(negative[0])}"
        )
    return None


def _all_levels(cm: CoincidenceMatrix) -> dict[str, AlphaResult]:
    results = {}
    for level in LEVELS:
        problem = _ratio_problem(cm.values) if level == "ratio" else None
        if problem is None:
            results[level] = _alpha(cm, level)
        else:
            results[level] = _result(cm, level, alpha=None, reason=problem, d_o=None, d_e=None)
    return results


def _matrix_coincidences(reliability_data: Any, value_domain: np.ndarray | None) -> CoincidenceMatrix:
    """Coincidences of a (raters, units) matrix, counted without listing its ratings."""
    x = reliability_matrix(reliability_data)
    counted = matrix_value_counts(x, value_domain)
    if counted is None:
        return _coincidences(read_reliability_data(x, value_domain), value_domain)
    values, n_uc = counted
    return _coincidences_of_counts(values, n_uc, trim=value_domain is None)


def _coincidences(ratings: Ratings, value_domain: np.ndarray | None) -> CoincidenceMatrix:
    """Tally ratings into n_uc and then into the coincidence matrix o_ck."""
    n_units = len(ratings.unit_labels)
    values, c = value_codes(ratings.score, value_domain)
    V = len(values)
    if n_units * V <= 4 * len(c) + 1_000_000:
        n_uc = np.bincount(ratings.unit_code * V + c, minlength=n_units * V)
        return _coincidences_of_counts(values, n_uc.reshape(n_units, V), trim=value_domain is None)
    # Many distinct values: count only the (unit, value) pairs present.
    m_u = np.bincount(ratings.unit_code, minlength=n_units)
    pairable = m_u[ratings.unit_code] >= 2
    n_c = np.bincount(c[pairable], minlength=V).astype(np.int64)
    if value_domain is None:
        used = np.flatnonzero(n_c)
        values, n_c = values[used], n_c[used]
        c = np.searchsorted(used, c)
    _check_distinct(len(values))
    o = _coincidence_sums(ratings.unit_code[pairable], c[pairable], m_u, len(values))
    return _coincidence_matrix(values, o, n_c, m_u)


def _coincidences_of_counts(values: np.ndarray, n_uc: np.ndarray, *, trim: bool) -> CoincidenceMatrix:
    r"""o_ck and n_c from dense counts n_uc (units x values).

    o = N^T W N - diag(1^T W N), with W = diag(1 / (m_u - 1)) over pairable units
    (0 elsewhere): O(U V^2) arithmetic after one pass over the ratings. With ``trim``,
    values no pairable rating holds are dropped.
    """
    counts = np.ascontiguousarray(n_uc, dtype=np.float64)
    m_u = counts @ np.ones(counts.shape[1])  # row sums; a product is faster on short rows
    pairable = m_u >= 2
    weight = np.zeros(len(m_u))
    weight[pairable] = 1.0 / (m_u[pairable] - 1)
    n_c = np.rint(pairable.astype(np.float64) @ counts).astype(np.int64)
    if trim:
        used = np.flatnonzero(n_c)
        values, counts, n_c = values[used], counts[:, used], n_c[used]
    _check_distinct(len(values))
    weighted = counts * weight[:, None]
    o = weighted.T @ counts
    o[np.diag_indices(len(values))] -= weight @ counts
    m_u = np.rint(m_u).astype(np.int64)
    return _coincidence_matrix(values, o, n_c, m_u)


def _check_distinct(V: int) -> None:
    if V > MAX_DISTINCT_VALUES:
        raise StatsInputError(
            f"the ratings hold {V} distinct values; at most {MAX_DISTINCT_VALUES} are supported "
            "(the coincidence matrix is values x values): round or bin continuous scores first"
        )


def _coincidence_matrix(
    values: np.ndarray, o: np.ndarray, n_c: np.ndarray, m_u: np.ndarray
) -> CoincidenceMatrix:
    for array in (o, n_c):
        array.setflags(write=False)
    return CoincidenceMatrix(
        values=tuple(float(v) for v in values),
        o=o,
        n_c=n_c,
        n=int(n_c.sum()),
        n_units=int(np.count_nonzero(m_u)),
        n_pairable_units=int(np.count_nonzero(m_u >= 2)),
        n_ratings=int(m_u.sum()),
    )


def _coincidence_sums(u: np.ndarray, c: np.ndarray, m_u: np.ndarray, V: int) -> np.ndarray:
    r"""o_ck = sum_u n_uc (n_uk - [c = k]) / (m_u - 1), for pairable ratings."""
    if len(u) == 0:
        return np.zeros((V, V))
    _, key, pairs = _unit_coincidences(u, c, m_u, V)
    return np.bincount(key, weights=pairs, minlength=V * V).reshape(V, V)


def _unit_coincidences(
    u: np.ndarray, c: np.ndarray, m_u: np.ndarray, V: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Each pairable unit's terms of o_ck, as sparse triples ``(unit, c * V + k, value)``.

    Works on the sparse counts (u, c, n_uc). Within each unit it visits every
    ordered pair (i, j) of the unit's *distinct* values, so a unit holding
    s_u distinct values costs s_u^2, however many ratings it has.
    """
    u, c, n_uc = unit_value_counts(u, c, V)
    # Entries are sorted by unit: find each unit's block [start, start + s_u).
    start = np.flatnonzero(np.diff(u, prepend=-1))
    s_u = np.diff(start, append=len(u))
    s = np.repeat(s_u, s_u)  # for each entry, the size of its unit's block
    first = np.repeat(start, s_u)  # for each entry, where its unit's block starts
    # Pair entry i with each j of its block: i is repeated s[i] times, and j
    # runs over first[i], ..., first[i] + s[i] - 1.
    i = np.repeat(np.arange(len(u)), s)
    offset_in_block = np.arange(len(i)) - np.repeat(np.cumsum(s) - s, s)
    j = first[i] + offset_in_block
    weight = 1.0 / (m_u[u[i]] - 1)
    pairs = n_uc[i] * (n_uc[j] - (i == j)) * weight
    return u[i], c[i] * V + c[j], pairs


def _delta2(values: np.ndarray, n_c: np.ndarray, level: str) -> np.ndarray:
    """Squared difference delta^2_ck for every pair of values (V x V)."""
    V = len(values)
    if level == "nominal":
        return 1.0 - np.eye(V)
    if level == "interval":
        return np.subtract.outer(values, values) ** 2
    if level == "ratio":
        difference = np.subtract.outer(values, values)
        total = np.add.outer(values, values)
        ratio = np.divide(difference, total, out=np.zeros((V, V)), where=total != 0)
        return ratio**2
    # ordinal: sum of n_g for g from c to k (in rank order) minus (n_c + n_k) / 2
    rank = np.arange(V)
    low, high = np.minimum.outer(rank, rank), np.maximum.outer(rank, rank)
    n_g = n_c.astype(np.float64)
    cumulative = np.cumsum(n_g)
    between = cumulative[high] - cumulative[low] + n_g[low]
    return (between - (n_g[low] + n_g[high]) / 2.0) ** 2


def _result(
    cm: CoincidenceMatrix,
    level: str,
    *,
    alpha: float | None,
    reason: str | None,
    d_o: float | None,
    d_e: float | None,
) -> AlphaResult:
    used = tuple(v for v, count in zip(cm.values, cm.n_c) if count > 0)
    return AlphaResult(
        level=level,
        alpha=alpha,
        reason=reason,
        observed_disagreement=d_o,
        expected_disagreement=d_e,
        n_units=cm.n_units,
        n_pairable_units=cm.n_pairable_units,
        n_pairable_values=cm.n,
        n_ratings=cm.n_ratings,
        values=used,
    )


def _alpha(cm: CoincidenceMatrix, level: str) -> AlphaResult:
    """alpha = 1 - D_o / D_e at one level."""
    n = cm.n
    if n == 0:
        reason = (
            "no unit has two or more ratings, so there are no pairs of values to compare "
            "(alpha is undefined)"
        )
        return _result(cm, level, alpha=None, reason=reason, d_o=None, d_e=None)

    values = np.asarray(cm.values)
    n_c = cm.n_c.astype(np.float64)
    # Overflow (values near the float limit) is caught by the finiteness check below.
    with np.errstate(over="ignore", invalid="ignore"):
        delta2 = _delta2(values, cm.n_c, level)
        observed = float(np.sum(cm.o * delta2))  # sum_ck o_ck delta^2_ck
        expected = float(n_c @ delta2 @ n_c)  # sum_ck n_c n_k delta^2_ck
    d_o = observed / n
    d_e = expected / (n * (n - 1))

    used = np.flatnonzero(cm.n_c)
    if len(used) == 1:
        reason = (
            f"every pairable score is the same value ({format_value(values[used[0]])}), so there "
            "is no variation to measure agreement against (alpha is undefined); observed "
            "agreement is 100%"
        )
        return _result(cm, level, alpha=None, reason=reason, d_o=d_o, d_e=d_e)
    if not (np.isfinite(observed) and np.isfinite(expected) and expected > 0):
        raise StatsInputError(
            f"the scores are too large or too small in magnitude for the {level} metric in "
            "floating point; rescale them (alpha does not change when interval or ratio "
            "values are multiplied by a positive constant)"
        )
    alpha = 1.0 - (n - 1) * observed / expected
    return _result(cm, level, alpha=alpha, reason=None, d_o=d_o, d_e=d_e)


def _check_count(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise StatsInputError(f"{name} must be a whole number; got {value!r}")
    if not low <= value <= high:
        raise StatsInputError(f"{name} must be between {low:,} and {high:,}; got {value:,}")
    return int(value)


def _check_share(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise StatsInputError(f"{name} must be a number between 0 and 1, e.g. 0.95; got {value!r}")
    if not 0.0 < float(value) < 1.0:
        raise StatsInputError(f"{name} must be strictly between 0 and 1, e.g. 0.95; got {value!r}")
    return float(value)


def _check_thresholds(thresholds: Any) -> tuple[float, ...]:
    domain = read_value_domain(thresholds, "thresholds")
    if domain is None:
        raise StatsInputError("thresholds must list at least one value, e.g. (0.667, 0.8)")
    return tuple(float(t) for t in thresholds)


def _make_rng(seed: Any) -> tuple[np.random.Generator, int | None]:
    if isinstance(seed, np.random.Generator):
        return seed, None
    if seed is None:
        return np.random.default_rng(), None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise StatsInputError(f"seed must be a whole number >= 0 or a Generator; got {seed!r}")
    return np.random.default_rng(int(seed)), int(seed)


def _bootstrap_replicates(
    ratings: Ratings, cm: CoincidenceMatrix, level: str, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Alpha of each replicate (NaN where undefined), as documented in the public function."""
    V = len(cm.values)
    m_u = np.bincount(ratings.unit_code, minlength=len(ratings.unit_labels))
    pairable = m_u[ratings.unit_code] >= 2
    values = np.asarray(cm.values)
    c = np.searchsorted(values, ratings.score[pairable])
    # Number the pairable units 0..U-1 in order of first appearance.
    pairable_units = np.flatnonzero(m_u >= 2)
    renumber = np.full(len(m_u), -1, dtype=np.int64)
    renumber[pairable_units] = np.arange(len(pairable_units))
    u = renumber[ratings.unit_code[pairable]]
    U = len(pairable_units)
    unit_of_term, key, term = _unit_coincidences(u, c.astype(np.int64), m_u[pairable_units], V)
    # terms_by_key[c * V + k, u]: unit u's contribution to o_ck.
    terms_by_key = scipy.sparse.csr_matrix((term, (key, unit_of_term)), shape=(V * V, U))
    fixed = None if level == "ordinal" else _delta2(values, cm.n_c, level)

    replicates = np.empty(n_boot)
    batch = max(1, min(n_boot, 4_000_000 // max(U, V * V)))
    for start in range(0, n_boot, batch):
        stop = min(n_boot, start + batch)
        draws = np.empty((U, stop - start))
        for column in range(stop - start):
            draws[:, column] = np.bincount(rng.integers(0, U, size=U), minlength=U)
        o = np.asarray(terms_by_key @ draws).T.reshape(-1, V, V)  # (batch, V, V)
        n_c = o.sum(axis=2)
        n = n_c.sum(axis=1)
        delta2 = fixed[None] if fixed is not None else _ordinal_delta2_batch(n_c)
        observed = np.einsum("bck,bck->b", o, np.broadcast_to(delta2, o.shape))
        expected = np.einsum("bc,bck,bk->b", n_c, np.broadcast_to(delta2, o.shape), n_c)
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = 1.0 - (n - 1.0) * observed / expected
        # A replicate whose values are all one value has no expected disagreement.
        single_value = np.count_nonzero(n_c > 1e-9, axis=1) < 2
        alpha[single_value] = np.nan
        replicates[start:stop] = alpha
    return replicates


def _ordinal_delta2_batch(n_c: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal metric for each row of marginals n_c, shape (batch, V, V)."""
    V = n_c.shape[1]
    rank = np.arange(V)
    low, high = np.minimum.outer(rank, rank), np.maximum.outer(rank, rank)
    cumulative = np.cumsum(n_c, axis=1)
    between = cumulative[:, high] - cumulative[:, low] + n_c[:, low]
    return (between - (n_c[:, low] + n_c[:, high]) / 2.0) ** 2
