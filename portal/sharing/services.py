"""Shares, from the person's side: make one, list them with each time they were opened, issue a
new code, revoke one; and destroying expired shares (housekeeping) and every share of an account.

Every query names the owner, so one person can neither see nor revoke another's share.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.database import rows_changed
from portal.incidents.pack import PackSite
from portal.incidents.signing import Signer
from portal.models.base import new_id, utcnow
from portal.models.shares import Share, ShareOpening, ShareSnapshotPart
from portal.security.data_keys import cipher_for
from portal.sharing.selection import ShareChoice, as_shared, build_snapshot, write_pack_bytes
from portal.sharing.snapshot import (
    PACK_PART,
    RECORDS_PART,
    new_code,
    new_salt,
    new_snapshot_key,
    new_token,
    open_part,
    seal_part,
    token_hash,
    wrap_for_recipient,
)

SHARE_KIND = "share"
MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 30, 7
# Wrong codes: after this many the share is locked until the person issues a new code.
CODES_BEFORE_LOCK = 5


class ShareNotFound(Exception):
    """No such share for this person (or anyone): never made, revoked, or expired."""


@dataclass(frozen=True)
class MadeShare:
    """What the person passes on: the link's token and, separately, the access code. Shown once."""

    share_id: uuid.UUID
    token: str
    code: str


@dataclass(frozen=True)
class ShareListing:
    """A share in the person's list."""

    id: uuid.UUID
    choice: ShareChoice
    incidents: int
    diary_entries: int
    created_at: datetime
    expires_at: datetime
    openings: tuple[datetime, ...]
    locked: bool


def _details(share_id: uuid.UUID) -> dict[str, Any]:
    """Where the sealed details belong (portal.security.crypto's associated data)."""
    return {"kind": SHARE_KIND, "record_id": share_id, "field": "details"}


def _seal_snapshot(
    db_session: Session, share_id: uuid.UUID, key: bytes, parts: dict[str, bytes]
) -> None:
    for name, data in parts.items():
        db_session.add(
            ShareSnapshotPart(
                share_id=share_id, name=name, sealed=seal_part(key, share_id, name, data)
            )
        )


def create_share(
    db_session: Session,
    owner_id: uuid.UUID,
    choice: ShareChoice,
    signer: Signer,
    site: PackSite,
    files_limit: int,
) -> MadeShare:
    """Seal a snapshot of the chosen records, with its evidence pack, under a new token and code.
    StoredFileChanged (portal.incidents.pack) if a file is not the one that was added;
    SharedFilesTooLarge (portal.sharing.selection) if the files come to more than files_limit."""
    built = build_snapshot(db_session, owner_id, choice, read_files=True, files_limit=files_limit)
    parts = {RECORDS_PART: built.snapshot.to_bytes(), **built.files}
    if built.snapshot.pack_name:
        parts[PACK_PART] = write_pack_bytes(built.pack_input, signer, site)
    share_id, token, code = new_id(), new_token(), new_code()
    snapshot_key, salt = new_snapshot_key(), new_salt()
    cipher = cipher_for(owner_id)
    details = {
        "choice": as_shared(choice, built.snapshot).to_json(),
        "token": token,
        "incidents": len(built.snapshot.incidents),
        "diary_entries": len(built.snapshot.diary),
    }
    now = utcnow()
    db_session.add(
        Share(
            id=share_id,
            user_id=owner_id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(days=choice.days),
            details_sealed=cipher.seal_json(details, **_details(share_id)),
            snapshot_key_sealed=cipher.seal_bytes(
                snapshot_key, kind=SHARE_KIND, record_id=share_id, field="snapshot_key"
            ),
            recipient_key_wrapped=wrap_for_recipient(share_id, token, code, salt, snapshot_key),
            code_salt=salt,
            failed_codes=0,
        )
    )
    db_session.flush()
    _seal_snapshot(db_session, share_id, snapshot_key, parts)
    db_session.commit()
    return MadeShare(share_id, token, code)


def _owned(db_session: Session, owner_id: uuid.UUID, share_id: uuid.UUID) -> Share:
    """The person's share, still open, its row locked until the commit (on PostgreSQL), so two
    new codes at once cannot seal parts under two keys."""
    share = db_session.scalar(
        select(Share).where(Share.id == share_id, Share.user_id == owner_id).with_for_update()
    )
    if share is None or share.expires_at <= utcnow():
        raise ShareNotFound
    return share


def list_shares(db_session: Session, owner_id: uuid.UUID) -> list[ShareListing]:
    """The person's shares still open, newest first, each with the times it was opened. Any
    that have ended are destroyed first: deleting what has ended is not a change the person
    makes, and the sooner it is gone the better."""
    destroy_expired_shares(db_session, owner_id=owner_id)
    shares = db_session.scalars(
        select(Share).where(Share.user_id == owner_id).order_by(Share.created_at.desc())
    ).all()
    openings: dict[uuid.UUID, list[datetime]] = {}
    for share_id, opened_at in db_session.execute(
        select(ShareOpening.share_id, ShareOpening.opened_at)
        .where(ShareOpening.user_id == owner_id)
        .order_by(ShareOpening.opened_at)
    ):
        openings.setdefault(share_id, []).append(opened_at)
    cipher = cipher_for(owner_id)
    listed = []
    for share in shares:
        details = cipher.open_json(share.details_sealed, **_details(share.id))
        listed.append(
            ShareListing(
                id=share.id,
                choice=ShareChoice.from_json(details["choice"]),
                incidents=details["incidents"],
                diary_entries=details["diary_entries"],
                created_at=share.created_at,
                expires_at=share.expires_at,
                openings=tuple(openings.get(share.id, ())),
                locked=share.failed_codes >= CODES_BEFORE_LOCK,
            )
        )
    return listed


def revoke_share(db_session: Session, owner_id: uuid.UUID, share_id: uuid.UUID) -> None:
    """Destroy the person's share now: its sealed snapshot, its openings and the share itself.
    ShareNotFound for anyone else's."""
    if (
        db_session.scalar(select(Share.id).where(Share.id == share_id, Share.user_id == owner_id))
        is None
    ):
        raise ShareNotFound
    _destroy(db_session, [share_id])
    db_session.commit()


def issue_new_code(db_session: Session, owner_id: uuid.UUID, share_id: uuid.UUID) -> MadeShare:
    """A new access code for the same link: the snapshot is sealed again under a new key, the
    old code stops working and the count of wrong codes starts again."""
    share = _owned(db_session, owner_id, share_id)
    cipher = cipher_for(owner_id)
    details = cipher.open_json(share.details_sealed, **_details(share.id))
    old_key = cipher.open_bytes(
        share.snapshot_key_sealed, kind=SHARE_KIND, record_id=share.id, field="snapshot_key"
    )
    key, salt, code, token = new_snapshot_key(), new_salt(), new_code(), details["token"]
    for part in db_session.scalars(
        select(ShareSnapshotPart).where(ShareSnapshotPart.share_id == share.id)
    ):
        data = open_part(old_key, share.id, part.name, part.sealed)
        part.sealed = seal_part(key, share.id, part.name, data)
    share.snapshot_key_sealed = cipher.seal_bytes(
        key, kind=SHARE_KIND, record_id=share.id, field="snapshot_key"
    )
    share.recipient_key_wrapped = wrap_for_recipient(share.id, token, code, salt, key)
    share.code_salt = salt
    share.failed_codes = 0
    share.last_failed_at = None
    db_session.commit()
    return MadeShare(share.id, token, code)


def link_token(db_session: Session, owner_id: uuid.UUID, share_id: uuid.UUID) -> str:
    """The token of the person's share, to show its link again."""
    share = _owned(db_session, owner_id, share_id)
    details = cipher_for(owner_id).open_json(share.details_sealed, **_details(share.id))
    return str(details["token"])


def _destroy(db_session: Session, share_ids: list[uuid.UUID]) -> None:
    # The rows would go with the share through ON DELETE CASCADE; deleted by name, so what
    # revoking destroys does not depend on a database setting.
    if not share_ids:
        return
    db_session.execute(delete(ShareSnapshotPart).where(ShareSnapshotPart.share_id.in_(share_ids)))
    db_session.execute(delete(ShareOpening).where(ShareOpening.share_id.in_(share_ids)))
    db_session.execute(delete(Share).where(Share.id.in_(share_ids)))


def destroy_expired_shares(db_session: Session, *, owner_id: uuid.UUID | None = None) -> int:
    """Destroy every share past its end (of one person, or everyone's); returns how many.
    `flask housekeeping` runs this; opening an expired link does it too."""
    statement = select(Share.id).where(Share.expires_at <= utcnow())
    if owner_id is not None:
        statement = statement.where(Share.user_id == owner_id)
    expired = list(db_session.scalars(statement).all())
    _destroy(db_session, expired)
    db_session.commit()
    return len(expired)


def destroy_shares_of(db_session: Session, owner_id: uuid.UUID) -> int:
    """Destroy every share of an account (it is being deleted); returns how many. The caller
    commits."""
    # DELETEs alone, reading no row back: an admin deleting a staff account runs this inside
    # the staff area's privacy boundary (portal.staff.boundary), which lets deletions through.
    owned = select(Share.id).where(Share.user_id == owner_id)
    db_session.execute(delete(ShareSnapshotPart).where(ShareSnapshotPart.share_id.in_(owned)))
    db_session.execute(delete(ShareOpening).where(ShareOpening.share_id.in_(owned)))
    return rows_changed(db_session, delete(Share).where(Share.user_id == owner_id))
