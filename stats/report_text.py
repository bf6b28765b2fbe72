"""An agreement report as an aligned text table, for a terminal or a plain-text email."""

from __future__ import annotations

import textwrap

from ._ratings import format_value
from .agreement import AgreementReport
from .drift import AreaOffset, DriftReport
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


def drift_text(report: DriftReport, *, source: str | None = None) -> str:
    """Render a drift report as aligned tables a person can read.

    Examples
    --------
    >>> import pandas as pd
    >>> from stats import drift_report
    >>> rows = [(f"V{u}", "d", f"{a}{r}", a, s + (1 if a == "B" else 0) + r % 2)
    ...         for u, s in enumerate([1, 2, 3, 2]) for a in "ABC" for r in range(3)]
    >>> table = pd.DataFrame(rows, columns=["unit", "domain", "rater", "area", "score"])
    >>> print(drift_text(drift_report(table, min_ratings=1, min_raters=1)).splitlines()[0])
    Area drift (linear model): 36 ratings, 9 raters, 3 areas
    """
    n_ratings = sum(a.n_ratings for a in report.areas)
    n_raters = sum(a.n_raters for a in report.areas)
    lines = [
        f"Area drift ({report.model} model)"
        + (f" from {source}" if source else "")
        + f": {n_ratings:,} ratings, {n_raters:,} raters, {len(report.areas)} areas",
        "Offsets are in scale points from the county (the unweighted mean of the areas) for "
        "the same vignette and domain; positive means the area scores higher.",
        "",
    ]
    lines += _offset_table(report.areas, "Area")
    domains = [a for a in report.area_domains if a.flag is not None]
    lines.append("")
    if domains:
        lines.append("Flagged within a domain:")
        for a in domains:
            lines.append(
                f"  - {a.domain}: {a.area} scores {a.flag} ({a.offset:+.2f}, 95% CI "
                f"{a.ci95[0]:+.2f} to {a.ci95[1]:+.2f})"
            )
    else:
        lines.append("No area is flagged within any one domain.")
    if report.periods:
        lines += ["", "By period:"]
        lines += _offset_table(report.periods, "Period / area")
    area_changes = [c for c in report.changes if c.kind == "area"]
    rater_changes = [c for c in report.changes if c.kind == "rater"]
    if area_changes or rater_changes:
        lines += ["", "Changes between periods:"]
        for c in area_changes:
            lines.append(
                f"  - {c.name} has scored {c.direction} since {c.since} "
                f"({c.before:+.2f} before, {c.after:+.2f} since)"
            )
        if rater_changes:
            lines.append(f"  - {len(rater_changes)} rater(s) changed; see the JSON for who")
    links = report.connectivity
    lines.append("")
    if links.connected:
        lines.append("Every area is linked to the others through vignettes they both scored.")
    else:
        lines.append(
            "Not linked to the rest (no shared vignettes), so not compared: "
            + ", ".join(links.not_linked)
        )
    vc = report.variance_components
    lines.append(
        f"Variance between raters {vc['rater']:.3f}, residual {vc['residual']:.3f} "
        "(REML). Settings: "
        + ", ".join(f"{k} {v}" for k, v in report.settings.items())
    )
    for note in report.notes:
        lines.extend(textwrap.wrap(f"Note: {note}", _WIDTH))
    return "\n".join(lines) + "\n"


def _offset_table(rows: tuple[AreaOffset, ...], heading: str) -> list[str]:
    def label(a: AreaOffset) -> str:
        return f"{a.period} / {a.area}" if a.period is not None else a.area

    width = max([len(heading)] + [len(label(a)) for a in rows])
    out = [
        f"{heading:<{width}}  {'Offset':>7}  {'95% CI':>17}  {'Raters':>6}  {'Ratings':>7}  Verdict",
        f"{'-' * width}  {'-' * 7}  {'-' * 17}  {'-' * 6}  {'-' * 7}  {'-' * 20}",
    ]
    for a in rows:
        offset = "-" if a.offset is None else f"{a.offset:+.2f}"
        ci = "-" if a.ci95 is None else f"{a.ci95[0]:+.2f} to {a.ci95[1]:+.2f}"
        if a.status != "ok":
            verdict = a.status.replace("_", " ")
        elif a.flag is not None:
            verdict = f"scores {a.flag}"
        else:
            verdict = "in line"
        out.append(
            f"{label(a):<{width}}  {offset:>7}  {ci:>17}  {a.n_raters:>6}  {a.n_ratings:>7}  {verdict}"
        )
    return out
