"""Each account's data key: made at sign-up, fetched from the keystore, destroyed at deletion.

Everything that reads or writes a private record gets its FieldCipher from `cipher_for()`, the only
place that unwraps a data key.
"""

from __future__ import annotations

import uuid

from flask import current_app, g
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from portal.extensions import keystore_db
from portal.models.base import utcnow
from portal.models.keystore import WrappedDataKey
from portal.security.crypto import DataKeyMissing, FieldCipher, KeyRing, new_data_key

KEYRING_EXTENSION = "portal.keyring"


def keyring() -> KeyRing:
    """The application's key-encryption keys, parsed once at start-up."""
    return current_app.extensions[KEYRING_EXTENSION]


def _cipher_cache() -> dict[uuid.UUID, FieldCipher]:
    if "field_ciphers" not in g:
        g.field_ciphers = {}
    return g.field_ciphers


def create_data_key(user_id: uuid.UUID) -> FieldCipher:
    """Make and store a new account's data key (committed at once, before the account is)."""
    data_key = new_data_key()
    kek_id, wrapped = keyring().wrap(user_id, data_key)
    session = keystore_db.session
    session.add(WrappedDataKey(user_id=user_id, kek_id=kek_id, wrapped_key=wrapped))
    session.commit()
    cipher = FieldCipher(user_id, data_key)
    _cipher_cache()[user_id] = cipher
    return cipher


# Built once: opening anyone's records starts here.
_WRAPPED_KEY = select(WrappedDataKey.kek_id, WrappedDataKey.wrapped_key).where(
    WrappedDataKey.user_id == bindparam("user_id")
)


def cipher_for(user_id: uuid.UUID) -> FieldCipher:
    """The FieldCipher for an account, unwrapped once per request; DataKeyMissing if shredded."""
    cache = _cipher_cache()
    cipher = cache.get(user_id)
    if cipher is None:
        row = keystore_db.session.execute(_WRAPPED_KEY, {"user_id": user_id}).one_or_none()
        if row is None:
            raise DataKeyMissing(f"No data key for account {user_id}.")
        cipher = FieldCipher(user_id, keyring().unwrap(user_id, row.kek_id, row.wrapped_key))
        cache[user_id] = cipher
    return cipher


def destroy_data_key(user_id: uuid.UUID) -> None:
    """Crypto-shred an account: after this, none of its sealed values can be opened anywhere."""
    session = keystore_db.session
    session.execute(delete(WrappedDataKey).where(WrappedDataKey.user_id == user_id))
    session.commit()
    _cipher_cache().pop(user_id, None)


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
