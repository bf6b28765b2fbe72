r"""Fleiss' kappa for any number of raters and Cohen's kappa for two, with standard errors.

Both are chance-corrected agreement coefficients of the form

.. math::

    \kappa = \frac{p_o - p_e}{1 - p_e},

observed agreement :math:`p_o` against the agreement :math:`p_e` expected if
the raters classified independently with their observed shares of the
categories. When the ratings pile up in one category, :math:`p_e` is high
and kappa can be near 0 even though the raters agree on nearly every unit:
the "prevalence paradox" (Feinstein & Cicchetti [5]_). A result notes it
when :data:`PREVALENCE_SHARE` (80%) or more of the ratings are at one level;
report :math:`p_o` beside kappa (or use Gwet's AC1, :mod:`stats.gwet`).

Fleiss' kappa (any number of raters)
------------------------------------
Notation: :math:`r_{ik}` raters who put unit :math:`i` in category
:math:`k`, :math:`r_i = \sum_k r_{ik}`; :math:`n` units rated at least
once, :math:`n_2` of them rated at least twice.

.. math::

    p_o = \frac{1}{n_2}\sum_{i:\,r_i\ge 2}\sum_k \frac{r_{ik}(r_{ik}-1)}{r_i(r_i-1)},
    \qquad
    \pi_k = \frac{1}{n}\sum_{i=1}^{n}\frac{r_{ik}}{r_i},
    \qquad
    p_e = \sum_k \pi_k^2 .

With the same number :math:`m` of ratings on every unit this is Fleiss'
(1971) kappa exactly [1]_ (:math:`p_o = \bar P`, :math:`p_e = \bar P_e`),
and Fleiss' kappa for category :math:`j` is

.. math::

    \kappa_j = 1 - \frac{\sum_i r_{ij}(m - r_{ij})}{n\,m(m-1)\,\pi_j(1-\pi_j)},

defined when :math:`0 < \pi_j < 1`. **With varying numbers of ratings per
unit** (missing ratings) the same formulas are Gwet's generalisation of
Fleiss' kappa (Gwet [2]_, chapter 2), as computed by the irrCAC package's
``fleiss.kappa.raw`` [6]_: percent agreement over the units rated at least
twice, classification probabilities :math:`\pi_k` averaged over every unit
rated at least once (a unit rated once counts there but carries no pair).
It is not the only generalisation; Fleiss' pooled proportions
:math:`\sum_i r_{ik} / \sum_i r_i` give a different :math:`p_e`. The
per-category kappas are given only for equal numbers of ratings.

Declared categories that nobody used change nothing: :math:`\pi_k = 0`
adds nothing to :math:`p_e`.

Variance of Fleiss' kappa: Gwet's linearised variance conditional on the
raters (the raters are fixed, the units a sample), the form used for AC1 in
:mod:`stats.gwet`:

.. math::

    \kappa_i = \frac{n}{n_2}\,\frac{p_{o|i} - p_e\,[r_i\ge 2]}{1 - p_e},\qquad
    \kappa^\star_i = \kappa_i - 2(1-\kappa)\,\frac{p_{e|i} - p_e}{1 - p_e},\qquad
    p_{e|i} = \sum_k \frac{r_{ik}}{r_i}\,\pi_k,

.. math::

    v(\kappa) = \frac{1}{n(n-1)}\sum_{i=1}^{n}(\kappa^\star_i - \kappa)^2,

with :math:`p_{o|i}` unit :math:`i`'s term of :math:`p_o` (0 when
:math:`r_i < 2`). Interval: :math:`\kappa \pm t_{n-1}\sqrt{v}`, the upper
limit capped at 1 (as irrCAC). Fleiss' own (1971) variance, and the
corrected one of Fleiss, Nee & Landis [8]_, hold only under the
hypothesis :math:`\kappa = 0`: they serve a test, not an interval, and are
not used.

Cohen's kappa (two raters)
--------------------------
From the :math:`q\times q` table of proportions :math:`p_{kl}` (rater 1 in
rows) with margins :math:`p_{k+}`, :math:`p_{+l}` and agreement weights
:math:`w_{kl}` (1 on the diagonal):

.. math::

    p_o = \sum_{k,l} w_{kl}\,p_{kl}, \qquad p_e = \sum_{k,l} w_{kl}\,p_{k+}\,p_{+l}

(Cohen 1960 [3]_ unweighted, :math:`w = I`; Cohen 1968 [4]_ weighted).
``"linear"``: :math:`w_{kl} = 1 - |x_k - x_l|/(x_{max} - x_{min})`;
``"quadratic"``: :math:`w_{kl} = 1 - (x_k - x_l)^2/(x_{max} - x_{min})^2`,
with :math:`x_k` the numeric value of category :math:`k`. On equally spaced
scores the linear weights are SAS's Cicchetti-Allison weights and the
quadratic ones SAS's Fleiss-Cohen weights (R irr's "squared" weights).
Cohen's (1968) disagreement weights :math:`v_{kl}` are agreement weights
:math:`1 - v_{kl}/v_{max}`.

Declared levels nobody used change nothing in Cohen's kappa, weighted or
not. Their rows and columns of the table are empty, so they add nothing to
:math:`p_o` or :math:`p_e`; and although a wider declared scale rescales
the linear and quadratic weights (they divide by :math:`x_{max} - x_{min}`),
kappa is :math:`1 - \sum v_{kl} p_{kl} / \sum v_{kl} p_{k+} p_{+l}` in the
disagreement weights :math:`v_{kl} = 1 - w_{kl}`, and a common factor of
the :math:`v_{kl}` cancels (so does the standard error's). This differs from
Gwet's AC2 and Brennan-Prediger (:mod:`stats.gwet`), whose chance agreement
counts the categories.

Standard error: the large-sample (non-null) standard error of Fleiss, Cohen
& Everitt [7]_, the "ASE" printed by SAS PROC FREQ:

.. math::

    v(\kappa) = \frac{\sum_{k,l} p_{kl}\bigl[w_{kl} - (\bar w_{k+} + \bar w_{+l})(1-\kappa)\bigr]^2
                - \bigl[\kappa - p_e(1-\kappa)\bigr]^2}{n\,(1 - p_e)^2},

with :math:`\bar w_{k+} = \sum_l p_{+l} w_{kl}` and
:math:`\bar w_{+l} = \sum_k p_{k+} w_{kl}`. Interval (as SAS):
:math:`\kappa \pm z_{0.975}\sqrt{v}` (:math:`z_{0.975} = 1.95996`), not
capped.

This is also the standard error irrCAC prints for Cohen's kappa
(``kappa2.table``): Gwet writes the numerator's last term as
:math:`(p_o - 2(1-\kappa)p_e)^2`, and since :math:`p_o = \kappa(1-p_e) + p_e`,
:math:`p_o - 2(1-\kappa)p_e = \kappa - p_e(1-\kappa)`: the two are one
formula, so Gwet's .05891072 for his 100 pregnancies is reproduced to every
printed digit. Only the interval differs: irrCAC uses Student's t with
:math:`n - 1` degrees of freedom (0.68 to 0.913), SAS and this module the
normal quantile (0.681 to 0.912).

References
----------
.. [1] Fleiss, J. L. (1971). Measuring nominal scale agreement among many
   raters. Psychological Bulletin, 76(5), 378-382. doi:10.1037/h0031619
.. [2] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.),
   chapter 2. Advanced Analytics, LLC. ISBN 978-0-9708062-8-4.
.. [3] Cohen, J. (1960). A coefficient of agreement for nominal scales.
   Educational and Psychological Measurement, 20(1), 37-46.
   doi:10.1177/001316446002000104
.. [4] Cohen, J. (1968). Weighted kappa: nominal scale agreement with
   provision for scaled disagreement or partial credit. Psychological
   Bulletin, 70(4), 213-220. doi:10.1037/h0026256
.. [5] Feinstein, A. R., & Cicchetti, D. V. (1990). High agreement but low
   kappa: I. The problems of two paradoxes. Journal of Clinical
   Epidemiology, 43(6), 543-549. doi:10.1016/0895-4356(90)90158-L
.. [6] Gwet, K. L. irrCAC: Computing Chance-Corrected Agreement Coefficients
   (R package). https://CRAN.R-project.org/package=irrCAC
.. [7] Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample
   standard errors of kappa and weighted kappa. Psychological Bulletin,
   72(5), 323-327. doi:10.1037/h0028106
.. [8] Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample
   variance of kappa in the case of different sets of raters.
   Psychological Bulletin, 86(5), 974-977. doi:10.1037/0033-2909.86.5.974
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from scipy.stats import norm
from scipy.stats import t as student_t

from ._ratings import (
    MAX_CATEGORIES,
    WEIGHTS,
    Weights,
    check_weights,
    Ratings,
    agreement_weights,
    format_label,
    format_value,
    read_long,
    read_value_domain,
    unit_category_counts,
)
from .errors import StatsInputError

__all__ = [
    "KappaResult",
    "cohen_kappa",
    "cohen_kappa_table",
    "fleiss_kappa",
    "fleiss_kappa_counts",
]

#: How ``ci95`` of Cohen's kappa is computed.
COHEN_CI_METHOD: Final[str] = (
    "95% interval: kappa +/- 1.96 x ASE, the normal quantile (as SAS PROC FREQ); not capped"
)

#: Share of all ratings in one category from which a result notes the prevalence paradox.
PREVALENCE_SHARE: Final[float] = 0.8

#: 1 - p_e at or below this is taken as p_e = 1 (kappa 0/0).
_NO_CHANCE_ROOM: Final[float] = 1e-12


@dataclass(frozen=True)
class KappaResult:
    """Fleiss' or Cohen's kappa, with its precision and the counts behind it.

    Attributes
    ----------
    coefficient : str
        ``"Fleiss"`` or ``"Cohen"``.
    weights : str
        ``"unweighted"``, ``"linear"``, ``"quadratic"``, or ``"custom"`` for a
        weight matrix passed to :func:`cohen_kappa_table`. Fleiss' kappa is
        always unweighted.
    estimate : float or None
        Kappa; None when it is undefined (see ``reason``).
    se : float or None
        Standard error (Fleiss: Gwet's variance conditional on the raters;
        Cohen: the Fleiss-Cohen-Everitt ASE). None when ``estimate`` is None
        or only one unit was rated (see ``se_reason``).
    ci95 : tuple of (float, float) or None
        Confidence interval by ``ci_method``. For Fleiss' kappa its level is
        the ``confidence`` asked for (95% by default), as ``ci_method`` says.
    p_observed : float or None
        Observed agreement :math:`p_o` (Fleiss' :math:`\\bar P`), a proportion;
        None when no unit has two ratings.
    p_expected : float or None
        Chance agreement :math:`p_e` (Fleiss' :math:`\\bar P_e`).
    per_category : dict or None
        Fleiss (1971) kappa of each category, keyed by the category's value,
        None for a category whose kappa is undefined (nobody used it). The
        dict itself is None for Cohen's kappa, when the units carry different
        numbers of ratings, or when ``estimate`` is None.
    n_units : int
        Units in the computation: rated at least once (Fleiss) or scored by
        both raters (Cohen).
    n_raters : int
        Raters with at least one rating; 2 for a contingency table; for a
        table of counts per category, the largest number of ratings of one
        unit.
    n_ratings : int
        Ratings used.
    categories : tuple of float
        The categories counted: the declared scale, the distinct scores
        found, or one per row (column) of a table.
    reason : str or None
        Why ``estimate`` is None; None when it is defined.
    se_reason : str or None
        Why ``se`` is None while ``estimate`` is defined; None otherwise.
    notes : tuple of str
        What a reader should know about the figure: left-out units, which
        generalisation was computed, the prevalence paradox, unused levels.
    ci_method : str
        How ``ci95`` was computed.
    """

    coefficient: str
    weights: str
    estimate: float | None
    se: float | None
    ci95: tuple[float, float] | None
    p_observed: float | None
    p_expected: float | None
    per_category: dict[float, float | None] | None
    n_units: int
    n_raters: int
    n_ratings: int
    categories: tuple[float, ...]
    reason: str | None
    se_reason: str | None
    notes: tuple[str, ...]
    ci_method: str


# --------------------------------------------------------------------------
# Public functions: validate here, once.
# --------------------------------------------------------------------------


def fleiss_kappa(
    frame: pd.DataFrame,
    *,
    categories: Sequence[float] | None = None,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
    confidence: float = 0.95,
) -> KappaResult:
    r"""Fleiss' kappa for any number of raters per unit, with its standard error.

    .. math::

        \kappa = \frac{p_o - p_e}{1 - p_e}, \qquad p_e = \sum_k \pi_k^2,

    with :math:`p_o` and :math:`\pi_k` defined in the module documentation.
    With the same number of ratings on every unit this is Fleiss (1971) [1]_,
    per-category kappas included; with varying numbers it is Gwet's
    generalisation [2]_ (irrCAC's ``fleiss.kappa.raw``), and a note says so.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating. A row whose score is missing (NaN, None,
        ``pd.NA``) is a missing rating and is ignored.
    categories : sequence of float, optional
        The declared scale, e.g. ``range(6)``. Levels nobody used change
        nothing (their per-category kappa is None). A score outside the
        declared scale is an error. Default: the distinct scores found.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.
    confidence : float, default 0.95
        Level of the interval stored in ``ci95`` (Student's t with
        ``n_units - 1`` degrees of freedom, upper limit capped at 1).

    Returns
    -------
    KappaResult
        ``estimate`` is None, with a ``reason``, when no unit has two ratings
        (e.g. a single rater) or every rating is in one category
        (:math:`p_e = 1`). ``se`` is None, with ``se_reason``, when only one
        unit was rated.

    Raises
    ------
    StatsInputError
        If ``frame`` is not a DataFrame, lacks a column, is empty or holds no
        rating; holds a non-numeric or infinite score, a score outside
        ``categories``, a rated row without its unit or rater, or two scores
        by one rater for one unit; if ``categories`` is not a sequence of
        distinct numbers or has more than :data:`MAX_CATEGORIES` values; if
        ``confidence`` is not a number strictly between 0 and 1.

    See Also
    --------
    fleiss_kappa_counts : from a table of counts per unit and category.
    cohen_kappa : for exactly two raters, with weights.

    References
    ----------
    .. [1] Fleiss, J. L. (1971). Measuring nominal scale agreement among many
       raters. Psychological Bulletin, 76(5), 378-382. doi:10.1037/h0031619
    .. [2] Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.),
       chapter 2. Advanced Analytics, LLC. ISBN 978-0-9708062-8-4.

    Examples
    --------
    Gwet's ``cac.raw4raters`` (4 raters, 12 units, scores 1-5, missing
    ratings). Published by irrCAC: Fleiss' kappa .76117, standard error
    .15302, percent agreement .8181818, chance agreement .2387153.

    >>> import pandas as pd
    >>> wide = {"R1": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "R2": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, None],
    ...         "R3": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    ...         "R4": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> frame = pd.DataFrame(
    ...     [(u + 1, r, s) for r, scores in wide.items() for u, s in enumerate(scores)
    ...      if s is not None], columns=["unit", "rater", "score"])
    >>> result = fleiss_kappa(frame)
    >>> round(result.estimate, 5), round(result.se, 5)
    (0.76117, 0.15302)
    >>> round(result.p_observed, 7), round(result.p_expected, 7)
    (0.8181818, 0.2387153)
    >>> tuple(round(x, 3) for x in result.ci95)
    (0.424, 1.0)
    >>> result.per_category is None  # units carry 1 to 4 ratings
    True
    """
    domain = _read_categories(categories)
    level = _read_confidence(confidence)
    ratings = read_long(
        frame, unit=unit, rater=rater, score=score, value_domain=domain, domain_name="categories"
    )
    n_raters = int(_rater_codes(frame, rater, score)[1].size)
    values = np.unique(ratings.score) if domain is None else domain
    _check_category_count(len(values), "the scores take")
    r = unit_category_counts(ratings, values)
    return _fleiss(r, values, n_raters, domain is not None, level, [])


def fleiss_kappa_counts(
    counts: Any,
    *,
    categories: Sequence[float] | None = None,
    confidence: float = 0.95,
) -> KappaResult:
    r"""Fleiss' kappa from a units x categories table of counts of ratings.

    Cell :math:`(i, k)` holds :math:`r_{ik}`, the number of raters who put
    unit :math:`i` in category :math:`k`: Fleiss' (1971) own layout [1]_.
    Rows may sum to different numbers (Gwet's generalisation, see
    :func:`fleiss_kappa`); a row of zeros is a unit nobody rated and is left
    out, with a note.

    Parameters
    ----------
    counts : array_like or pandas.DataFrame, shape (units, categories)
        Whole numbers >= 0. A DataFrame's index is taken as the unit labels
        and every column as a category.
    categories : sequence of float, optional
        Numeric values of the columns, in column order; default 1, ..., q.
        Fleiss' kappa does not depend on them; they key ``per_category``.
    confidence : float, default 0.95
        Level of the interval stored in ``ci95``.

    Returns
    -------
    KappaResult
        As :func:`fleiss_kappa`. ``n_raters`` is the largest row total (a
        count table does not say who rated); ``estimate`` is None, with a
        reason, when every count is 0.

    Raises
    ------
    StatsInputError
        If ``counts`` is not a 2-D table of whole numbers >= 0 with at least
        one column; if ``categories`` does not give one distinct number per
        column; if ``confidence`` is not strictly between 0 and 1.

    References
    ----------
    .. [1] Fleiss, J. L. (1971). Measuring nominal scale agreement among many
       raters. Psychological Bulletin, 76(5), 378-382. doi:10.1037/h0031619

    Examples
    --------
    Wikipedia's worked example ("Fleiss' kappa"): 14 raters, 10 subjects,
    5 categories. Published: kappa .210, P-bar .378, Pe-bar .213.

    >>> counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    ...           [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    ...           [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    >>> result = fleiss_kappa_counts(counts)
    >>> round(result.estimate, 3), round(result.p_observed, 3), round(result.p_expected, 3)
    (0.21, 0.378, 0.213)

    The first 15 patients of Fleiss (1971), irrCAC's ``distrib.6raters``.
    Published by irrCAC: kappa .4139265, standard error .08119291.

    >>> six = [[0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6],
    ...        [0, 3, 0, 3, 0], [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0],
    ...        [2, 0, 0, 4, 0], [0, 0, 0, 0, 6], [1, 0, 0, 5, 0], [1, 1, 0, 4, 0],
    ...        [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1]]
    >>> result = fleiss_kappa_counts(six)
    >>> round(result.estimate, 7), round(result.se, 8)
    (0.4139265, 0.08119291)
    """
    r = _read_counts(counts)
    values = _read_column_categories(categories, r.shape[1], "column of counts")
    level = _read_confidence(confidence)
    totals = r.sum(axis=1)
    notes: list[str] = []
    empty = int(np.sum(totals == 0))
    if empty and empty < len(totals):
        notes.append(
            f"{_count(empty, 'unit')} with no ratings (a row of zeros) "
            f"{'was' if empty == 1 else 'were'} left out"
        )
    r = r[totals > 0]
    n_raters = int(r.sum(axis=1).max()) if len(r) else 0
    if len(r) and r.sum(axis=1).min() != n_raters:
        notes.append(
            "a table of counts does not say who rated: n_raters is the largest number of "
            "ratings of one unit"
        )
    return _fleiss(r, values, n_raters, True, level, notes)


def cohen_kappa(
    frame: pd.DataFrame,
    *,
    weights: Weights = "unweighted",
    categories: Sequence[float] | None = None,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
) -> KappaResult:
    r"""Cohen's kappa for two raters, unweighted or weighted, with its ASE and 95% interval.

    .. math::

        \kappa = \frac{p_o - p_e}{1 - p_e}, \quad
        p_o = \sum_{k,l} w_{kl} p_{kl}, \quad p_e = \sum_{k,l} w_{kl} p_{k+} p_{+l},

    over the units scored by both raters (Cohen [1]_ [2]_); standard error of
    Fleiss, Cohen & Everitt [3]_ (module documentation).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating, from exactly two raters; a missing score is a
        missing rating. Units scored by only one of the two are left out of
        the table, and a note counts them. The first rater to appear is
        rater 1 (kappa does not depend on the order).
    weights : {"unweighted", "linear", "quadratic"}, default "unweighted"
        Linear: :math:`w_{kl} = 1 - |x_k - x_l|/(x_{max} - x_{min})`;
        quadratic: :math:`w_{kl} = 1 - (x_k - x_l)^2/(x_{max} - x_{min})^2`,
        on the categories' numeric values.
    categories : sequence of float, optional
        The declared scale. Levels nobody used change nothing, weighted or
        not (module documentation; a note lists them). A score outside the
        declared scale is an error. Default: the distinct scores of the
        paired units.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.

    Returns
    -------
    KappaResult
        ``estimate`` is None, with a ``reason``, when only one rater scored,
        no unit was scored by both, or :math:`p_e = 1` (both raters gave
        every unit the same score). ``se`` is None, with ``se_reason``, when
        only one unit was scored by both.

    Raises
    ------
    StatsInputError
        If more than two raters scored (use :func:`fleiss_kappa`); if
        ``weights`` is unknown; and as :func:`fleiss_kappa` for the table
        and ``categories``.

    See Also
    --------
    cohen_kappa_table : from a contingency table, also with custom weights.
    fleiss_kappa : for three or more raters.

    References
    ----------
    .. [1] Cohen, J. (1960). A coefficient of agreement for nominal scales.
       Educational and Psychological Measurement, 20(1), 37-46.
       doi:10.1177/001316446002000104
    .. [2] Cohen, J. (1968). Weighted kappa. Psychological Bulletin, 70(4),
       213-220. doi:10.1037/h0026256
    .. [3] Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample
       standard errors of kappa and weighted kappa. Psychological Bulletin,
       72(5), 323-327. doi:10.1037/h0028106

    Examples
    --------
    The R irr package's ``anxiety`` data, raters 1 and 2 (20 subjects,
    scores 1-6). Published (irr ``kappa2``, "squared" weights): .297.

    >>> import pandas as pd
    >>> rater1 = [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3]
    >>> rater2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
    >>> frame = pd.DataFrame(
    ...     [(u, "rater1", s) for u, s in enumerate(rater1)]
    ...     + [(u, "rater2", s) for u, s in enumerate(rater2)],
    ...     columns=["unit", "rater", "score"])
    >>> round(cohen_kappa(frame, weights="quadratic").estimate, 3)
    0.297
    """
    check_weights(weights)
    domain = _read_categories(categories)
    ratings = read_long(
        frame, unit=unit, rater=rater, score=score, value_domain=domain, domain_name="categories"
    )
    rater_code, rater_labels = _rater_codes(frame, rater, score)
    if rater_labels.size > 2:
        listed = ", ".join(format_label(x) for x in rater_labels[:6])
        more = ", ..." if rater_labels.size > 6 else ""
        raise StatsInputError(
            f"cohen_kappa compares exactly two raters; frame has {rater_labels.size} raters "
            f"with scores ({listed}{more}). For three or more raters use fleiss_kappa, or pass "
            "the rows of two raters"
        )
    return _cohen_from_ratings(ratings, rater_code, rater_labels, domain, weights)


def cohen_kappa_table(
    table: Any,
    *,
    weights: Weights | Any = "unweighted",
    categories: Sequence[float] | None = None,
) -> KappaResult:
    r"""Cohen's kappa for two raters from a q x q contingency table of counts.

    As :func:`cohen_kappa`, from the counts :math:`n_{kl}` of units that
    rater 1 put in category :math:`k` and rater 2 in category :math:`l`.

    Parameters
    ----------
    table : array_like, shape (q, q)
        Counts of units (whole numbers >= 0), rater 1 in rows, rater 2 in
        columns, the categories in the same order on both. Every row is a
        category of the scale, used or not. For proportions, multiply by the
        number of units.
    weights : {"unweighted", "linear", "quadratic"} or array_like, default "unweighted"
        A named weight set (see :func:`cohen_kappa`), or a q x q matrix of
        agreement weights :math:`w_{kl}` in [0, 1] with 1 on the diagonal.
        Disagreement weights :math:`v_{kl}` (0 on the diagonal) convert as
        :math:`w_{kl} = 1 - v_{kl}/v_{max}`.
    categories : sequence of float, optional
        Numeric values of the rows (and columns), in table order; default
        1, ..., q. Only the named linear and quadratic weights use them.

    Returns
    -------
    KappaResult
        ``n_units`` is the table total. ``estimate`` is None, with a
        ``reason``, when every count is 0 or :math:`p_e = 1`.

    Raises
    ------
    StatsInputError
        If ``table`` is not a square 2-D array of whole numbers >= 0; if
        ``categories`` does not give one distinct number per row; if
        ``weights`` is neither a known name nor a q x q matrix of agreement
        weights.

    References
    ----------
    .. [1] Cohen, J. (1968). Weighted kappa. Psychological Bulletin, 70(4),
       213-220. doi:10.1037/h0026256
    .. [2] Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample
       standard errors of kappa and weighted kappa. Psychological Bulletin,
       72(5), 323-327. doi:10.1037/h0028106

    Examples
    --------
    SAS PROC FREQ's AGREE example (19 units). Published: kappa .4842 (ASE
    .1380, 95% limits .2137 and .7547); Cicchetti-Allison weighted kappa
    .4701 (ASE .1457).

    >>> table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    >>> result = cohen_kappa_table(table)
    >>> round(result.estimate, 4), round(result.se, 4)
    (0.4842, 0.138)
    >>> tuple(round(x, 4) for x in result.ci95)
    (0.2137, 0.7547)
    >>> result = cohen_kappa_table(table, weights="linear")
    >>> round(result.estimate, 4), round(result.se, 4)
    (0.4701, 0.1457)

    Cohen (1968): proportions for n = 200, disagreement weights
    0 1 3 / 1 0 6 / 3 6 0. Published: kappa .492, weighted kappa .348.

    >>> counts = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]
    >>> v = [[0, 1, 3], [1, 0, 6], [3, 6, 0]]
    >>> w = [[1 - x / 6 for x in row] for row in v]
    >>> round(cohen_kappa_table(counts).estimate, 3)
    0.492
    >>> round(cohen_kappa_table(counts, weights=w).estimate, 3)
    0.348
    """
    counts = _read_table(table)
    q = counts.shape[0]
    values = _read_column_categories(categories, q, "row of the table")
    if isinstance(weights, str):
        check_weights(weights)
        w = agreement_weights(values, weights)
        name = weights
    else:
        w = _readagreement_weights(weights, q)
        name = "custom"
    used = (counts.sum(axis=0) + counts.sum(axis=1)) > 0
    notes: list[str] = []
    if used.any():
        template = "categories {} of the table were used by neither rater"
        notes = _unused_note(values[~used], name, template)
    return _cohen(counts, values, w, name, notes)


# --------------------------------------------------------------------------
# Readers: the checks the shared readers do not make.
# --------------------------------------------------------------------------


def _check_category_count(q: int, what: str) -> None:
    if q > MAX_CATEGORIES:
        raise StatsInputError(
            f"{what} {q} distinct values; at most {MAX_CATEGORIES} are supported "
            "(kappa is for rating scales)"
        )


def _read_categories(categories: Any) -> np.ndarray | None:
    domain = read_value_domain(categories, "categories")
    if domain is not None:
        _check_category_count(len(domain), "categories has")
    return domain


def _read_confidence(confidence: Any) -> float:
    if isinstance(confidence, (bool, np.bool_)) or not isinstance(confidence, numbers.Real):
        raise StatsInputError(f"confidence must be a number between 0 and 1; got {confidence!r}")
    level = float(confidence)
    if not 0.0 < level < 1.0:
        raise StatsInputError(
            f"confidence must be strictly between 0 and 1 (e.g. 0.95); got {confidence!r}"
        )
    return level


def _rater_codes(frame: pd.DataFrame, rater: Hashable, score: Hashable) -> tuple[np.ndarray, Any]:
    """Rater code of each rating present (aligned with :func:`read_long`'s output) and labels."""
    rated = frame[score].notna().to_numpy()
    codes, labels = pd.factorize(frame[rater].to_numpy(dtype=object)[rated], sort=False)
    return codes.astype(np.int64), np.asarray(labels, dtype=object)


def _whole_counts(table: Any, name: str, shape_hint: str) -> np.ndarray:
    """A 2-D table of counts (whole numbers >= 0) as float64."""
    if isinstance(table, (str, bytes)):
        raise StatsInputError(f"{name} must be a 2-D array of counts ({shape_hint})")
    raw = np.asarray(table.to_numpy() if isinstance(table, pd.DataFrame) else table, dtype=object)
    if raw.ndim != 2 or raw.size == 0:
        raise StatsInputError(
            f"{name} must be a 2-D array of counts ({shape_hint}); got shape {raw.shape}"
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
                f"{name} must hold counts of ratings or units (whole numbers >= 0); found "
                f"{item!r} at row {i}, column {j} (for proportions, multiply by the number of "
                "units)"
            )
    return x


def _read_counts(counts: Any) -> np.ndarray:
    x = _whole_counts(counts, "counts", "one row per unit, one column per category")
    _check_category_count(x.shape[1], "counts has")
    return x


def _read_table(table: Any) -> np.ndarray:
    x = _whole_counts(table, "table", "rater 1 in rows, rater 2 in columns")
    if x.shape[0] != x.shape[1]:
        raise StatsInputError(
            "table must be square, the same categories in rows (rater 1) and columns "
            f"(rater 2); got shape {x.shape}"
        )
    _check_category_count(x.shape[0], "table has")
    return x


def _read_column_categories(categories: Any, q: int, what: str) -> np.ndarray:
    """Numeric values of a table's rows or columns, in table order (default 1..q)."""
    if categories is None:
        return np.arange(1.0, q + 1.0)
    read_value_domain(categories, "categories")  # numbers, finite, distinct
    values = np.asarray(categories, dtype=np.float64)
    if len(values) != q:
        raise StatsInputError(
            f"categories must give one value per {what} ({q}); got {len(values)}"
        )
    return values


def _readagreement_weights(weights: Any, q: int) -> np.ndarray:
    """A custom q x q matrix of agreement weights: in [0, 1], 1 on the diagonal."""
    try:
        raw = np.asarray(weights, dtype=object)
    except ValueError as exc:
        raise StatsInputError("weights must be a name or a square matrix of numbers") from exc
    if raw.shape != (q, q):
        listed = ", ".join(repr(w) for w in WEIGHTS)
        raise StatsInputError(
            f"weights must be one of {listed} or a {q} x {q} matrix of agreement weights (one "
            f"row and column per category of the table); got shape {raw.shape}"
        )
    w = np.empty((q, q), dtype=np.float64)
    for (i, j), item in np.ndenumerate(raw):
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Real):
            raise StatsInputError(
                f"weights must hold numbers; found {item!r} at row {i}, column {j}"
            )
        w[i, j] = float(item)
        if not 0.0 <= w[i, j] <= 1.0:
            raise StatsInputError(
                f"weights must be agreement weights between 0 and 1; found {item!r} at row {i}, "
                f"column {j} (disagreement weights v convert as 1 - v / max(v))"
            )
    off = np.flatnonzero(np.diag(w) != 1.0)
    if off.size:
        k = int(off[0])
        raise StatsInputError(
            f"weights must be 1 on the diagonal (full credit for agreeing); found {raw[k, k]!r} "
            f"at row {k}, column {k} (disagreement weights v convert as 1 - v / max(v))"
        )
    return w


# --------------------------------------------------------------------------
# Computation: trusts its input.
# --------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _percent(x: float) -> str:
    return f"{100.0 * x:.0f}%"


def _ci_label(level: float) -> str:
    return f"{100.0 * level:g}%"


def _fleiss_ci_method(level: float) -> str:
    return (
        f"{_ci_label(level)} interval: kappa +/- t x se, Student's t with n_units - 1 degrees "
        "of freedom (as irrCAC); upper limit capped at 1"
    )


def _prevalence_note(shares: np.ndarray, values: np.ndarray, p_o: float, p_e: float) -> list[str]:
    top = int(np.argmax(shares))
    if shares[top] < PREVALENCE_SHARE:
        return []
    return [
        f"{_percent(shares[top])} of the ratings are at level {format_value(values[top])}: when "
        f"scores pile up in one level, chance agreement is high (here p_e = {p_e:.3f}) and kappa "
        "can be near 0 even when observed agreement is high (here p_o = "
        f"{p_o:.3f}): the prevalence paradox (Feinstein & Cicchetti 1990); report p_o beside kappa"
    ]


def _identical_reason(value: float, who: str) -> str:
    return (
        f"{who} ({format_value(value)}): observed agreement is 100% and there is no variation "
        "between ratings, so chance agreement p_e is 1 and kappa = (p_o - p_e) / (1 - p_e) is "
        "0/0 (undefined)"
    )


def _fleiss(
    r: np.ndarray,
    values: np.ndarray,
    n_raters: int,
    declared: bool,
    level: float,
    notes: list[str],
) -> KappaResult:
    """Fleiss' kappa (Gwet's generalisation when r_i varies) from r_ik of rated units."""
    n = r.shape[0]
    r_i = r.sum(axis=1)
    base: dict[str, Any] = {
        "coefficient": "Fleiss",
        "weights": "unweighted",
        "n_units": n,
        "n_raters": n_raters,
        "n_ratings": int(r_i.sum()),
        "categories": tuple(float(c) for c in values),
        "ci_method": _fleiss_ci_method(level),
    }
    if n == 0:
        return _undefined(base, "the table holds no ratings: every count is 0", None, None, notes)
    pairable = r_i >= 2
    n2 = int(pairable.sum())
    if n2 == 0:
        reason = (
            "no unit has two or more ratings, so there are no pairs of ratings to compare "
            f"({_count(n_raters, 'rater')}, {_count(n, 'unit')})"
        )
        return _undefined(base, reason, None, None, notes)
    pair_count = np.where(pairable, r_i * (r_i - 1.0), 1.0)
    p_o_i = np.where(pairable, np.sum(r * (r - 1.0), axis=1) / pair_count, 0.0)
    p_o = float(p_o_i.sum() / n2)
    pi = np.mean(r / r_i[:, None], axis=0)
    p_e = float(np.sum(pi**2))

    used = np.flatnonzero(r.sum(axis=0) > 0)
    if declared and len(used) < len(values):
        unused = ", ".join(format_value(v) for v in np.delete(values, used)[:12])
        notes.append(
            f"no rating used the declared level(s) {unused}: unused levels change nothing in "
            "Fleiss' kappa (pi_k = 0 adds nothing to p_e)"
        )
    if len(used) == 1:
        reason = _identical_reason(values[used[0]], "every rating is the same")
        return _undefined(base, reason, p_o, p_e, notes)

    kappa = (p_o - p_e) / (1.0 - p_e)
    m = r_i[0]
    equal = bool(np.all(r_i == m))
    per_category: dict[float, float | None] | None = None
    if equal:
        disagreement = np.sum(r * (m - r), axis=0)
        spread = n * m * (m - 1.0) * pi * (1.0 - pi)
        per_category = {
            float(c): (1.0 - float(d / s) if s > 0 else None)
            for c, d, s in zip(values, disagreement, spread)
        }
    else:
        notes.append(
            f"units carry between {int(r_i.min())} and {int(r_i.max())} ratings, so this is "
            "Gwet's (2014) generalisation of Fleiss' kappa (irrCAC's fleiss.kappa.raw): p_o over "
            "the units rated at least twice, pi_k averaged over all rated units; Fleiss' "
            "per-category kappas need the same number of ratings on every unit and are not given"
        )
    once = n - n2
    if once:
        notes.append(
            f"{_count(once, 'unit')} rated only once count towards the category shares pi_k but "
            "carry no pair of ratings"
        )
    notes += _prevalence_note(r.sum(axis=0) / r_i.sum(), values, p_o, p_e)

    if n < 2:
        return _defined(base, kappa, None, None, p_o, p_e, per_category, notes, _ONE_UNIT)
    kappa_i = (n / n2) * (p_o_i - p_e * pairable) / (1.0 - p_e)
    p_e_i = (r @ pi) / r_i
    kappa_star = kappa_i - 2.0 * (1.0 - kappa) * (p_e_i - p_e) / (1.0 - p_e)
    variance = float(np.sum((kappa_star - kappa) ** 2)) / (n * (n - 1))
    se = math.sqrt(max(variance, 0.0))  # rounding can leave -1e-18 when all units agree
    half_width = float(student_t.ppf(0.5 + level / 2.0, n - 1)) * se
    ci = (kappa - half_width, min(1.0, kappa + half_width))
    return _defined(base, kappa, se, ci, p_o, p_e, per_category, notes, None)


def _cohen_from_ratings(
    ratings: Ratings,
    rater_code: np.ndarray,
    rater_labels: Any,
    domain: np.ndarray | None,
    weights: str,
) -> KappaResult:
    """Pair the two raters' scores unit by unit, count one-rater units, and tabulate."""
    U = len(ratings.unit_labels)
    first = np.full(U, np.nan)
    second = np.full(U, np.nan)
    first[ratings.unit_code[rater_code == 0]] = ratings.score[rater_code == 0]
    second[ratings.unit_code[rater_code == 1]] = ratings.score[rater_code == 1]
    has1, has2 = ~np.isnan(first), ~np.isnan(second)
    both = has1 & has2
    notes: list[str] = []
    if rater_labels.size == 2:
        only1, only2 = int(np.sum(has1 & ~has2)), int(np.sum(has2 & ~has1))
        if only1 + only2:
            notes.append(
                f"{_count(only1 + only2, 'unit')} scored by only one of the two raters "
                f"{'was' if only1 + only2 == 1 else 'were'} left out of the table ({only1} by "
                f"{format_label(rater_labels[0])} alone, {only2} by "
                f"{format_label(rater_labels[1])} alone): Cohen's kappa needs both scores of a "
                "unit"
            )
    paired = np.concatenate([first[both], second[both]])
    if domain is not None:
        values = domain
    elif paired.size:
        values = np.unique(paired)
    else:
        values = np.unique(ratings.score)
    _check_category_count(len(values), "the scores take")
    base: dict[str, Any] = {
        "coefficient": "Cohen",
        "weights": weights,
        "n_units": int(both.sum()),
        "n_raters": int(rater_labels.size),
        "n_ratings": int(2 * both.sum()),
        "categories": tuple(float(c) for c in values),
        "ci_method": COHEN_CI_METHOD,
    }
    if rater_labels.size < 2:
        reason = (
            f"only one rater ({format_label(rater_labels[0])}) scored anything; Cohen's kappa "
            "compares two raters"
        )
        return _undefined(base, reason, None, None, notes)
    if not both.any():
        reason = (
            f"no unit was scored by both {format_label(rater_labels[0])} and "
            f"{format_label(rater_labels[1])}, so there are no pairs of scores to compare"
        )
        return _undefined(base, reason, None, None, notes)
    q = len(values)
    k = np.searchsorted(values, first[both])
    l = np.searchsorted(values, second[both])  # noqa: E741 - the paper's column index
    counts = np.bincount(k * q + l, minlength=q * q).reshape(q, q).astype(np.float64)
    if domain is not None:
        unused = values[~np.isin(values, paired)]
        template = "no unit in the table is at the declared level(s) {}"
        notes += _unused_note(unused, weights, template)
    return _cohen(counts, values, agreement_weights(values, weights), weights, notes)


def _unused_note(unused: np.ndarray, weights: str, template: str) -> list[str]:
    """Say that levels nobody used (in the table) change nothing in Cohen's kappa."""
    if len(unused) == 0:
        return []
    listed = ", ".join(format_value(v) for v in unused[:12]) + (", ..." if len(unused) > 12 else "")
    note = template.format(listed) + ": unused levels change nothing in Cohen's kappa"
    if weights in ("linear", "quadratic"):
        note += (
            f" (they can widen the span that the {weights} weights are scaled by, but a common "
            "factor of the disagreement weights cancels in kappa and in its standard error)"
        )
    return [note]


def _cohen(
    counts: np.ndarray,
    values: np.ndarray,
    w: np.ndarray,
    weights: str,
    notes: list[str],
) -> KappaResult:
    """Cohen's (weighted) kappa and the Fleiss-Cohen-Everitt ASE from a table of counts."""
    n = float(counts.sum())
    base: dict[str, Any] = {
        "coefficient": "Cohen",
        "weights": weights,
        "n_units": int(n),
        "n_raters": 2,
        "n_ratings": int(2 * n),
        "categories": tuple(float(c) for c in values),
        "ci_method": COHEN_CI_METHOD,
    }
    if n == 0:
        return _undefined(base, "the table holds no units: every count is 0", None, None, notes)
    p = counts / n
    row, col = p.sum(axis=1), p.sum(axis=0)
    p_o = float(np.sum(w * p))
    p_e = float(np.sum(w * np.outer(row, col)))
    if 1.0 - p_e <= _NO_CHANCE_ROOM:
        used = np.flatnonzero(row + col > 0)
        if len(used) == 1:
            reason = _identical_reason(values[used[0]], "both raters gave every unit one score")
        else:
            reason = (
                "with these weights every pair of scores the raters gave counts as full "
                "agreement: observed agreement is 100%, chance agreement p_e is 1 and kappa = "
                "(p_o - p_e) / (1 - p_e) is 0/0 (undefined)"
            )
        return _undefined(base, reason, p_o, p_e, notes)
    kappa = (p_o - p_e) / (1.0 - p_e)
    notes += _prevalence_note((row + col) / 2.0, values, p_o, p_e)
    if n < 2:
        return _defined(base, kappa, None, None, p_o, p_e, None, notes, _ONE_UNIT)
    w_row = w @ col  # w-bar_k+ = sum_l p_+l w_kl
    w_col = w.T @ row  # w-bar_+l = sum_k p_k+ w_kl
    term = w - (w_row[:, None] + w_col[None, :]) * (1.0 - kappa)
    spread = float(np.sum(p * term**2)) - (kappa - p_e * (1.0 - kappa)) ** 2
    se = math.sqrt(max(spread, 0.0) / (n * (1.0 - p_e) ** 2))
    half_width = float(norm.ppf(0.975)) * se
    return _defined(
        base, kappa, se, (kappa - half_width, kappa + half_width), p_o, p_e, None, notes, None
    )


_ONE_UNIT: Final[str] = (
    "only one unit was rated, so the variation between units (and the standard error) cannot "
    "be estimated"
)


def _undefined(
    base: dict[str, Any],
    reason: str,
    p_o: float | None,
    p_e: float | None,
    notes: list[str],
) -> KappaResult:
    return KappaResult(
        estimate=None,
        se=None,
        ci95=None,
        p_observed=p_o,
        p_expected=p_e,
        per_category=None,
        reason=reason,
        se_reason=None,
        notes=tuple(notes),
        **base,
    )


def _defined(
    base: dict[str, Any],
    kappa: float,
    se: float | None,
    ci: tuple[float, float] | None,
    p_o: float,
    p_e: float,
    per_category: dict[float, float | None] | None,
    notes: list[str],
    se_reason: str | None,
) -> KappaResult:
    return KappaResult(
        estimate=kappa,
        se=se,
        ci95=ci,
        p_observed=p_o,
        p_expected=p_e,
        per_category=per_category,
        reason=None,
        se_reason=se_reason,
        notes=tuple(notes),
        **base,
    )
