"""Shares, from the recipient's side: find a share by its link, check the access code (wrong
codes are slowed down per share, then locked), and open the snapshot's parts.

A try is counted before the code is checked, by a statement that succeeds only if nobody else
counted one meanwhile, so racing requests cannot try more codes than one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.database import rows_changed
from portal.models.base import utcnow
from portal.models.shares import Share, ShareOpening, ShareSnapshotPart
from portal.security.crypto import DecryptionFailed
from portal.sharing.services import CODES_BEFORE_LOCK, ShareNotFound, destroy_expired_shares
from portal.sharing.snapshot import (
    RECORDS_PART,
    Snapshot,
    open_part,
    token_hash,
    typed_code,
    unwrap_for_recipient,
)

# How long to wait before the next try, by how many wrong codes there have been so far.
WAIT_AFTER_WRONG_CODES = {0: 0, 1: 0, 2: 30, 3: 60, 4: 120}


class CodeLocked(Exception):
    """Too many wrong codes: the person who shared it must issue a new code."""


class CodeWait(Exception):
    """A code was tried too recently; try again after `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class WrongCode(Exception):
    """Not the access code; `tries_left` before the share locks."""

    def __init__(self, tries_left: int) -> None:
        super().__init__(tries_left)
        self.tries_left = tries_left


class KeyOutdated(Exception):
    """The key this browser kept no longer opens the share: a new code was issued."""


@dataclass(frozen=True)
class OpenShare:
    """A share opened with its code: when it ends, and what it shows."""

    share: Share
    key: bytes
    snapshot: Snapshot

    @property
    def expires_at(self) -> datetime:
        return self.share.expires_at


def find_share(db_session: Session, token: str) -> Share:
    """The share this link is for; ShareNotFound when there is none, or it has ended (an ended
    share is destroyed there and then)."""
    share = db_session.scalar(select(Share).where(Share.token_hash == token_hash(token)))
    if share is None:
        raise ShareNotFound
    if share.expires_at <= utcnow():
        destroy_expired_shares(db_session, owner_id=share.user_id)
        raise ShareNotFound
    return share


def _count_a_try(db_session: Session, share: Share) -> None:
    """CodeLocked, CodeWait, or the try is counted (taken back if the code is right)."""
    tried = share.failed_codes
    if tried >= CODES_BEFORE_LOCK:
        raise CodeLocked
    now = utcnow()
    wait = timedelta(seconds=WAIT_AFTER_WRONG_CODES.get(tried, 0))
    if share.last_failed_at is not None and now < share.last_failed_at + wait:
        raise CodeWait(int((share.last_failed_at + wait - now).total_seconds()) + 1)
    counted = rows_changed(
        db_session,
        update(Share)
        .where(Share.id == share.id, Share.failed_codes == tried)
        .values(failed_codes=tried + 1, last_failed_at=now),
    )
    db_session.commit()
    if not counted:  # another try of this share was counted first
        raise CodeWait(WAIT_AFTER_WRONG_CODES.get(tried + 1, 0) or 1)


def open_with_code(db_session: Session, share: Share, token: str, code: str) -> bytes:
    """The snapshot key, when the code is right; the opening is noted for the person's list."""
    before = (share.failed_codes, share.last_failed_at)
    _count_a_try(db_session, share)
    try:
        key = unwrap_for_recipient(
            share.id, token, typed_code(code), share.code_salt, share.recipient_key_wrapped
        )
    except DecryptionFailed:
        raise WrongCode(CODES_BEFORE_LOCK - before[0] - 1) from None
    db_session.execute(
        update(Share)
        .where(Share.id == share.id)
        .values(failed_codes=Share.failed_codes - 1, last_failed_at=before[1])
    )
    db_session.add(ShareOpening(share_id=share.id, user_id=share.user_id, opened_at=utcnow()))
    db_session.commit()
    return key


def _sealed_part(db_session: Session, share: Share, name: str) -> bytes | None:
    return db_session.scalar(
        select(ShareSnapshotPart.sealed).where(
            ShareSnapshotPart.share_id == share.id, ShareSnapshotPart.name == name
        )
    )


def open_share(db_session: Session, share: Share, key: bytes) -> OpenShare:
    """The snapshot (of a share find_share() found), with the key kept after the code was
    given. KeyOutdated if the key no longer opens it."""
    sealed = _sealed_part(db_session, share, RECORDS_PART)
    if sealed is None:
        raise ShareNotFound
    try:
        raw = open_part(key, share.id, RECORDS_PART, sealed)
    except DecryptionFailed:
        raise KeyOutdated from None
    return OpenShare(share, key, Snapshot.from_bytes(raw))


def snapshot_part(db_session: Session, opened: OpenShare, name: str) -> bytes:
    """One part of an opened share (a file, a thumbnail, the pack); ShareNotFound if it has none
    by that name."""
    sealed = _sealed_part(db_session, opened.share, name)
    if sealed is None:
        raise ShareNotFound
    return open_part(opened.key, opened.share.id, name, sealed)
