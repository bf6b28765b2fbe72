"""Huddle's statistics: agreement and reliability of scores, without the web app.

Pure functions on plain data: NumPy arrays and pandas tables in, frozen
dataclasses out. Nothing here knows about Flask, databases or HTTP, so the
same numbers come out of the web pages, the API and the exports.

Modules
-------
agreement
    Every coefficient of one table of ratings at once, with a plain-English reading
    (what ``python -m stats agreement`` prints).
drift
    Area drift: each area's offset from the county for the same vignettes, with flags.
facets
    A many-facet Rasch rating-scale model: area and rater severity in logits, fair averages, fit.
simulate
    Simulated huddles with known area and rater effects (validation of the drift models).
icc
    The six intraclass correlations of Shrout & Fleiss, named as McGraw & Wong name them.
kappa
    Fleiss' kappa (any number of raters) and Cohen's kappa (two raters, weighted or not).
krippendorff
    Krippendorff's alpha (nominal, ordinal, interval, ratio), any pattern of
    missing ratings, through the coincidence matrix.
calibration
    Each rater's scores against reference (or agreed) scores, with a tolerance verdict.
gwet
    Gwet's AC1 and AC2 and the Brennan-Prediger coefficient, with variances.
descriptives
    Per-unit counts, median, quartiles, mean and SD; percent agreement.
errors
    :class:`StatsInputError`, raised for input a person has to fix.

Importing :mod:`stats` is cheap: a submodule (and NumPy or pandas) is loaded
the first time one of its names is used, e.g. ``stats.krippendorff_alpha``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import StatsInputError

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from .calibration import HaloIndex, RaterCalibration, Tolerance, calibrate_raters, halo_index
    from .facets import FacetsFit, fit_rating_scale_model
    from .simulate import SimulatedCounty, simulate_county
    from .drift import (
        AreaOffset,
        Connectivity,
        DriftChange,
        DriftReport,
        LinearFit,
        RaterOffset,
        ChangePoint,
        change_point,
        connectivity,
        drift_report,
        fit_linear_drift,
        holm_adjust,
        read_drift_table,
    )
    from .descriptives import (
        PercentAgreement,
        UnitDescriptives,
        UnitSummary,
        percent_agreement,
        percent_exact_agreement,
        percent_within_one,
        unit_descriptives,
    )
    from .agreement import AgreementReport, agreement_report
    from .gwet import (
        AgreementCoefficient,
        brennan_prediger,
        brennan_prediger_table,
        gwet_ac1,
        gwet_ac1_table,
        gwet_ac2,
        gwet_ac2_table,
    )
    from .icc import (
        ICC_FORMS,
        MAX_REML_LEVELS,
        MAX_REML_RATINGS,
        IccForm,
        IccResult,
        intraclass_correlations,
    )
    from .kappa import (
        KappaResult,
        cohen_kappa,
        cohen_kappa_table,
        fleiss_kappa,
        fleiss_kappa_counts,
    )
    from .krippendorff import (
        ALPHA_THRESHOLDS,
        LEVELS,
        MAX_DISTINCT_VALUES,
        AlphaBootstrap,
        AlphaResult,
        CoincidenceMatrix,
        alpha_from_coincidences,
        coincidence_matrix,
        coincidence_matrix_long,
        krippendorff_alpha,
        krippendorff_alpha_all_levels,
        krippendorff_alpha_all_levels_long,
        krippendorff_alpha_bootstrap,
        krippendorff_alpha_long,
    )

#: Public name -> submodule that defines it.
_SUBMODULE_OF = {
    **dict.fromkeys(["AgreementReport", "agreement_report"], "agreement"),
    **dict.fromkeys(
        ["HaloIndex", "RaterCalibration", "Tolerance", "calibrate_raters", "halo_index"],
        "calibration",
    ),
    **dict.fromkeys(["SimulatedCounty", "simulate_county"], "simulate"),
    **dict.fromkeys(["FacetsFit", "fit_rating_scale_model"], "facets"),
    **dict.fromkeys(
        [
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
        ],
        "drift",
    ),
    **dict.fromkeys(
        [
            "AgreementCoefficient",
            "brennan_prediger",
            "brennan_prediger_table",
            "gwet_ac1",
            "gwet_ac1_table",
            "gwet_ac2",
            "gwet_ac2_table",
        ],
        "gwet",
    ),
    **dict.fromkeys(
        [
            "ICC_FORMS",
            "MAX_REML_LEVELS",
            "MAX_REML_RATINGS",
            "IccForm",
            "IccResult",
            "intraclass_correlations",
        ],
        "icc",
    ),
    **dict.fromkeys(
        ["KappaResult", "cohen_kappa", "cohen_kappa_table", "fleiss_kappa", "fleiss_kappa_counts"],
        "kappa",
    ),
    **dict.fromkeys(
        [
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
        ],
        "krippendorff",
    ),
    **dict.fromkeys(
        [
            "PercentAgreement",
            "UnitDescriptives",
            "UnitSummary",
            "percent_agreement",
            "percent_exact_agreement",
            "percent_within_one",
            "unit_descriptives",
        ],
        "descriptives",
    ),
}

__all__ = ["StatsInputError", *_SUBMODULE_OF]


def __getattr__(name: str) -> Any:
    """Load the submodule that defines ``name`` on first use (PEP 562)."""
    submodule = _SUBMODULE_OF.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{submodule}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
