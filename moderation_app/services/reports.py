"""Huddle reports and exports, computed by :mod:`stats` from the stored ratings."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from datetime import datetime, timezone
from typing import Any

import pandas as pd
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from stats import agreement_report, halo_index, krippendorff_alpha_long, percent_agreement

from ..extensions import db
from ..models import (
    INDEPENDENT_ROUND,
    RESCORE_ROUND,
    Huddle,
    ItemState,
    Participant,
    Rating,
    VignetteVersion,
)
from .scoring import boundaries_crossed, calibration_against_consensus, domain_distribution

EXPORT_COLUMNS = (
    "unit", "huddle", "vignette", "version", "domain", "participant", "area", "score",
    "submitted_at",
)


def pseudonym(participant: Participant) -> str:
    """A label for exports that cannot be traced back to join order or database ids.

    A keyed hash (HMAC-SHA256 with the app's secret key) of the participant's id: stable
    for the life of the deployment, meaningless without the key.
    """
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    mac = hmac.new(key, f"participant:{participant.id}".encode("ascii"), hashlib.sha256)
    return "P" + mac.hexdigest()[:10]


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp in UTC with its offset (SQLite hands back naive UTC datetimes)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def unit_id(version: VignetteVersion, domain: str) -> str:
    """One (vignette version, domain) pair: the unit of agreement statistics."""
    return f"{version.unit_label}/{domain}"


def revealed_version_ids(huddle: Huddle) -> list[int]:
    """Vignette versions whose first scores have been revealed: nothing else is reported.

    A vignette re-opened for a rescore after the discussion stays revealed.
    """
    return [i.vignette_version_id for i in huddle.items if i.revealed_at is not None]


def independent_ratings(huddle: Huddle) -> list[Rating]:
    """Round-1 scores of the revealed vignettes, with their participants loaded."""
    return list(
        db.session.execute(
            select(Rating)
            .options(joinedload(Rating.participant).joinedload(Participant.area))
            .where(
                Rating.huddle_id == huddle.id,
                Rating.round == INDEPENDENT_ROUND,
                Rating.vignette_version_id.in_(revealed_version_ids(huddle)),
            )
            .order_by(Rating.vignette_version_id, Rating.domain, Rating.participant_id)
        ).scalars()
    )


def huddle_report(huddle: Huddle) -> dict[str, Any]:
    """The facilitator's report: spread and agreed score per (vignette, domain), alpha,
    and each participant's scores against the agreed scores."""
    ratings = independent_ratings(huddle)
    by_unit: dict[tuple[int, str], list[int]] = {}
    for r in ratings:
        by_unit.setdefault((r.vignette_version_id, r.domain), []).append(r.score)

    items = []
    consensus: dict[tuple[int, str], int] = {}
    scale: list[int] = []
    for item in huddle.items:
        version = item.vignette_version
        framework = version.framework
        scale = framework.scale_values
        agreed = item.consensus_scores()
        for domain in framework.domains:
            key = domain["key"]
            spread = domain_distribution(by_unit.get((version.id, key), []), scale)
            if key in agreed:
                consensus[(version.id, key)] = agreed[key]
            items.append(
                {
                    "vignette": version.vignette.code,
                    "version": version.version,
                    "title": version.title,
                    "domain": key,
                    "domain_name": domain["name"],
                    "n": spread["n"],
                    "counts": spread["counts"],
                    "median": spread["median"],
                    "consensus": agreed.get(key),
                    "reference": version.reference_scores.get(key),
                    "note": item.consensus_note,
                    "state": item.state,
                    "crosses": boundaries_crossed(spread["counts"], framework.decision_boundaries),
                    "within_one": _within_one(by_unit.get((version.id, key), [])),
                }
            )

    agreement = group_agreement(ratings, scale, seed=huddle.id)
    alpha_payload: dict[str, Any] = {
        "ordinal": agreement["krippendorff_alpha"]["ordinal"] if agreement else None,
        "reason": (
            agreement["krippendorff_alpha"]["reasons"].get("ordinal")
            if agreement
            else "no scores have been given yet"
        ),
        "n_units": agreement["n_units"] if agreement else 0,
        "n_pairable_values": agreement["n_pairable"] if agreement else 0,
    }

    participants_out = []
    for participant in huddle.participants:
        own = [
            (r.score, consensus.get((r.vignette_version_id, r.domain)))
            for r in ratings
            if r.participant_id == participant.id
        ]
        calibration = calibration_against_consensus(own)
        participants_out.append(
            {
                "participant": participant.display_name,
                "participant_id": participant.id,
                "area": participant.area.name,
                "n_scored": len(own),
                **calibration,
            }
        )
    return {
        "huddle": {
            "id": huddle.id,
            "title": huddle.title,
            "date": huddle.held_on.isoformat(),
            "status": huddle.status,
            "joined": len(huddle.participants),
        },
        "items": items,
        "krippendorff_alpha": alpha_payload,
        "major_disagreements": [
            {"vignette": row["vignette"], "domain": row["domain"],
             "domain_name": row["domain_name"], "crosses": row["crosses"],
             "lowest": min(int(k) for k, n in row["counts"].items() if n),
             "highest": max(int(k) for k, n in row["counts"].items() if n),
             "consensus": row["consensus"], "note": row["note"]}
            for row in items if row["crosses"]
        ],
        "agreement": agreement,
        "discussion_effect": discussion_effect(huddle, consensus, scale),
        "halo": group_halo(ratings, consensus),
        "vignettes": vignette_agreement(huddle, ratings, scale),
        "most_disagreement": sorted(
            (row for row in items
         if row["within_one"] is not None and row["n"] >= 2 and row["within_one"] < 1.0),
            key=lambda row: (row["within_one"], -row["n"]),
        )[:3],
        "participants": participants_out,
    }


def _within_one(scores: list[int]) -> float | None:
    """Share of pairs of one domain's scores at most one level apart; None with fewer than two."""
    if len(scores) < 2:
        return None
    frame = pd.DataFrame({"unit": 0, "rater": range(len(scores)), "score": scores})
    return percent_agreement(frame, tolerance=1.0).proportion


def vignette_agreement(huddle: Huddle, ratings: list[Rating], scale: list[int]) -> list[dict[str, Any]]:
    """Per revealed vignette: ordinal alpha over its domains and the share within one level."""
    out = []
    for item in huddle.items:
        mine = [r for r in ratings if r.vignette_version_id == item.vignette_version_id]
        if not mine:
            continue
        frame = pd.DataFrame({"unit": [r.domain for r in mine],
                              "rater": [r.participant_id for r in mine],
                              "score": [r.score for r in mine]})
        alpha = krippendorff_alpha_long(frame, "ordinal", value_domain=scale or None)
        within = percent_agreement(frame, tolerance=1.0)
        out.append({"vignette": item.vignette_version.vignette.code, "alpha": alpha.alpha,
                    "alpha_reason": alpha.reason, "within_one": within.proportion})
    return out


def group_halo(ratings: list[Rating], consensus: dict[tuple[int, str], int]) -> dict[str, Any]:
    """Whether one impression coloured people's whole profiles (``stats.halo_index``).

    Each participant's scores of one vignette are a profile; a deviation is the score less
    the agreed score, or less the group's median where nothing was agreed.
    """
    frame = pd.DataFrame(
        [(r.participant_id, r.vignette_version_id, r.domain, r.score) for r in ratings],
        columns=["rater", "version", "domain", "score"],
    )
    if frame.empty:
        return {"index": None, "n_profiles": 0, "reason": "no scores have been given yet"}
    median = frame.groupby(["version", "domain"])["score"].transform("median")
    agreed = pd.Series([consensus.get((v, d)) for v, d in zip(frame["version"], frame["domain"])],
                       index=frame.index, dtype="float")
    frame["deviation"] = frame["score"] - agreed.fillna(median)
    frame["profile"] = frame["rater"].astype(str) + "/" + frame["version"].astype(str)
    halo = halo_index(frame)
    return {"index": halo.index, "n_profiles": halo.n_profiles, "reason": halo.reason}


def discussion_effect(
    huddle: Huddle, consensus: dict[tuple[int, str], int], scale: list[int]
) -> dict[str, Any]:
    """What the discussion did, on vignettes rescored privately after it (round 2).

    Agreement (ordinal alpha) of the first and of the second scores on the same units, and,
    of the second scores that differ from a participant's first, the shares that moved
    toward the agreed score, toward the vignette's reference score and toward the median of
    the first scores (what the group saw at the reveal).
    """
    rescored = [i for i in huddle.items
                if i.round == RESCORE_ROUND and i.state == ItemState.REVEALED.value]
    empty = {"n_rescored_vignettes": 0, "alpha_before": None, "alpha_after": None,
             "share_moved_toward_consensus": None, "share_moved_toward_reference": None,
             "share_moved_toward_first_median": None, "n_changed": 0,
             "reason": "no vignette was rescored after its discussion"}
    if not rescored:
        return empty
    rows = db.session.execute(
        select(Rating.vignette_version_id, Rating.domain, Rating.participant_id, Rating.round,
               Rating.score)
        .where(Rating.huddle_id == huddle.id,
               Rating.vignette_version_id.in_([i.vignette_version_id for i in rescored]))
    ).all()
    frame = pd.DataFrame(rows, columns=["version", "domain", "rater", "round", "score"])
    frame["unit"] = frame["version"].astype(str) + "/" + frame["domain"]
    first = frame[frame["round"] == INDEPENDENT_ROUND]
    second = frame[frame["round"] == RESCORE_ROUND]
    units = set(second["unit"])
    alphas = [
        krippendorff_alpha_long(part[part["unit"].isin(units)], "ordinal",
                                value_domain=scale or None).alpha
        if len(part[part["unit"].isin(units)]) else None
        for part in (first, second)
    ]
    paired = first.merge(second, on=["version", "domain", "rater"], suffixes=("_1", "_2"))
    paired = paired[paired["score_1"] != paired["score_2"]]
    medians = first.groupby(["version", "domain"])["score"].median()
    references = {i.vignette_version_id: i.vignette_version.reference_scores for i in rescored}

    def share_toward(target) -> float | None:
        moves = [abs(r.score_2 - t) < abs(r.score_1 - t)
                 for r in paired.itertuples() if (t := target(r)) is not None]
        return sum(moves) / len(moves) if moves else None

    return {
        "n_rescored_vignettes": len(rescored),
        "alpha_before": alphas[0],
        "alpha_after": alphas[1],
        "share_moved_toward_consensus": share_toward(
            lambda r: consensus.get((r.version, r.domain))),
        "share_moved_toward_reference": share_toward(
            lambda r: references[r.version].get(r.domain)),
        "share_moved_toward_first_median": share_toward(
            lambda r: float(medians[(r.version, r.domain)])),
        "n_changed": len(paired),
        "reason": None,
    }


#: Bootstrap replicates of alpha in a huddle report: enough for a stable 95% interval.
REPORT_BOOTSTRAP = 1000


def group_agreement(ratings: list[Rating], scale: list[int], *, seed: int) -> dict[str, Any] | None:
    """Every agreement coefficient of a huddle's independent scores (``stats.agreement_report``).

    Each (vignette version, domain) is a unit and each participant a rater, on the
    framework's declared scale; alpha's bootstrap is seeded by ``seed`` so a report reads
    the same each time. Group figures only: nothing here names a participant.
    """
    if not ratings:
        return None
    frame = pd.DataFrame(
        {
            "unit": [f"{r.vignette_version_id}/{r.domain}" for r in ratings],
            "rater": [r.participant_id for r in ratings],
            "score": [r.score for r in ratings],
        }
    )
    report = agreement_report(
        frame, scale=scale or None, level="ordinal", n_boot=REPORT_BOOTSTRAP, seed=seed
    )
    return report.to_dict()


def ratings_csv(huddle: Huddle) -> str:
    """The huddle's independent scores of revealed vignettes in long format, one row per score.

    ``unit`` is ``CODE@vVERSION/domain`` and ``participant`` a :func:`pseudonym`, so
    ``python -m stats agreement`` on this file reproduces the report's alpha.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for rating in independent_ratings(huddle):
        participant = rating.participant
        version = rating.vignette_version
        writer.writerow(
            [
                unit_id(version, rating.domain),
                huddle.id,
                version.vignette.code,
                version.version,
                rating.domain,
                pseudonym(participant),
                participant.area.name,
                rating.score,
                as_utc(rating.submitted_at).isoformat(timespec="seconds"),
            ]
        )
    return buffer.getvalue()


def follow_ups(report: dict[str, Any]) -> list[str]:
    """A few plain suggestions for the facilitator, from the report's own figures."""
    out = []
    if not report["items"] or all(row["n"] == 0 for row in report["items"]):
        return ["No scores have been revealed yet: follow-ups come once the group has scored."]
    widest = sorted(report["major_disagreements"],
                    key=lambda row: (-(row["highest"] - row["lowest"]), row["vignette"]))
    for row in widest[:2]:
        out.append(
            f"{row['vignette']}, {row['domain_name'].lower()}: first scores ran from "
            f"{row['lowest']} to {row['highest']}, across a decision boundary. Go back over that "
            "domain's descriptors at the boundary with the group."
        )
    for row in report["most_disagreement"]:
        if row["within_one"] is not None and row["within_one"] < 0.8 and not row["crosses"]:
            out.append(
                f"{row['vignette']}, {row['domain_name'].lower()}: only "
                f"{row['within_one']:.0%} of pairs of first scores were within one level; "
                "worth another vignette on this domain at the next huddle."
            )
            break
    halo = report["halo"]
    if halo["index"] is not None and halo["index"] >= 0.3:
        out.append("Whole profiles moved together (a halo): next time, ask people to score "
                   "each domain from its own evidence before looking at the others.")
    if not out:
        out.append("The group scored consistently; a harder or more mixed vignette would test "
                   "the shared understanding further.")
    return out
