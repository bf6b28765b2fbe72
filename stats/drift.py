r"""Area drift: how far each area's scores sit from the county's for the same vignettes.

Different huddles score different vignettes with different people, and some areas see
needier vignettes than others, so raw means by area mislead. The **linear** drift model
separates the vignette, the domain, the rater and the area:

.. math::

    y_i = \mu_{v(i)d(i)} + \alpha_{a(i)} + u_{r(i)} + e_i, \qquad
    \sum_a \alpha_a = 0, \quad u_r \sim N(0, \sigma^2_r), \quad e_i \sim N(0, \sigma^2),

with a fixed effect :math:`\mu_{vd}` for every (vignette version, domain), area effects
coded to sum to zero (so :math:`\alpha_a` is area *a*'s offset from the unweighted mean of
the areas, "the county", in scale points) and raters as random effects. Raters are nested
in areas: what a whole area's raters share is its offset, what one rater adds is
:math:`u_r`.

Estimation (Henderson's mixed-model equations; Searle, Casella & McCulloch 1992, ch. 6-7)
--------------------------------------------------------------------------------------
With :math:`\gamma = \sigma^2_r / \sigma^2`, the equations for
:math:`(\mu, \alpha, u)` have a diagonal :math:`\mu` block (each rating belongs to one
vignette-domain), which is absorbed once: with :math:`W = [A\ Z]` (area contrasts and
rater indicators) and :math:`M_D` the projection that removes vignette-domain means,

.. math::

    S(\gamma) = W^\top M_D W + \operatorname{diag}(0, I/\gamma), \qquad
    b = W^\top M_D y .

:math:`S` is (areas - 1 + raters) square whatever the number of ratings, so a fit on 200k
ratings costs one pass over the ratings plus small dense algebra. The REML criterion is
profiled over :math:`\sigma^2` and minimised over :math:`\log\gamma` (Harville 1977):

.. math::

    -2\ell_R(\gamma) = (n - p)\log\hat\sigma^2(\gamma) + q\log\gamma + \log|S(\gamma)|
    + \text{const}, \qquad
    \hat\sigma^2 = \frac{y^\top M_D y - b^\top S^{-1} b}{n - p},

with :math:`p` the number of fixed effects and :math:`q` of raters. At the optimum,
:math:`\operatorname{Var}(\hat\alpha) = \hat\sigma^2 [S^{-1}]_{AA}`; 95% intervals use
Student's t on (raters - areas) degrees of freedom, since the areas' offsets are learnt
from between-rater differences.

Flags
-----
An area is flagged only when its offset is practically large (``|offset| >= threshold``,
0.5 scale points by default) *and* its Holm-adjusted test across the areas with enough
data rejects 0 at 5% (Holm 1979). Areas with fewer than ``min_raters`` raters or
``min_ratings`` ratings are "insufficient_data" and never flagged.

Connectedness
-------------
Offsets are comparable only between areas linked through shared vignette-domains (a
vignette scored in both, directly or through a chain of areas). :func:`connectivity`
reports the linked groups; the model is fitted on the largest.

References
----------
.. [1] Henderson, C. R. (1975). Best linear unbiased estimation and prediction under a
   selection model. *Biometrics*, 31(2), 423-447. doi:10.2307/2529430
.. [2] Harville, D. A. (1977). Maximum likelihood approaches to variance component
   estimation and to related problems. *JASA*, 72(358), 320-338. doi:10.2307/2286796
.. [3] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
   *Scandinavian Journal of Statistics*, 6(2), 65-70.
.. [4] Searle, S. R., Casella, G., & McCulloch, C. E. (1992). *Variance Components*.
   Wiley. doi:10.1002/9780470316856
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.optimize
import scipy.sparse
import scipy.sparse.csgraph
import scipy.stats

from ._json import json_safe
from ._ratings import where_in_table
from .errors import StatsInputError
from .facets import FacetsFit, fit_rating_scale_model

__all__ = [
    "AreaOffset",
    "Connectivity",
    "DriftChange",
    "DriftReport",
    "LinearFit",
    "RaterOffset",
    "ChangePoint",
    "change_point",
    "connectivity",
    "drift_report",
    "fit_linear_drift",
    "holm_adjust",
    "read_drift_table",
]

#: Columns a drift table must have, and those it may have.
REQUIRED_COLUMNS = ("unit", "domain", "rater", "area", "score")
OPTIONAL_COLUMNS = ("period", "reference")

MODELS = ("linear", "ordinal")
#: Largest score magnitude accepted: rating scales are small; beyond this, squares overflow.
MAX_SCORE = 1e6
FLAG_HIGHER = "higher"
FLAG_LOWER = "lower"
STATUS_OK = "ok"
STATUS_INSUFFICIENT = "insufficient_data"
STATUS_NOT_LINKED = "not_linked"


@dataclass(frozen=True)
class LinearFit:
    """One REML fit of the linear drift model.

    Attributes
    ----------
    areas : tuple of str
        The areas fitted, in the order of ``offset``.
    offset : ndarray, shape (K,)
        Each area's offset from the county (unweighted mean of the areas), scale points.
    covariance : ndarray, shape (K, K)
        Covariance of ``offset``.
    raters : tuple of str
        The raters fitted, in the order of ``rater_effect``.
    rater_area : ndarray of int, shape (q,)
        Each rater's area, an index into ``areas``.
    rater_effect : ndarray, shape (q,)
        Each rater's predicted deviation from their area (BLUP of :math:`u_r`).
    rater_offset_se : ndarray, shape (q,)
        Standard error of prediction of area offset plus rater effect.
    sigma2_rater, sigma2_residual : float
        REML variance components.
    df : int
        Degrees of freedom of the t intervals.
    n_ratings : int
    converged : bool
    """

    areas: tuple[str, ...]
    offset: np.ndarray
    covariance: np.ndarray
    raters: tuple[str, ...]
    rater_area: np.ndarray
    rater_effect: np.ndarray
    rater_offset_se: np.ndarray
    sigma2_rater: float
    sigma2_residual: float
    df: int
    n_ratings: int
    converged: bool

    @property
    def se(self) -> np.ndarray:
        """Standard errors of the area offsets."""
        return np.sqrt(np.clip(np.diag(self.covariance), 0.0, None))

    def ci95(self) -> np.ndarray:
        """95% t intervals of the area offsets, shape (K, 2)."""
        half = scipy.stats.t.ppf(0.975, self.df) * self.se
        return np.column_stack([self.offset - half, self.offset + half])

    def p_values(self) -> np.ndarray:
        """Two-sided t-test p-values that each offset is 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.abs(self.offset) / self.se
        return np.where(self.se > 0, 2 * scipy.stats.t.sf(t, self.df), 1.0)

    def rater_offsets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each rater's offset (area plus own) and its 95% interval, scale points."""
        offset = self.offset[self.rater_area] + self.rater_effect
        half = scipy.stats.t.ppf(0.975, self.df) * self.rater_offset_se
        return offset, offset - half, offset + half

    def rater_se(self) -> np.ndarray:
        """Standard errors of the rater offsets, scale points."""
        return self.rater_offset_se

    def area_extras(self, k: int) -> dict[str, float]:
        return {}

    def rater_extras(self, j: int) -> dict[str, float]:
        return {}

    def variance_components(self) -> dict[str, float]:
        return {"rater": self.sigma2_rater, "residual": self.sigma2_residual}


class OrdinalFit:
    """The many-facet rating-scale model seen as the drift report needs it.

    Offsets are in scale points: an area's fair average less the county's (leniency 0).
    Tests and intervals are on the logit scale, with a standard error that adds, to the
    model's, the spread of the area's raters over their number, since an area's leniency
    is the mean of its raters' and they are a sample of its practitioners; the interval's
    ends are then carried to scale points.
    """

    def __init__(self, facets: FacetsFit):
        self.facets = facets
        self.areas = facets.areas
        self.raters = facets.raters
        self.rater_area = facets.rater_area
        own = facets.rater_leniency - facets.area_leniency[facets.rater_area]
        K = len(facets.areas)
        n = np.bincount(facets.rater_area, minlength=K)
        spread = np.bincount(facets.rater_area, weights=own**2, minlength=K) / np.maximum(n - 1, 1)
        noise = np.bincount(facets.rater_area, weights=facets.rater_se**2, minlength=K) / n
        between = np.clip(spread - noise, 0.0, None)
        self.logit = facets.area_leniency
        self.logit_se = np.sqrt(facets.area_se**2 + between / n)
        county = float(facets.fair_average(0.0)[0])
        self.fair = facets.fair_average(self.logit)
        self.offset = self.fair - county
        self._county = county
        self.converged = facets.converged
        # Points per logit at each area's leniency, for standard errors in points.
        step = 1e-4
        slope = (facets.fair_average(self.logit + step) - facets.fair_average(self.logit - step)) / (
            2 * step
        )
        self.se = slope * self.logit_se

    def ci95(self) -> np.ndarray:
        low = self.facets.fair_average(self.logit - 1.96 * self.logit_se) - self._county
        high = self.facets.fair_average(self.logit + 1.96 * self.logit_se) - self._county
        return np.column_stack([low, high])

    def p_values(self) -> np.ndarray:
        return 2 * scipy.stats.norm.sf(np.abs(self.logit) / self.logit_se)

    def rater_offsets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f = self.facets
        offset = f.fair_average(f.rater_leniency) - self._county
        low = f.fair_average(f.rater_leniency - 1.96 * f.rater_se) - self._county
        high = f.fair_average(f.rater_leniency + 1.96 * f.rater_se) - self._county
        return offset, low, high

    def rater_se(self) -> np.ndarray:
        offset, low, high = self.rater_offsets()
        return (high - low) / (2 * 1.96)

    def area_extras(self, k: int) -> dict[str, float]:
        return {"logit": float(self.logit[k]), "logit_se": float(self.logit_se[k]),
                "fair_average": float(self.fair[k])}

    def rater_extras(self, j: int) -> dict[str, float]:
        f = self.facets
        return {"logit": float(f.rater_leniency[j]), "infit": float(f.infit[j]),
                "outfit": float(f.outfit[j])}

    def variance_components(self) -> dict[str, float]:
        return {}


@dataclass(frozen=True)
class Connectivity:
    """Which areas are linked through vignette-domains they both scored.

    Attributes
    ----------
    groups : tuple of tuple of str
        Linked groups of areas, the largest first.
    connected : bool
        Whether every area is in one group.
    not_linked : tuple of str
        Areas outside the largest group: their offsets cannot be compared with the rest.
    shared_units : dict
        For each pair of areas (a, b) with a < b, how many vignette-domains both scored.
    """

    groups: tuple[tuple[str, ...], ...]
    connected: bool
    not_linked: tuple[str, ...]
    shared_units: dict[tuple[str, str], int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "connected": self.connected,
            "groups": [list(g) for g in self.groups],
            "not_linked": list(self.not_linked),
            "shared_units": [
                {"areas": [a, b], "n_units": n} for (a, b), n in sorted(self.shared_units.items())
            ],
        }


@dataclass(frozen=True)
class AreaOffset:
    """One area's (or one area's in one domain, or in one period) offset and its verdict."""

    area: str
    offset: float | None
    ci95: tuple[float, float] | None
    se: float | None
    n_raters: int
    n_ratings: int
    status: str
    flag: str | None = None
    p_holm: float | None = None
    domain: str | None = None
    period: str | None = None
    #: Ordinal model only: leniency in logits, its SE and the fair average.
    logit: float | None = None
    logit_se: float | None = None
    fair_average: float | None = None


@dataclass(frozen=True)
class RaterOffset:
    """One rater's offset: their area's offset plus their own predicted deviation."""

    rater: str
    area: str
    offset: float
    ci95: tuple[float, float]
    n_ratings: int
    flag: str | None
    #: Ordinal model only: leniency in logits and the infit and outfit mean squares.
    logit: float | None = None
    infit: float | None = None
    outfit: float | None = None


@dataclass(frozen=True)
class DriftChange:
    """A shift in an area's or a rater's offset between periods.

    Attributes
    ----------
    kind : {"area", "rater"}
    name : str
        The area or rater.
    direction : {"higher", "lower"}
    since : str
        The first period of the new level.
    before, after : float
        The offset (scale points) before and since, inverse-variance weighted over periods.
    p_holm : float
        The split's p-value, Bonferroni over the splits tried and Holm-adjusted across the
        areas (or the raters).
    """

    kind: str
    name: str
    direction: str
    since: str
    before: float
    after: float
    p_holm: float


@dataclass(frozen=True)
class DriftReport:
    """Everything ``python -m stats drift`` reports."""

    model: str
    areas: tuple[AreaOffset, ...]
    area_domains: tuple[AreaOffset, ...]
    periods: tuple[AreaOffset, ...]
    raters: tuple[RaterOffset, ...]
    connectivity: Connectivity
    settings: dict[str, Any]
    variance_components: dict[str, float]
    notes: tuple[str, ...]
    changes: tuple[DriftChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON layout of the command line (see the README)."""

        def area(a: AreaOffset) -> dict[str, Any]:
            out: dict[str, Any] = {"area": a.area}
            if a.domain is not None:
                out["domain"] = a.domain
            if a.period is not None:
                out["period"] = a.period
            out.update(
                offset=a.offset,
                ci95=None if a.ci95 is None else [a.ci95[0], a.ci95[1]],
                se=a.se,
                n_raters=a.n_raters,
                n_ratings=a.n_ratings,
                flag=a.flag,
                status=a.status,
                p_holm=a.p_holm,
            )
            if a.logit is not None or self.model == "ordinal":
                out.update(logit=a.logit, logit_se=a.logit_se, fair_average=a.fair_average)
            return out

        return json_safe({
            "model": self.model,
            "areas": [area(a) for a in self.areas],
            "area_domains": [area(a) for a in self.area_domains],
            "periods": [area(a) for a in self.periods],
            "raters": [
                {
                    "rater": r.rater,
                    "area": r.area,
                    "offset": r.offset,
                    "ci95": [r.ci95[0], r.ci95[1]],
                    "n_ratings": r.n_ratings,
                    "flag": r.flag,
                    **(
                        {"logit": r.logit, "infit": r.infit, "outfit": r.outfit}
                        if self.model == "ordinal"
                        else {}
                    ),
                }
                for r in self.raters
            ],
            "connectivity": self.connectivity.to_dict(),
            "changes": [
                {
                    "kind": c.kind,
                    "name": c.name,
                    "direction": c.direction,
                    "since": c.since,
                    "before": c.before,
                    "after": c.after,
                    "p_holm": c.p_holm,
                }
                for c in self.changes
            ],
            "settings": self.settings,
            "variance_components": self.variance_components,
            "notes": list(self.notes),
        })


# --- Reading --------------------------------------------------------------------------


def read_drift_table(frame: pd.DataFrame, *, name: str = "frame") -> pd.DataFrame:
    """Validate a long table of ratings for the drift models.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating with columns ``unit``, ``domain``, ``rater``, ``area``,
        ``score`` and optionally ``period`` and ``reference``.
    name : str, optional
        What to call the table in error messages.

    Returns
    -------
    pandas.DataFrame
        A copy with the labels as strings, ``score`` (and ``reference``) as floats and the
        rows without a score dropped.

    Raises
    ------
    StatsInputError
        A required column is missing, a label is missing on a scored row, or a score is
        not a finite number. A rater may score the same vignette in two huddles: both
        scores were given before a discussion, and both count.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"unit": ["V1", "V1", "V1"], "domain": "sensory",
    ...                     "rater": [1, 2, 3], "area": "West", "score": ["3", None, 4]})
    >>> read_drift_table(raw)[["rater", "score"]].to_dict("records")
    [{'rater': '1', 'score': 3.0}, {'rater': '3', 'score': 4.0}]
    """
    if not isinstance(frame, pd.DataFrame):
        raise StatsInputError(f"{name} must be a pandas DataFrame with one row per rating")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise StatsInputError(
            f"{name} has no column {', '.join(missing)}; a drift table needs "
            f"{', '.join(REQUIRED_COLUMNS)} (and may have {', '.join(OPTIONAL_COLUMNS)})"
        )
    if len(frame) == 0:
        raise StatsInputError(f"{name} is empty: it has no rows, so there are no ratings")
    score = pd.to_numeric(frame["score"], errors="coerce")
    bad = score.isna() & frame["score"].notna() & (frame["score"].astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise StatsInputError(
            f"{name}: score {frame['score'].iloc[i]!r} {where_in_table(frame.index, i)} "
            "is not a number"
        )
    values = score.to_numpy(dtype=float)
    if np.isinf(values).any():
        i = int(np.flatnonzero(np.isinf(values))[0])
        raise StatsInputError(f"{name}: score {where_in_table(frame.index, i)} is not finite")
    huge = np.abs(np.nan_to_num(values)) > MAX_SCORE
    if huge.any():
        i = int(np.flatnonzero(huge)[0])
        raise StatsInputError(
            f"{name}: score {values[i]:g} {where_in_table(frame.index, i)} is far off any rating "
            f"scale (scores must lie within +-{MAX_SCORE:g})"
        )
    keep = score.notna().to_numpy()
    if not keep.any():
        raise StatsInputError(f"{name} holds no ratings: every score is missing")
    columns = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in frame.columns]
    table = frame.loc[keep, columns].copy()
    table["score"] = score[keep].astype(float)
    for column in ("unit", "domain", "rater", "area", "period"):
        if column not in table.columns:
            continue
        labels = table[column]
        empty = labels.isna() | (labels.astype(str).str.strip() == "")
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            article = "an" if column[0] in "aeiou" else "a"
            raise StatsInputError(
                f"{name} has a score without {article} {column} {where_in_table(table.index, i)}"
            )
        table[column] = labels.astype(str).str.strip()
    if table["score"].nunique() == 1:
        raise StatsInputError(
            f"{name}: every score is {table['score'].iloc[0]:g}, so no area can score higher or "
            "lower than another (there is no variation to model)"
        )
    if "reference" in table.columns:
        table["reference"] = pd.to_numeric(table["reference"], errors="coerce").astype(float)
    return table


# --- Connectivity ---------------------------------------------------------------------


def connectivity(table: pd.DataFrame) -> Connectivity:
    """Groups of areas linked through the vignette-domains they scored.

    Two areas are linked when some vignette-domain was scored in both; linking is
    transitive. Only areas in one group can be compared.

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by :func:`read_drift_table`.

    Returns
    -------
    Connectivity

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"unit": ["V1", "V1", "V2", "V3"], "domain": "d",
    ...                       "rater": ["a", "b", "c", "d"], "area": ["N", "S", "S", "W"],
    ...                       "score": [1.0, 2.0, 3.0, 2.0]})
    >>> links = connectivity(table)
    >>> links.groups, links.not_linked
    ((('N', 'S'), ('W',)), ('W',))
    """
    unit_domain = table["unit"] + "\x1f" + table["domain"]
    ud_code, _ = pd.factorize(unit_domain)
    area_code, areas = pd.factorize(table["area"], sort=True)
    K, P = len(areas), int(ud_code.max()) + 1
    incidence = scipy.sparse.csr_matrix(
        (np.ones(len(ud_code)), (area_code, ud_code)), shape=(K, P)
    )
    incidence.data[:] = 1.0
    incidence.sum_duplicates()
    incidence.data[:] = 1.0
    shared = (incidence @ incidence.T).toarray()
    n_groups, label = scipy.sparse.csgraph.connected_components(
        scipy.sparse.csr_matrix(shared > 0), directed=False
    )
    groups = [tuple(str(areas[i]) for i in np.flatnonzero(label == g)) for g in range(n_groups)]
    groups.sort(key=lambda g: (-len(g), g))
    pairs = {
        (str(areas[a]), str(areas[b])): int(shared[a, b])
        for a in range(K)
        for b in range(a + 1, K)
    }
    not_linked = tuple(a for g in groups[1:] for a in g)
    return Connectivity(
        groups=tuple(groups), connected=n_groups == 1, not_linked=not_linked, shared_units=pairs
    )


# --- The linear model -----------------------------------------------------------------


def fit_linear_drift(table: pd.DataFrame) -> LinearFit:
    """Fit the linear drift model by REML (see the module docstring).

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by :func:`read_drift_table`, restricted to linked areas. Each rater
        belongs to one area (the area of their first rating is used if a rater moved).

    Returns
    -------
    LinearFit

    Raises
    ------
    StatsInputError
        Fewer than two areas, or fewer raters than areas plus one, or no vignette-domain
        scored more than once.

    Examples
    --------
    A balanced nested design (every rater scores every vignette): REML gives the ANOVA
    estimates, the residual mean square of ``score ~ unit + rater`` (0.2667) and
    (MS raters within areas - MS residual) / 3 vignettes = 0.6765 between raters.

    >>> import pandas as pd
    >>> scores = {("A", "a1"): [1, 2, 4], ("A", "a2"): [3, 3, 5], ("B", "b1"): [2, 3, 4],
    ...           ("B", "b2"): [4, 5, 5], ("B", "b3"): [3, 3, 5]}
    >>> table = pd.DataFrame([(v, "sensory", r, a, s) for (a, r), row in scores.items()
    ...                       for v, s in zip(["V1", "V2", "V3"], row)],
    ...                      columns=["unit", "domain", "rater", "area", "score"])
    >>> fit = fit_linear_drift(table)
    >>> fit.offset.round(4).tolist(), round(fit.sigma2_residual, 4), round(fit.sigma2_rater, 4)
    ([-0.3889, 0.3889], 0.2667, 0.6765)
    """
    areas = tuple(sorted(table["area"].unique()))
    K = len(areas)
    if K < 2:
        raise StatsInputError(
            "area offsets compare areas with each other: the ratings come from "
            f"{K} area{'s' if K != 1 else ''}, and at least two are needed"
        )
    area_index = {a: k for k, a in enumerate(areas)}
    rater_code, raters = pd.factorize(table["rater"], sort=True)
    q = len(raters)
    first_area = table.groupby(rater_code, sort=True)["area"].first().map(area_index)
    rater_area = first_area.to_numpy(dtype=np.int64)
    ud_code, _ = pd.factorize(table["unit"] + "\x1f" + table["domain"])
    P = int(ud_code.max()) + 1
    n = len(table)
    y = table["score"].to_numpy(dtype=float)
    a_code = rater_area[rater_code]
    if q < K + 1:
        raise StatsInputError(
            f"the ratings come from {q} raters in {K} areas; separating areas from raters "
            "needs more raters than areas"
        )

    # W = [A Z]: sum-to-zero area contrasts (K - 1 columns) and rater indicators (q).
    rows = np.arange(n)
    last = a_code == K - 1
    a_rows = np.concatenate([rows[~last], np.repeat(rows[last], K - 1)])
    a_cols = np.concatenate([a_code[~last], np.tile(np.arange(K - 1), int(last.sum()))])
    a_vals = np.concatenate([np.ones(int((~last).sum())), -np.ones(int(last.sum()) * (K - 1))])
    W = scipy.sparse.hstack(
        [
            scipy.sparse.csr_matrix((a_vals, (a_rows, a_cols)), shape=(n, K - 1)),
            scipy.sparse.csr_matrix((np.ones(n), (rows, rater_code)), shape=(n, q)),
        ],
        format="csr",
    )
    D = scipy.sparse.csr_matrix((np.ones(n), (rows, ud_code)), shape=(n, P))
    n_ud = np.bincount(ud_code, minlength=P).astype(float)
    WD = (W.T @ D).toarray()  # (K-1+q, P)
    WD_scaled = WD / n_ud
    S0 = (W.T @ W).toarray() - WD_scaled @ WD.T  # W' M_D W
    sum_ud = np.bincount(ud_code, weights=y, minlength=P)
    b = W.T @ y - WD_scaled @ sum_ud  # W' M_D y
    yMy = float(y @ y - np.sum(sum_ud**2 / n_ud))
    p = P + K - 1
    dof = n - p
    if dof <= 0:
        raise StatsInputError(
            "too few ratings for the model: each vignette-domain must be scored several times"
        )
    zblock = np.arange(K - 1, K - 1 + q)

    def solve(log_gamma: float) -> tuple[float, np.ndarray, tuple[np.ndarray, bool], float]:
        S = S0.copy()
        S[zblock, zblock] += np.exp(-log_gamma)
        factor = scipy.linalg.cho_factor(S, lower=True, check_finite=False)
        theta = scipy.linalg.cho_solve(factor, b, check_finite=False)
        ypy = max(yMy - float(b @ theta), 1e-300)
        logdet = 2.0 * float(np.sum(np.log(np.diag(factor[0]))))
        criterion = dof * np.log(ypy / dof) + q * log_gamma + logdet
        return criterion, theta, factor, ypy

    def criterion(log_gamma: float) -> float:
        try:
            return solve(log_gamma)[0]
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            return np.inf

    # The criterion is smooth in log(gamma); bracket it between a negligible rater variance
    # and one far larger than the residual.
    result = scipy.optimize.minimize_scalar(
        criterion, bounds=(-12.0, 8.0), method="bounded", options={"xatol": 1e-6}
    )
    log_gamma = float(result.x)
    converged = bool(result.success) and np.isfinite(result.fun)
    _, theta, factor, ypy = solve(log_gamma)
    sigma2 = ypy / dof
    gamma = float(np.exp(log_gamma))

    # Covariance of (alpha_1..alpha_{K-1}, u) is sigma2 * S^{-1}.
    S_inv = scipy.linalg.cho_solve(factor, np.eye(len(b)), check_finite=False) * sigma2
    L = np.vstack([np.eye(K - 1), -np.ones((1, K - 1))])  # all K offsets from K - 1
    alpha = L @ theta[: K - 1]
    cov_alpha = L @ S_inv[: K - 1, : K - 1] @ L.T
    u = theta[K - 1 :]
    # Rater offset = alpha_{area(r)} + u_r; its prediction variance from S^{-1}.
    rows_L = L[rater_area]  # (q, K-1)
    cov_aa = S_inv[: K - 1, : K - 1]
    cov_au = S_inv[: K - 1, K - 1 :]
    var_rater = (
        np.einsum("qi,ij,qj->q", rows_L, cov_aa, rows_L)
        + 2.0 * np.einsum("qi,iq->q", rows_L, cov_au)
        + np.diag(S_inv)[K - 1 :]
    )
    return LinearFit(
        areas=areas,
        offset=alpha,
        covariance=cov_alpha,
        raters=tuple(str(r) for r in raters),
        rater_area=rater_area,
        rater_effect=u,
        rater_offset_se=np.sqrt(np.clip(var_rater, 0.0, None)),
        sigma2_rater=gamma * sigma2,
        sigma2_residual=sigma2,
        df=max(q - K, 1),
        n_ratings=n,
        converged=converged,
    )


def holm_adjust(p_values: Sequence[float]) -> np.ndarray:
    """Holm's (1979) step-down adjusted p-values: reject where the result is below the level.

    Parameters
    ----------
    p_values : sequence of float
        One p-value per hypothesis.

    Returns
    -------
    ndarray
        The adjusted p-values, in the order given: the i-th smallest p-value is multiplied
        by (m - i + 1), made non-decreasing, and capped at 1.

    Examples
    --------
    >>> holm_adjust([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


# --- The report -----------------------------------------------------------------------


def drift_report(
    frame: pd.DataFrame,
    *,
    model: str = "linear",
    min_raters: int = 5,
    min_ratings: int = 30,
    threshold: float = 0.5,
    name: str = "frame",
    exclude_below: int = 0,
    breakdowns: bool = True,
) -> DriftReport:
    """Area offsets, domain x area offsets, offsets per period and rater offsets.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per independent rating: ``unit`` (vignette version), ``domain``,
        ``rater``, ``area``, ``score``; optionally ``period`` and ``reference``.
    model : {"linear", "ordinal"}
        The linear mixed model (module docstring; offsets in scale points) or the
        many-facet rating-scale model (:mod:`stats.facets`; offsets are differences of
        fair averages, with leniencies in logits beside them).
    min_raters, min_ratings : int
        An area (or area in a domain or period) with fewer raters or ratings is
        "insufficient_data": its offset is still estimated but never flagged.
    threshold : float
        Smallest offset, in scale points, worth flagging.
    name : str
        What to call the table in error messages.
    exclude_below : int
        Areas with fewer raters than this (in the whole table, or in one domain or
        period) are left out of that fit altogether and reported without figures.
        Suppressing a figure is not enough when offsets sum to zero: the hidden one
        would be minus the sum of the others. 0 keeps every area.
    breakdowns : bool
        Also fit each domain and each period (``area_domains``, ``periods``, ``changes``);
        False fits the whole table only, for when only area and rater offsets are wanted.

    Returns
    -------
    DriftReport

    Examples
    --------
    A balanced design: every rater scores both vignettes, so each area's offset is its
    mean less the mean of the area means (2 and 3 here).

    >>> import pandas as pd
    >>> scores = {("A", "a1"): [1, 2], ("A", "a2"): [2, 3], ("B", "b1"): [2, 3],
    ...           ("B", "b2"): [3, 4]}
    >>> table = pd.DataFrame([(v, "sensory", r, a, s) for (a, r), pair in scores.items()
    ...                       for v, s in zip(["V1", "V2"], pair)],
    ...                      columns=["unit", "domain", "rater", "area", "score"])
    >>> report = drift_report(table, min_raters=1, min_ratings=1)
    >>> [(a.area, round(a.offset, 6), a.status) for a in report.areas]
    [('A', -0.5, 'ok'), ('B', 0.5, 'ok')]
    """
    if model not in MODELS:
        raise StatsInputError(f"model must be 'linear' or 'ordinal'; got {model!r}")
    if min_raters < 1 or min_ratings < 1:
        raise StatsInputError("min_raters and min_ratings must be at least 1")
    if not threshold >= 0:
        raise StatsInputError(f"threshold must be a number >= 0; got {threshold!r}")
    table = read_drift_table(frame, name=name)
    notes: list[str] = []
    repeated = int(table.duplicated(["unit", "domain", "rater"]).sum())
    if repeated:
        notes.append(
            f"{repeated} score(s) are a rater's second score of the same vignette and domain "
            "(e.g. from another huddle); each counts as an independent score"
        )
    table, excluded = _without_small_areas(table, exclude_below)
    if excluded:
        notes.append(
            f"{', '.join(excluded)} had fewer than {exclude_below} raters and were left out of "
            "the fit, so the county is the average of the other areas"
        )
    if table.empty:
        raise StatsInputError(
            f"every area has fewer than {exclude_below} raters, so none can be compared"
        )
    links = connectivity(table)
    linked = table[table["area"].isin(links.groups[0])]
    if not links.connected:
        notes.append(
            "not every area is linked to the others through vignettes they both scored: "
            f"{', '.join(links.not_linked)} cannot be compared with the rest and are left out"
        )
    fit = _fit(model, linked)
    if not fit.converged:
        notes.append("the model's fit did not converge; treat the intervals with caution")
    if isinstance(fit, OrdinalFit) and fit.facets.n_extreme_units:
        notes.append(
            f"{fit.facets.n_extreme_units} vignette-domain(s) scored only at the lowest or "
            "only at the highest level were set aside: they carry no information on severity"
        )
    areas = _area_offsets(fit, linked, min_raters, min_ratings, threshold)
    areas += [
        AreaOffset(area=a, offset=None, ci95=None, se=None, status=STATUS_NOT_LINKED,
                   **_counts(table[table["area"] == a]))
        for a in links.not_linked
    ]
    areas += [
        AreaOffset(area=a, offset=None, ci95=None, se=None, status=STATUS_INSUFFICIENT,
                   **_counts(small))
        for a, small in excluded.items()
    ]
    area_domains: list[AreaOffset] = []
    for domain, subset in (linked.groupby("domain", sort=True) if breakdowns else []):
        area_domains += _sub_fit(
            model, subset, min_raters, min_ratings, threshold, exclude_below, domain=str(domain)
        )[0]
    periods: list[AreaOffset] = []
    area_series: dict[str, list[tuple[str, float, float]]] = {}
    rater_series: dict[str, list[tuple[str, float, float]]] = {}
    if breakdowns and "period" in linked.columns:
        for period, subset in linked.groupby("period", sort=True):
            rows, period_fit = _sub_fit(
                model, subset, min_raters, min_ratings, threshold, exclude_below,
                period=str(period),
            )
            periods += rows
            for row in rows:
                if row.status == STATUS_OK and row.offset is not None and row.se is not None:
                    area_series.setdefault(row.area, []).append((row.period, row.offset, row.se))
            if period_fit is not None:
                offsets, _, _ = period_fit.rater_offsets()
                for rater, offset, se in zip(period_fit.raters, offsets, period_fit.rater_se()):
                    rater_series.setdefault(rater, []).append((str(period), float(offset), float(se)))
    ratings_per_rater = linked.groupby("rater")["score"].size()
    raters = []
    for j, (rater, offset, low, high) in enumerate(zip(fit.raters, *fit.rater_offsets())):
        flag = None
        if abs(offset) >= threshold and (low > 0 or high < 0):
            flag = FLAG_HIGHER if offset > 0 else FLAG_LOWER
        raters.append(
            RaterOffset(
                rater=rater,
                area=fit.areas[fit.rater_area[j]],
                offset=float(offset),
                ci95=(float(low), float(high)),
                n_ratings=int(ratings_per_rater.get(rater, 0)),
                flag=flag,
                **fit.rater_extras(j),
            )
        )
    changes = _changes("area", area_series, threshold) + _changes("rater", rater_series, threshold)
    return DriftReport(
        model=model,
        changes=tuple(changes),
        areas=tuple(areas),
        area_domains=tuple(area_domains),
        periods=tuple(periods),
        raters=tuple(raters),
        connectivity=links,
        settings={"min_raters": min_raters, "min_ratings": min_ratings, "threshold": threshold},
        variance_components=fit.variance_components(),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class ChangePoint:
    """The best split of a series of period estimates into before and since."""

    since: int
    before: float
    after: float
    z: float
    p: float


def change_point(estimates: Sequence[float], se: Sequence[float]) -> ChangePoint | None:
    """Where a series of period estimates shifted, and how surely.

    Every split of the periods into "before" and "since" is tried; each side's level is the
    inverse-variance weighted mean of its estimates, and the split with the largest
    ``|z| = |after - before| / sqrt(1 / W_before + 1 / W_after)`` is kept. Its two-sided
    p-value is multiplied by the number of splits tried (Bonferroni), so that picking the
    best split does not overstate the evidence.

    Parameters
    ----------
    estimates, se : sequence of float
        One estimate and its standard error per period, in time order.

    Returns
    -------
    ChangePoint or None
        None with fewer than two periods. ``since`` is the index of the first period after
        the split.

    Examples
    --------
    Level 0 for three terms, then 1 for two, each known to within 0.2:

    >>> point = change_point([0.1, -0.1, 0.0, 1.0, 1.1], [0.2] * 5)
    >>> point.since, round(point.before, 3), round(point.after, 3), round(point.z, 2)
    (3, 0.0, 1.05, 5.75)
    >>> point.p < 1e-6
    True
    """
    x = np.asarray(estimates, dtype=float)
    w = 1.0 / np.asarray(se, dtype=float) ** 2
    T = len(x)
    if T < 2:
        return None
    splits = []
    for split in range(1, T):
        w_before, w_after = w[:split].sum(), w[split:].sum()
        before = float((w[:split] * x[:split]).sum() / w_before)
        after = float((w[split:] * x[split:]).sum() / w_after)
        z = float((after - before) / np.sqrt(1.0 / w_before + 1.0 / w_after))
        splits.append((abs(z), -split, split, before, after, z))
    _, _, since, before, after, z = max(splits)
    p = min(1.0, (T - 1) * 2.0 * float(scipy.stats.norm.sf(abs(z))))
    return ChangePoint(since, before, after, z, p)


def _changes(
    kind: str,
    series: dict[str, list[tuple[str, float, float]]],
    threshold: float,
) -> list[DriftChange]:
    """Changes among one kind's series (period, estimate, se), Holm-adjusted across them."""
    found = []
    for name, points in sorted(series.items()):
        points = [pt for pt in points if pt[2] > 0 and np.isfinite(pt[1])]
        point = change_point([pt[1] for pt in points], [pt[2] for pt in points])
        if point is not None:
            found.append((name, points, point))
    if not found:
        return []
    adjusted = holm_adjust([point.p for _, _, point in found])
    changes = []
    for (name, points, point), p in zip(found, adjusted):
        if p < 0.05 and abs(point.after - point.before) >= threshold:
            changes.append(DriftChange(
                kind=kind, name=name,
                direction=FLAG_HIGHER if point.after > point.before else FLAG_LOWER,
                since=points[point.since][0], before=point.before, after=point.after,
                p_holm=float(p),
            ))
    return changes


def _counts(subset: pd.DataFrame) -> dict[str, int]:
    return {"n_raters": int(subset["rater"].nunique()), "n_ratings": len(subset)}


def _area_offsets(
    fit: LinearFit | OrdinalFit,
    table: pd.DataFrame,
    min_raters: int,
    min_ratings: int,
    threshold: float,
    **where: str,
) -> list[AreaOffset]:
    """Each fitted area's offset, status and flag (Holm across the areas with enough data)."""
    counts = {a: _counts(table[table["area"] == a]) for a in fit.areas}
    ok = np.array(
        [counts[a]["n_raters"] >= min_raters and counts[a]["n_ratings"] >= min_ratings
         for a in fit.areas]
    )
    p = fit.p_values()
    p_holm = np.full(len(fit.areas), np.nan)
    if ok.any():
        p_holm[ok] = holm_adjust(p[ok])
    ci = fit.ci95()
    out = []
    for k, area in enumerate(fit.areas):
        offset = float(fit.offset[k])
        flag = None
        if ok[k] and abs(offset) >= threshold and p_holm[k] < 0.05:
            flag = FLAG_HIGHER if offset > 0 else FLAG_LOWER
        out.append(
            AreaOffset(
                area=area,
                offset=offset,
                ci95=(float(ci[k, 0]), float(ci[k, 1])),
                se=float(fit.se[k]),
                status=STATUS_OK if ok[k] else STATUS_INSUFFICIENT,
                flag=flag,
                p_holm=None if np.isnan(p_holm[k]) else float(p_holm[k]),
                **counts[area],
                **where,
                **fit.area_extras(k),
            )
        )
    return out


def _fit(model: str, table: pd.DataFrame) -> LinearFit | OrdinalFit:
    if model == "ordinal":
        return OrdinalFit(fit_rating_scale_model(table))
    return fit_linear_drift(table)


def _without_small_areas(
    table: pd.DataFrame, exclude_below: int
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The table without areas of fewer than ``exclude_below`` raters, and those areas' rows."""
    if exclude_below <= 0 or table.empty:
        return table, {}
    raters = table.groupby("area")["rater"].nunique()
    small = sorted(raters[raters < exclude_below].index)
    excluded = {str(a): table[table["area"] == a] for a in small}
    return table[~table["area"].isin(small)], excluded


def _sub_fit(
    model: str,
    subset: pd.DataFrame,
    min_raters: int,
    min_ratings: int,
    threshold: float,
    exclude_below: int,
    **where: str,
) -> tuple[list[AreaOffset], LinearFit | OrdinalFit | None]:
    """Offsets within one domain or one period: the same model on that part of the data."""
    subset, excluded = _without_small_areas(subset, exclude_below)
    left_out = [
        AreaOffset(area=a, offset=None, ci95=None, se=None, status=STATUS_INSUFFICIENT,
                   **_counts(rows), **where)
        for a, rows in excluded.items()
    ]
    if subset.empty:
        return left_out, None
    rows, fit = _sub_fit_kept(model, subset, min_raters, min_ratings, threshold, **where)
    return rows + left_out, fit


def _sub_fit_kept(
    model: str,
    subset: pd.DataFrame,
    min_raters: int,
    min_ratings: int,
    threshold: float,
    **where: str,
) -> tuple[list[AreaOffset], LinearFit | OrdinalFit | None]:
    links = connectivity(subset)
    linked = subset[subset["area"].isin(links.groups[0])]
    try:
        fit = _fit(model, linked)
    except StatsInputError:
        return [
            AreaOffset(area=a, offset=None, ci95=None, se=None, status=STATUS_INSUFFICIENT,
                       **_counts(subset[subset["area"] == a]), **where)
            for a in sorted(subset["area"].unique())
        ], None
    out = _area_offsets(fit, linked, min_raters, min_ratings, threshold, **where)
    out += [
        AreaOffset(area=a, offset=None, ci95=None, se=None, status=STATUS_NOT_LINKED,
                   **_counts(subset[subset["area"] == a]), **where)
        for a in links.not_linked
    ]
    return out, fit
