r"""Gwet's AC1 and AC2, and the Brennan-Prediger coefficient, with their variances.

All three are chance-corrected agreement coefficients of the same form,

.. math::

    \gamma = \frac{p_a - p_e}{1 - p_e},

with the same percent agreement :math:`p_a` and different chance agreements
:math:`p_e`. They accept any number of raters and any pattern of missing
ratings. Unlike kappa and alpha, AC1's chance agreement *shrinks* when the
ratings pile up at one level, so AC1 does not collapse towards zero when
raters agree on nearly every unit at the same level (the "prevalence
paradox" of kappa; Feinstein & Cicchetti [4]_, Gwet [1]_).

Notation (Gwet 2014, chapters 2-4)
----------------------------------
:math:`q`
    number of categories: the declared scale (``categories=``) or, when none
    is declared, the distinct scores found. **AC1, AC2 and Brennan-Prediger
    depend on q**: declare a 0-5 scale as 0-5 even if nobody used 0.
:math:`r_{ik}`
    number of raters who put unit :math:`i` in category :math:`k`;
    :math:`r_i = \sum_k r_{ik}`.
:math:`n`
    number of units rated at least once; :math:`n_2` those rated at least
    twice (only they carry pairs of ratings).
:math:`w_{kl}`
    agreement weights: 1 on the diagonal; ``"unweighted"`` is the identity;
    ``"linear"`` is :math:`1 - |x_k - x_l| / (x_{max} - x_{min})`;
    ``"quadratic"`` is :math:`1 - (x_k - x_l)^2 / (x_{max} - x_{min})^2`, with
    :math:`x_k` the numeric value of category :math:`k`. (Gwet's "ordinal"
    weights are a third, rank-based set, and Krippendorff's ordinal metric a
    fourth; neither is offered here.) :math:`T_w = \sum_{k,l} w_{kl}`.
:math:`r^\star_{ik} = \sum_l w_{kl}\, r_{il}`
    weighted count of ratings of unit :math:`i` that agree with category :math:`k`.

Then

.. math::

    p_a = \frac{1}{n_2}\sum_{i:\,r_i\ge 2}\sum_k
          \frac{r_{ik}\,(r^\star_{ik} - 1)}{r_i\,(r_i - 1)}, \qquad
    \pi_k = \frac{1}{n}\sum_{i=1}^{n}\frac{r_{ik}}{r_i},

.. math::

    p_e^{AC} = \frac{T_w}{q(q-1)}\sum_k \pi_k(1 - \pi_k), \qquad
    p_e^{BP} = \frac{T_w}{q^2}.

AC1 is :math:`\gamma` with identity weights and :math:`p_e^{AC}`; AC2 the
same with linear or quadratic weights; Brennan-Prediger uses :math:`p_e^{BP}`
(a uniform chance distribution over the :math:`q` categories).

Variance
--------
Gwet's large-sample variance conditional on the raters (the raters are
fixed; units are the sample), as computed by the irrCAC package's
``gwet.ac1.raw`` and ``bp.coeff.raw``:

.. math::

    \gamma_i = \frac{n}{n_2}\,\frac{p_{a|i} - p_e\,[r_i \ge 2]}{1 - p_e},\qquad
    \gamma^\star_i = \gamma_i - 2(1-\gamma)\frac{p_{e|i} - p_e}{1 - p_e},

.. math::

    v(\gamma) = \frac{1 - f}{n(n-1)}\sum_{i=1}^{n}(\gamma^\star_i - \gamma)^2,

with :math:`p_{a|i}` unit :math:`i`'s term of :math:`p_a` (0 when
:math:`r_i < 2`), :math:`p_{e|i} = \frac{T_w}{q(q-1)}\sum_k \frac{r_{ik}}{r_i}(1-\pi_k)`
for AC1/AC2 and :math:`\gamma^\star_i = \gamma_i` for Brennan-Prediger, whose
:math:`p_e` is fixed. :math:`f = n/N` is the finite-population correction for
a population of :math:`N` units; it is 0 unless ``population_size`` is given.

For a two-rater contingency table, Gwet's (2008) closed form is used instead
(irrCAC's ``gwet.ac1.table`` and ``bp2.table``):

.. math::

    v(\gamma) = \frac{1-f}{n(1-p_e)^2}\Bigl(\sum_{k,l} p_{kl}\bigl[w_{kl} -
    2(1-\gamma)\tfrac{T_w}{q(q-1)}\bigl(1 - \tfrac{\pi_k + \pi_l}{2}\bigr)\bigr]^2
    - \bigl(p_a - 2(1-\gamma)p_e\bigr)^2\Bigr),

with :math:`\pi_k = (p_{k+} + p_{+k})/2`; for Brennan-Prediger the bracket is
:math:`w_{kl}` and the subtracted square :math:`p_a^2`. It divides the
spread across units by :math:`n` where the raw-data formula divides by
:math:`n - 1`, so the two differ by the factor :math:`\sqrt{n/(n-1)}` on the
same data (0.0432 against 0.0434 for Gwet's 100 pregnancies).

Confidence interval: :math:`\gamma \pm t_{0.975,\,n-1}\sqrt{v}`, Student's t
with :math:`n - 1` degrees of freedom, the upper limit capped at 1 (as
irrCAC; the lower limit is not capped).

References
----------
.. [1] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.),
   chapters 2-5. Advanced Analytics, LLC. ISBN 978-0-9708062-8-4.
.. [2] Gwet, K. L. (2008). Computing inter-rater reliability and its variance
   in the presence of high agreement. British Journal of Mathematical and
   Statistical Psychology, 61(1), 29-48. doi:10.1348/000711006X126600
.. [3] Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: some uses,
   misuses, and alternatives. Educational and Psychological Measurement,
   41(3), 687-699. doi:10.1177/001316448104100307
.. [4] Feinstein, A. R., & Cicchetti, D. V. (1990). High agreement but low
   kappa: I. The problems of two paradoxes. Journal of Clinical
   Epidemiology, 43(6), 543-549. doi:10.1016/0895-4356(90)90158-L
.. [5] Gwet, K. L. irrCAC: Computing Chance-Corrected Agreement Coefficients
   (R package). https://CRAN.R-project.org/package=irrCAC
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from ._ratings import (
    MAX_CATEGORIES,
    WEIGHTS,
    Weights,
    check_weights,
    Ratings,
    agreement_weights,
    format_value,
    read_long,
    read_value_domain,
    unit_category_counts,
)
from .errors import StatsInputError

__all__ = [
    "AgreementCoefficient",
    "brennan_prediger",
    "brennan_prediger_table",
    "gwet_ac1",
    "gwet_ac1_table",
    "gwet_ac2",
    "gwet_ac2_table",
]

#: How ``ci95`` is computed, as stored in every result.
CI_METHOD: Final[str] = (
    "Student's t with n_units - 1 degrees of freedom (as irrCAC); upper limit capped at 1"
)


@dataclass(frozen=True)
class AgreementCoefficient:
    """Gwet's AC1/AC2 or the Brennan-Prediger coefficient, with its precision.

    Attributes
    ----------
    coefficient : str
        ``"AC1"``, ``"AC2"`` or ``"Brennan-Prediger"``.
    weights : str
        ``"unweighted"``, ``"linear"`` or ``"quadratic"``.
    estimate : float or None
        The coefficient; None when it is undefined (see ``reason``).
    se : float or None
        Standard error, the square root of Gwet's variance conditional on the
        raters; None when ``estimate`` is None or fewer than two units were
        rated (see ``se_reason``).
    ci95 : tuple of (float, float) or None
        95% confidence interval, by :data:`CI_METHOD`.
    df : int or None
        Degrees of freedom of the t quantile, ``n_units - 1``.
    pa : float or None
        Percent agreement as Gwet defines it (a proportion, 0-1): over units
        rated at least twice, the share of ordered pairs of ratings of the
        same unit that agree, with partial credit :math:`w_{kl}` when weighted.
        None when no unit has two ratings.
    pe : float or None
        Chance agreement.
    n_units : int
        Units rated at least once (:math:`n`; units whose scores are all
        missing are not counted).
    n_pairable_units : int
        Units rated at least twice (:math:`n_2`).
    n_raters : int
        Raters with at least one rating.
    n_ratings : int
        Ratings used.
    categories : tuple of float
        The :math:`q` categories the coefficient counts: the declared scale,
        or the distinct scores found (for a table, one per row).
    reason : str or None
        Why ``estimate`` is None; None when it is defined.
    se_reason : str or None
        Why ``se`` is None while ``estimate`` is defined; None otherwise.
    population_size : float or None
        :math:`N` of the finite-population correction; None when not applied.
    ci_method : str
        How ``ci95`` was computed.
    """

    coefficient: str
    weights: str
    estimate: float | None
    se: float | None
    ci95: tuple[float, float] | None
    df: int | None
    pa: float | None
    pe: float | None
    n_units: int
    n_pairable_units: int
    n_raters: int
    n_ratings: int
    categories: tuple[float, ...]
    reason: str | None
    se_reason: str | None
    population_size: float | None
    ci_method: str = CI_METHOD


# --------------------------------------------------------------------------
# Public functions: validate here, once.
# --------------------------------------------------------------------------


def gwet_ac1(
    frame: pd.DataFrame,
    *,
    categories: Sequence[float] | None = None,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
    population_size: float | None = None,
) -> AgreementCoefficient:
    r"""Gwet's AC1 for any number of raters, with missing ratings, and its variance.

    .. math::

        \mathrm{AC1} = \frac{p_a - p_e}{1 - p_e}, \qquad
        p_e = \frac{1}{q-1}\sum_{k=1}^{q}\pi_k(1-\pi_k),

    with :math:`p_a`, :math:`\pi_k` and the variance defined in the module
    documentation (Gwet [1]_ [2]_).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating. A row whose score is missing (NaN, None,
        ``pd.NA``) is a missing rating and is ignored; a unit rated once
        counts in :math:`n` and in :math:`\pi_k` but carries no pair.
    categories : sequence of float, optional
        The declared scale, e.g. ``range(6)``. AC1 depends on the number of
        categories, so give the full scale: levels nobody used still count.
        Without it, the distinct scores found are the categories. A score
        outside the declared scale is an error.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.
    population_size : float, optional
        Number of units in the population, for the finite-population
        correction :math:`f = n/N`; by default no correction (:math:`f = 0`).

    Returns
    -------
    AgreementCoefficient
        ``estimate`` is None, with a ``reason``, when no unit has two ratings
        or when there is a single category (every score the same and no scale
        declared). With a declared scale and every score the same, AC1 is 1.
        ``se`` is None, with ``se_reason``, when only one unit was rated.

    Raises
    ------
    StatsInputError
        If ``frame`` is not a DataFrame, lacks a column, is empty or holds no
        rating; holds a non-numeric or infinite score, a score outside
        ``categories``, a rated row without its unit or rater, or two scores
        by one rater for one unit; if ``categories`` is not a sequence of
        distinct numbers or has more than :data:`MAX_CATEGORIES` values; if
        ``population_size`` is smaller than the number of units.

    See Also
    --------
    gwet_ac2 : with linear or quadratic weights, for ordered scales.
    gwet_ac1_table : from a two-rater contingency table.
    brennan_prediger : the same percent agreement against uniform chance.

    References
    ----------
    .. [1] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.).
       Advanced Analytics, LLC. ISBN 978-0-9708062-8-4.
    .. [2] Gwet, K. L. (2008). Computing inter-rater reliability and its
       variance in the presence of high agreement. British Journal of
       Mathematical and Statistical Psychology, 61(1), 29-48.
       doi:10.1348/000711006X126600

    Examples
    --------
    Gwet's ``cac.raw4raters`` (4 raters, 12 units, scores 1-5, missing
    ratings; the ratings of Krippendorff 2011). Published: AC1 .775,
    standard error .14295.

    >>> import pandas as pd
    >>> wide = {"R1": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "R2": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, None],
    ...         "R3": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    ...         "R4": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> frame = pd.DataFrame(
    ...     [(u + 1, r, s) for r, scores in wide.items() for u, s in enumerate(scores)
    ...      if s is not None], columns=["unit", "rater", "score"])
    >>> result = gwet_ac1(frame)
    >>> round(result.estimate, 4), round(result.se, 5)
    (0.7754, 0.14295)
    >>> result.n_units, result.n_pairable_units, result.df
    (12, 11, 11)
    >>> tuple(round(x, 3) for x in result.ci95)
    (0.461, 1.0)

    Declaring the 0-5 scale adds an unused category and changes AC1:

    >>> round(gwet_ac1(frame, categories=range(6)).estimate, 4)
    0.7855
    """
    domain = _read_categories(categories)
    ratings = read_long(
        frame, unit=unit, rater=rater, score=score, value_domain=domain, domain_name="categories"
    )
    n_raters = _count_raters(frame, rater, score)
    return _raw(ratings, domain, "unweighted", "AC1", n_raters, population_size)


def gwet_ac2(
    frame: pd.DataFrame,
    weights: Literal["linear", "quadratic"],
    *,
    categories: Sequence[float] | None = None,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
    population_size: float | None = None,
) -> AgreementCoefficient:
    r"""Gwet's AC2: AC1 with linear or quadratic weights, for ordered scales.

    .. math::

        \mathrm{AC2} = \frac{p_a - p_e}{1 - p_e}, \qquad
        p_e = \frac{T_w}{q(q-1)}\sum_{k=1}^{q}\pi_k(1-\pi_k),

    where :math:`p_a` gives partial credit :math:`w_{kl}` to two ratings in
    categories :math:`k` and :math:`l` and :math:`T_w` is the sum of the
    weights (module documentation; Gwet [1]_, chapter 3). The weights use the
    categories' numeric values, so unequal spacing counts.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating; a missing score is a missing rating.
    weights : {"linear", "quadratic"}
        Linear: :math:`w_{kl} = 1 - |x_k - x_l|/(x_{max} - x_{min})`;
        quadratic: :math:`w_{kl} = 1 - (x_k - x_l)^2/(x_{max} - x_{min})^2`.
        These are not Gwet's "ordinal" weights, nor Krippendorff's ordinal
        metric.
    categories : sequence of float, optional
        The declared scale; see :func:`gwet_ac1`. Its end points fix
        :math:`x_{max} - x_{min}`.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.
    population_size : float, optional
        Population size for the finite-population correction (default none).

    Returns
    -------
    AgreementCoefficient
        As :func:`gwet_ac1`, with ``coefficient == "AC2"``.

    Raises
    ------
    StatsInputError
        As :func:`gwet_ac1`; also when ``weights`` is not "linear" or
        "quadratic".

    References
    ----------
    .. [1] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.).
       Advanced Analytics, LLC. ISBN 978-0-9708062-8-4.

    Examples
    --------
    Gwet's ``cac.raw4raters`` (see :func:`gwet_ac1`). Published: AC2 .859
    with linear weights; .914 with quadratic weights (standard error .10396,
    percent agreement .9753788, chance agreement .7137044).

    >>> import pandas as pd
    >>> wide = {"R1": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "R2": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, None],
    ...         "R3": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    ...         "R4": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> frame = pd.DataFrame(
    ...     [(u + 1, r, s) for r, scores in wide.items() for u, s in enumerate(scores)
    ...      if s is not None], columns=["unit", "rater", "score"])
    >>> round(gwet_ac2(frame, "linear").estimate, 3)
    0.859
    >>> result = gwet_ac2(frame, "quadratic")
    >>> round(result.estimate, 3), round(result.se, 5), round(result.pa, 7), round(result.pe, 7)
    (0.914, 0.10396, 0.9753788, 0.7137044)
    """
    check_weights(weights, ("linear", "quadratic"))
    domain = _read_categories(categories)
    ratings = read_long(
        frame, unit=unit, rater=rater, score=score, value_domain=domain, domain_name="categories"
    )
    n_raters = _count_raters(frame, rater, score)
    return _raw(ratings, domain, weights, "AC2", n_raters, population_size)


def brennan_prediger(
    frame: pd.DataFrame,
    *,
    weights: Weights = "unweighted",
    categories: Sequence[float] | None = None,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
    population_size: float | None = None,
) -> AgreementCoefficient:
    r"""Brennan and Prediger's coefficient: percent agreement against uniform chance.

    .. math::

        \mathrm{BP} = \frac{p_a - p_e}{1 - p_e}, \qquad p_e = \frac{T_w}{q^2}

    (:math:`p_e = 1/q` unweighted): chance agreement assumes every category
    equally likely, so it depends only on the number of categories
    (Brennan & Prediger [1]_; Gwet [2]_, chapter 4). For any number of
    raters with missing ratings; variance in the module documentation.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating; a missing score is a missing rating.
    weights : {"unweighted", "linear", "quadratic"}, default "unweighted"
        Agreement weights; see :func:`gwet_ac2`.
    categories : sequence of float, optional
        The declared scale. Brennan-Prediger depends on :math:`q` directly,
        so give the full scale.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.
    population_size : float, optional
        Population size for the finite-population correction (default none).

    Returns
    -------
    AgreementCoefficient
        As :func:`gwet_ac1`, with ``coefficient == "Brennan-Prediger"``.

    Raises
    ------
    StatsInputError
        As :func:`gwet_ac1`; also when ``weights`` is unknown.

    References
    ----------
    .. [1] Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: some
       uses, misuses, and alternatives. Educational and Psychological
       Measurement, 41(3), 687-699. doi:10.1177/001316448104100307
    .. [2] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.).
       Advanced Analytics, LLC. ISBN 978-0-9708062-8-4.

    Examples
    --------
    Gwet's ``cac.raw4raters`` (see :func:`gwet_ac1`). Published:
    Brennan-Prediger .773; with quadratic weights .90152 (standard error
    .11089).

    >>> import pandas as pd
    >>> wide = {"R1": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "R2": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, None],
    ...         "R3": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    ...         "R4": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> frame = pd.DataFrame(
    ...     [(u + 1, r, s) for r, scores in wide.items() for u, s in enumerate(scores)
    ...      if s is not None], columns=["unit", "rater", "score"])
    >>> result = brennan_prediger(frame)
    >>> round(result.estimate, 3), result.pe
    (0.773, 0.2)
    >>> result = brennan_prediger(frame, weights="quadratic")
    >>> round(result.estimate, 5), round(result.se, 5)
    (0.90152, 0.11089)
    """
    check_weights(weights, WEIGHTS)
    domain = _read_categories(categories)
    ratings = read_long(
        frame, unit=unit, rater=rater, score=score, value_domain=domain, domain_name="categories"
    )
    n_raters = _count_raters(frame, rater, score)
    return _raw(ratings, domain, weights, "Brennan-Prediger", n_raters, population_size)


def gwet_ac1_table(
    table: Any,
    *,
    categories: Sequence[float] | None = None,
    population_size: float | None = None,
) -> AgreementCoefficient:
    r"""Gwet's AC1 for two raters from a contingency table of counts.

    .. math::

        \mathrm{AC1} = \frac{p_a - p_e}{1 - p_e}, \quad
        p_a = \sum_k p_{kk}, \quad
        p_e = \frac{1}{q-1}\sum_k \pi_k(1-\pi_k), \quad
        \pi_k = \frac{p_{k+} + p_{+k}}{2},

    with :math:`p_{kl} = n_{kl}/n`. Variance by Gwet's (2008) closed form for
    two raters [2]_ (module documentation), which divides by :math:`n` where
    :func:`gwet_ac1` on the same ratings divides by :math:`n - 1`.

    Parameters
    ----------
    table : array_like, shape (q, q)
        Counts of units: rater 1's category in rows, rater 2's in columns,
        the categories in the same order on both. Every row is a category of
        the scale, used or not.
    categories : sequence of float, optional
        Numeric values of the rows (and columns), in table order; default
        1, ..., q. Unweighted AC1 does not use them.
    population_size : float, optional
        Population size for the finite-population correction (default none).

    Returns
    -------
    AgreementCoefficient
        ``n_units`` is the table total; ``n_raters`` is 2.

    Raises
    ------
    StatsInputError
        If ``table`` is not a square 2-D array of non-negative whole numbers
        with a positive total; if ``categories`` does not give one distinct
        number per row; if ``population_size`` is below the total.

    References
    ----------
    .. [1] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.).
       Advanced Analytics, LLC. ISBN 978-0-9708062-8-4.
    .. [2] Gwet, K. L. (2008). Computing inter-rater reliability and its
       variance in the presence of high agreement. British Journal of
       Mathematical and Statistical Psychology, 61(1), 29-48.
       doi:10.1348/000711006X126600

    Examples
    --------
    Gwet's ``cont3x3abstractors``: two abstractors classify 100 pregnancies
    (ectopic, abnormal and normal intrauterine). Published: AC1 .8493305
    (standard error .0432), percent agreement .89.

    >>> table = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
    >>> result = gwet_ac1_table(table)
    >>> round(result.estimate, 7), round(result.se, 4), result.pa
    (0.8493305, 0.0432, 0.89)
    """
    counts = _read_table(table)
    values = _read_table_categories(categories, counts.shape[0])
    f_population = _read_population_size(population_size, int(counts.sum()))
    return _table(counts, values, "unweighted", "AC1", f_population)


def gwet_ac2_table(
    table: Any,
    weights: Literal["linear", "quadratic"],
    *,
    categories: Sequence[float] | None = None,
    population_size: float | None = None,
) -> AgreementCoefficient:
    r"""Gwet's AC2 for two raters from a contingency table of counts.

    As :func:`gwet_ac1_table` with agreement weights :math:`w_{kl}`:
    :math:`p_a = \sum_{k,l} w_{kl} p_{kl}` and
    :math:`p_e = \frac{T_w}{q(q-1)}\sum_k \pi_k(1-\pi_k)`.

    Parameters
    ----------
    table : array_like, shape (q, q)
        Counts of units, rater 1 in rows, rater 2 in columns.
    weights : {"linear", "quadratic"}
        See :func:`gwet_ac2`.
    categories : sequence of float, optional
        Numeric values of the rows, in table order; default 1, ..., q.
    population_size : float, optional
        Population size for the finite-population correction (default none).

    Returns
    -------
    AgreementCoefficient

    Raises
    ------
    StatsInputError
        As :func:`gwet_ac1_table`; also when ``weights`` is not "linear" or
        "quadratic".

    Examples
    --------
    Gwet's ``cont3x3abstractors`` with quadratic weights on 1, 2, 3
    (irrCAC's weighting vignette): AC2 .9402369, standard error .01792019.

    >>> result = gwet_ac2_table([[13, 0, 0], [0, 20, 7], [0, 4, 56]], "quadratic")
    >>> round(result.estimate, 7), round(result.se, 8)
    (0.9402369, 0.01792019)
    """
    check_weights(weights, ("linear", "quadratic"))
    counts = _read_table(table)
    values = _read_table_categories(categories, counts.shape[0])
    f_population = _read_population_size(population_size, int(counts.sum()))
    return _table(counts, values, weights, "AC2", f_population)


def brennan_prediger_table(
    table: Any,
    *,
    weights: Weights = "unweighted",
    categories: Sequence[float] | None = None,
    population_size: float | None = None,
) -> AgreementCoefficient:
    r"""Brennan and Prediger's coefficient for two raters from a contingency table.

    :math:`p_a = \sum_{k,l} w_{kl}p_{kl}`, :math:`p_e = T_w/q^2`, and
    variance :math:`\frac{1-f}{n(1-p_e)^2}\bigl(\sum_{k,l} p_{kl} w_{kl}^2 - p_a^2\bigr)`.

    Parameters
    ----------
    table : array_like, shape (q, q)
        Counts of units, rater 1 in rows, rater 2 in columns.
    weights : {"unweighted", "linear", "quadratic"}, default "unweighted"
        See :func:`gwet_ac2`.
    categories : sequence of float, optional
        Numeric values of the rows, in table order; default 1, ..., q.
    population_size : float, optional
        Population size for the finite-population correction (default none).

    Returns
    -------
    AgreementCoefficient

    Raises
    ------
    StatsInputError
        As :func:`gwet_ac1_table`; also when ``weights`` is unknown.

    Examples
    --------
    Gwet's ``cont3x3abstractors``. Published: Brennan-Prediger .835; with
    quadratic weights .9175 (standard error .02346673).

    >>> table = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
    >>> round(brennan_prediger_table(table).estimate, 3)
    0.835
    >>> result = brennan_prediger_table(table, weights="quadratic")
    >>> round(result.estimate, 4), round(result.se, 8)
    (0.9175, 0.02346673)
    """
    check_weights(weights, WEIGHTS)
    counts = _read_table(table)
    values = _read_table_categories(categories, counts.shape[0])
    f_population = _read_population_size(population_size, int(counts.sum()))
    return _table(counts, values, weights, "Brennan-Prediger", f_population)


# --------------------------------------------------------------------------
# Readers: the checks the shared readers do not make.
# --------------------------------------------------------------------------


def _read_categories(categories: Any) -> np.ndarray | None:
    domain = read_value_domain(categories, "categories")
    if domain is not None and len(domain) > MAX_CATEGORIES:
        raise StatsInputError(
            f"categories has {len(domain)} values; at most {MAX_CATEGORIES} are supported "
            "(these coefficients are for rating scales)"
        )
    return domain


def _count_raters(frame: pd.DataFrame, rater: Hashable, score: Hashable) -> int:
    """Raters with at least one rating (the table has passed :func:`read_long`)."""
    rated = frame[score].notna().to_numpy()
    return int(pd.unique(frame[rater].to_numpy()[rated]).size)


def _read_population_size(population_size: Any, n: int) -> tuple[float, float | None]:
    """``(f, N)``: the sampling fraction n/N (0 without a population) and N."""
    if population_size is None:
        return 0.0, None
    if isinstance(population_size, (bool, np.bool_)) or not isinstance(
        population_size, numbers.Real
    ):
        raise StatsInputError(f"population_size must be a number; got {population_size!r}")
    N = float(population_size)
    if math.isnan(N) or N < n:
        raise StatsInputError(
            f"population_size ({population_size!r}) must be at least the number of units "
            f"rated ({n})"
        )
    return n / N, N


def _read_table(table: Any, name: str = "table") -> np.ndarray:
    """A square table of counts as float64 (whole numbers, at least one unit)."""
    if isinstance(table, (str, bytes)):
        raise StatsInputError(f"{name} must be a square array of counts")
    raw = np.asarray(table.to_numpy() if isinstance(table, pd.DataFrame) else table, dtype=object)
    if raw.ndim != 2 or raw.shape[0] != raw.shape[1] or raw.size == 0:
        raise StatsInputError(
            f"{name} must be a square 2-D array of counts (rater 1 in rows, rater 2 in "
            f"columns); got shape {raw.shape}"
        )
    x = np.empty(raw.shape, dtype=np.float64)
    for (i, j), item in np.ndenumerate(raw):
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Real):
            raise StatsInputError(
                f"{name} must hold counts (numbers); found {item!r} at row {i}, column {j}"
            )
        x[i, j] = float(item)
        if not math.isfinite(x[i, j]) or x[i, j] < 0 or not x[i, j].is_integer():
            raise StatsInputError(
                f"{name} must hold counts of units (whole numbers >= 0); found {item!r} at "
                f"row {i}, column {j} (for proportions, multiply by the number of units)"
            )
    if x.shape[0] > MAX_CATEGORIES:
        raise StatsInputError(f"{name} has {x.shape[0]} categories; at most {MAX_CATEGORIES}")
    if x.sum() == 0:
        raise StatsInputError(f"{name} holds no units: every count is 0")
    return x


def _read_table_categories(categories: Any, q: int) -> np.ndarray:
    """Numeric values of a table's rows, in table order (default 1..q)."""
    if categories is None:
        return np.arange(1.0, q + 1.0)
    read_value_domain(categories, "categories")  # numbers, finite, distinct
    values = np.asarray(categories, dtype=np.float64)
    if len(values) != q:
        raise StatsInputError(
            f"categories must give one value per row of the table ({q}); got {len(values)}"
        )
    return values


# --------------------------------------------------------------------------
# Computation: trusts its input.
# --------------------------------------------------------------------------


def _undefined(
    coefficient: str, weights: str, reason: str, pa: float | None, **counts: Any
) -> AgreementCoefficient:
    return AgreementCoefficient(
        coefficient=coefficient,
        weights=weights,
        estimate=None,
        se=None,
        ci95=None,
        df=None,
        pa=pa,
        pe=None,
        reason=reason,
        se_reason=None,
        **counts,
    )


def _single_category_reason(categories: np.ndarray, declared: bool) -> str:
    if declared:
        return (
            f"the declared scale has a single category ({format_value(categories[0])}), so "
            "chance agreement cannot be separated from agreement"
        )
    return (
        f"every score is the same ({format_value(categories[0])}) and no scale was declared, "
        "so there is a single category and no chance-corrected coefficient; pass the scale "
        "as categories= (e.g. range(6)) to compute it"
    )


def _raw(
    ratings: Ratings,
    domain: np.ndarray | None,
    weights: str,
    coefficient: str,
    n_raters: int,
    population_size: Any,
) -> AgreementCoefficient:
    """AC1, AC2 or Brennan-Prediger from validated ratings."""
    categories = np.unique(ratings.score) if domain is None else domain
    if len(categories) > MAX_CATEGORIES:
        raise StatsInputError(
            f"the scores take {len(categories)} distinct values; at most {MAX_CATEGORIES} are "
            "supported (these coefficients are for rating scales)"
        )
    r = unit_category_counts(ratings, categories)
    n, q = r.shape
    f, N = _read_population_size(population_size, n)
    r_i = r.sum(axis=1)
    pairable = r_i >= 2
    n2 = int(pairable.sum())
    counts = {
        "n_units": n,
        "n_pairable_units": n2,
        "n_raters": n_raters,
        "n_ratings": int(r_i.sum()),
        "categories": tuple(float(c) for c in categories),
        "population_size": N,
    }
    if n2 == 0:
        reason = (
            "no unit has two or more ratings, so there are no pairs of raters to compare "
            f"({n_raters} rater{'s' if n_raters != 1 else ''}, {n} unit{'s' if n != 1 else ''})"
        )
        return _undefined(coefficient, weights, reason, None, **counts)

    w = agreement_weights(categories, weights)
    r_star = r @ w.T  # r*_ik = sum_l w_kl r_il
    pair_count = np.where(pairable, r_i * (r_i - 1.0), 1.0)
    pa_i = np.where(pairable, np.sum(r * (r_star - 1.0), axis=1) / pair_count, 0.0)
    pa = float(pa_i.sum() / n2)
    if q < 2:
        return _undefined(
            coefficient, weights, _single_category_reason(categories, domain is not None), pa,
            **counts,
        )

    T_w = float(w.sum())
    pi = np.mean(r / r_i[:, None], axis=0)
    if coefficient == "Brennan-Prediger":
        pe = T_w / q**2
    else:
        pe = T_w * float(np.sum(pi * (1.0 - pi))) / (q * (q - 1))
    gamma = (pa - pe) / (1.0 - pe)

    gamma_i = (n / n2) * (pa_i - pe * pairable) / (1.0 - pe)
    if coefficient != "Brennan-Prediger":
        pe_i = T_w / (q * (q - 1)) * (r @ (1.0 - pi)) / r_i
        gamma_i = gamma_i - 2.0 * (1.0 - gamma) * (pe_i - pe) / (1.0 - pe)
    variance = None
    if n >= 2:
        variance = (1.0 - f) * float(np.sum((gamma_i - gamma) ** 2)) / (n * (n - 1))
    return _with_precision(coefficient, weights, gamma, pa, pe, variance, n, counts)


def _table(
    counts_table: np.ndarray,
    categories: np.ndarray,
    weights: str,
    coefficient: str,
    population: tuple[float, float | None],
) -> AgreementCoefficient:
    """AC1, AC2 or Brennan-Prediger from a validated two-rater table of counts."""
    f, N = population
    q = counts_table.shape[0]
    n = int(counts_table.sum())
    counts = {
        "n_units": n,
        "n_pairable_units": n,
        "n_raters": 2,
        "n_ratings": 2 * n,
        "categories": tuple(float(c) for c in categories),
        "population_size": N,
    }
    p = counts_table / n
    w = agreement_weights(categories, weights)
    pa = float(np.sum(w * counts_table)) / n
    if q < 2:
        return _undefined(
            coefficient, weights, _single_category_reason(categories, True), pa, **counts
        )
    T_w = float(w.sum())
    if coefficient == "Brennan-Prediger":
        pe = T_w / q**2
        gamma = (pa - pe) / (1.0 - pe)
        spread = float(np.sum(p * w**2)) - pa**2
    else:
        pi = (p.sum(axis=1) + p.sum(axis=0)) / 2.0
        pe = T_w * float(np.sum(pi * (1.0 - pi))) / (q * (q - 1))
        gamma = (pa - pe) / (1.0 - pe)
        term = w - 2.0 * (1.0 - gamma) * T_w * (1.0 - (pi[:, None] + pi[None, :]) / 2.0) / (
            q * (q - 1)
        )
        spread = float(np.sum(p * term**2)) - (pa - 2.0 * (1.0 - gamma) * pe) ** 2
    variance = None
    if n >= 2:
        variance = (1.0 - f) * spread / (n * (1.0 - pe) ** 2)
    return _with_precision(coefficient, weights, gamma, pa, pe, variance, n, counts)


def _with_precision(
    coefficient: str,
    weights: str,
    gamma: float,
    pa: float,
    pe: float,
    variance: float | None,
    n: int,
    counts: dict[str, Any],
) -> AgreementCoefficient:
    """Attach the standard error and the t-based 95% interval."""
    if variance is None:
        return AgreementCoefficient(
            coefficient=coefficient,
            weights=weights,
            estimate=gamma,
            se=None,
            ci95=None,
            df=None,
            pa=pa,
            pe=pe,
            reason=None,
            se_reason=(
                "only one unit was rated, so the variation between units (and the standard "
                "error) cannot be estimated"
            ),
            **counts,
        )
    se = math.sqrt(max(variance, 0.0))  # rounding can leave -1e-18 when all units agree
    df = n - 1
    half_width = float(student_t.ppf(0.975, df)) * se
    return AgreementCoefficient(
        coefficient=coefficient,
        weights=weights,
        estimate=gamma,
        se=se,
        ci95=(gamma - half_width, min(1.0, gamma + half_width)),
        df=df,
        pa=pa,
        pe=pe,
        reason=None,
        se_reason=None,
        **counts,
    )
