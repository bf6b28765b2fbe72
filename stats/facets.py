r"""A many-facet Rasch rating-scale model for area and rater severity (Linacre 1989).

The ordinal counterpart of the linear drift model. A score ``x`` on the levels
``0 .. m`` (the scale's lowest level counted as 0) given to vignette-domain *u* by rater *r*
of area *a* follows

.. math::

    \log\frac{P(x = k)}{P(x = k - 1)} = B_u - C_a - D_r - F_k, \qquad k = 1, \dots, m,

with :math:`B_u` the vignette-domain's need, :math:`C_a` the area's severity (areas sum to
zero), :math:`D_r` the rater's own severity (raters sum to zero within their area) and
:math:`F_k` the thresholds between levels (summing to zero). Everything is in logits;
reported figures use **leniency**, minus severity, so that positive means higher scores,
as in the linear model.

Estimation
----------
Joint maximum likelihood, the method of FACETS: each facet in turn takes a Newton step
per element, using that the log-likelihood's gradient for an element is the sum of its
residuals (observed minus expected score) and its curvature the sum of the score
variances; all of it is a handful of ``bincount`` calls over the ratings, so no generic
optimiser over hundreds of parameters is needed. Steps are capped at one logit.
Vignette-domains whose every score is the lowest or the highest level have no finite
measure and are set aside (they say nothing about severity), as FACETS does.

Reported with each element: its standard error :math:`1/\sqrt{\sum W}` (the model SE),
and for raters the **infit** (information-weighted) and **outfit** (unweighted) mean
squares, :math:`\sum (x - E)^2 / \sum W` and :math:`\text{mean}((x - E)^2 / W)`; values
near 1 fit, above about 1.5 mean more erratic scoring than the model expects (Wright &
Linacre 1994). An area's **fair average** is the score a vignette-domain of average need
would get from a rater of average severity in that area; its offset in scale points is
its fair average less the county's (severity 0).

References
----------
.. [1] Linacre, J. M. (1989). *Many-Facet Rasch Measurement*. MESA Press.
.. [2] Andrich, D. (1978). A rating formulation for ordered response categories.
   *Psychometrika*, 43(4), 561-573. doi:10.1007/BF02293814
.. [3] Wright, B. D., & Linacre, J. M. (1994). Reasonable mean-square fit values.
   *Rasch Measurement Transactions*, 8(3), 370.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import StatsInputError

__all__ = ["FacetsFit", "fit_rating_scale_model"]

#: Largest Newton step, in logits, for any element in one iteration.
MAX_STEP = 1.0


@dataclass(frozen=True)
class FacetsFit:
    """A fitted many-facet rating-scale model.

    Attributes
    ----------
    areas : tuple of str
    area_leniency, area_se : ndarray, shape (K,)
        Minus each area's severity, in logits (sums to zero), and its model SE.
    raters : tuple of str
    rater_area : ndarray of int, shape (q,)
    rater_leniency, rater_se : ndarray, shape (q,)
        Minus each rater's total severity (their area's plus their own), and the SE of
        their own part.
    infit, outfit : ndarray, shape (q,)
        Each rater's infit and outfit mean squares.
    thresholds : ndarray, shape (m,)
        The Rasch-Andrich thresholds F_1..F_m.
    unit_measure : pandas.Series
        Need of each vignette-domain kept, in logits.
    low : float
        The scale's lowest level (scores are ``low + k``).
    mean_need : float
        Mean of the vignette-domain measures: where fair averages are taken.
    n_extreme_units : int
        Vignette-domains set aside for extreme scores.
    iterations : int
    converged : bool
    """

    areas: tuple[str, ...]
    area_leniency: np.ndarray
    area_se: np.ndarray
    raters: tuple[str, ...]
    rater_area: np.ndarray
    rater_leniency: np.ndarray
    rater_se: np.ndarray
    infit: np.ndarray
    outfit: np.ndarray
    thresholds: np.ndarray
    unit_measure: pd.Series
    low: float
    mean_need: float
    n_extreme_units: int
    iterations: int
    converged: bool

    def expected_score(self, eta: np.ndarray | float) -> np.ndarray:
        """Expected score at logit ``eta`` (need minus severity), on the original scale."""
        probabilities = _category_probabilities(np.atleast_1d(np.asarray(eta, float)),
                                                self.thresholds)
        return self.low + probabilities @ np.arange(len(self.thresholds) + 1)

    def fair_average(self, leniency: np.ndarray | float) -> np.ndarray:
        """The score an average vignette-domain gets from a rater of this leniency."""
        return self.expected_score(self.mean_need + np.asarray(leniency, float))


def fit_rating_scale_model(
    table: pd.DataFrame, *, tolerance: float = 1e-4, max_iterations: int = 1000
) -> FacetsFit:
    """Fit the many-facet rating-scale model by joint maximum likelihood.

    Parameters
    ----------
    table : pandas.DataFrame
        As :func:`stats.read_drift_table` returns it: ``unit``, ``domain``, ``rater``,
        ``area`` and whole-number ``score``. A rater belongs to the area of their first
        rating.
    tolerance : float
        Stop when no element's Newton step exceeds this (logits).
    max_iterations : int

    Returns
    -------
    FacetsFit

    Raises
    ------
    StatsInputError
        Scores that are not whole numbers, fewer than two levels or two areas used, or
        no vignette-domain with scores that vary.

    Examples
    --------
    Two areas, three raters each, four vignette-domains; area B's raters score one
    level higher throughout, so B is the more lenient:

    >>> import pandas as pd
    >>> base = {"V1": 1, "V2": 2, "V3": 3, "V4": 2}
    >>> rows = [(v, "d", f"{a}{r}", a, s + (a == "B") + (r == 1 and v == "V2"))
    ...         for v, s in base.items() for a in "AB" for r in range(3)]
    >>> table = pd.DataFrame(rows, columns=["unit", "domain", "rater", "area", "score"])
    >>> fit = fit_rating_scale_model(table)
    >>> fit.areas, bool(fit.area_leniency[1] > 0), round(float(fit.area_leniency.sum()), 9)
    (('A', 'B'), True, 0.0)
    """
    score = table["score"].to_numpy(dtype=float)
    if not np.array_equal(score, np.round(score)):
        raise StatsInputError("the ordinal model needs whole-number scores (levels of a scale)")
    low = float(score.min())
    x = (score - low).astype(np.int64)
    m = int(x.max())
    if m < 1:
        raise StatsInputError("every score is the same level, so no severity can be measured")
    unit_key = (table["unit"].astype(str) + "\x1f" + table["domain"].astype(str)).to_numpy()
    # Set aside vignette-domains scored only at the lowest or only at the highest level.
    kept = np.ones(len(x), dtype=bool)
    while True:
        keys = pd.Series(x[kept]).groupby(unit_key[kept])
        extreme = keys.min().eq(keys.max()) & (keys.min().eq(0) | keys.min().eq(m))
        if not extreme.any():
            break
        kept &= ~np.isin(unit_key, extreme[extreme].index.to_numpy())
    n_extreme = int(pd.Series(unit_key).nunique() - pd.Series(unit_key[kept]).nunique())
    if not kept.any():
        raise StatsInputError("no vignette-domain has scores that vary, so nothing can be measured")
    x = x[kept]
    unit_code, unit_labels = pd.factorize(unit_key[kept])
    rater_code, raters = pd.factorize(table["rater"].to_numpy()[kept], sort=True)
    area_of_rating = table["area"].to_numpy()[kept]
    area_code_all, areas = pd.factorize(area_of_rating, sort=True)
    K, q, U = len(areas), len(raters), len(unit_labels)
    if K < 2:
        raise StatsInputError("area severities compare areas: at least two areas are needed")
    rater_area = (
        pd.Series(area_code_all).groupby(rater_code).first().to_numpy(dtype=np.int64)
    )
    area_code = rater_area[rater_code]
    raters_in_area = np.bincount(rater_area, minlength=K)

    B = np.zeros(U)
    C = np.zeros(K)
    D = np.zeros(q)
    F = np.zeros(m)
    observed_at_least = np.array([np.count_nonzero(x >= k) for k in range(1, m + 1)], float)
    levels = np.arange(m + 1)
    converged = False
    iterations = 0
    for iterations in range(1, max_iterations + 1):
        largest = 0.0
        for facet in ("unit", "area", "rater", "threshold"):
            eta = B[unit_code] - C[area_code] - D[rater_code]
            P = _category_probabilities(eta, F)
            E = P @ levels
            W = np.clip(P @ levels**2 - E**2, 1e-12, None)
            residual = x - E
            if facet == "threshold":
                at_least = np.cumsum(P[:, ::-1], axis=1)[:, ::-1][:, 1:]  # P(X >= k)
                gradient = observed_at_least - at_least.sum(axis=0)
                curvature = (at_least * (1 - at_least)).sum(axis=0)
                step = np.clip(-gradient / np.maximum(curvature, 1e-12), -MAX_STEP, MAX_STEP)
                F = F + step
                F -= F.mean()
            else:
                code, size = {"unit": (unit_code, U), "area": (area_code, K),
                              "rater": (rater_code, q)}[facet]
                gradient = np.bincount(code, weights=residual, minlength=size)
                curvature = np.bincount(code, weights=W, minlength=size)
                step = np.clip(gradient / np.maximum(curvature, 1e-12), -MAX_STEP, MAX_STEP)
                if facet == "unit":
                    B = B + step
                elif facet == "area":
                    C = C - step
                    C -= C.mean()
                else:
                    D = D - step
                    D -= (np.bincount(rater_area, weights=D, minlength=K) / raters_in_area)[
                        rater_area
                    ]
            largest = max(largest, float(np.max(np.abs(step))))
        if largest < tolerance:
            converged = True
            break

    eta = B[unit_code] - C[area_code] - D[rater_code]
    P = _category_probabilities(eta, F)
    E = P @ levels
    W = np.clip(P @ levels**2 - E**2, 1e-12, None)  # a variance; no rounding below 0
    squared = (x - E) ** 2
    info_area = np.bincount(area_code, weights=W, minlength=K)
    info_rater = np.bincount(rater_code, weights=W, minlength=q)
    n_rater = np.bincount(rater_code, minlength=q)
    infit = np.bincount(rater_code, weights=squared, minlength=q) / info_rater
    outfit = np.bincount(rater_code, weights=squared / np.maximum(W, 1e-12), minlength=q) / n_rater
    return FacetsFit(
        areas=tuple(str(a) for a in areas),
        area_leniency=-C,
        area_se=1.0 / np.sqrt(info_area),
        raters=tuple(str(r) for r in raters),
        rater_area=rater_area,
        rater_leniency=-(C[rater_area] + D),
        rater_se=1.0 / np.sqrt(info_rater),
        infit=infit,
        outfit=outfit,
        thresholds=F,
        unit_measure=pd.Series(B, index=pd.Index(unit_labels, name="unit_domain")),
        low=low,
        mean_need=float(B.mean()),
        n_extreme_units=n_extreme,
        iterations=iterations,
        converged=converged,
    )


def _category_probabilities(eta: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """P(x = k | eta) for k = 0..m under the rating-scale model, shape (N, m + 1)."""
    cumulative = np.concatenate([[0.0], np.cumsum(thresholds)])
    logits = np.arange(len(cumulative))[None, :] * eta[:, None] - cumulative[None, :]
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)
