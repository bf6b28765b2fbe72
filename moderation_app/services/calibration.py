"""A practitioner's own calibration: their independent scores against what groups agreed.

For the practitioner alone, on the device that remembers them; nothing here names or
counts another practitioner. Figures come from :func:`stats.calibrate_raters`, grouped by
domain: a signed difference is the practitioner's score minus the agreed (consensus) score,
positive when they scored higher.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from stats import calibrate_raters, halo_index

from ..extensions import db
from ..models import (
    INDEPENDENT_ROUND,
    ConsensusScore,
    Framework,
    Huddle,
    HuddleItem,
    Participant,
    Practitioner,
    Rating,
)
from .drift import domain_names, rater_rows, school_term

#: A tendency is worth a sentence when the mean difference is at least this (levels) and its
#: 95% interval excludes 0.
TENDENCY = 0.5
#: How many of the largest differences to show.
LARGEST = 3


def my_scores(practitioner: Practitioner) -> pd.DataFrame:
    """Every independent score of the practitioner that has an agreed score beside it."""
    rows = db.session.execute(
        select(Rating, ConsensusScore.score, HuddleItem, Huddle)
        .join(Participant, Rating.participant_id == Participant.id)
        .join(Huddle, Rating.huddle_id == Huddle.id)
        .join(HuddleItem, (HuddleItem.huddle_id == Rating.huddle_id)
              & (HuddleItem.vignette_version_id == Rating.vignette_version_id))
        .join(ConsensusScore, (ConsensusScore.item_id == HuddleItem.id)
              & (ConsensusScore.domain == Rating.domain))
        .options(joinedload(Rating.vignette_version))
        .where(Participant.practitioner_id == practitioner.id,
               Rating.round == INDEPENDENT_ROUND)
        .order_by(Huddle.held_on, Huddle.id, HuddleItem.position, Rating.domain)
    ).all()
    return pd.DataFrame(
        [
            {
                "huddle": huddle.id,
                "held_on": huddle.held_on,
                "huddle_title": huddle.title,
                "vignette": rating.vignette_version.vignette.code,
                "title": rating.vignette_version.title,
                "domain": rating.domain,
                "score": rating.score,
                "consensus": agreed,
                "reference": rating.vignette_version.reference_scores.get(rating.domain),
                "note": item.consensus_note,
            }
            for rating, agreed, item, huddle in rows
        ],
        columns=["huddle", "held_on", "huddle_title", "vignette", "title", "domain", "score",
                 "consensus", "reference", "note"],
    )


def _by_domain(table: pd.DataFrame, against: str, names: dict[str, str]) -> list[dict[str, Any]]:
    order = {key: i for i, key in enumerate(names)}  # the framework's own order
    frame = table.assign(reference_score=pd.array(table[against], dtype="Float64"))
    frame = frame[frame["reference_score"].notna()]
    if frame.empty:
        return []
    results = calibrate_raters(frame, rater="domain", score="score", reference="reference_score")
    return [
        {
            "domain": r.rater,
            "domain_name": names.get(r.rater, r.rater),
            "n": r.n_compared,
            "mean_signed_difference": r.mean_signed_difference,
            "ci95": list(r.mean_signed_ci95) if r.mean_signed_ci95 else None,
            "share_exact": r.share_exact,
            "share_within_one": r.share_within_one,
        }
        for r in sorted(results, key=lambda r: (order.get(str(r.rater), len(order)), str(r.rater)))
    ]


def my_calibration(practitioner: Practitioner) -> dict[str, Any]:
    """The practitioner's calibration report (also ``GET /api/v1/me/calibration``)."""
    table = my_scores(practitioner)
    names = domain_names()
    n_huddles = db.session.execute(
        select(Participant.huddle_id).where(Participant.practitioner_id == practitioner.id)
    ).scalars().all()
    domains = _by_domain(table, "consensus", names)
    report: dict[str, Any] = {
        "huddles": len(set(table["huddle"])) if len(table) else 0,
        "huddles_joined": len(set(n_huddles)),
        "n_scores": len(table),
        "domains": domains,
        "against_reference": _by_domain(table, "reference", names),
        "overall": None,
        "trend": [],
        "largest_differences": [],
        "suggestions": [],
        "major_differences": [],
        "county_offset": county_offset(practitioner),
        "halo": None,
    }
    if table.empty:
        report["suggestions"] = [
            "Once a huddle you scored in records its agreed scores, your comparison appears here."
        ]
        return report
    difference = table["score"] - table["consensus"]
    report["overall"] = {
        "n": len(table),
        "mean_signed_difference": float(difference.mean()),
        "share_exact": float((difference == 0).mean()),
        "share_within_one": float((difference.abs() <= 1).mean()),
    }
    terms = table.assign(term=[school_term(d) for d in table["held_on"]], d=difference)
    report["trend"] = [
        {"term": term, "n": int(len(part)), "mean_signed_difference": float(part["d"].mean()),
         "share_within_one": float((part["d"].abs() <= 1).mean())}
        for term, part in terms.groupby("term", sort=True)
    ]
    largest = terms.assign(size=difference.abs()).sort_values(
        ["size", "held_on"], ascending=[False, False]).head(LARGEST)
    report["largest_differences"] = [
        {"vignette": row.vignette, "title": row.title, "domain": row.domain,
         "domain_name": names.get(row.domain, row.domain), "date": row.held_on.isoformat(),
         "yours": int(row.score), "agreed": int(row.consensus), "note": _text(row.note)}
        for row in largest.itertuples() if row.size > 0
    ]
    report["major_differences"] = _major_differences(table, names)
    report["suggestions"] = _suggestions(domains, report["overall"], report["major_differences"])
    halo = halo_index(terms.assign(
        profile=terms["huddle"].astype(str) + "/" + terms["vignette"], deviation=terms["d"]))
    report["halo"] = {"index": halo.index, "n_profiles": halo.n_profiles, "reason": halo.reason}
    return report


def _major_differences(table: pd.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    """Scores on the other side of a decision boundary from the agreed score."""
    boundaries = {}
    for framework in db.session.execute(select(Framework)).scalars():
        for b in framework.decision_boundaries:
            boundaries[tuple(b["between"])] = b["label"]
    out = []
    for row in table.itertuples():
        low, high = sorted((int(row.score), int(row.consensus)))
        crossed = [label for (a, b), label in boundaries.items() if low <= a and high >= b]
        if crossed:
            out.append({"vignette": row.vignette, "domain": row.domain,
                        "domain_name": names.get(row.domain, row.domain),
                        "date": row.held_on.isoformat(), "yours": int(row.score),
                        "agreed": int(row.consensus), "crosses": crossed,
                        "note": _text(row.note)})
    return out


def _text(value: Any) -> str | None:
    """A note from a table cell: None (never NaN) when there is none."""
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def county_offset(practitioner: Practitioner) -> dict[str, Any] | None:
    """Where the practitioner's scores sit against the county's, from the drift model.

    Their offset (their area's plus their own) and its interval, as admins see it; None
    before the model can be fitted or when they have no independent scores in it.
    """
    rows, _ = rater_rows()
    mine = next((r for r in rows if r.practitioner_id == practitioner.id), None)
    if mine is None:
        return None
    return {"offset": mine.offset, "ci95": list(mine.ci95), "own": mine.own,
            "area": mine.area, "n_ratings": mine.n_ratings,
            "may_want_support": mine.may_want_support}


def _suggestions(domains: list[dict[str, Any]], overall: dict[str, Any],
                 major: list[dict[str, Any]]) -> list[str]:
    """One or two kind, plain sentences about where the practitioner's scores sit."""
    clear = [
        d for d in domains
        if d["n"] >= 3 and d["ci95"] and d["ci95"][1] > d["ci95"][0]
        and abs(d["mean_signed_difference"]) >= TENDENCY
        and (d["ci95"][0] > 0 or d["ci95"][1] < 0)
    ]
    clear.sort(key=lambda d: -abs(d["mean_signed_difference"]))
    sentences = []
    for d in clear[:2]:
        way = "higher" if d["mean_signed_difference"] > 0 else "lower"
        sentences.append(
            f"In {d['domain_name'].lower()} you tend to score {way} than your groups agree "
            f"({d['mean_signed_difference']:+.1f} levels on average over {d['n']} scores). "
            "Re-reading that domain's level descriptors before the next huddle may help."
        )
    if major:
        sentences.append(
            f"{len(major)} of your scores fell on the other side of a decision boundary from "
            "what the group agreed (listed first below): those are the ones worth talking "
            "through with your SEND adviser."
        )
    if not sentences:
        if overall["share_within_one"] >= 0.9:
            sentences.append(
                f"{overall['share_within_one']:.0%} of your scores were within one level of what "
                "the group agreed: your scores are well calibrated."
            )
        else:
            sentences.append(
                "No domain stands out as consistently higher or lower; the vignettes below are "
                "where your first score and the group's differed most."
            )
    return sentences
