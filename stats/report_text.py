"""An agreement report as an aligned text table, for a terminal or a plain-text email."""

from __future__ import annotations

import textwrap

from ._ratings import format_value
from .agreement import AgreementReport
from .krippendorff import LEVELS

__all__ = ["agreement_text"]

_WIDTH = 92


def agreement_text(report: AgreementReport, *, source: str | None = None) -> str:
    """Render ``report`` as a table a person can read, then the interpretation.

    Parameters
    ----------
    report : AgreementReport
        From :func:`stats.agreement_report`.
    source : str, optional
        Where the ratings came from (a file name), for the heading.

    Returns
    -------
    str
        Lines ending in newlines.

    Examples
    --------
    >>> import pandas as pd
    >>> from stats import agreement_report
    >>> frame = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "rater": ["a", "b"] * 3,
    ...                       "score": [1, 1, 2, 3, 4, 4]})
    >>> print(agreement_text(agreement_report(frame, scale=range(6))).splitlines()[1])
    3 units, 2 raters, 6 ratings (6 in units rated twice or more); scale 0-5 (declared)
    """
    lines = [f"Agreement{': ' + source if source else ''}"]
    scale = report.scale
    span = f"{format_value(scale[0])}-{format_value(scale[-1])}" if scale else "none"
    lines.append(
        f"{report.n_units:,} units, {report.n_raters:,} raters, {report.n_ratings:,} ratings "
        f"({report.n_pairable:,} in units rated twice or more); scale {span} "
        f"({'declared' if report.scale_declared else 'as observed'})"
    )
    lines.append("")
    rows: list[tuple[str, str, str, str]] = [("Coefficient", "Estimate", "SE", "95% CI")]
    boot = report.bootstrap
    for level in LEVELS:
        result = report.alpha[level]
        ci = ""
        if boot is not None and level == report.level and boot.ci is not None:
            ci = f"{_interval(boot.ci)} (bootstrap)"
        se = _value(boot.se) if boot is not None and level == report.level else ""
        marker = " *" if level == report.level else ""
        rows.append((f"Krippendorff's alpha, {level}{marker}", _value(result.alpha), se, ci))
    rows.append(("Percent exact agreement", _share(report.exact.proportion), "", ""))
    rows.append(("Percent within one level", _share(report.within_one.proportion), "", ""))
    rows.append(_row("Fleiss' kappa", report.fleiss.estimate, report.fleiss.se, report.fleiss.ci95))
    rows.append(_row("Gwet's AC1", report.ac1.estimate, report.ac1.se, report.ac1.ci95))
    for weights, result in report.ac2.items():
        rows.append(_row(f"Gwet's AC2, {weights}", result.estimate, result.se, result.ci95))
    bp = report.brennan_prediger
    rows.append(_row("Brennan-Prediger", bp.estimate, bp.se, bp.ci95))
    if report.cohen is not None:
        for weights, result in report.cohen.items():
            rows.append(_row(f"Cohen's kappa, {weights}", result.estimate, result.se, result.ci95))
    for form, result in report.icc.forms.items():
        rows.append(_row(f"{form}: {result.name}", result.estimate, None, result.ci95))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for number, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            ).rstrip()
        )
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(f"* the level chosen with --level ({report.level}); '-' means not computable")
    reasons = _reasons(report)
    if reasons:
        lines.append("")
        lines.append("Not computed:")
        for reason in reasons:
            lines.extend(textwrap.wrap(reason, _WIDTH, initial_indent="  - ",
                                       subsequent_indent="    "))
    lines.append("")
    lines.append("What this means:")
    for sentence in report.interpretation:
        lines.extend(textwrap.wrap(sentence, _WIDTH, initial_indent="  - ",
                                   subsequent_indent="    "))
    return "\n".join(lines) + "\n"


def _reasons(report: AgreementReport) -> list[str]:
    out = []
    seen = set()
    for level in LEVELS:
        reason = report.alpha[level].reason
        if reason and reason not in seen:
            out.append(f"alpha ({level}): {reason}")
            seen.add(reason)
    for label, reason in (
        ("Fleiss' kappa", report.fleiss.reason),
        ("Gwet's AC1", report.ac1.reason),
        ("Brennan-Prediger", report.brennan_prediger.reason),
        ("Cohen's kappa", report.cohen_reason),
        ("ICC", report.icc.reason),
        *_missing_icc_forms(report),
    ):
        if reason:
            out.append(f"{label}: {reason}")
    return out


def _missing_icc_forms(report: AgreementReport) -> list[tuple[str, str]]:
    """(forms, reason) for ICC forms left out one by one, forms sharing a reason together."""
    if report.icc.reason is not None:
        return []
    by_reason: dict[str, list[str]] = {}
    for form, result in report.icc.forms.items():
        if result.estimate is None and result.reason:
            by_reason.setdefault(result.reason, []).append(form)
    return [(", ".join(forms), reason) for reason, forms in by_reason.items()]


def _row(
    label: str, estimate: float | None, se: float | None, ci: tuple[float, float] | None
) -> tuple[str, str, str, str]:
    return (label, _value(estimate), "" if se is None else _value(se),
            "" if ci is None else _interval(ci))


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _interval(ci: tuple[float, float]) -> str:
    return f"{ci[0]:.3f} to {ci[1]:.3f}"
