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
no longer matches what was signed. A check also looks the other way: every stored revision and
file must have its link, the version shown of each incident must be its latest revision, and
every link its checkpoint.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.database import DATABASE_UNAVAILABLE, rollback_quietly
from portal.models.accounts import User
from portal.models.base import new_id, utcnow
from portal.models.incidents import ChainCheckpoint, ChainLink
from portal.models.keystore import ChainMark
from portal.security.crypto import DecryptionFailed, FieldCipher

log = logging.getLogger(__name__)

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


def lock_chain(db_session: Session, owner_id: uuid.UUID) -> None:
    """Start a write to the owner's log: one writer per account at a time, so two tabs cannot
    both take the next link. Taken before anything is inserted, since inserting a row that
    refers to the account takes a weaker lock on it first (PostgreSQL: two such writes would
    deadlock); SQLite serialises writers by itself."""
    db_session.execute(select(User.id).where(User.id == owner_id).with_for_update())


def append_link(
    db_session: Session,
    cipher: FieldCipher,
    event: Event,
    subject: Subject,
    content: bytes,
    sign: Signer,
) -> ChainLink:
    """Add a link for `content` to the owner's chain and sign the new head (not committed: it
    belongs to the same transaction as what it records, which began with lock_chain)."""
    owner_id = cipher.owner_id
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
    # What happened (a deletion, say) is sealed with the rest: only the time is in the clear.
    body = {
        "event": event.value,
        "subject": subject.to_payload(),
        "salt": base64.b64encode(salt).decode(),
        "digest": digest.hex(),
    }
    link_id = new_id()
    link = ChainLink(
        user_id=owner_id,
        sequence=sequence,
        link_id=link_id,
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


def raise_chain_mark(keystore_session: Session, owner_id: uuid.UUID, sequence: int) -> None:
    """Once a link is committed, the keystore's mark of how long the owner's log has been,
    raised to `sequence` (never lowered: two saves may finish in either order). The save has
    happened by then, so a keystore that does not answer is logged rather than raised (the
    person must not be told to save again); the next save raises the mark past it."""
    insert = (
        sqlite_insert if keystore_session.get_bind().dialect.name == "sqlite" else postgres_insert
    )
    new = insert(ChainMark).values(user_id=owner_id, sequence=sequence, marked_at=utcnow())
    higher = case(
        (ChainMark.sequence > new.excluded.sequence, ChainMark.sequence),
        else_=new.excluded.sequence,
    )
    statement = new.on_conflict_do_update(
        index_elements=[ChainMark.user_id],
        set_={"sequence": higher, "marked_at": new.excluded.marked_at},
    )
    try:
        keystore_session.execute(statement)
        keystore_session.commit()
    except DATABASE_UNAVAILABLE as error:
        rollback_quietly(keystore_session)
        log.warning(
            "A log's mark could not be raised (%s); the next save will.", type(error).__name__
        )


def chain_mark(keystore_session: Session, owner_id: uuid.UUID) -> int | None:
    """The sequence of the newest link the site saved in the owner's log, if any."""
    return keystore_session.scalar(select(ChainMark.sequence).where(ChainMark.user_id == owner_id))


# Checking the chain --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """Where the check first fails, and why, in words for the person."""

    sequence: int | None  # the link at fault, when it is a link
    incident_id: uuid.UUID | None  # the incident it is about, when known
    reason: str


@dataclass(frozen=True)
class Removal:
    """A deletion the chain records: what went (an incident or a file) and when."""

    what: str
    recorded_at: datetime


@dataclass(frozen=True)
class ChainReport:
    length: int
    head: bytes
    checked_at: datetime
    problem: ChainBreak | None
    latest_checkpoint: ChainCheckpoint | None
    removals: tuple[Removal, ...] = ()
    files_checked: bool = False

    @property
    def verified(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class LiveRecords:
    """The log as it is stored now, opened for its owner.

    revisions: (incident, number) -> payload; shown: incident -> (version, payload) of the
    version pages show; files: file id -> (incident, sha256, size) from its facts;
    file_hashes: file id -> SHA-256 of its stored original, when the originals were read.
    """

    revisions: dict[tuple[uuid.UUID, int], dict[str, Any]]
    shown: dict[uuid.UUID, tuple[int, dict[str, Any]]]
    files: dict[uuid.UUID, tuple[uuid.UUID, str, int]]
    file_hashes: dict[uuid.UUID, str] | None = None


@dataclass(frozen=True)
class _OpenedLink:
    sequence: int
    recorded_at: datetime
    link_hash: bytes
    event: str
    subject: Subject
    salt: bytes
    digest: bytes


def _open_links(
    db_session: Session, cipher: FieldCipher
) -> tuple[list[_OpenedLink], ChainBreak | None]:
    rows = db_session.execute(
        select(
            ChainLink.sequence,
            ChainLink.link_id,
            ChainLink.recorded_at,
            ChainLink.link_hash,
            ChainLink.subject_sealed,
        )
        .where(ChainLink.user_id == cipher.owner_id)
        .order_by(ChainLink.sequence)
    ).all()
    opened: list[_OpenedLink] = []
    for row in rows:
        try:
            body = cipher.open_json(
                row.subject_sealed, kind=LINK_KIND, record_id=row.link_id, field=SUBJECT_FIELD
            )
            link = _OpenedLink(
                row.sequence,
                row.recorded_at,
                row.link_hash,
                Event(body["event"]).value,
                Subject.from_payload(body["subject"]),
                base64.b64decode(body["salt"]),
                bytes.fromhex(body["digest"]),
            )
        except (DecryptionFailed, KeyError, ValueError, TypeError):
            return opened, ChainBreak(
                row.sequence, None, "a link of the chain has been changed and no longer opens"
            )
        opened.append(link)
    return opened, None


def _expected_content(
    link: _OpenedLink, live: LiveRecords, gone: set[uuid.UUID]
) -> bytes | str | None:
    """The content a link should cover, from what is stored now; None when it is gone and a
    later link explains that (a deletion or removal); a reason (str) when it is gone
    unexplained."""
    subject = link.subject
    if link.event in (Event.RECORDED, Event.AMENDED):
        payload = live.revisions.get((subject.incident_id, subject.revision or 0))
        if payload is None:
            if subject.incident_id in gone:
                return None
            return "a saved version of this incident is missing"
        return revision_content(subject.incident_id, subject.revision or 0, payload)
    if link.event == Event.FILE_ADDED and subject.file_id is not None:
        found = live.files.get(subject.file_id)
        if found is None:
            if subject.file_id in gone or subject.incident_id in gone:
                return None
            return "an evidence file of this incident is missing"
        incident_id, sha256, size = found
        return file_content(incident_id, subject.file_id, sha256, size)
    return None  # deletions and removals carry their content in the sealed digest


def _check_links(
    links: list[_OpenedLink], live: LiveRecords
) -> tuple[bytes, dict[int, bytes], ChainBreak | None]:
    """Recompute every link in order; the head, each link's hash, and the first break."""
    gone = {
        link.subject.file_id if link.event == Event.FILE_REMOVED else link.subject.incident_id
        for link in links
        if link.event in (Event.DELETED, Event.FILE_REMOVED)
    }
    previous = FIRST_PREVIOUS
    heads: dict[int, bytes] = {}
    for expected_sequence, link in enumerate(links, start=1):
        incident_id = link.subject.incident_id
        if link.sequence != expected_sequence:
            return (
                previous,
                heads,
                ChainBreak(link.sequence, incident_id, "a record before this one has been removed"),
            )
        content = _expected_content(link, live, gone)  # type: ignore[arg-type]
        if isinstance(content, str):
            return previous, heads, ChainBreak(link.sequence, incident_id, content)
        if content is not None and content_digest(link.salt, content) != link.digest:
            return (
                previous,
                heads,
                ChainBreak(
                    link.sequence, incident_id, "this record has been changed since it was saved"
                ),
            )
        recomputed = link_hash(previous, link.event, link.recorded_at, link.digest)
        if recomputed != link.link_hash:
            return (
                previous,
                heads,
                ChainBreak(
                    link.sequence,
                    incident_id,
                    "the records around this one have been moved or changed since they were saved",
                ),
            )
        heads[link.sequence] = recomputed
        previous = recomputed
    return previous, heads, None


def _check_coverage(links: list[_OpenedLink], live: LiveRecords) -> ChainBreak | None:
    """Everything stored has its link, nothing deleted has come back, and each incident shows
    its latest saved version."""
    linked_revisions = {
        (link.subject.incident_id, link.subject.revision)
        for link in links
        if link.event in (Event.RECORDED, Event.AMENDED)
    }
    deleted = {link.subject.incident_id for link in links if link.event == Event.DELETED}
    added_files = {link.subject.file_id for link in links if link.event == Event.FILE_ADDED}
    removed_files = {link.subject.file_id for link in links if link.event == Event.FILE_REMOVED}
    for incident_id, number in sorted(live.revisions, key=lambda key: (str(key[0]), key[1])):
        if incident_id in deleted:
            return ChainBreak(None, incident_id, "an incident that was deleted has come back")
        if (incident_id, number) not in linked_revisions:
            return ChainBreak(
                None, incident_id, "a version of this incident was not saved by this site"
            )
    for incident_id, (version, payload) in live.shown.items():
        if live.revisions.get((incident_id, version)) != payload or any(
            known == incident_id and number > version for known, number in live.revisions
        ):
            return ChainBreak(
                None, incident_id, "the version shown of this incident is not its latest saved one"
            )
    for file_id, (incident_id, sha256, _size) in live.files.items():
        if file_id in removed_files or incident_id in deleted:
            return ChainBreak(None, incident_id, "an evidence file that was removed has come back")
        if file_id not in added_files:
            return ChainBreak(None, incident_id, "an evidence file was not added by this site")
        if live.file_hashes is not None and live.file_hashes.get(file_id) != sha256:
            return ChainBreak(
                None, incident_id, "an evidence file has been changed since it was added"
            )
    return None


def _check_checkpoints(
    owner_id: uuid.UUID,
    checkpoints: list[ChainCheckpoint],
    heads: dict[int, bytes],
    links: list[_OpenedLink],
    check_signature: SignatureCheck,
) -> ChainBreak | None:
    """The site signed every link's head as it was saved: each signature is good, each head
    matches, and no link is without its checkpoint."""
    by_sequence = {checkpoint.sequence: checkpoint for checkpoint in checkpoints}
    for link in links:
        if link.sequence not in by_sequence:
            return ChainBreak(
                link.sequence,
                link.subject.incident_id,
                "the site's signature for this record is missing",
            )
    for checkpoint in checkpoints:
        message = checkpoint_message(
            owner_id, checkpoint.sequence, checkpoint.head_hash, checkpoint.signed_at
        )
        if not check_signature(message, checkpoint.signature):
            return ChainBreak(checkpoint.sequence, None, "a checkpoint was not signed by this site")
        if heads.get(checkpoint.sequence) != checkpoint.head_hash:
            found = next((link for link in links if link.sequence == checkpoint.sequence), None)
            return ChainBreak(
                checkpoint.sequence,
                found.subject.incident_id if found else None,
                "the log no longer matches what this site signed when it was saved",
            )
    return None


def _check_mark(links: list[_OpenedLink], mark: int | None) -> ChainBreak | None:
    """The log is as long as the keystore's mark says the site made it: removing the newest
    links, with their records and checkpoints, leaves no gap in the chain, but falls short."""
    newest = links[-1].sequence if links else 0
    if mark is None or mark <= newest:
        return None
    return ChainBreak(
        None,
        None,
        f"the newest records are missing: this site saved {mark} changes to your log, and "
        f"only the first {newest} are there",
    )


def verify_chain(
    db_session: Session,
    cipher: FieldCipher,
    live: LiveRecords,
    check_signature: SignatureCheck,
    mark: int | None,
) -> ChainReport:
    """Check the owner's log: every link against what is stored now, everything stored against
    the links, every link against the checkpoint the server signed, and its length against the
    keystore's mark (`chain_mark`)."""
    links, problem = _open_links(db_session, cipher)
    checkpoints = list(
        db_session.scalars(
            select(ChainCheckpoint)
            .where(ChainCheckpoint.user_id == cipher.owner_id)
            .order_by(ChainCheckpoint.sequence)
        )
    )
    head, heads, broken = (
        _check_links(links, live) if problem is None else (FIRST_PREVIOUS, {}, None)
    )
    problem = problem or broken or _check_coverage(links, live)
    problem = problem or _check_checkpoints(
        cipher.owner_id, checkpoints, heads, links, check_signature
    )
    problem = problem or _check_mark(links, mark)
    removals = tuple(
        Removal(
            "an incident" if link.event == Event.DELETED else "an evidence file", link.recorded_at
        )
        for link in links
        if link.event in (Event.DELETED, Event.FILE_REMOVED)
    )
    return ChainReport(
        length=len(links),
        head=head,
        checked_at=utcnow(),
        problem=problem,
        latest_checkpoint=checkpoints[-1] if checkpoints else None,
        removals=removals,
        files_checked=live.file_hashes is not None,
    )
