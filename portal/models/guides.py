"""Guides, their revisions (published content) and drafts, and each person's progress and answers.

A revision's Markdown is kept whole; the site parses and renders each one once per process.
Revisions never change once made: publishing, rolling back and loading guides/ each add one.
A draft is staff's unpublished work on a guide, one per guide, never shown to the public.
Progress names steps by their stable ids (which guide and which steps someone finished is kept in
the clear, under a pseudonymous account); answers are private records, sealed with the owner's
data key.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, new_id, utcnow


class Guide(Base):
    """A guide, known by its slug; what the site shows is its published version. A guide with
    no published version is a draft (never published) or unpublished (taken down by staff)."""

    __tablename__ = "guides"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # use_alter: guides and versions point at each other; the constraint is added after both exist.
    published_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("guide_versions.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last change made in the staff area, and by which staff account (None for a guide only
    # ever loaded from guides/). No foreign key, as for a revision's author: adding one would
    # make SQLite copy this table, and dropping the old copy would cascade to people's progress.
    last_edited_at: Mapped[datetime | None]
    last_edited_by_id: Mapped[uuid.UUID | None]
    # When staff took it down; publishing again clears it. `flask guides sync` leaves such a
    # guide alone rather than put it back up.
    unpublished_at: Mapped[datetime | None]

    published_version: Mapped[GuideVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True
    )


class GuideVersion(Base):
    """One revision of a guide: a published text, never changed afterwards. Its metadata is
    copied out of the front matter so that the library can list guides without parsing them;
    `number` is the front matter's version."""

    __tablename__ = "guide_versions"
    __table_args__ = (UniqueConstraint("guide_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    guide_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("guides.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    topic: Mapped[str] = mapped_column(String(40))
    minutes: Mapped[int] = mapped_column(Integer)
    step_ids: Mapped[list[str]] = mapped_column(JSON)
    # Loaded only when a version is parsed, once per process.
    source: Mapped[str] = mapped_column(Text, deferred=True)
    source_hash: Mapped[str] = mapped_column(String(64))
    # "file" for guides loaded from guides/, "staff" for those written in the browser.
    origin: Mapped[str] = mapped_column(String(10), default="file")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The staff account that published it (None from a file). No foreign key: the revision stays
    # exactly as it was made when the account is deleted.
    author_id: Mapped[uuid.UUID | None]
    change_note: Mapped[str] = mapped_column(String(500), default="", server_default="")

    guide: Mapped[Guide] = relationship(foreign_keys=[guide_id])


class RevisionImmutable(Exception):
    """Something tried to change a revision once made; publish a new one instead."""


@event.listens_for(GuideVersion, "before_update")
def _refuse_changing_a_revision(_mapper: object, _connection: object, target: GuideVersion) -> None:
    raise RevisionImmutable(f"revision {target.number} of a guide cannot change once made")


class GuideDraft(Base):
    """Staff's unpublished text of a guide, one per guide; people never see it."""

    __tablename__ = "guide_drafts"

    guide_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("guides.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(Text)
    # The revision it was begun from (None for a new guide), to say when one was published since.
    base_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("guide_versions.id", ondelete="SET NULL")
    )
    # Raised by every save; a save from a page that showed an older one is refused, so two
    # editors never overwrite each other unseen.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class GuideProgress(Base):
    """Which steps of a guide one person has finished."""

    __tablename__ = "guide_progress"
    __table_args__ = (UniqueConstraint("user_id", "guide_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    guide_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"))
    completed_steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class GuideAnswer(Base):
    """One person's answer to one exercise, sealed (kind "guide_answer", field "value")."""

    __tablename__ = "guide_answers"
    __table_args__ = (UniqueConstraint("user_id", "guide_id", "block_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    guide_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"))
    block_id: Mapped[str] = mapped_column(String(64))
    value_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<GuideAnswer {self.id}>"


AnswerValue = dict[str, Any]
