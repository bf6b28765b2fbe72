"""Area drift for LA reviewers: the stored independent scores through :mod:`stats.drift`.

Every practitioner is a rater (identified across huddles by their device's token), every
(vignette version, domain) pair is scored on its own, and only independent (round 1) scores
count. Reviewers see areas, never individual practitioners: figures resting on fewer than
:data:`MIN_GROUP` practitioners are suppressed, and rater offsets are not part of what they
receive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select

from stats import StatsInputError, drift_report
from stats.drift import DriftReport

from ..extensions import db
from .scoring import revealed_only
from ..models import (
    INDEPENDENT_ROUND,
    Area,
    Framework,
    Huddle,
    Participant,
    Rating,
    VignetteVersion,
)

#: Smallest number of practitioners behind any figure a reviewer sees.
MIN_GROUP = 5
#: What a reviewer reads in place of a suppressed figure.
SUPPRESSED_TEXT = f"fewer than {MIN_GROUP}"

PHASES = ("early years", "primary", "secondary", "post-16")


def school_term(day: date) -> str:
    """The English school term a date falls in, sortable as text: ``2026/27 autumn``.

    Autumn runs September to December, spring January to March, summer April to August.
    """
    if day.month >= 9:
        return f"{day.year}/{(day.year + 1) % 100:02d} autumn"
    start = day.year - 1
    term = "spring" if day.month <= 3 else "summer"
    return f"{start}/{day.year % 100:02d} {term}"


def rating_table(*, phase: str | None = None) -> pd.DataFrame:
    """Every independent score of a revealed vignette as one row: unit, domain, rater, area,
    score, period, phase."""
    query = revealed_only(
        select(
            Rating.vignette_version_id,
            VignetteVersion.phase,
            Rating.domain,
            Participant.practitioner_id,
            Area.name,
            Rating.score,
            Huddle.held_on,
        )
        .join(Participant, Rating.participant_id == Participant.id)
        .join(Area, Participant.area_id == Area.id)
        .join(Huddle, Rating.huddle_id == Huddle.id)
        .join(VignetteVersion, Rating.vignette_version_id == VignetteVersion.id)
        .where(Rating.round == INDEPENDENT_ROUND)
    )
    if phase is not None:
        query = query.where(VignetteVersion.phase == phase)
    rows = db.session.execute(query).all()
    frame = pd.DataFrame(
        rows, columns=["unit", "phase", "domain", "rater", "area", "score", "held_on"]
    )
    frame["unit"] = frame["unit"].astype(str)
    frame["rater"] = frame["rater"].astype(str)
    frame["period"] = [school_term(d) for d in frame["held_on"]]
    return frame.drop(columns="held_on")


def domain_names() -> dict[str, str]:
    """Domain key -> name, from every framework loaded (the newest name wins)."""
    names: dict[str, str] = {}
    for framework in db.session.execute(select(Framework).order_by(Framework.id)).scalars():
        names.update({d["key"]: d["name"] for d in framework.domains})
    return names


@dataclass(frozen=True)
class DriftView:
    """What a reviewer may see: the model's figures with small groups suppressed."""

    report: DriftReport | None
    payload: dict[str, Any]
    periods: list[str]
    reason: str | None


def reviewer_drift(
    *,
    period: str | None = None,
    phase: str | None = None,
    threshold: float = 0.5,
    model: str = "linear",
) -> DriftView:
    """Area offsets for reviewers, optionally for one term and one phase.

    Returns a :class:`DriftView` whose ``payload`` is ``python -m stats drift``'s JSON
    without ``raters``, and where every figure resting on fewer than :data:`MIN_GROUP`
    practitioners is ``null`` with ``"suppressed": true`` beside it.
    """
    table = rating_table(phase=phase)
    periods = sorted(table["period"].unique()) if len(table) else []
    if period is not None:
        table = table[table["period"] == period]
    if len(table) == 0:
        return DriftView(None, _empty_payload(model), periods, "no independent scores match")
    try:
        # Small areas are left out of the fits, not just hidden: with offsets that sum to
        # zero, a hidden offset would be minus the sum of the shown ones.
        report = drift_report(table, threshold=threshold, min_raters=MIN_GROUP, model=model,
                              exclude_below=MIN_GROUP)
    except StatsInputError as exc:
        return DriftView(None, _empty_payload(model), periods, str(exc))
    payload = report.to_dict()
    del payload["raters"]
    # Changes of individual practitioners are theirs, not a reviewer's.
    payload["changes"] = [c for c in payload["changes"] if c["kind"] == "area"]
    for key in ("areas", "area_domains", "periods"):
        payload[key] = [_suppress(row) for row in payload[key]]
    payload["suppression"] = {"min_practitioners": MIN_GROUP}
    return DriftView(report, payload, periods, None)


def _suppress(row: dict[str, Any]) -> dict[str, Any]:
    """Hide every figure of a group smaller than MIN_GROUP practitioners."""
    if row["n_raters"] >= MIN_GROUP:
        return {**row, "suppressed": False}
    hidden = {key: None for key in ("offset", "ci95", "se", "flag", "p_holm", "n_raters",
                                    "n_ratings", "logit", "logit_se", "fair_average")
              if key in row}
    return {**row, **hidden, "suppressed": True}


def _empty_payload(model: str) -> dict[str, Any]:
    return {"model": model, "areas": [], "area_domains": [], "periods": [], "changes": [],
            "connectivity": None, "settings": None, "variance_components": None, "notes": [],
            "suppression": {"min_practitioners": MIN_GROUP}}


@dataclass(frozen=True)
class AnchorSuggestion:
    """A vignette worth scoring again because many areas already have."""

    code: str
    title: str
    n_areas: int
    scored_by_host: bool


def suggest_anchors(
    *, host_area: str | None = None, phase: str | None = None, limit: int = 3
) -> list[AnchorSuggestion]:
    """Vignettes that link a new huddle's area with the rest of the county.

    Offsets compare areas only through vignettes they have in common, so a huddle
    strengthens the comparison most by scoring a vignette many other areas have scored
    (an anchor), above all one its host area has not scored yet. Candidates are the
    newest versions (of ``phase`` when given) ranked by how many areas have scored them.
    """
    pairs = db.session.execute(
        revealed_only(
            select(Rating.vignette_version_id, Area.name)
            .join(Participant, Rating.participant_id == Participant.id)
            .join(Area, Participant.area_id == Area.id)
            .where(Rating.round == INDEPENDENT_ROUND)
        ).distinct()
    ).all()
    if not pairs:
        return []
    versions = {v.id: v for v in db.session.execute(select(VignetteVersion)).scalars()}
    newest: dict[str, VignetteVersion] = {}
    for v in versions.values():
        code = v.vignette.code
        if code not in newest or v.version > newest[code].version:
            newest[code] = v
    areas_by_code: dict[str, set[str]] = {}
    for version_id, area in pairs:
        areas_by_code.setdefault(versions[version_id].vignette.code, set()).add(area)
    ranked = sorted(
        (
            AnchorSuggestion(
                code=code, title=newest[code].title, n_areas=len(areas),
                scored_by_host=host_area in areas,
            )
            for code, areas in areas_by_code.items()
            if code in newest and (phase is None or newest[code].phase == phase)
            and len(areas - {host_area}) >= 2
        ),
        key=lambda s: (s.scored_by_host, -s.n_areas, s.code),
    )
    return ranked[:limit]


@dataclass(frozen=True)
class RaterRow:
    """One practitioner's offset from the county, for admins (and, later, for themselves)."""

    practitioner_id: int
    name: str
    area: str
    offset: float
    own: float
    ci95: tuple[float, float]
    n_ratings: int
    may_want_support: bool


def rater_rows() -> tuple[list[RaterRow], str | None]:
    """Every practitioner's offset (their area's plus their own), largest first.

    A practitioner "may want support" when their offset is at least half a level and its
    interval excludes 0. The name shown is the one they gave at their latest huddle.
    """
    table = rating_table()
    if len(table) == 0:
        return [], "no independent scores yet"
    try:
        report = drift_report(table, min_raters=MIN_GROUP, breakdowns=False)
    except StatsInputError as exc:
        return [], str(exc)
    latest = dict(
        db.session.execute(
            select(Participant.practitioner_id, Participant.display_name).order_by(
                Participant.joined_at, Participant.id
            )
        ).all()
    )
    area_offset = {a.area: a.offset or 0.0 for a in report.areas}
    rows = [
        RaterRow(
            practitioner_id=int(r.rater),
            name=latest.get(int(r.rater), "?"),
            area=r.area,
            offset=r.offset,
            own=r.offset - area_offset.get(r.area, 0.0),
            ci95=r.ci95,
            n_ratings=r.n_ratings,
            may_want_support=r.flag is not None,
        )
        for r in report.raters
    ]
    rows.sort(key=lambda row: (-abs(row.offset), row.practitioner_id))
    return rows, None
