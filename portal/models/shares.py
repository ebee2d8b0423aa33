"""Shares: a read-only, time-limited view of chosen records for someone without an account.

A share's snapshot (the records as they were when shared, their photos and the signed evidence
pack) is sealed with a random snapshot key. That key is kept twice: wrapped with a key derived
from the link's token and the access code, which are never stored, for the recipient; and sealed
with the owner's data key, so the owner can issue a new code. The table holds only a hash of the
token, to find the row, so the database alone opens nothing. Revoking or expiry deletes the row
and, with it, every part of the snapshot.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, new_id, utcnow


class Share(Base):
    """One share the person made: when it ends, and the keys to its snapshot (sealed)."""

    __tablename__ = "shares"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the link's token: finds the row, and cannot be turned back into the link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Sealed with the owner's data key: the label, what is in it and the token (portal.sharing).
    details_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    snapshot_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The snapshot key wrapped with a key derived from token and code, with that derivation's salt.
    recipient_key_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    code_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    # Wrong codes since the code was issued: throttled, then locked (portal.sharing.services).
    failed_codes: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:  # never a key
        return f"<Share {self.id}>"


class ShareSnapshotPart(Base):
    """One sealed part of a share's snapshot: "records" (what the pages show), a photo or file,
    a thumbnail, or the evidence pack."""

    __tablename__ = "share_snapshot_parts"

    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class ShareOpening(Base):
    """A time the recipient opened a share with its code: the time alone, never an address."""

    __tablename__ = "share_openings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
