"""The incident log's rules: record, amend (never a silent edit), delete with a marker, attach
and remove evidence files, and check the chain. Every function takes the database session and
the owner's id, and everything is found by owner, so another person's ids are simply not found.

Each change is one transaction: the incident as it now stands, the revision that records the
change, and the chain link that makes it tamper-evident are saved together or not at all.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.extensions import keystore_db
from portal.incidents.chain import (
    ChainReport,
    Event,
    LiveRecords,
    Subject,
    append_link,
    chain_mark,
    deletion_content,
    file_content,
    file_removal_content,
    lock_chain,
    raise_chain_mark,
    revision_content,
    verify_chain,
)
from portal.incidents.content import IncidentContent
from portal.incidents.pack_input import FileKind
from portal.incidents.signing import current_signer
from portal.incidents.uploads import CheckedFile, UploadRefused, check_quota
from portal.models.base import new_id, utcnow
from portal.models.incidents import ChainLink, EvidenceFile, Incident, IncidentRevision
from portal.records import OpenedRecord, RecordNotFound, RecordStore
from portal.security.crypto import DecryptionFailed
from portal.security.data_keys import cipher_for

INCIDENT_KIND = "incident"
REVISION_KIND = "incident_revision"
FILE_KIND = "evidence_file"

incidents: RecordStore[IncidentContent] = RecordStore(
    Incident, kind=INCIDENT_KIND, day_attribute="started_on", content_type=IncidentContent
)


class FileNotFound(Exception):
    """No such evidence file for this person."""


class NothingChanged(Exception):
    """An amendment identical to the version saved: no new version is made."""


@dataclass(frozen=True)
class OpenedRevision:
    number: int
    recorded_at: datetime
    content: IncidentContent
    changed_fields: tuple[str, ...]  # against the revision before; empty for the first


@dataclass(frozen=True)
class FileFacts:
    """An evidence file's facts, opened for its owner."""

    id: uuid.UUID
    incident_id: uuid.UUID
    kind: FileKind
    media_type: str
    display_media_type: str
    original_name: str
    size: int
    sha256: str
    added_at: datetime
    has_thumbnail: bool
    audio_type: str | None = None  # sound: the type with its codecs, for <source type>

    def to_payload(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "media_type": self.media_type,
            "display_media_type": self.display_media_type,
            "original_name": self.original_name,
            "sha256": self.sha256,
            "audio_type": self.audio_type,
        }


# Incidents -----------------------------------------------------------------------------------


def _add_revision(
    db_session: Session, owner_id: uuid.UUID, incident_id: uuid.UUID, number: int, content: Any
) -> ChainLink:
    revision_id = new_id()
    payload = content.to_payload()
    db_session.add(
        IncidentRevision(
            id=revision_id,
            user_id=owner_id,
            incident_id=incident_id,
            number=number,
            recorded_at=utcnow(),
            payload_sealed=cipher_for(owner_id).seal_json(
                payload, kind=REVISION_KIND, record_id=revision_id, field="payload"
            ),
        )
    )
    event = Event.RECORDED if number == 1 else Event.AMENDED
    return append_link(
        db_session,
        cipher_for(owner_id),
        event,
        Subject(incident_id, revision=number),
        revision_content(incident_id, number, payload),
        current_signer().sign,
    )


def _commit(db_session: Session, owner_id: uuid.UUID, link: ChainLink) -> None:
    """Save the change with its link, then raise the log's mark in the keystore to it."""
    db_session.commit()
    raise_chain_mark(keystore_db.session, owner_id, link.sequence)


def record_incident(
    db_session: Session, owner_id: uuid.UUID, content: IncidentContent
) -> OpenedRecord[IncidentContent]:
    """Write an incident down: its first revision, and its link in the chain."""
    lock_chain(db_session, owner_id)
    opened = incidents.add(db_session, owner_id, content.started_on, content, commit=False)
    link = _add_revision(db_session, owner_id, opened.id, 1, content)
    _commit(db_session, owner_id, link)
    return opened


def amend_incident(
    db_session: Session,
    owner_id: uuid.UUID,
    incident_id: uuid.UUID,
    *,
    based_on_version: int,
    content: IncidentContent,
) -> None:
    """Save a changed incident as a new revision, keeping every earlier one. StaleEdit if it was
    changed elsewhere since `based_on_version` was read; NothingChanged if it is the same."""
    lock_chain(db_session, owner_id)
    saved = incidents.get(db_session, owner_id, incident_id)
    if saved.version == based_on_version and saved.content == content:
        db_session.rollback()
        raise NothingChanged
    incidents.update(
        db_session,
        owner_id,
        incident_id,
        based_on_version=based_on_version,
        day=content.started_on,
        content=content,
        commit=False,
    )
    link = _add_revision(db_session, owner_id, incident_id, based_on_version + 1, content)
    _commit(db_session, owner_id, link)


def delete_incident(db_session: Session, owner_id: uuid.UUID, incident_id: uuid.UUID) -> None:
    """Delete an incident, its revisions and its files. The chain keeps a "deleted" link, so the
    gap its revisions leave is explained rather than suspicious."""
    lock_chain(db_session, owner_id)
    revisions = db_session.scalar(
        select(func.count())
        .select_from(IncidentRevision)
        .where(IncidentRevision.user_id == owner_id, IncidentRevision.incident_id == incident_id)
    )
    incidents.delete(
        db_session, owner_id, incident_id, commit=False
    )  # RecordNotFound if not theirs
    link = append_link(
        db_session,
        cipher_for(owner_id),
        Event.DELETED,
        Subject(incident_id),
        deletion_content(incident_id, revisions or 0),
        current_signer().sign,
    )
    _commit(db_session, owner_id, link)


def revisions_of(
    db_session: Session, owner_id: uuid.UUID, incident_id: uuid.UUID
) -> list[OpenedRevision]:
    """Every saved version of the person's incident, oldest first, with what each changed."""
    found = revisions_of_many(db_session, owner_id, [incident_id])
    if not found:
        raise RecordNotFound
    return found[incident_id]


def revisions_of_many(
    db_session: Session, owner_id: uuid.UUID, incident_ids: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, list[OpenedRevision]]:
    """Every version of each of the person's incidents named (or of all), in one query."""
    statement = select(
        IncidentRevision.id,
        IncidentRevision.incident_id,
        IncidentRevision.number,
        IncidentRevision.recorded_at,
        IncidentRevision.payload_sealed,
    ).where(IncidentRevision.user_id == owner_id)
    if incident_ids is not None:
        statement = statement.where(IncidentRevision.incident_id.in_(incident_ids))
    rows = db_session.execute(
        statement.order_by(IncidentRevision.incident_id, IncidentRevision.number)
    ).all()
    if not rows:
        return {}
    cipher = cipher_for(owner_id)
    opened: dict[uuid.UUID, list[OpenedRevision]] = {}
    for row in rows:
        content = IncidentContent.from_payload(
            cipher.open_json(
                row.payload_sealed, kind=REVISION_KIND, record_id=row.id, field="payload"
            )
        )
        earlier = opened.setdefault(row.incident_id, [])
        changed = content.changed_fields(earlier[-1].content) if earlier else ()
        earlier.append(OpenedRevision(row.number, row.recorded_at, content, changed))
    return opened


# Evidence files ------------------------------------------------------------------------------


def used_bytes(db_session: Session, owner_id: uuid.UUID) -> int:
    """How much of the account's quota its files take."""
    return (
        db_session.scalar(
            select(func.coalesce(func.sum(EvidenceFile.size), 0)).where(
                EvidenceFile.user_id == owner_id
            )
        )
        or 0
    )


def add_file(
    db_session: Session,
    owner_id: uuid.UUID,
    incident_id: uuid.UUID,
    new: CheckedFile,
    *,
    quota_bytes: int,
) -> FileFacts:
    """Keep a checked file with the person's incident, sealed, and link it into the chain.
    UploadRefused if it would take the account over its quota (checked under the log's lock, so
    two tabs cannot both squeeze in)."""
    lock_chain(db_session, owner_id)
    incidents.get(db_session, owner_id, incident_id)  # RecordNotFound if not theirs
    try:
        check_quota(used_bytes(db_session, owner_id), new.size, quota_bytes)
    except UploadRefused:
        db_session.rollback()
        raise
    cipher = cipher_for(owner_id)
    file_id = new_id()
    facts = FileFacts(
        id=file_id,
        incident_id=incident_id,
        kind=new.kind,
        media_type=new.media_type,
        display_media_type=new.display_media_type,
        original_name=new.original_name,
        size=new.size,
        sha256=new.sha256,
        added_at=utcnow(),
        has_thumbnail=new.thumbnail is not None,
        audio_type=new.audio_type,
    )

    def sealed(data: bytes | None, part: str) -> bytes | None:
        if data is None:
            return None
        return cipher.seal_bytes(data, kind=FILE_KIND, record_id=file_id, field=part)

    db_session.add(
        EvidenceFile(
            id=file_id,
            user_id=owner_id,
            incident_id=incident_id,
            added_at=facts.added_at,
            size=facts.size,
            facts_sealed=cipher.seal_json(
                facts.to_payload(), kind=FILE_KIND, record_id=file_id, field="facts"
            ),
            original_sealed=sealed(new.original, "original"),
            # Kept apart only when it differs (photos): a PDF or a recording is shown as it is.
            display_sealed=sealed(new.display if new.display != new.original else None, "display"),
            thumbnail_sealed=sealed(new.thumbnail, "thumbnail"),
        )
    )
    link = append_link(
        db_session,
        cipher,
        Event.FILE_ADDED,
        Subject(incident_id, file_id=file_id),
        file_content(incident_id, file_id, facts.sha256, facts.size),
        current_signer().sign,
    )
    _commit(db_session, owner_id, link)
    return facts


_FACTS_COLUMNS = (
    EvidenceFile.id,
    EvidenceFile.incident_id,
    EvidenceFile.added_at,
    EvidenceFile.size,
    EvidenceFile.facts_sealed,
    EvidenceFile.thumbnail_sealed.is_not(None).label("has_thumbnail"),
)


def _facts(cipher: Any, row: Any) -> FileFacts:
    payload = cipher.open_json(row.facts_sealed, kind=FILE_KIND, record_id=row.id, field="facts")
    return FileFacts(
        id=row.id,
        incident_id=row.incident_id,
        kind=FileKind(payload["kind"]),
        media_type=payload["media_type"],
        display_media_type=payload["display_media_type"],
        original_name=payload["original_name"],
        size=row.size,
        sha256=payload["sha256"],
        added_at=row.added_at,
        has_thumbnail=bool(row.has_thumbnail),
        audio_type=payload.get("audio_type"),
    )


def files_of(
    db_session: Session, owner_id: uuid.UUID, incident_ids: list[uuid.UUID] | None = None
) -> list[FileFacts]:
    """The person's files (of these incidents, or all), oldest first."""
    statement = select(*_FACTS_COLUMNS).where(EvidenceFile.user_id == owner_id)
    if incident_ids is not None:
        if not incident_ids:
            return []
        statement = statement.where(EvidenceFile.incident_id.in_(incident_ids))
    rows = db_session.execute(statement.order_by(EvidenceFile.added_at, EvidenceFile.id)).all()
    if not rows:
        return []
    cipher = cipher_for(owner_id)
    return [_facts(cipher, row) for row in rows]


def file_facts(db_session: Session, owner_id: uuid.UUID, file_id: uuid.UUID) -> FileFacts:
    """The person's file's facts; FileNotFound for anyone else's."""
    row = db_session.execute(
        select(*_FACTS_COLUMNS).where(EvidenceFile.id == file_id, EvidenceFile.user_id == owner_id)
    ).one_or_none()
    if row is None:
        raise FileNotFound
    return _facts(cipher_for(owner_id), row)


FILE_PARTS = {
    "original": EvidenceFile.original_sealed,
    "display": EvidenceFile.display_sealed,
    "thumbnail": EvidenceFile.thumbnail_sealed,
}


def file_part(
    db_session: Session, owner_id: uuid.UUID, file_id: uuid.UUID, part: str
) -> tuple[FileFacts, bytes]:
    """One of a file's stored parts, opened: "original", "display" (the original when no
    separate copy is kept) or "thumbnail". FileNotFound for anyone else's, or a missing part."""
    column = FILE_PARTS[part]
    row = db_session.execute(
        select(
            *_FACTS_COLUMNS, column.label("part"), EvidenceFile.original_sealed.label("whole")
        ).where(EvidenceFile.id == file_id, EvidenceFile.user_id == owner_id)
    ).one_or_none()
    if row is None:
        raise FileNotFound
    cipher = cipher_for(owner_id)
    facts = _facts(cipher, row)
    sealed, field = row.part, part
    if sealed is None and part == "display":
        sealed, field = row.whole, "original"
    if sealed is None:
        raise FileNotFound
    return facts, cipher.open_bytes(sealed, kind=FILE_KIND, record_id=file_id, field=field)


def remove_file(db_session: Session, owner_id: uuid.UUID, file_id: uuid.UUID) -> FileFacts:
    """Delete an evidence file; the chain records its removal."""
    lock_chain(db_session, owner_id)
    facts = file_facts(db_session, owner_id, file_id)
    db_session.execute(
        delete(EvidenceFile).where(EvidenceFile.id == file_id, EvidenceFile.user_id == owner_id)
    )
    link = append_link(
        db_session,
        cipher_for(owner_id),
        Event.FILE_REMOVED,
        Subject(facts.incident_id, file_id=file_id),
        file_removal_content(facts.incident_id, file_id),
        current_signer().sign,
    )
    _commit(db_session, owner_id, link)
    return facts


# Checking ------------------------------------------------------------------------------------


def check_log(db_session: Session, owner_id: uuid.UUID, *, read_files: bool = False) -> ChainReport:
    """Check the person's whole log against its chain and the server's checkpoints; with
    `read_files`, each evidence file's original is read and hashed again too (one at a time)."""
    cipher = cipher_for(owner_id)
    revisions: dict[tuple[uuid.UUID, int], dict[str, Any]] = {}
    for revision in db_session.execute(
        select(
            IncidentRevision.id,
            IncidentRevision.incident_id,
            IncidentRevision.number,
            IncidentRevision.payload_sealed,
        ).where(IncidentRevision.user_id == owner_id)
    ):
        revisions[(revision.incident_id, revision.number)] = _opened_or_marker(
            cipher, revision.payload_sealed, REVISION_KIND, revision.id
        )
    shown: dict[uuid.UUID, tuple[int, dict[str, Any]]] = {}
    for incident in db_session.execute(
        select(Incident.id, Incident.version, Incident.payload_sealed).where(
            Incident.user_id == owner_id
        )
    ):
        shown[incident.id] = (
            incident.version,
            _opened_or_marker(cipher, incident.payload_sealed, INCIDENT_KIND, incident.id),
        )
    files = {}
    for file in db_session.execute(select(*_FACTS_COLUMNS).where(EvidenceFile.user_id == owner_id)):
        try:
            facts = _facts(cipher, file)
        except (DecryptionFailed, ValueError, KeyError):
            facts = None
        files[file.id] = (file.incident_id, facts.sha256 if facts else "unreadable", file.size)
    file_hashes = None
    if read_files:
        file_hashes = {}
        for file_id in files:
            try:
                original = file_part(db_session, owner_id, file_id, "original")[1]
            except (DecryptionFailed, FileNotFound, ValueError, KeyError):
                file_hashes[file_id] = "unreadable"
            else:
                file_hashes[file_id] = hashlib.sha256(original).hexdigest()
    return verify_chain(
        db_session,
        cipher,
        LiveRecords(revisions, shown, files, file_hashes),
        current_signer().signed,
        chain_mark(keystore_db.session, owner_id),
    )


def _opened_or_marker(
    cipher: Any, sealed: bytes, kind: str, record_id: uuid.UUID
) -> dict[str, Any]:
    """A sealed payload opened, or a marker that cannot match anything when it no longer opens
    (changed by someone without the key)."""
    try:
        return cipher.open_json(sealed, kind=kind, record_id=record_id, field="payload")
    except (DecryptionFailed, ValueError):
        return {"unreadable": str(record_id)}
