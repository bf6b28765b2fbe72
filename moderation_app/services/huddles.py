"""The life of a huddle: create, join, open, rate, reveal, agree, close.

States of a huddle::

    lobby --open--> scoring --reveal--> revealed --open--> scoring ... --close--> closed

Every change runs a guarded ``UPDATE huddles ... WHERE status IN (...)`` first. On
PostgreSQL that row lock serialises a rating against a concurrent reveal; on SQLite the
UPDATE takes the database's write lock before anything is checked. Either way a rating can
never slip in after the reveal, whichever worker or host handles the request.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update

from ..content import CODE_PATTERN
from ..extensions import db
from ..models import (
    INDEPENDENT_ROUND,
    RESCORE_ROUND,
    PHASES,
    ConsensusScore,
    Huddle,
    HuddleItem,
    HuddleStatus,
    ItemState,
    Participant,
    Practitioner,
    Rating,
    User,
    Vignette,
    VignetteVersion,
    utcnow,
)
from . import accounts, tokens
from .errors import Conflict, Forbidden, Invalid, NotFound
from .text import clean_text, shorten, valid_id
from .scoring import domain_distribution

#: Join codes avoid characters that are easily confused: 0/O, 1/I/L, 2/Z, 5/S, 8/B.
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
JOIN_CODE_LENGTH = 6
MAX_TITLE = 200
MAX_NAME = 80
MAX_ROLE = 80
MAX_SETTING = 120
MAX_NOTE = 2000
MAX_VIGNETTES = 50

#: Passed for ``note`` when the note should stay as it is.
KEEP_NOTE = object()


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in staff member, a practitioner, or neither."""

    user: User | None = None
    practitioner: Practitioner | None = None


# --- Creating --------------------------------------------------------------------------


def _new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        taken = db.session.execute(select(Huddle.id).where(Huddle.join_code == code)).first()
        if taken is None:
            return code


def normalise_join_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def latest_versions(codes: list[str] | None = None) -> list[VignetteVersion]:
    """The newest version of each vignette (of the given codes, in that order)."""
    newest = (
        select(VignetteVersion.vignette_id, func.max(VignetteVersion.version).label("v"))
        .group_by(VignetteVersion.vignette_id)
        .subquery()
    )
    query = (
        select(VignetteVersion)
        .join(
            newest,
            (VignetteVersion.vignette_id == newest.c.vignette_id)
            & (VignetteVersion.version == newest.c.v),
        )
        .join(Vignette)
        .order_by(Vignette.code)
    )
    if codes is not None:
        query = query.where(Vignette.code.in_(codes))
    rows = list(db.session.execute(query).scalars())
    if codes is None:
        return rows
    by_code = {row.vignette.code: row for row in rows}
    return [by_code[c] for c in codes if c in by_code]


def create_huddle(
    owner: User,
    *,
    title: str,
    vignette_codes: list[str],
    held_on: date | None = None,
    phase: str | None = None,
    host_area: str | None = None,
    cofacilitator_emails: list[str] | None = None,
) -> Huddle:
    if not owner.can_facilitate:
        raise Forbidden("only facilitators and admins can create huddles")
    title = clean_text(title, field="title", label="the huddle's title", max_length=MAX_TITLE,
                       required=True)
    if phase in ("", None):
        phase = None
    elif phase not in PHASES:
        raise Invalid(f"phase must be one of: {', '.join(PHASES)}", field="phase")
    area = None
    if host_area:
        area = accounts.find_area(host_area)
        if area is None:
            raise Invalid(f"'{shorten(host_area)}' is not one of the LA's areas", field="host_area")
    if not vignette_codes:
        raise Invalid("choose at least one vignette", field="vignettes")
    if len(set(vignette_codes)) != len(vignette_codes):
        raise Invalid("a vignette is chosen more than once", field="vignettes")
    if len(vignette_codes) > MAX_VIGNETTES:
        raise Invalid(f"a huddle can hold at most {MAX_VIGNETTES} vignettes", field="vignettes")
    known = [c for c in vignette_codes if CODE_PATTERN.match(c)]
    versions = latest_versions(known)
    missing = [c for c in vignette_codes if c not in {v.vignette.code for v in versions}]
    if missing:
        listed = ", ".join(shorten(c, 20) for c in missing[:5]) + (" …" if len(missing) > 5 else "")
        raise Invalid(f"unknown vignette code(s): {listed}", field="vignettes")
    cofacilitators = []
    for email in cofacilitator_emails or []:
        user = accounts.find_user(email)
        if user is None or not user.can_facilitate:
            raise Invalid(f"{shorten(email)} is not a facilitator's email", field="cofacilitators")
        if user.id != owner.id and user not in cofacilitators:
            cofacilitators.append(user)
    huddle = Huddle(
        title=title,
        held_on=held_on or date.today(),
        phase=phase,
        host_area=area,
        owner=owner,
        join_code=_new_join_code(),
        status=HuddleStatus.LOBBY.value,
        cofacilitators=cofacilitators,
    )
    huddle.items = [
        HuddleItem(vignette_version=v, position=i) for i, v in enumerate(versions, start=1)
    ]
    db.session.add(huddle)
    db.session.commit()
    return huddle


def huddles_for(user: User) -> list[Huddle]:
    """Huddles the user owns or co-facilitates, newest first."""
    query = (
        select(Huddle)
        .where(
            (Huddle.owner_id == user.id) | Huddle.cofacilitators.any(User.id == user.id)
        )
        .order_by(Huddle.held_on.desc(), Huddle.id.desc())
    )
    return list(db.session.execute(query).scalars())


# --- Finding and authorising -----------------------------------------------------------


def get_huddle(huddle_id: int) -> Huddle:
    huddle = db.session.get(Huddle, huddle_id) if valid_id(huddle_id) else None
    if huddle is None:
        raise NotFound("no such huddle")
    return huddle


def find_by_join_code(code: str) -> Huddle | None:
    return db.session.execute(
        select(Huddle).where(Huddle.join_code == normalise_join_code(code))
    ).scalar_one_or_none()


def find_open_by_join_code(code: str) -> Huddle | None:
    huddle = find_by_join_code(code)
    return huddle if huddle is not None and huddle.status != HuddleStatus.CLOSED.value else None


def require_facilitator(huddle: Huddle, viewer: Viewer) -> User:
    if viewer.user is not None and huddle.is_facilitator(viewer.user):
        return viewer.user
    raise Forbidden("only this huddle's facilitators can do that")


def participant_in(huddle: Huddle, practitioner: Practitioner | None) -> Participant | None:
    if practitioner is None:
        return None
    return db.session.execute(
        select(Participant).where(
            Participant.huddle_id == huddle.id, Participant.practitioner_id == practitioner.id
        )
    ).scalar_one_or_none()


def require_participant(huddle: Huddle, viewer: Viewer) -> Participant:
    participant = participant_in(huddle, viewer.practitioner)
    if participant is None:
        raise Forbidden("you have not joined this huddle")
    return participant


def require_facilitator_or_participant(huddle: Huddle, viewer: Viewer) -> Participant | None:
    """Let in the huddle's facilitators (None) and its participants (their Participant).

    Anyone else is refused, with a reason that fits who they are: a staff member who does
    not run this huddle has nothing to join.
    """
    if viewer.user is not None and huddle.is_facilitator(viewer.user):
        return None
    participant = participant_in(huddle, viewer.practitioner)
    if participant is not None:
        return participant
    if viewer.user is not None:
        raise Forbidden("this huddle is run by other facilitators")
    raise Forbidden("you have not joined this huddle")


def practitioner_for_token(raw: str | None) -> Practitioner | None:
    if not raw or not raw.startswith(tokens.PRACTITIONER_PREFIX):
        return None
    return db.session.execute(
        select(Practitioner).where(Practitioner.token_digest == tokens.digest(raw))
    ).scalar_one_or_none()


def _guard(huddle: Huddle, allowed: tuple[HuddleStatus, ...], message: str, **values: Any) -> None:
    """Atomically check the huddle's status and bump its revision, or raise Conflict."""
    conditions = [Huddle.id == huddle.id, Huddle.status.in_([s.value for s in allowed])]
    if "expect_item" in values:
        conditions.append(Huddle.current_item_id == values.pop("expect_item"))
    result = db.session.execute(
        update(Huddle)
        .where(*conditions)
        .values(revision=Huddle.revision + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(message)
    db.session.refresh(huddle)


# --- Joining ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinResult:
    participant: Participant
    participant_token: str


def join_huddle(
    join_code: str,
    *,
    name: str,
    area: str,
    role: str | None = None,
    setting: str | None = None,
    participant_token: str | None = None,
) -> JoinResult:
    """Join a huddle as a practitioner, new or returning (by the token their device kept)."""
    huddle = find_open_by_join_code(join_code or "")
    if huddle is None:
        raise NotFound("no open huddle has that join code")
    name = clean_text(name, field="name", label="your name or initials", max_length=MAX_NAME,
                      required=True)
    role = clean_text(role, field="role", label="your role", max_length=MAX_ROLE)
    setting = clean_text(setting, field="setting", label="your setting", max_length=MAX_SETTING)
    area_row = accounts.find_area(area or "")
    if area_row is None:
        raise Invalid("choose your area from the list", field="area")
    practitioner = None
    if participant_token:
        practitioner = practitioner_for_token(participant_token)
        if practitioner is None:
            raise Invalid("participant_token is not recognised", field="participant_token")
    else:
        participant_token = tokens.new_token(tokens.PRACTITIONER_PREFIX)
    _guard(huddle, (HuddleStatus.LOBBY, HuddleStatus.SCORING, HuddleStatus.REVEALED),
           "this huddle has closed")
    if practitioner is None:
        practitioner = Practitioner(token_digest=tokens.digest(participant_token))
        db.session.add(practitioner)
        db.session.flush()
    participant = participant_in(huddle, practitioner)
    if participant is None:
        participant = Participant(huddle=huddle, practitioner=practitioner)
        db.session.add(participant)
    participant.display_name = name
    participant.role = role
    participant.setting = setting
    participant.area = area_row
    db.session.commit()
    return JoinResult(participant=participant, participant_token=participant_token)


def last_details(practitioner: Practitioner | None) -> dict[str, str]:
    """How a returning practitioner introduced themselves last time, to prefill the form."""
    if practitioner is None:
        return {}
    last = db.session.execute(
        select(Participant)
        .where(Participant.practitioner_id == practitioner.id)
        .order_by(Participant.joined_at.desc(), Participant.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if last is None:
        return {}
    return {
        "name": last.display_name,
        "role": last.role or "",
        "setting": last.setting or "",
        "area": last.area.name,
    }


# --- Running ---------------------------------------------------------------------------


def _item_for_code(huddle: Huddle, vignette_code: str) -> HuddleItem:
    for item in huddle.items:
        if item.vignette_version.vignette.code == vignette_code:
            return item
    raise NotFound(f"vignette {vignette_code} is not part of this huddle")


def open_next(huddle: Huddle, viewer: Viewer) -> HuddleItem:
    """Open the next vignette for scoring."""
    require_facilitator(huddle, viewer)
    if huddle.status == HuddleStatus.CLOSED.value:
        raise Conflict("this huddle has closed")
    if huddle.status == HuddleStatus.SCORING.value:
        raise Conflict("reveal the current vignette before opening the next")
    pending = [i for i in huddle.items if i.state == ItemState.PENDING.value]
    if not pending:
        raise Conflict("every vignette in this huddle has been scored")
    item = pending[0]
    _guard(huddle, (HuddleStatus.LOBBY, HuddleStatus.REVEALED),
           "reveal the current vignette before opening the next",
           status=HuddleStatus.SCORING.value, current_item_id=item.id)
    item.state = ItemState.SCORING.value
    item.opened_at = utcnow()
    db.session.commit()
    return item


def validate_scores(
    item: HuddleItem, scores: Any, *, allow_empty: bool = False, allow_clear: bool = False
) -> dict[str, int | None]:
    """Check a ``{domain_key: score}`` mapping against the vignette's framework.

    With ``allow_clear`` a score may be None (take back that domain's score).
    """
    framework = item.vignette_version.framework
    if not isinstance(scores, dict) or (not scores and not allow_empty):
        raise Invalid("scores must map at least one domain key to a score")
    clean: dict[str, int | None] = {}
    for domain, score in scores.items():
        if framework.domain(domain) is None:
            raise Invalid(
                f"'{shorten(str(domain), 40)}' is not a domain of this vignette "
                f"(domains: {', '.join(framework.domain_keys)})",
                field=shorten(str(domain), 40),
            )
        if score is None and allow_clear:
            clean[domain] = None
            continue
        if isinstance(score, bool) or not isinstance(score, int):
            raise Invalid(f"the score for {domain} must be a whole number", field=domain)
        if not framework.scale_min <= score <= framework.scale_max:
            raise Invalid(
                f"the score for {domain} must be between {framework.scale_min} and "
                f"{framework.scale_max}",
                field=domain,
            )
        clean[domain] = score
    return clean


def submit_ratings(
    huddle: Huddle, viewer: Viewer, vignette_code: str, scores: Any
) -> dict[str, int]:
    """Store (or replace) a participant's independent scores for the open vignette.

    A phone re-sends every domain it has ticked, so only a new or changed score gets a new
    ``submitted_at``; an unchanged one keeps the time it was given. Returns every score the
    participant now has for that vignette.
    """
    participant = require_participant(huddle, viewer)
    item = _item_for_code(huddle, vignette_code)
    # Not now (409) comes before what was sent (422): after the reveal or the close, no
    # body can be right.
    if huddle.status == HuddleStatus.CLOSED.value:
        raise Conflict("this huddle has closed")
    if item.state == ItemState.REVEALED.value:
        raise Conflict("the scores for this vignette have been revealed; they can no longer change")
    if item.state != ItemState.SCORING.value or huddle.current_item_id != item.id:
        raise Conflict("this vignette is not open for scoring")
    clean = validate_scores(item, scores)
    _guard(huddle, (HuddleStatus.SCORING,), "this vignette is no longer open for scoring",
           expect_item=item.id)
    existing = {
        r.domain: r
        for r in db.session.execute(
            select(Rating).where(
                Rating.huddle_id == huddle.id,
                Rating.vignette_version_id == item.vignette_version_id,
                Rating.participant_id == participant.id,
                Rating.round == item.round,
            )
        ).scalars()
    }
    now = utcnow()
    for domain, score in clean.items():
        row = existing.get(domain)
        if row is None:
            row = Rating(
                huddle_id=huddle.id,
                vignette_version_id=item.vignette_version_id,
                domain=domain,
                participant_id=participant.id,
                round=item.round,
            )
            db.session.add(row)
            existing[domain] = row
        elif row.score == score:
            continue
        row.score = score
        row.submitted_at = now
    db.session.commit()
    return {d: r.score for d, r in existing.items()}


def my_scores(huddle: Huddle, item: HuddleItem, participant: Participant) -> dict[str, int]:
    """The participant's scores in the item's current round."""
    rows = db.session.execute(
        select(Rating.domain, Rating.score).where(
            Rating.huddle_id == huddle.id,
            Rating.vignette_version_id == item.vignette_version_id,
            Rating.participant_id == participant.id,
            Rating.round == item.round,
        )
    ).all()
    return {domain: score for domain, score in rows}


def item_scores(item: HuddleItem) -> list[tuple[int, str, int]]:
    """The scores of the item's current round as (participant id, domain, score)."""
    return [
        tuple(row)  # type: ignore[misc]
        for row in db.session.execute(
            select(Rating.participant_id, Rating.domain, Rating.score).where(
                Rating.huddle_id == item.huddle_id,
                Rating.vignette_version_id == item.vignette_version_id,
                Rating.round == item.round,
            )
        ).all()
    ]


def distribution(item: HuddleItem) -> dict[str, dict[str, Any]]:
    """The spread of the current round's scores per domain: n, counts per level, median."""
    framework = item.vignette_version.framework
    by_domain: dict[str, list[int]] = {key: [] for key in framework.domain_keys}
    for _, domain, score in item_scores(item):
        by_domain.setdefault(domain, []).append(score)
    return {
        domain: domain_distribution(values, framework.scale_values)
        for domain, values in by_domain.items()
    }


def rescore(huddle: Huddle, viewer: Viewer) -> HuddleItem:
    """Re-open the current, revealed vignette for a private rescore after the discussion.

    Participants send scores as before; they are stored as round 2, beside their first
    (independent) scores, which stay as they were. The next reveal closes round 2. A
    vignette is rescored once.
    """
    require_facilitator(huddle, viewer)
    item = huddle.current_item
    if huddle.status == HuddleStatus.CLOSED.value:
        raise Conflict("this huddle has closed")
    if huddle.status != HuddleStatus.REVEALED.value or item is None:
        raise Conflict("reveal the current vignette before asking for a rescore")
    if item.round != INDEPENDENT_ROUND:
        raise Conflict("this vignette has been rescored already")
    _guard(huddle, (HuddleStatus.REVEALED,), "reveal the current vignette before asking for a rescore",
           expect_item=item.id, status=HuddleStatus.SCORING.value)
    item.state = ItemState.SCORING.value
    item.round = RESCORE_ROUND
    db.session.commit()
    return item


def reveal(huddle: Huddle, viewer: Viewer) -> dict[str, dict[str, Any]]:
    """Close scoring on the current vignette and return the distribution per domain."""
    require_facilitator(huddle, viewer)
    if huddle.status != HuddleStatus.SCORING.value or huddle.current_item is None:
        raise Conflict("no vignette is open for scoring")
    item = huddle.current_item
    _guard(huddle, (HuddleStatus.SCORING,), "no vignette is open for scoring",
           expect_item=item.id, status=HuddleStatus.REVEALED.value)
    item.state = ItemState.REVEALED.value
    item.revealed_at = utcnow()
    result = distribution(item)
    db.session.commit()
    return result


def record_consensus(
    huddle: Huddle,
    viewer: Viewer,
    vignette_code: str,
    scores: Any = None,
    note: Any = KEEP_NOTE,
) -> HuddleItem:
    """Record, amend or take back the agreed score per domain for a revealed vignette.

    ``scores`` maps a domain key to its agreed level, or to None to clear that domain's
    agreed score; domains not given keep theirs. ``scores`` may be None or empty when only
    the note changes. ``note`` replaces the note ("" or None clears it) unless it is
    :data:`KEEP_NOTE`. Giving neither scores nor a note is refused.
    """
    require_facilitator(huddle, viewer)
    item = _item_for_code(huddle, vignette_code)
    if huddle.status == HuddleStatus.CLOSED.value:
        raise Conflict("this huddle has closed")
    if item.state != ItemState.REVEALED.value:
        raise Conflict("reveal the scores before recording the agreed score")
    clean = {} if scores is None else validate_scores(item, scores, allow_empty=True,
                                                      allow_clear=True)
    if note is not KEEP_NOTE:
        note = clean_text(note, field="note", label="the note", max_length=MAX_NOTE,
                          multiline=True)
    elif not clean:
        raise Invalid("send scores (a level per domain, or null to clear one) or a note",
                      field="scores")
    _guard(huddle, (HuddleStatus.LOBBY, HuddleStatus.SCORING, HuddleStatus.REVEALED),
           "this huddle has closed")
    current = {c.domain: c for c in item.consensus}
    for domain, score in clean.items():
        row = current.get(domain)
        if score is None:
            if row is not None:
                item.consensus.remove(row)  # delete-orphan: the row goes
        elif row is not None:
            row.score = score
        else:
            item.consensus.append(ConsensusScore(domain=domain, score=score))
    if note is not KEEP_NOTE:
        item.consensus_note = note
    item.consensus_recorded_at = utcnow() if item.consensus or item.consensus_note else None
    db.session.commit()
    return item


def close(huddle: Huddle, viewer: Viewer) -> None:
    require_facilitator(huddle, viewer)
    _guard(huddle, (HuddleStatus.LOBBY, HuddleStatus.SCORING, HuddleStatus.REVEALED),
           "this huddle is already closed", status=HuddleStatus.CLOSED.value)
    huddle.closed_at = utcnow()
    db.session.commit()


# --- Reading the live state -------------------------------------------------------------


def results_for(huddle: Huddle, participant: Participant) -> list[dict[str, Any]]:
    """For one participant, every revealed vignette: the spread, their scores, the agreement."""
    return [
        {
            "item": item,
            "distribution": distribution(item),
            "mine": my_scores(huddle, item, participant),
            "consensus": item.consensus_scores(),
            "note": item.consensus_note,
        }
        for item in huddle.items
        if item.state == ItemState.REVEALED.value
    ]


@dataclass(frozen=True)
class RunningOrderEntry:
    """One vignette of the running order, labelled as a person should read it.

    ``tag`` is the look of its label (a state, or ``closed``); ``label`` says where it
    stands; ``agreement`` says how many domains have an agreed score (None when there is
    nothing to say).
    """

    item: HuddleItem
    tag: str
    label: str
    agreed_domains: int
    n_domains: int
    agreement: str | None


def agreed_domain_count(item: HuddleItem) -> int:
    keys = set(item.vignette_version.framework.domain_keys)
    return len({c.domain for c in item.consensus} & keys)


def running_order(huddle: Huddle) -> list[RunningOrderEntry]:
    """The huddle's vignettes in order, with labels that stay true once it has closed.

    The stored states are left as they are (a vignette being scored at the close stays
    ``scoring``); only what a person reads changes: "not revealed (closed)", and
    "agreed 3 of 7" for a vignette with some domains still without an agreed score.
    """
    closed = huddle.status == HuddleStatus.CLOSED.value
    entries = []
    for item in huddle.items:
        n_domains = len(item.vignette_version.framework.domain_keys)
        agreed = agreed_domain_count(item)
        tag, label = item.state, item.state
        if closed and item.state == ItemState.SCORING.value and item.revealed_at is not None:
            # Closed during a rescore: the first scores were revealed; the rescore was not.
            tag, label = ItemState.REVEALED.value, "revealed; rescore not revealed (closed)"
        elif closed and item.state == ItemState.SCORING.value:
            tag, label = HuddleStatus.CLOSED.value, "not revealed (closed)"
        elif closed and item.state == ItemState.PENDING.value:
            tag, label = HuddleStatus.CLOSED.value, "not opened (closed)"
        agreement = None
        if item.state == ItemState.REVEALED.value:
            if agreed >= n_domains:
                agreement = "agreed"
            elif agreed:
                agreement = f"agreed {agreed} of {n_domains}"
            elif closed:
                agreement = "no agreed scores"
        entries.append(RunningOrderEntry(item=item, tag=tag, label=label,
                                         agreed_domains=agreed, n_domains=n_domains,
                                         agreement=agreement))
    return entries


def unrevealed_scored_items(huddle: Huddle) -> list[HuddleItem]:
    """Vignettes open for scoring that have scores nobody has seen: closing drops them."""
    return [
        item
        for item in huddle.items
        if item.state == ItemState.SCORING.value and item.revealed_at is None
        and submitted_count(item)[0] > 0
    ]


def submitted_count(item: HuddleItem) -> tuple[int, int]:
    """(participants with at least one score, participants with every domain scored)."""
    n_domains = len(item.vignette_version.framework.domain_keys)
    per_participant = db.session.execute(
        select(Rating.participant_id, func.count())
        .where(
            Rating.huddle_id == item.huddle_id,
            Rating.vignette_version_id == item.vignette_version_id,
            Rating.round == item.round,
        )
        .group_by(Rating.participant_id)
    ).all()
    return len(per_participant), sum(1 for _, n in per_participant if n >= n_domains)


def joined_count(huddle: Huddle) -> int:
    return db.session.execute(
        select(func.count()).select_from(Participant).where(Participant.huddle_id == huddle.id)
    ).scalar_one()


def vignette_payload(item: HuddleItem, *, with_text: bool = True) -> dict[str, Any]:
    version = item.vignette_version
    framework = version.framework
    payload: dict[str, Any] = {
        "code": version.vignette.code,
        "version": version.version,
        "title": version.title,
        "phase": version.phase,
        "position": item.position,
        "state": item.state,
        "round": item.round,
        "domains": [
            {"key": d["key"], "name": d["name"], "levels": d["levels"]} for d in framework.domains
        ],
        "scale": {
            "min": framework.scale_min,
            "max": framework.scale_max,
            "levels": framework.levels,
        },
    }
    if with_text:
        payload["text"] = version.body_markdown
    return payload


def state_etag(huddle: Huddle, viewer: Viewer) -> str:
    """An ETag for :func:`live_state`: the huddle's revision and who is looking.

    Checks the viewer may see the huddle, so a 304 is never an answer to a stranger.
    """
    participant = require_facilitator_or_participant(huddle, viewer)
    if participant is None:
        return f"h{huddle.id}-r{huddle.revision}-f"
    return f"h{huddle.id}-r{huddle.revision}-p{participant.id}"


def live_state(huddle: Huddle, viewer: Viewer) -> dict[str, Any]:
    """What a facilitator or participant of this huddle may see right now.

    The distribution appears only once the current vignette is revealed, for everyone.
    """
    participant = require_facilitator_or_participant(huddle, viewer)
    item = huddle.current_item
    state: dict[str, Any] = {
        "id": huddle.id,
        "title": huddle.title,
        "status": huddle.status,
        "revision": huddle.revision,
        "vignette": vignette_payload(item) if item is not None else None,
        "joined": joined_count(huddle),
        "submitted": 0,
        "complete": 0,
        "remaining": sum(1 for i in huddle.items if i.state == ItemState.PENDING.value),
    }
    if item is not None:
        state["submitted"], state["complete"] = submitted_count(item)
        if item.state == ItemState.REVEALED.value:
            state["distribution"] = distribution(item)
            if item.consensus or item.consensus_note:
                state["consensus"] = {
                    "scores": item.consensus_scores(),
                    "note": item.consensus_note,
                }
        if participant is not None:
            state["my_scores"] = my_scores(huddle, item, participant)
    return state


def parse_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise Invalid("date must be written YYYY-MM-DD", field="date")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise Invalid("date must be written YYYY-MM-DD", field="date")
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise Invalid("date must be a real date written YYYY-MM-DD", field="date") from None
