"""Each account's data key: made at sign-up, fetched from the keystore, destroyed at deletion.

Everything that reads or writes a private record gets its FieldCipher from `cipher_for()`, the only
place that unwraps a data key.

Unwrapped keys are kept in the worker's memory for a few minutes, so a person moving through pages
does not cost a keystore query and an unwrap on each. That memory already holds the key-encryption
keys, which open every data key, so keeping a few unwrapped ones there exposes nothing new.
Destroying a key drops it here at once; another worker may hold it a few minutes longer, but the
account's records are deleted in the same step, so it has nothing left to open.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict

from flask import current_app
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from portal.extensions import keystore_db
from portal.models.base import utcnow
from portal.models.keystore import WrappedDataKey
from portal.security.crypto import DataKeyMissing, FieldCipher, KeyRing, new_data_key

KEYRING_EXTENSION = "portal.keyring"
DATA_KEY_CACHE_EXTENSION = "portal.data_key_cache"
# Long enough to cover someone reading a guide step by step, short enough not to linger.
DATA_KEY_CACHE_SECONDS = 300
DATA_KEY_CACHE_SIZE = 1000


class DataKeyCache:
    """Recently unwrapped data keys, each kept for a few minutes, the least recently used dropped
    first. Shared by the threads of one worker."""

    def __init__(
        self, seconds: float = DATA_KEY_CACHE_SECONDS, size: int = DATA_KEY_CACHE_SIZE
    ) -> None:
        self._seconds = seconds
        self._size = size
        self._ciphers: OrderedDict[uuid.UUID, tuple[float, FieldCipher]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_id: uuid.UUID) -> FieldCipher | None:
        with self._lock:
            kept = self._ciphers.get(user_id)
            if kept is None:
                return None
            if kept[0] < time.monotonic():
                del self._ciphers[user_id]
                return None
            self._ciphers.move_to_end(user_id)
            return kept[1]

    def put(self, cipher: FieldCipher) -> None:
        with self._lock:
            self._ciphers[cipher.owner_id] = (time.monotonic() + self._seconds, cipher)
            self._ciphers.move_to_end(cipher.owner_id)
            while len(self._ciphers) > self._size:
                self._ciphers.popitem(last=False)

    def drop(self, user_id: uuid.UUID) -> None:
        with self._lock:
            self._ciphers.pop(user_id, None)


def keyring() -> KeyRing:
    """The application's key-encryption keys, parsed once at start-up."""
    return current_app.extensions[KEYRING_EXTENSION]


def _cipher_cache() -> DataKeyCache:
    return current_app.extensions[DATA_KEY_CACHE_EXTENSION]


def create_data_key(user_id: uuid.UUID) -> FieldCipher:
    """Make and store a new account's data key (committed at once, before the account is)."""
    data_key = new_data_key()
    kek_id, wrapped = keyring().wrap(user_id, data_key)
    session = keystore_db.session
    session.add(WrappedDataKey(user_id=user_id, kek_id=kek_id, wrapped_key=wrapped))
    session.commit()
    cipher = FieldCipher(user_id, data_key)
    _cipher_cache().put(cipher)
    return cipher


# Built once: opening anyone's records starts here.
_WRAPPED_KEY = select(WrappedDataKey.kek_id, WrappedDataKey.wrapped_key).where(
    WrappedDataKey.user_id == bindparam("user_id")
)


def cipher_for(user_id: uuid.UUID) -> FieldCipher:
    """The FieldCipher for an account; DataKeyMissing if it has been shredded."""
    cache = _cipher_cache()
    cipher = cache.get(user_id)
    if cipher is None:
        row = (
            keystore_db.session.connection()
            .execute(_WRAPPED_KEY, {"user_id": user_id})
            .one_or_none()
        )
        if row is None:
            raise DataKeyMissing(f"No data key for account {user_id}.")
        cipher = FieldCipher(user_id, keyring().unwrap(user_id, row.kek_id, row.wrapped_key))
        cache.put(cipher)
    return cipher


def destroy_data_key(user_id: uuid.UUID) -> None:
    """Crypto-shred an account: after this, none of its sealed values can be opened anywhere."""
    session = keystore_db.session
    session.execute(delete(WrappedDataKey).where(WrappedDataKey.user_id == user_id))
    session.commit()
    _cipher_cache().drop(user_id)


def rewrap_all(session: Session, ring: KeyRing, batch_size: int = 500) -> int:
    """Rewrap every data key not yet wrapped by the newest KEK; returns how many changed."""
    newest = ring.newest.key_id
    changed = 0
    while True:
        rows = session.scalars(
            select(WrappedDataKey).where(WrappedDataKey.kek_id != newest).limit(batch_size)
        ).all()
        if not rows:
            return changed
        for row in rows:
            data_key = ring.unwrap(row.user_id, row.kek_id, row.wrapped_key)
            row.kek_id, row.wrapped_key = ring.wrap(row.user_id, data_key)
            row.wrapped_at = utcnow()
        session.commit()
        changed += len(rows)
