"""A demo county: a year of closed huddles with planted area drift, for trying the reports.

Each practitioner belongs to one area and has their own leniency; two areas are planted to
score higher and lower than the rest. Every score is the vignette's true need in that
domain (its moderated reference where it has one) plus the area's drift, the
practitioner's leniency and noise, rounded to the nearest level of the scale, as a
practitioner choosing the nearest descriptor would. Agreed scores are the true needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import numpy as np
from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    INDEPENDENT_ROUND,
    Area,
    ConsensusScore,
    Huddle,
    HuddleItem,
    HuddleStatus,
    ItemState,
    Participant,
    Practitioner,
    Rating,
    Role,
    User,
)
from . import accounts, tokens
from .errors import Invalid
from .huddles import _new_join_code, latest_versions

#: Fictional localities used when the LA has fewer areas than the demo asks for.
EXTRA_AREAS = ("Harbour Villages", "Upper Valley", "Clay Country", "Riverside", "Old Mine Towns",
               "Lizard Point", "Moorland Edge", "Estuary")
#: Drift planted in the demo: the second area scores higher, the fifth lower (scale points).
PLANTED_DRIFT = {1: 0.9, 4: -0.9}
ROLES = ("SENCo", "Class teacher", "Early years practitioner", "Teaching assistant")


@dataclass(frozen=True)
class DemoCounty:
    """What :func:`build_demo_county` made."""

    areas: list[str]
    planted: dict[str, float]
    huddles: int
    practitioners: int
    ratings: int


def has_huddles() -> bool:
    """Whether any huddle exists (the demo is only added to an empty database)."""
    return db.session.execute(select(func.count()).select_from(Huddle)).scalar_one() > 0


def build_demo_county(
    *,
    n_areas: int = 8,
    n_practitioners: int = 200,
    n_huddles: int = 60,
    seed: int = 1,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoCounty:
    """Add a school year of closed huddles ending ``today``; one commit per huddle.

    Raises
    ------
    Invalid
        Sizes out of range, no vignettes loaded, or no facilitator to own the huddles.
    """
    if not 2 <= n_areas <= len(EXTRA_AREAS) + len(accounts.DEMO_AREAS):
        raise Invalid(f"areas must be between 2 and {len(EXTRA_AREAS) + len(accounts.DEMO_AREAS)}")
    if not 5 * n_areas <= n_practitioners <= 5000:
        raise Invalid(f"practitioners must be between {5 * n_areas} (5 an area) and 5000")
    if not 1 <= n_huddles <= 1000:
        raise Invalid("huddles must be between 1 and 1000")
    versions = latest_versions()
    if len(versions) < 2:
        raise Invalid("load the vignettes first (flask --app moderation_app load-vignettes)")
    owner = db.session.execute(
        select(User).where(User.role.in_([Role.FACILITATOR.value, Role.ADMIN.value]),
                           User.active.is_(True)).order_by(User.id)
    ).scalars().first()
    if owner is None:
        raise Invalid("create a facilitator first (flask --app moderation_app seed-demo)")
    rng = np.random.default_rng(seed)
    today = today or date.today()

    names = [a.name for a in accounts.list_areas()]
    names += [n for n in (*accounts.DEMO_AREAS, *EXTRA_AREAS) if n not in names]
    accounts.ensure_areas(names[:n_areas])
    areas = [db.session.execute(select(Area).where(Area.name == n)).scalar_one()
             for n in names[:n_areas]]
    drift = np.zeros(n_areas)
    for k, shift in PLANTED_DRIFT.items():
        if k < n_areas:
            drift[k] = shift
    drift -= drift.mean()

    home = np.arange(n_practitioners) % n_areas
    leniency = rng.normal(0.0, 0.35, n_practitioners)
    practitioners = [Practitioner(token_digest=tokens.digest(tokens.new_token("demo-")))
                     for _ in range(n_practitioners)]
    db.session.add_all(practitioners)
    db.session.flush()
    initials = [f"{chr(65 + rng.integers(26))}.{chr(65 + rng.integers(26))}."
                for _ in range(n_practitioners)]
    need = {}
    for version in versions:
        framework = version.framework
        low, high = framework.scale_min, framework.scale_max
        for domain in framework.domains:
            key = domain["key"]
            reference = version.reference_scores.get(key)
            need[(version.id, key)] = (
                float(reference) if reference is not None else float(rng.uniform(low, high))
            )

    start = today - timedelta(days=364)
    n_ratings = 0
    for h in range(n_huddles):
        held_on = start + timedelta(days=int(round(h * 364 / max(n_huddles - 1, 1))))
        host = int(rng.integers(n_areas))
        local = rng.choice(np.flatnonzero(home == host), size=min(9, int((home == host).sum())),
                           replace=False)
        visitors = rng.choice(n_practitioners, size=3, replace=False)
        people = np.unique(np.concatenate([local, visitors]))
        chosen = [versions[i] for i in rng.choice(len(versions), size=2, replace=False)]
        moment = datetime.combine(held_on, time(15, 30), tzinfo=timezone.utc)
        huddle = Huddle(
            title=f"{areas[host].name} huddle {h + 1}", held_on=held_on,
            phase=chosen[0].phase, host_area_id=areas[host].id, owner_id=owner.id,
            join_code=_new_join_code(), status=HuddleStatus.CLOSED.value,
            created_at=moment, closed_at=moment + timedelta(hours=1),
        )
        db.session.add(huddle)
        db.session.flush()
        participants = {}
        for p in people:
            participant = Participant(
                huddle_id=huddle.id, practitioner_id=practitioners[p].id,
                display_name=initials[p], role=ROLES[int(p) % len(ROLES)],
                area_id=areas[home[p]].id, joined_at=moment,
            )
            db.session.add(participant)
            participants[int(p)] = participant
        db.session.flush()
        for position, version in enumerate(chosen):
            item = HuddleItem(huddle_id=huddle.id, vignette_version_id=version.id,
                              position=position, state=ItemState.REVEALED.value,
                              opened_at=moment, revealed_at=moment + timedelta(minutes=10),
                              consensus_recorded_at=moment + timedelta(minutes=20))
            db.session.add(item)
            db.session.flush()
            framework = version.framework
            low, high = framework.scale_min, framework.scale_max
            for domain in framework.domains:
                key = domain["key"]
                truth = need[(version.id, key)]
                db.session.add(ConsensusScore(item_id=item.id, domain=key,
                                              score=int(np.clip(round(truth), low, high))))
                latent = truth + drift[home[people]] + leniency[people] + rng.normal(
                    0.0, 0.6, len(people))
                for p, value in zip(people, np.clip(np.rint(latent), low, high)):
                    db.session.add(Rating(
                        huddle_id=huddle.id, vignette_version_id=version.id, domain=key,
                        participant_id=participants[int(p)].id, round=INDEPENDENT_ROUND,
                        score=int(value), submitted_at=moment + timedelta(minutes=5),
                    ))
                    n_ratings += 1
        db.session.commit()
        if progress is not None:
            progress(1)
    return DemoCounty(
        areas=[a.name for a in areas],
        planted={areas[k].name: float(drift[k]) for k in range(n_areas)},
        huddles=n_huddles,
        practitioners=n_practitioners,
        ratings=n_ratings,
    )

