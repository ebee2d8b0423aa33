"""Tamper evidence for the incident log: one hash chain per account, and the server's signed
checkpoints of it.

Every revision, deletion and file joins the chain as a link:

    digest = SHA-256(salt || canonical content)          salt: 32 random bytes, sealed
    link   = SHA-256(previous link || event || recorded-at time || digest)

The link hash and the time are in the clear; the salt, the digest and what the link is about are
sealed with the person's key, so nobody without it can test a guess at what was written. A
changed, removed or reordered row breaks the chain at that point. The person, holding their
key, could in principle rebuild the whole chain after rewriting history; the checkpoints stop
that: at each write the server signs the new head with its own key and time, and a rebuilt chain
no longer matches what was signed.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models.accounts import User
from portal.models.base import new_id, utcnow
from portal.models.incidents import ChainCheckpoint, ChainLink
from portal.security.crypto import DecryptionFailed, FieldCipher

LINK_KIND = "incident_chain"
SUBJECT_FIELD = "subject"
FIRST_PREVIOUS = bytes(32)  # what the first link follows

Signer = Callable[[bytes], bytes]
SignatureCheck = Callable[[bytes, bytes], bool]


class Event(enum.StrEnum):
    RECORDED = "recorded"  # an incident as first written down
    AMENDED = "amended"  # a new revision of it
    DELETED = "deleted"  # the person deleted it: explains the gap its revisions leave
    FILE_ADDED = "file-added"
    FILE_REMOVED = "file-removed"


def canonical(value: Any) -> bytes:
    """One exact byte form of a JSON value, whatever order its keys were built in."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_digest(salt: bytes, content: bytes) -> bytes:
    return hashlib.sha256(b"support-space/chain/content\n" + salt + content).digest()


def link_hash(previous: bytes, event: str, recorded_at: datetime, digest: bytes) -> bytes:
    moment = recorded_at.astimezone(UTC).isoformat(timespec="microseconds")
    return hashlib.sha256(
        b"support-space/chain/link/v1\n" + previous + f"{event}\n{moment}\n".encode() + digest
    ).digest()


def checkpoint_message(
    owner_id: uuid.UUID, sequence: int, head: bytes, signed_at: datetime
) -> bytes:
    """What the server signs: this account's chain had this head at this length at this time."""
    return canonical(
        {
            "account": str(owner_id),
            "head": head.hex(),
            "sequence": sequence,
            "signed_at": signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        }
    )


# What each kind of link covers: the facts that must not change unseen.


def revision_content(incident_id: uuid.UUID, number: int, payload: dict[str, Any]) -> bytes:
    return canonical({"incident": str(incident_id), "revision": number, "content": payload})


def deletion_content(incident_id: uuid.UUID, revisions: int) -> bytes:
    return canonical({"incident": str(incident_id), "deleted_revisions": revisions})


def file_content(incident_id: uuid.UUID, file_id: uuid.UUID, sha256: str, size: int) -> bytes:
    return canonical(
        {"incident": str(incident_id), "file": str(file_id), "sha256": sha256, "size": size}
    )


def file_removal_content(incident_id: uuid.UUID, file_id: uuid.UUID) -> bytes:
    return canonical({"incident": str(incident_id), "removed_file": str(file_id)})


@dataclass(frozen=True)
class Subject:
    """What a link is about (sealed in the link)."""

    incident_id: uuid.UUID
    revision: int | None = None
    file_id: uuid.UUID | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "incident": str(self.incident_id),
            "revision": self.revision,
            "file": str(self.file_id) if self.file_id else None,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Subject:
        file_id = payload.get("file")
        return cls(
            uuid.UUID(payload["incident"]),
            payload.get("revision"),
            uuid.UUID(file_id) if file_id else None,
        )


def append_link(
    db_session: Session,
    cipher: FieldCipher,
    event: Event,
    subject: Subject,
    content: bytes,
    sign: Signer,
) -> ChainLink:
    """Add a link for `content` to the owner's chain and sign the new head (not committed: it
    belongs to the same transaction as what it records)."""
    owner_id = cipher.owner_id
    # One writer per account at a time, so two tabs cannot both take the next sequence number
    # (SQLite serialises writers by itself; this locks the account's row on PostgreSQL).
    db_session.execute(select(User.id).where(User.id == owner_id).with_for_update())
    latest = db_session.execute(
        select(ChainLink.sequence, ChainLink.link_hash)
        .where(ChainLink.user_id == owner_id)
        .order_by(ChainLink.sequence.desc())
        .limit(1)
    ).one_or_none()
    sequence = latest.sequence + 1 if latest else 1
    previous = latest.link_hash if latest else FIRST_PREVIOUS
    salt = os.urandom(32)
    digest = content_digest(salt, content)
    recorded_at = utcnow()
    head = link_hash(previous, event.value, recorded_at, digest)
    body = {
        "subject": subject.to_payload(),
        "salt": base64.b64encode(salt).decode(),
        "digest": digest.hex(),
    }
    link_id = new_id()
    link = ChainLink(
        user_id=owner_id,
        sequence=sequence,
        link_id=link_id,
        event=event.value,
        recorded_at=recorded_at,
        link_hash=head,
        subject_sealed=cipher.seal_json(
            body, kind=LINK_KIND, record_id=link_id, field=SUBJECT_FIELD
        ),
    )
    db_session.add(link)
    signed_at = utcnow()
    db_session.add(
        ChainCheckpoint(
            user_id=owner_id,
            sequence=sequence,
            head_hash=head,
            signed_at=signed_at,
            signature=sign(checkpoint_message(owner_id, sequence, head, signed_at)),
        )
    )
    db_session.flush()
    return link


# Checking the chain --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain first fails, and why, in words for the person."""

    sequence: int
    incident_id: uuid.UUID | None  # the incident the failing link is about, when known
    reason: str


@dataclass(frozen=True)
class ChainReport:
    length: int
    head: bytes
    checked_at: datetime
    problem: ChainBreak | None
    latest_checkpoint: ChainCheckpoint | None

    @property
    def verified(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class LiveRecords:
    """What the chain's links point at, as it is stored now, opened for the owner:
    (incident, revision number) -> payload, and file id -> (incident, sha256, size)."""

    revisions: dict[tuple[uuid.UUID, int], dict[str, Any]]
    files: dict[uuid.UUID, tuple[uuid.UUID, str, int]]


def _expected_content(
    event: str,
    subject: Subject,
    live: LiveRecords,
    deleted: set[uuid.UUID],
    removed_files: set[uuid.UUID],
) -> bytes | str | None:
    """The content the link should cover, from what is stored now; None when it is gone and a
    deletion explains that; a reason (str) when it is gone unexplained."""
    if event in (Event.RECORDED, Event.AMENDED):
        payload = live.revisions.get((subject.incident_id, subject.revision or 0))
        if payload is None:
            if subject.incident_id in deleted:
                return None
            return "a saved version of this incident is missing"
        return revision_content(subject.incident_id, subject.revision or 0, payload)
    if event == Event.FILE_ADDED:
        found = live.files.get(subject.file_id) if subject.file_id else None
        if found is None:
            if subject.file_id in removed_files or subject.incident_id in deleted:
                return None
            return "an evidence file of this incident is missing"
        incident_id, sha256, size = found
        return file_content(incident_id, subject.file_id, sha256, size)  # type: ignore[arg-type]
    return None  # deletions and removals carry their content in the sealed digest


def verify_chain(
    db_session: Session,
    cipher: FieldCipher,
    live: LiveRecords,
    check_signature: SignatureCheck,
) -> ChainReport:
    """Check every link of the owner's chain against what is stored now, and every checkpoint
    the server signed against the chain."""
    owner_id = cipher.owner_id
    links = db_session.execute(
        select(
            ChainLink.sequence,
            ChainLink.link_id,
            ChainLink.event,
            ChainLink.recorded_at,
            ChainLink.link_hash,
            ChainLink.subject_sealed,
        )
        .where(ChainLink.user_id == owner_id)
        .order_by(ChainLink.sequence)
    ).all()
    checkpoints = db_session.scalars(
        select(ChainCheckpoint)
        .where(ChainCheckpoint.user_id == owner_id)
        .order_by(ChainCheckpoint.sequence)
    ).all()
    now = utcnow()
    latest_checkpoint = checkpoints[-1] if checkpoints else None

    # Subjects first: deletions explain gaps that appear earlier in the chain.
    subjects: dict[int, tuple[Subject, bytes, bytes]] = {}
    deleted: set[uuid.UUID] = set()
    removed_files: set[uuid.UUID] = set()
    problem: ChainBreak | None = None
    for link in links:
        try:
            body = cipher.open_json(
                link.subject_sealed, kind=LINK_KIND, record_id=link.link_id, field=SUBJECT_FIELD
            )
            subject = Subject.from_payload(body["subject"])
            salt = base64.b64decode(body["salt"])
            digest = bytes.fromhex(body["digest"])
        except (DecryptionFailed, KeyError, ValueError, TypeError):
            problem = problem or ChainBreak(
                link.sequence, None, "a link of the chain has been changed and no longer opens"
            )
            continue
        subjects[link.sequence] = (subject, salt, digest)
        if link.event == Event.DELETED:
            deleted.add(subject.incident_id)
        elif link.event == Event.FILE_REMOVED and subject.file_id is not None:
            removed_files.add(subject.file_id)

    previous = FIRST_PREVIOUS
    heads: dict[int, bytes] = {}
    for expected_sequence, link in enumerate(links, start=1):
        if problem is not None and problem.sequence <= link.sequence:
            break
        found = subjects.get(link.sequence)
        incident_id = found[0].incident_id if found else None
        if link.sequence != expected_sequence:
            problem = ChainBreak(
                link.sequence, incident_id, "a record before this one has been removed"
            )
            break
        if found is None:
            break
        subject, salt, digest = found
        content = _expected_content(link.event, subject, live, deleted, removed_files)
        if isinstance(content, str):
            problem = ChainBreak(link.sequence, incident_id, content)
            break
        if content is not None and content_digest(salt, content) != digest:
            problem = ChainBreak(
                link.sequence, incident_id, "this record has been changed since it was saved"
            )
            break
        recomputed = link_hash(previous, link.event, link.recorded_at, digest)
        if recomputed != link.link_hash:
            problem = ChainBreak(
                link.sequence,
                incident_id,
                "the records around this one have been moved or changed since they were saved",
            )
            break
        heads[link.sequence] = recomputed
        previous = recomputed

    if problem is None:
        for checkpoint in checkpoints:
            message = checkpoint_message(
                owner_id, checkpoint.sequence, checkpoint.head_hash, checkpoint.signed_at
            )
            if not check_signature(message, checkpoint.signature):
                problem = ChainBreak(
                    checkpoint.sequence, None, "a checkpoint was not signed by this site"
                )
                break
            if heads.get(checkpoint.sequence) != checkpoint.head_hash:
                found = subjects.get(checkpoint.sequence)
                problem = ChainBreak(
                    checkpoint.sequence,
                    found[0].incident_id if found else None,
                    "the log no longer matches what this site signed when it was saved",
                )
                break
    return ChainReport(
        length=len(links),
        head=previous if links else FIRST_PREVIOUS,
        checked_at=now,
        problem=problem,
        latest_checkpoint=latest_checkpoint,
    )
