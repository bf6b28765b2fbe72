"""Database models (SQLAlchemy 2.0 typed mappings).

Models describe rows; they never commit. The rules of a huddle live in
:mod:`moderation_app.services`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Role(str, enum.Enum):
    FACILITATOR = "facilitator"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class HuddleStatus(str, enum.Enum):
    LOBBY = "lobby"
    SCORING = "scoring"
    REVEALED = "revealed"
    CLOSED = "closed"


class ItemState(str, enum.Enum):
    PENDING = "pending"
    SCORING = "scoring"
    REVEALED = "revealed"


PHASES = ("early years", "primary", "secondary", "post-16")

#: Round 1 is the independent score; round 2 a post-discussion rescore.
INDEPENDENT_ROUND = 1
RESCORE_ROUND = 2


class Area(db.Model):
    """A locality of the local authority, where a practitioner works."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(UserMixin, db.Model):
    """A member of LA staff who signs in: facilitator, reviewer or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint("role IN ('facilitator', 'reviewer', 'admin')", name="role_known"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def can_facilitate(self) -> bool:
        return self.role in (Role.FACILITATOR.value, Role.ADMIN.value)


class ApiToken(db.Model):
    """A staff member's API token. Only a SHA-256 digest of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class Framework(db.Model):
    """A scoring framework: the ordinal scale and the domains, loaded from content."""

    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    scale_min: Mapped[int] = mapped_column(Integer)
    scale_max: Mapped[int] = mapped_column(Integer)
    #: The whole validated definition: levels, domains, decision boundaries.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_digest: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("key", "version"),)

    @property
    def domains(self) -> list[dict[str, Any]]:
        return self.definition["domains"]

    @property
    def domain_keys(self) -> list[str]:
        return [d["key"] for d in self.definition["domains"]]

    @property
    def levels(self) -> list[dict[str, Any]]:
        return self.definition["scale"]["levels"]

    @property
    def scale_values(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))

    @property
    def decision_boundaries(self) -> list[dict[str, Any]]:
        """``[{"between": [low, high], "label": ...}]``: where a level changes what a child gets."""
        return self.definition.get("decision_boundaries") or []

    def domain(self, key: str) -> dict[str, Any] | None:
        return next((d for d in self.domains if d["key"] == key), None)


class Vignette(db.Model):
    """A fictional child's profile, identified by its code across versions."""

    __tablename__ = "vignettes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    versions: Mapped[list[VignetteVersion]] = relationship(
        back_populates="vignette", order_by="VignetteVersion.version"
    )

    @property
    def latest(self) -> VignetteVersion:
        return self.versions[-1]


class VignetteVersion(db.Model):
    """One version of a vignette's text. Ratings point at the version that was scored."""

    __tablename__ = "vignette_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    vignette_id: Mapped[int] = mapped_column(ForeignKey("vignettes.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    title: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str] = mapped_column(String(20))
    body_markdown: Mapped[str] = mapped_column(Text)
    #: Reference (moderated) score per domain key; may be empty.
    reference_scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    content_digest: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    vignette: Mapped[Vignette] = relationship(back_populates="versions")
    framework: Mapped[Framework] = relationship()

    __table_args__ = (UniqueConstraint("vignette_id", "version"),)

    @property
    def code(self) -> str:
        return self.vignette.code

    @property
    def unit_label(self) -> str:
        """How exports name this version: ``CODE@vN``."""
        return f"{self.vignette.code}@v{self.version}"


huddle_cofacilitators = Table(
    "huddle_cofacilitators",
    db.Model.metadata,
    Column("huddle_id", ForeignKey("huddles.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Huddle(db.Model):
    """A moderation session: practitioners score vignettes, then agree a score."""

    __tablename__ = "huddles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    phase: Mapped[str | None] = mapped_column(String(20))
    host_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=HuddleStatus.LOBBY.value)
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("huddle_items.id", use_alter=True, ondelete="SET NULL")
    )
    #: Bumped by every change anyone could see; the ETag of live state.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "status IN ('lobby', 'scoring', 'revealed', 'closed')", name="status_known"
        ),
    )

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    host_area: Mapped[Area | None] = relationship()
    cofacilitators: Mapped[list[User]] = relationship(secondary=huddle_cofacilitators)
    items: Mapped[list[HuddleItem]] = relationship(
        back_populates="huddle",
        order_by="HuddleItem.position",
        foreign_keys="HuddleItem.huddle_id",
        cascade="all, delete-orphan",
    )
    current_item: Mapped[HuddleItem | None] = relationship(
        foreign_keys=[current_item_id], post_update=True
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="huddle", order_by="Participant.joined_at"
    )

    def is_facilitator(self, user: User | None) -> bool:
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return user.id == self.owner_id or any(u.id == user.id for u in self.cofacilitators)


class HuddleItem(db.Model):
    """A vignette version in a huddle's running order, with its agreed score."""

    __tablename__ = "huddle_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    huddle_id: Mapped[int] = mapped_column(ForeignKey("huddles.id", ondelete="CASCADE"))
    vignette_version_id: Mapped[int] = mapped_column(ForeignKey("vignette_versions.id"))
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default=ItemState.PENDING.value)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consensus_note: Mapped[str | None] = mapped_column(Text)
    consensus_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The scoring round: 1 for the independent scores, 2 once a rescore after the
    #: discussion has been asked for.
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __table_args__ = (
        UniqueConstraint("huddle_id", "position"),
        UniqueConstraint("huddle_id", "vignette_version_id"),
        CheckConstraint("state IN ('pending', 'scoring', 'revealed')", name="state_known"),
        CheckConstraint("round IN (1, 2)", name="round_known"),
    )

    huddle: Mapped[Huddle] = relationship(back_populates="items", foreign_keys=[huddle_id])
    vignette_version: Mapped[VignetteVersion] = relationship()
    consensus: Mapped[list[ConsensusScore]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ConsensusScore.id"
    )

    def consensus_scores(self) -> dict[str, int]:
        return {c.domain: c.score for c in self.consensus}


class ConsensusScore(db.Model):
    """The score a huddle agreed for one domain of one vignette."""

    __tablename__ = "consensus_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("huddle_items.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("item_id", "domain"),)

    item: Mapped[HuddleItem] = relationship(back_populates="consensus")


class Practitioner(db.Model):
    """A person who scores, known only by the token their device keeps."""

    __tablename__ = "practitioners"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    memberships: Mapped[list[Participant]] = relationship(back_populates="practitioner")


class Participant(db.Model):
    """A practitioner's place in one huddle, with how they introduced themselves."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    huddle_id: Mapped[int] = mapped_column(ForeignKey("huddles.id", ondelete="CASCADE"))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(80))
    setting: Mapped[str | None] = mapped_column(String(120))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("huddle_id", "practitioner_id"),)

    huddle: Mapped[Huddle] = relationship(back_populates="participants")
    practitioner: Mapped[Practitioner] = relationship(back_populates="memberships")
    area: Mapped[Area] = relationship()


class Rating(db.Model):
    """One score: (huddle, vignette version, domain, participant, round)."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    huddle_id: Mapped[int] = mapped_column(ForeignKey("huddles.id", ondelete="CASCADE"))
    vignette_version_id: Mapped[int] = mapped_column(ForeignKey("vignette_versions.id"))
    domain: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int] = mapped_column(Integer, default=INDEPENDENT_ROUND)
    score: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("huddle_id", "vignette_version_id", "domain", "participant_id", "round"),
        CheckConstraint("round IN (1, 2)", name="round_known"),
    )

    participant: Mapped[Participant] = relationship()
    vignette_version: Mapped[VignetteVersion] = relationship()
