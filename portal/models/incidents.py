"""The incident log: incidents, every revision of each, evidence files, and the tamper-evident
chain over all of them with the server's signed checkpoints.

As with the diary, only what must be ordered or counted is in the clear: an incident's start
date, when each revision and file was recorded, file sizes (for the quota), and each chain link's
hash, which is salted so it gives nothing away. Everything the person wrote or uploaded is sealed
with their data key (portal.records, portal.security.crypto), and every row names its owner so
every query can.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, new_id, utcnow
from portal.models.diary import SealedRecord


def _owner() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class Incident(SealedRecord, Base):
    """One incident (kind "incident"): its current version, sealed. `version` is the number of
    its newest revision; every earlier one is kept in incident_revisions."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_newest_first", "user_id", "started_on", "created_at", "id"),
    )

    started_on: Mapped[date] = mapped_column(Date)


class IncidentRevision(Base):
    """One version of an incident as it was saved (kind "incident_revision"): the first as
    recorded, then each amendment. Never changed once written."""

    __tablename__ = "incident_revisions"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = _owner()
    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload_sealed: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceFile(Base):
    """A photo, letter or sound recording attached to an incident (kind "evidence_file"): the
    original byte for byte, the copy shown (location and camera details removed), a thumbnail,
    and its facts (name, type, SHA-256), each sealed."""

    __tablename__ = "evidence_files"
    __table_args__ = (Index("ix_evidence_files_user_id_incident_id", "user_id", "incident_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = _owner()
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    size: Mapped[int] = mapped_column(Integer)  # of the original, for the account's quota
    facts_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    original_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # None when the copy shown is the original itself (PDFs, sound).
    display_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    thumbnail_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class ChainLink(Base):
    """One link of an account's hash chain: when something was recorded, and a hash over the link
    before, the time and a salted digest of the content (portal.incidents.chain). What happened
    and what it is about (the event, ids, salt, digest) are sealed."""

    __tablename__ = "incident_chain_links"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What the sealed subject is bound to: a link moved to another place still opens, so a
    # check can name the incident it is about.
    link_id: Mapped[uuid.UUID] = mapped_column(default=new_id, unique=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    link_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    subject_sealed: Mapped[bytes] = mapped_column(LargeBinary)


class ChainCheckpoint(Base):
    """The server's signature over an account's chain head at a moment, with the server's own
    time: older history cannot be rewritten unnoticed, even by someone holding the data key."""

    __tablename__ = "incident_chain_checkpoints"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    head_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
