"""Charts drawn on the server as SVG, with a title for screen readers.

Each chart sits beside a table of the same figures on the page, so nothing is only in the
picture. Colours come from classes in the stylesheet (the Content-Security-Policy allows
no inline styles).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

ROW_HEIGHT = 30
LABEL_WIDTH = 150
PLOT_WIDTH = 460
PAD = 20


def _axis_limit(rows: Sequence[dict[str, Any]], threshold: float) -> float:
    ends = [abs(v) for r in rows if r.get("ci95") for v in r["ci95"]]
    return max([threshold * 2, 1.0, *ends]) * 1.1


def forest_plot(rows: Sequence[dict[str, Any]], *, threshold: float, title: str) -> Markup:
    """Each area's offset as a dot with its 95% interval as a line, zero in the middle.

    ``rows`` are the areas of a drift payload; suppressed or unestimated rows are listed
    with the words "fewer than 5" or "not estimated" instead of a mark.
    """
    limit = _axis_limit(rows, threshold)
    height = PAD * 2 + ROW_HEIGHT * len(rows) + 20
    width = LABEL_WIDTH + PLOT_WIDTH + PAD

    def x(value: float) -> float:
        return LABEL_WIDTH + (value + limit) / (2 * limit) * PLOT_WIDTH

    parts = [
        f'<svg class="app-forest" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="forest-title">',
        f'<title id="forest-title">{escape(title)}</title>',
        # The band inside which an offset is too small to flag.
        f'<rect class="app-forest__band" x="{x(-threshold):.1f}" y="{PAD}" '
        f'width="{x(threshold) - x(-threshold):.1f}" height="{ROW_HEIGHT * len(rows)}"/>',
        f'<line class="app-forest__zero" x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{PAD - 5}" '
        f'y2="{PAD + ROW_HEIGHT * len(rows) + 5}"/>',
    ]
    step = _tick_step(limit)
    tick = -math.floor(limit / step) * step
    axis_y = PAD + ROW_HEIGHT * len(rows) + 18
    while tick <= limit + 1e-9:
        parts.append(
            f'<text class="app-forest__tick" x="{x(tick):.1f}" y="{axis_y}" '
            f'text-anchor="middle">{tick:+.1f}</text>'
        )
        tick += step
    for i, row in enumerate(rows):
        y = PAD + ROW_HEIGHT * i + ROW_HEIGHT / 2
        parts.append(
            f'<text class="app-forest__label" x="{LABEL_WIDTH - 10}" y="{y + 5:.1f}" '
            f'text-anchor="end">{escape(row["area"])}</text>'
        )
        if row.get("offset") is None or not row.get("ci95"):
            words = "fewer than 5" if row.get("suppressed") else "not estimated"
            parts.append(
                f'<text class="app-forest__note" x="{x(0) + 8:.1f}" y="{y + 5:.1f}">'
                f"{words}</text>"
            )
            continue
        kind = {"higher": "higher", "lower": "lower"}.get(row.get("flag") or "", "inline")
        low, high = row["ci95"]
        parts.append(
            f'<line class="app-forest__ci app-forest__ci--{kind}" x1="{x(low):.1f}" '
            f'x2="{x(high):.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<circle class="app-forest__dot app-forest__dot--{kind}" cx="{x(row["offset"]):.1f}" '
            f'cy="{y:.1f}" r="6"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def period_plot(rows: Sequence[dict[str, Any]], *, periods: Sequence[str], title: str) -> Markup:
    """Each area's offset per period as a line (suppressed periods leave a gap)."""
    areas = sorted({r["area"] for r in rows})
    if not areas or not periods:
        return Markup("")
    values = [r["offset"] for r in rows if r.get("offset") is not None]
    limit = max([1.0, *(abs(v) for v in values)]) * 1.15
    legend_rows = math.ceil(len(areas) / 4)
    width, height = LABEL_WIDTH + PLOT_WIDTH + PAD, 260 + 22 * legend_rows
    top, bottom = PAD, 210
    span = max(len(periods) - 1, 1)

    def x(i: int) -> float:
        return LABEL_WIDTH / 2 + i / span * (width - LABEL_WIDTH)

    def y(value: float) -> float:
        return top + (limit - value) / (2 * limit) * (bottom - top)

    parts = [
        f'<svg class="app-periods" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="periods-title">',
        f'<title id="periods-title">{escape(title)}</title>',
        f'<line class="app-forest__zero" x1="{x(0):.1f}" x2="{x(span):.1f}" y1="{y(0):.1f}" '
        f'y2="{y(0):.1f}"/>',
    ]
    for i, period in enumerate(periods):
        parts.append(
            f'<text class="app-forest__tick" x="{x(i):.1f}" y="{bottom + 22}" '
            f'text-anchor="middle">{escape(period)}</text>'
        )
    for n, area in enumerate(areas):  # the legend: one swatch and name an area
        lx = 10 + (n % 4) * (width - 20) / 4
        ly = bottom + 50 + 22 * (n // 4)
        parts.append(
            f'<rect class="app-periods__dot--{n % 8}" x="{lx:.1f}" y="{ly - 10}" width="14" '
            f'height="14"/><text class="app-forest__label" x="{lx + 20:.1f}" y="{ly + 2}">'
            f"{escape(area)}</text>"
        )
    for label in (-limit / 1.15, limit / 1.15):
        parts.append(
            f'<text class="app-forest__tick" x="{x(0) - 10:.1f}" y="{y(label) + 4:.1f}" '
            f'text-anchor="end">{label:+.1f}</text>'
        )
    index = {p: i for i, p in enumerate(periods)}
    for n, area in enumerate(areas):
        points = sorted(
            (index[r["period"]], r["offset"], r.get("flag"))
            for r in rows
            if r["area"] == area and r.get("offset") is not None and r["period"] in index
        )
        series = f"app-periods__line app-periods__line--{n % 8}"
        # A line joins consecutive terms only: a term without a figure leaves a gap.
        run: list[tuple[int, float]] = []
        for i, v, _ in points + [(-2, 0.0, None)]:
            if run and i != run[-1][0] + 1:
                if len(run) > 1:
                    path = " ".join(f"{x(j):.1f},{y(w):.1f}" for j, w in run)
                    parts.append(f'<polyline class="{series}" points="{path}"/>')
                run = []
            run.append((i, v))
        for i, v, flag in points:
            parts.append(
                f'<circle class="app-periods__dot app-periods__dot--{n % 8}'
                f'{" app-periods__dot--flagged" if flag else ""}" cx="{x(i):.1f}" '
                f'cy="{y(v):.1f}" r="4"><title>{escape(area)}, {escape(periods[i])}: '
                f"{v:+.2f}</title></circle>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _tick_step(limit: float) -> float:
    for step in (0.25, 0.5, 1.0, 2.0, 5.0):
        if limit / step <= 4:
            return step
    return 10.0


def heat_class(offset: float | None) -> str:
    """A colour class for an offset: seven steps from well below to well above."""
    if offset is None:
        return "app-heat--none"
    step = max(-3, min(3, round(offset / 0.25)))
    return f"app-heat--{'m' if step < 0 else 'p'}{abs(step)}"


def spread_dots(rows: Sequence[dict[str, Any]], *, scale: Sequence[int], title: str) -> Markup:
    """One row per domain: a dot per level, its area proportional to how many chose it,
    the agreed level ringed. ``rows`` are report items (``domain_name``, ``counts``,
    ``consensus``)."""
    longest = max([10, *(len(r["domain_name"]) for r in rows)])
    label_w, step, row_h = 20 + 8.5 * longest, 44, 30
    width = round(label_w + step * len(scale) + PAD)
    height = PAD + row_h * len(rows) + 24
    biggest = max([1, *(max(r["counts"].values()) for r in rows)])
    parts = [
        f'<svg class="app-dots" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">',
    ]
    for j, level in enumerate(scale):
        parts.append(
            f'<text class="app-forest__tick" x="{label_w + step * j + step / 2:.1f}" '
            f'y="{height - 6}" text-anchor="middle">{level}</text>'
        )
    for i, row in enumerate(rows):
        y = PAD + row_h * i + row_h / 2
        parts.append(
            f'<text class="app-forest__label" x="{label_w - 10:.1f}" y="{y + 5:.1f}" '
            f'text-anchor="end">{escape(row["domain_name"])}</text>'
        )
        for j, level in enumerate(scale):
            n = row["counts"].get(str(level), 0)
            cx = label_w + step * j + step / 2
            if row.get("consensus") == level:
                parts.append(f'<circle class="app-dots__agreed" cx="{cx:.1f}" cy="{y:.1f}" r="14"/>')
            if n:
                r = 3 + 9 * math.sqrt(n / biggest)
                parts.append(
                    f'<circle class="app-dots__dot" cx="{cx:.1f}" cy="{y:.1f}" r="{r:.1f}">'
                    f"<title>{escape(row['domain_name'])}, level {level}: {n}</title></circle>"
                )
    parts.append("</svg>")
    return Markup("".join(parts))
