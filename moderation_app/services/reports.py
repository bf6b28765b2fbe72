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

from stats import agreement_report

from ..extensions import db
from ..models import (
    INDEPENDENT_ROUND,
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
    """Vignette versions whose scores have been revealed: nothing else is reported."""
    return [i.vignette_version_id for i in huddle.items if i.state == ItemState.REVEALED.value]


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
        "participants": participants_out,
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
