"""The county report for LA reviewers: who takes part, how consistently, and where to train.

Group figures only, from the independent (round 1) scores of revealed vignettes; any figure
resting on fewer than :data:`~moderation_app.services.drift.MIN_GROUP` practitioners reads
"fewer than 5" (``None`` with ``suppressed`` beside it).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select

from stats import krippendorff_alpha_long, percent_agreement

from ..extensions import db
from ..models import (
    INDEPENDENT_ROUND,
    Area,
    Huddle,
    Participant,
    Rating,
    VignetteVersion,
)
from .drift import MIN_GROUP, domain_names, reviewer_drift, school_term
from .scoring import boundaries_crossed, revealed_only


def revealed_scores() -> pd.DataFrame:
    """Independent scores of revealed vignettes: huddle, term, unit, domain, rater, area, score."""
    rows = db.session.execute(revealed_only(
        select(Rating.huddle_id, Huddle.held_on, Rating.vignette_version_id, Rating.domain,
               Participant.practitioner_id, Area.name, Rating.score)
        .join(Participant, Rating.participant_id == Participant.id)
        .join(Area, Participant.area_id == Area.id)
        .join(Huddle, Rating.huddle_id == Huddle.id)
        .where(Rating.round == INDEPENDENT_ROUND)
    )).all()
    frame = pd.DataFrame(rows, columns=["huddle", "held_on", "version", "domain", "rater",
                                        "area", "score"])
    frame["term"] = [school_term(d) for d in frame["held_on"]]
    # Agreement is among the people in the same room: a unit is one domain of one vignette
    # in one huddle.
    frame["unit"] = (frame["huddle"].astype(str) + "/" + frame["version"].astype(str) + "/"
                     + frame["domain"])
    return frame


def _agreement(part: pd.DataFrame, scale: list[int]) -> dict[str, Any]:
    """Ordinal alpha and within-one agreement of a part of the scores, suppressed if small."""
    n_raters = int(part["rater"].nunique())
    if n_raters < MIN_GROUP:
        return {"alpha": None, "within_one": None, "n_raters": None, "n_scores": None,
                "suppressed": True}
    alpha = krippendorff_alpha_long(part, "ordinal", value_domain=scale).alpha
    within = percent_agreement(part, tolerance=1.0).proportion
    return {"alpha": alpha, "within_one": within, "n_raters": n_raters,
            "n_scores": int(len(part)), "suppressed": False}


def boundary_crossings(frame: pd.DataFrame) -> pd.DataFrame:
    """For each unit (a domain of a vignette in a huddle): whether its spread crossed one of
    its framework's decision boundaries (a disagreement that matters)."""
    versions = {v.id: v for v in db.session.execute(select(VignetteVersion)).scalars()}
    rows = []
    for (unit, version, domain), part in frame.groupby(["unit", "version", "domain"]):
        counts = {str(k): int(n) for k, n in part["score"].value_counts().items()}
        crossed = boundaries_crossed(counts, versions[int(version)].framework.decision_boundaries)
        rows.append({"unit": unit, "version": int(version), "domain": domain,
                     "crossed": bool(crossed), "boundaries": "; ".join(crossed)})
    return pd.DataFrame(rows, columns=["unit", "version", "domain", "crossed", "boundaries"])


def county_report(scale: list[int] | None = None) -> dict[str, Any]:
    """Participation by area and term, agreement by term and domain, and training needs."""
    scale = scale or list(range(6))
    frame = revealed_scores()
    names = domain_names()
    if frame.empty:
        return {"major_disagreements": [], "participation_by_area": [],
                "participation_by_term": [],
                "agreement_by_term": [], "domains": [], "drift_flags": [],
                "reason": "no revealed scores yet"}
    hosted = pd.Series(
        db.session.execute(select(Area.name).join(Huddle, Huddle.host_area_id == Area.id))
        .scalars().all(), dtype=object
    ).value_counts()
    by_area = []
    for area, part in frame.groupby("area", sort=True):
        n = int(part["rater"].nunique())
        small = n < MIN_GROUP
        by_area.append({"area": area, "practitioners": None if small else n,
                        "huddles_joined": None if small else int(part["huddle"].nunique()),
                        "huddles_hosted": int(hosted.get(area, 0)),
                        "scores": None if small else int(len(part)), "suppressed": small})
    by_term = []
    for term, part in frame.groupby("term", sort=True):
        n = int(part["rater"].nunique())
        by_term.append({"term": term, "huddles": int(part["huddle"].nunique()),
                        "practitioners": n if n >= MIN_GROUP else None,
                        "scores": int(len(part)), "suppressed": n < MIN_GROUP})
    agreement_by_term = [{"term": term, **_agreement(part, scale)}
                         for term, part in frame.groupby("term", sort=True)]
    drift_view = reviewer_drift()
    flagged_cells = {}
    for row in drift_view.payload["area_domains"]:
        if row["flag"]:
            flagged_cells.setdefault(row["domain"], []).append(
                {"area": row["area"], "flag": row["flag"], "offset": row["offset"]})
    domains = []
    for domain, part in frame.groupby("domain", sort=True):
        figures = _agreement(part, scale)
        domains.append({"domain": domain, "domain_name": names.get(domain, domain), **figures,
                        "drift": flagged_cells.get(domain, [])})
    # Training needs: the domains scored least consistently first, then those with drift.
    ranked = sorted(
        domains,
        key=lambda d: (d["alpha"] is None, d["alpha"] if d["alpha"] is not None else 0.0,
                       -len(d["drift"])),
    )
    crossings = boundary_crossings(frame)
    major = [
        {"domain": domain, "domain_name": names.get(domain, domain),
         "units": int(len(part)), "crossed": int(part["crossed"].sum()),
         "share": float(part["crossed"].mean())}
        for domain, part in crossings.groupby("domain", sort=True)
    ]
    major.sort(key=lambda m: -m["share"])
    return {
        "major_disagreements": major,
        "participation_by_area": by_area,
        "participation_by_term": by_term,
        "agreement_by_term": agreement_by_term,
        "domains": ranked,
        "drift_flags": [row for row in drift_view.payload["areas"] if row["flag"]],
        "reason": None,
    }
