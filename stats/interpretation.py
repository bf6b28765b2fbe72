"""Plain-English reading of an agreement report.

Sentences for people who use the numbers but do not compute them: how reliable the scores
are by Krippendorff's (2019) standard, how sure we can be, and the situations in which a
coefficient misleads (scores piled into one level, few units, unused levels, one rater).

References
----------
.. [1] Krippendorff, K. (2019). Content Analysis: An Introduction to Its Methodology (4th
   ed.), chapter 12. SAGE. doi:10.4135/9781071878781
.. [2] Feinstein, A. R., & Cicchetti, D. V. (1990). High agreement but low kappa: I. The
   problems of two paradoxes. Journal of Clinical Epidemiology, 43(6), 543-549.
   doi:10.1016/0895-4356(90)90158-L
.. [3] Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting intraclass
   correlation coefficients for reliability research. Journal of Chiropractic Medicine,
   15(2), 155-163. doi:10.1016/j.jcm.2016.02.012
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ._ratings import format_value

if TYPE_CHECKING:  # pragma: no cover
    from .agreement import AgreementReport

__all__ = ["interpret"]

#: Share of all ratings at one level above which the prevalence paradox is explained.
PILED_UP_SHARE: Final[float] = 0.8
#: Fewer pairable units than this and every coefficient is called uncertain.
FEW_UNITS: Final[int] = 10


def interpret(report: AgreementReport) -> list[str]:
    """Sentences explaining ``report`` in plain English, most important first.

    Parameters
    ----------
    report : AgreementReport
        From :func:`stats.agreement_report`.

    Returns
    -------
    list of str

    Examples
    --------
    >>> import pandas as pd
    >>> from stats import agreement_report
    >>> frame = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "rater": ["a", "b"] * 3,
    ...                       "score": [2, 2, 2, 2, 2, 2]})
    >>> interpret(agreement_report(frame, scale=range(6)))[0]
    "Krippendorff's alpha (ordinal) is undefined: every pairable score is the same value (2), so there is no variation to measure agreement against (alpha is undefined); observed agreement is 100%."
    """
    sentences: list[str] = []
    if report.n_raters < 2:
        sentences.append(
            "Only one rater has scores, so agreement between raters cannot be measured: "
            "the coefficients below need at least two raters scoring the same units."
        )
    sentences.append(_alpha_sentence(report))
    if report.bootstrap is not None and report.bootstrap.ci is not None:
        sentences.append(_bootstrap_sentence(report))
    if report.exact.proportion is not None and report.within_one.proportion is not None:
        sentences.append(
            f"Two raters scoring the same unit gave the same score on "
            f"{_percent(report.exact.proportion)} of pairs, and scores at most one level apart "
            f"on {_percent(report.within_one.proportion)}."
        )
    piled = _prevalence_sentence(report)
    if piled:
        sentences.append(piled)
    if 0 < report.alpha["nominal"].n_pairable_units < FEW_UNITS:
        n = report.alpha["nominal"].n_pairable_units
        sentences.append(
            f"Only {n} unit{'s were' if n != 1 else ' was'} scored by two or more raters, so "
            "every coefficient here is uncertain: treat it as a first indication and add "
            "units before drawing conclusions."
        )
    sentences.extend(_scale_sentences(report))
    sentences.extend(_icc_sentences(report))
    return sentences


def _alpha_sentence(report: AgreementReport) -> str:
    level = report.level
    result = report.alpha[level]
    name = f"Krippendorff's alpha ({level})"
    if result.alpha is None:
        return f"{name} is undefined: {result.reason}."
    value = _decimal(result.alpha)
    if result.alpha >= 0.800:
        return (
            f"{name} is {value}: reliable by Krippendorff's standard (.800 or more), so a score "
            "means much the same whoever gives it."
        )
    if result.alpha >= 0.667:
        return (
            f"{name} is {value}: good enough only for tentative conclusions (Krippendorff asks "
            "for .800 to rely on scores and accepts .667 to .800 for tentative ones)."
        )
    if result.alpha > 0:
        return (
            f"{name} is {value}: below .667, the least Krippendorff accepts even for tentative "
            "conclusions, so the same child may get different scores from different raters; "
            "discussion and shared examples of each level should help."
        )
    return (
        f"{name} is {value}: raters agree no more than chance would have them agree, so the "
        "scores do not yet carry a shared meaning."
    )


def _bootstrap_sentence(report: AgreementReport) -> str:
    boot = report.bootstrap
    if boot is None or boot.ci is None:
        return ""
    low, high = boot.ci
    sentence = (
        f"From {boot.n_defined:,} bootstrap resamples of the units, alpha lies between "
        f"{_decimal(low)} and {_decimal(high)} with {_percent(boot.confidence)} confidence"
    )
    below = sorted((boot.p_below or {}).items())
    if below:
        parts = [f"{_percent(p)} that it is below {_decimal(t)}" for t, p in below]
        sentence += "; the chance is " + " and ".join(parts)
    return sentence + "."


def _prevalence_sentence(report: AgreementReport) -> str | None:
    total = sum(report.level_counts)
    if total == 0 or report.exact.proportion is None:
        return None
    top = max(range(len(report.level_counts)), key=lambda i: report.level_counts[i])
    share = report.level_counts[top] / total
    kappa = report.fleiss.estimate
    alpha = report.alpha["nominal"].alpha
    low_coefficient = min(v for v in (kappa, alpha, 1.0) if v is not None)
    if share < PILED_UP_SHARE or report.exact.proportion < 0.8 or low_coefficient >= 0.6:
        return None
    ac1 = report.ac1.estimate
    return (
        f"{_percent(share)} of all scores are at level {format_value(report.scale[top])}. "
        "When scores pile up at one level, chance-corrected coefficients such as kappa and "
        f"alpha can be low although raters agree on {_percent(report.exact.proportion)} of "
        "pairs: with so few scores elsewhere, chance alone would produce most of that "
        "agreement (the prevalence paradox)."
        + (
            f" Gwet's AC1 ({_decimal(ac1)}) is less affected; read the coefficients together."
            if ac1 is not None
            else ""
        )
    )


def _scale_sentences(report: AgreementReport) -> list[str]:
    levels = ", ".join(format_value(v) for v in report.scale)
    if not report.scale_declared:
        return [
            f"No scale was declared, so the levels counted are the ones observed ({levels}); "
            "declare the full scale (e.g. --scale 0:5) when some levels went unused, because "
            "AC1, AC2, Brennan-Prediger and weighted kappa count every level."
        ]
    if not report.unused_levels:
        return []
    unused = ", ".join(format_value(v) for v in report.unused_levels)
    plural = "s" if len(report.unused_levels) > 1 else ""
    return [
        f"Nobody used level{plural} {unused} of the declared scale. AC1, AC2, "
        "Brennan-Prediger and weighted kappa count every declared level (so they differ from "
        "an analysis of the levels used); alpha and Fleiss' kappa do not depend on them."
    ]


def _icc_sentences(report: AgreementReport) -> list[str]:
    icc = report.icc
    # The notes are clauses ("complete design: ..."); shown as sentences here.
    sentences = [note[:1].upper() + note[1:] + ("" if note.endswith(".") else ".")
                 for note in icc.notes]
    form = icc.forms.get("ICC2")
    if form is not None and form.estimate is not None:
        sentences.append(
            f"ICC2 ({form.name}) is {_decimal(form.estimate)}: the form to read when the "
            "raters are a sample of practitioners and absolute scores matter; Koo and Li (2016) "
            "call below .50 poor, .50-.75 moderate, .75-.90 good and above .90 excellent."
        )
    elif icc.reason:
        sentences.append(f"The intraclass correlations are not given: {icc.reason}.")
    return sentences


def _decimal(value: float) -> str:
    """A coefficient to three decimals, e.g. 0.815; -0.012."""
    return f"{value:.3f}"


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"
