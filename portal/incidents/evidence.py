"""An evidence pack of the person's own log: the incidents they choose, each with every version
and file, the chain as it stands (checked as the pack is made) and the site's latest signed
checkpoint, written as the signed ZIP of portal.incidents.pack into a temporary file."""

from __future__ import annotations

import base64
import tempfile
import uuid
from functools import partial
from typing import IO

from sqlalchemy.orm import Session

from portal.incidents.log import (
    FileFacts,
    check_log,
    file_part,
    files_of,
    incidents,
    revisions_of_many,
)
from portal.incidents.pack import PackSite, write_evidence_pack
from portal.incidents.pack_input import (
    ChainHead,
    EvidencePackInput,
    PackFile,
    PackIncident,
    PackRequest,
    PackRevision,
)
from portal.incidents.signing import Signer
from portal.models.base import utcnow
from portal.security.crypto import DecryptionFailed

# The pack is written here; beyond this it goes to a temporary file, not memory.
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024


def pack_input_for(
    db_session: Session, owner_id: uuid.UUID, request: PackRequest
) -> EvidencePackInput:
    """The chosen incidents, oldest first, opened for their owner, with the chain's head."""
    chosen = [
        record
        for record in incidents.between(db_session, owner_id, request.first_day, request.last_day)
        if not request.categories or record.content.category in request.categories
    ]
    ids = [record.id for record in chosen]
    revisions = revisions_of_many(db_session, owner_id, ids)
    files: dict[uuid.UUID, list[FileFacts]] = {}
    for facts in files_of(db_session, owner_id, ids):
        files.setdefault(facts.incident_id, []).append(facts)
    report = check_log(db_session, owner_id)
    checkpoint = report.latest_checkpoint
    return EvidencePackInput(
        request=request,
        incidents=tuple(
            PackIncident(
                id=record.id,
                revisions=tuple(
                    PackRevision(r.number, r.recorded_at, r.content, r.changed_fields)
                    for r in revisions.get(record.id, [])
                ),
                files=tuple(
                    _pack_file(db_session, owner_id, facts) for facts in files.get(record.id, [])
                ),
            )
            for record in chosen
        ),
        chain=ChainHead(
            length=report.length,
            head_hash=report.head.hex(),
            verified=report.verified,
            checkpoint_at=checkpoint.signed_at if checkpoint else None,
            checkpoint_signature=(
                base64.b64encode(checkpoint.signature).decode() if checkpoint else None
            ),
        ),
        exported_at=utcnow().replace(microsecond=0),
    )


def _pack_file(db_session: Session, owner_id: uuid.UUID, facts: FileFacts) -> PackFile:
    thumbnail = (
        file_part(db_session, owner_id, facts.id, "thumbnail")[1] if facts.has_thumbnail else None
    )
    return PackFile(
        id=facts.id,
        kind=facts.kind,
        media_type=facts.media_type,
        original_name=facts.original_name,
        size=facts.size,
        sha256=facts.sha256,
        added_at=facts.added_at,
        thumbnail=thumbnail,
        read_original=partial(_original, db_session, owner_id, facts.id),
    )


def _original(db_session: Session, owner_id: uuid.UUID, file_id: uuid.UUID) -> bytes:
    """The original as stored; nothing when it no longer opens (changed by someone without the
    key), which the pack then finds does not match the file that was added."""
    try:
        return file_part(db_session, owner_id, file_id, "original")[1]
    except DecryptionFailed:
        return b""


def write_pack(
    db_session: Session, owner_id: uuid.UUID, request: PackRequest, signer: Signer, site: PackSite
) -> tuple[EvidencePackInput, IO[bytes]]:
    """The pack's input and its signed ZIP, read from the start (the caller closes it).
    StoredFileChanged if an original is not the file that was added."""
    pack = pack_input_for(db_session, owner_id, request)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115 (returned open)
    try:
        write_evidence_pack(pack, signer, spool, site)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return pack, spool
