"""The private diary and the sleep diary.

Each record keeps only its date in the clear, so lists, pages of results and the month view can
be ordered and counted by the database. Everything the person wrote (mood, tags, notes, times,
quality) is one JSON payload sealed with their data key, bound to the kind of record, its id and
its owner. `version` counts saves; an edit form carries the version it started from, so a save
from an out-of-date tab is caught instead of overwriting the newer text.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from portal.models.base import Base, new_id, utcnow


class SealedRecord:
    """Columns every private record shares: its owner, the sealed payload and the save count."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    payload_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    if TYPE_CHECKING:
        # Every model with these columns also inherits Base, whose constructor takes columns as
        # keywords; mypy sees this mixin alone where portal.records makes a record.
        def __init__(self, **columns: Any) -> None: ...

    @declared_attr
    def user_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    def __repr__(self) -> str:  # never the payload: reprs end up in logs
        return f"<{type(self).__name__} {self.id}>"


class DiaryEntry(SealedRecord, Base):
    """One diary entry (kind "diary_entry"): mood 1 to 5, tags and notes, sealed."""

    __tablename__ = "diary_entries"
    # A person's entries in the order lists show them (newest first), so a page needs no sort.
    __table_args__ = (
        Index("ix_diary_entries_newest_first", "user_id", "entry_date", "created_at", "id"),
    )

    entry_date: Mapped[date] = mapped_column(Date)


class SleepNight(SealedRecord, Base):
    """One night of the sleep diary (kind "sleep_night"): its times, quality and notes, sealed.
    One per night: `night_of` is the evening the night began."""

    __tablename__ = "sleep_nights"
    __table_args__ = (UniqueConstraint("user_id", "night_of"),)

    night_of: Mapped[date] = mapped_column(Date)
