"""Every agreement coefficient of one table of ratings, in one call.

:func:`agreement_report` is what ``python -m stats agreement`` prints and what the Huddle
app shows: it reads the ratings once, computes Krippendorff's alpha at all four levels,
percent agreement, Fleiss' kappa, Gwet's AC1 and AC2, Brennan-Prediger, the six intraclass
correlations, Cohen's kappa when there are exactly two raters and, when asked, a bootstrap
of alpha; then explains the result in plain English (:mod:`stats.interpretation`).
:meth:`AgreementReport.to_dict` gives the JSON layout that the command line documents.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._ratings import read_long, read_value_domain
from ._json import json_safe
from .descriptives import PercentAgreement, percent_agreement
from .errors import StatsInputError
from .gwet import AgreementCoefficient, brennan_prediger, gwet_ac1, gwet_ac2
from .icc import IccResult, intraclass_correlations
from .interpretation import interpret
from .kappa import KappaResult, cohen_kappa, fleiss_kappa
from .krippendorff import (
    LEVELS,
    AlphaBootstrap,
    AlphaResult,
    krippendorff_alpha_all_levels_long,
    krippendorff_alpha_bootstrap,
)

__all__ = ["AgreementReport", "agreement_report"]

COHEN_WEIGHTS = ("unweighted", "linear", "quadratic")


@dataclass(frozen=True)
class AgreementReport:
    """All the agreement figures of one table of ratings.

    Attributes
    ----------
    n_units, n_raters, n_ratings : int
        Units and raters with at least one rating; ratings present.
    n_pairable : int
        Ratings in units rated at least twice (the ones that can agree or not).
    scale : tuple of float
        The levels coefficients count: the declared scale, or the distinct scores.
    scale_declared : bool
        Whether ``scale`` was declared (``scale=``) or read off the data.
    unused_levels : tuple of float
        Levels of a declared scale that nobody used.
    level : str
        The level of measurement chosen for the bootstrap and the interpretation.
    alpha : dict of str to AlphaResult
        Krippendorff's alpha at every level.
    exact, within_one : PercentAgreement
        Shares of within-unit pairs of ratings that are equal, or at most one level apart.
    fleiss : KappaResult
    ac1 : AgreementCoefficient
    ac2 : dict of str to AgreementCoefficient
        Keyed "linear" and "quadratic".
    brennan_prediger : AgreementCoefficient
    icc : IccResult
    cohen : dict of str to KappaResult or None
        Keyed by weights; None unless there are exactly two raters.
    cohen_reason : str or None
        Why ``cohen`` is None.
    bootstrap : AlphaBootstrap or None
        When asked for.
    level_counts : tuple of int
        Ratings at each level of ``scale``.
    interpretation : tuple of str
        Plain-English sentences about the result.
    """

    n_units: int
    n_raters: int
    n_ratings: int
    n_pairable: int
    scale: tuple[float, ...]
    scale_declared: bool
    unused_levels: tuple[float, ...]
    level: str
    alpha: dict[str, AlphaResult]
    exact: PercentAgreement
    within_one: PercentAgreement
    fleiss: KappaResult
    ac1: AgreementCoefficient
    ac2: dict[str, AgreementCoefficient]
    brennan_prediger: AgreementCoefficient
    icc: IccResult
    cohen: dict[str, KappaResult] | None
    cohen_reason: str | None
    bootstrap: AlphaBootstrap | None
    level_counts: tuple[int, ...]
    interpretation: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON layout of ``python -m stats agreement --format json``.

        Shares are proportions (0-1). A figure that cannot be computed is None with a
        ``reason`` beside it; no value is ever NaN or infinite.
        """
        payload: dict[str, Any] = {
            "n_units": self.n_units,
            "n_raters": self.n_raters,
            "n_ratings": self.n_ratings,
            "n_pairable": self.n_pairable,
            "scale": {
                "levels": [_number(v) for v in self.scale],
                "declared": self.scale_declared,
                "unused_levels": [_number(v) for v in self.unused_levels],
                "counts": {_level_key(v): n for v, n in zip(self.scale, self.level_counts)},
            },
            "level": self.level,
            "percent_exact": self.exact.proportion,
            "percent_within_one": self.within_one.proportion,
            "percent_reason": self.exact.reason,
            "krippendorff_alpha": {
                **{level: self.alpha[level].alpha for level in LEVELS},
                "reasons": {
                    level: self.alpha[level].reason
                    for level in LEVELS
                    if self.alpha[level].reason is not None
                },
                "n_pairable_units": self.alpha[LEVELS[0]].n_pairable_units,
            },
            "fleiss_kappa": _kappa(self.fleiss),
            "icc": _icc(self.icc),
            "gwet_ac1": _coefficient(self.ac1),
            "gwet_ac2": {weights: _coefficient(c) for weights, c in self.ac2.items()},
            "brennan_prediger": _coefficient(self.brennan_prediger),
            "cohen_kappa": (
                None
                if self.cohen is None
                else {weights: _kappa(k) for weights, k in self.cohen.items()}
            ),
            "interpretation": list(self.interpretation),
        }
        if self.cohen is None:
            payload["cohen_kappa_reason"] = self.cohen_reason
        if self.bootstrap is not None:
            payload["bootstrap"] = _bootstrap(self.bootstrap)
        return json_safe(payload)


def agreement_report(
    frame: pd.DataFrame,
    *,
    scale: Sequence[float] | None = None,
    level: str = "ordinal",
    n_boot: int | None = None,
    seed: int | np.random.Generator | None = None,
    unit: Hashable = "unit",
    rater: Hashable = "rater",
    score: Hashable = "score",
    name: str = "frame",
) -> AgreementReport:
    """Compute every agreement coefficient of a long table of ratings.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per rating; a missing score is a missing rating.
    scale : sequence of float, optional
        The declared levels, e.g. ``range(6)`` for 0-5. Coefficients that count
        categories (AC1, AC2, Brennan-Prediger, weighted kappa) depend on it; without
        it, the levels are the distinct scores found.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "ordinal"
        The level of measurement for the bootstrap and the interpretation. Alpha is
        computed at all four levels regardless.
    n_boot : int, optional
        Bootstrap replicates of alpha at ``level``; none when not given.
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap.
    unit, rater, score : hashable, optional
        Names of the unit, rater and score columns.
    name : str, optional
        What to call the table in error messages, e.g. the file it was read from.

    Returns
    -------
    AgreementReport

    Raises
    ------
    StatsInputError
        If the table cannot be read (see :func:`stats.krippendorff_alpha_long`), a score
        lies off the declared scale, or ``level`` is unknown.

    Examples
    --------
    Krippendorff's (2011) reliability data: 4 observers, 12 units, values 1-5.

    >>> import pandas as pd
    >>> rows = {"A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> frame = pd.DataFrame({"unit": list(range(1, 13)) * 4,
    ...                       "rater": [r for r in rows for _ in range(12)],
    ...                       "score": [s for scores in rows.values() for s in scores]})
    >>> report = agreement_report(frame).to_dict()
    >>> report["n_units"], report["n_raters"], report["n_ratings"], report["n_pairable"]
    (12, 4, 41, 40)
    >>> {k: round(report["krippendorff_alpha"][k], 3) for k in ("nominal", "ordinal")}
    {'nominal': 0.743, 'ordinal': 0.815}
    """
    if level not in LEVELS:
        raise StatsInputError(
            f"level must be one of {', '.join(repr(x) for x in LEVELS)}; got {level!r}"
        )
    domain = read_value_domain(scale, "scale")
    columns = {"unit": unit, "rater": rater, "score": score}
    # Read once here to validate and count; each coefficient reads the same clean table.
    ratings = read_long(
        frame, unit=unit, rater=rater, score=score, value_domain=domain, domain_name="scale",
        name=name,
    )
    clean = _clean_table(frame, columns)
    m_u = np.bincount(ratings.unit_code, minlength=len(ratings.unit_labels))
    levels = domain if domain is not None else np.unique(ratings.score)
    counts = np.bincount(np.searchsorted(levels, ratings.score), minlength=len(levels))
    n_raters = int(clean["rater"].nunique())

    alpha = krippendorff_alpha_all_levels_long(clean, value_domain=domain)
    exact = percent_agreement(clean, tolerance=0.0)
    within_one = percent_agreement(clean, tolerance=1.0)
    categories = None if domain is None else list(domain)
    fleiss = fleiss_kappa(clean, categories=categories)
    ac1 = gwet_ac1(clean, categories=categories)
    ac2 = {w: gwet_ac2(clean, w, categories=categories) for w in ("linear", "quadratic")}
    bp = brennan_prediger(clean, categories=categories)
    icc = intraclass_correlations(clean)
    cohen: dict[str, KappaResult] | None = None
    cohen_reason = None
    if n_raters == 2:
        cohen = {w: cohen_kappa(clean, weights=w, categories=categories) for w in COHEN_WEIGHTS}
    else:
        cohen_reason = (
            f"Cohen's kappa compares exactly two raters; this table has {n_raters} "
            "(Fleiss' kappa and the other coefficients take any number)"
        )
    bootstrap = None
    if n_boot is not None:
        bootstrap = krippendorff_alpha_bootstrap(
            clean, level, n_boot=n_boot, seed=seed, value_domain=domain  # type: ignore[arg-type]
        )
    report = AgreementReport(
        n_units=int(np.count_nonzero(m_u)),
        n_raters=n_raters,
        n_ratings=len(ratings.score),
        n_pairable=int(m_u[m_u >= 2].sum()),
        scale=tuple(float(v) for v in levels),
        scale_declared=domain is not None,
        unused_levels=tuple(float(v) for v, n in zip(levels, counts) if n == 0),
        level=level,
        alpha=alpha,
        exact=exact,
        within_one=within_one,
        fleiss=fleiss,
        ac1=ac1,
        ac2=ac2,
        brennan_prediger=bp,
        icc=icc,
        cohen=cohen,
        cohen_reason=cohen_reason,
        bootstrap=bootstrap,
        level_counts=tuple(int(n) for n in counts),
        interpretation=(),
    )
    return _with_interpretation(report)


def _with_interpretation(report: AgreementReport) -> AgreementReport:
    fields = {name: getattr(report, name) for name in report.__dataclass_fields__}
    fields["interpretation"] = tuple(interpret(report))
    return AgreementReport(**fields)


def _clean_table(frame: pd.DataFrame, columns: dict[str, Hashable]) -> pd.DataFrame:
    """The rated rows as a table with columns unit, rater, score (already validated)."""
    picked = frame[[columns["unit"], columns["rater"], columns["score"]]]
    picked.columns = ["unit", "rater", "score"]
    scores = pd.to_numeric(picked["score"], errors="coerce")
    return picked.assign(score=scores.astype(float))[scores.notna()].reset_index(drop=True)


# --- JSON layout -------------------------------------------------------------------------


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _level_key(value: float) -> str:
    return str(_number(value))


def _pair(interval: tuple[float, float] | None) -> list[float] | None:
    return None if interval is None else [float(interval[0]), float(interval[1])]


def _coefficient(result: AgreementCoefficient) -> dict[str, Any]:
    return {
        "estimate": result.estimate,
        "se": result.se,
        "ci95": _pair(result.ci95),
        "percent_agreement": result.pa,
        "chance_agreement": result.pe,
        "reason": result.reason or result.se_reason,
    }


def _kappa(result: KappaResult) -> dict[str, Any]:
    return {
        "estimate": result.estimate,
        "se": result.se,
        "ci95": _pair(result.ci95),
        "observed_agreement": result.p_observed,
        "chance_agreement": result.p_expected,
        "reason": result.reason or result.se_reason,
    }


def _icc(result: IccResult) -> dict[str, Any]:
    payload: dict[str, Any] = {
        form: {
            "estimate": f.estimate,
            "ci95": _pair(f.ci95),
            "name": f.name,
            "shrout_fleiss": f.shrout_fleiss,
            "reason": f.reason,
        }
        for form, f in result.forms.items()
    }
    payload["method"] = result.method
    payload["k"] = result.k
    payload["reason"] = result.reason
    payload["notes"] = list(result.notes)
    return payload


def _bootstrap(result: AlphaBootstrap) -> dict[str, Any]:
    return {
        "level": result.level,
        "alpha": result.alpha,
        "n_boot": result.n_boot,
        "n_defined": result.n_defined,
        "seed": result.seed,
        "ci95": _pair(result.ci),
        "confidence": result.confidence,
        "se": result.se,
        "p_below": (
            None
            if result.p_below is None
            else {f"{t:g}": p for t, p in result.p_below.items()}
        ),
        "method": result.method,
        "reason": result.reason,
    }
