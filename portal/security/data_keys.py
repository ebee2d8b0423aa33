"""Each account's data key: made at sign-up, fetched from the keystore, destroyed at deletion.

Everything that reads or writes a private record gets its FieldCipher from `cipher_for()`, the only
place that unwraps a data key.

Unwrapped keys are kept in the worker's memory for five minutes after their last use, so a person
moving through pages does not cost a keystore query and an unwrap on each. For a live account that
adds little: the same memory holds the key-encryption keys, which unwrap every data key. Destroying
a key drops it from this worker at once, but another worker may hold it for up to five more
minutes; until then, someone able to read that worker's memory could open an old backup of the
deleted account's records. README, "Keys and backups", says so.

Deleting the key's row is not enough on its own: the database's storage keeps the bytes for a
while. On SQLite the write-ahead log holds the row as it was written, so a destruction empties the
log before it returns (or `flask housekeeping` does, if readers keep it busy). On PostgreSQL the
deleted row stays in the table's page until the table is vacuumed, and a plain VACUUM can leave its
bytes in the page's free space, so `shred_destroyed_keys` rewrites the table (`flask housekeeping`,
every few minutes).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, g
from sqlalchemy import Connection, bindparam, delete, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.database import SQLITE_BUSY_SECONDS, empty_write_ahead_log, is_sqlite
from portal.extensions import keystore_db
from portal.models.base import utcnow
from portal.models.keystore import ChainMark, WrappedDataKey
from portal.security.crypto import DataKeyMissing, FieldCipher, KeyRing, new_data_key

KEYRING_EXTENSION = "portal.keyring"
DATA_KEY_CACHE_EXTENSION = "portal.data_key_cache"
# Long enough to cover someone reading a guide step by step, short enough not to linger.
DATA_KEY_CACHE_SECONDS = 300
DATA_KEY_CACHE_SIZE = 1000
# A deletion waits this long for readers of a SQLite keystore's log before leaving the emptying
# to `flask housekeeping`; readers here are single short statements, so it is rarely needed.
SHRED_WAIT_SECONDS = 2
# The rewrite of the PostgreSQL keystore table waits this long for transactions older than the
# deletions to end, then this long for its lock (other key look-ups queue behind it meanwhile);
# after either it gives up until the next run.
REWRITE_WAIT_SECONDS = 10
REWRITE_LOCK_TIMEOUT = "2s"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's error code when lock_timeout runs out
# Set on `g` for a request that must never open other people's records (staff and admin pages:
# portal.staff.boundary); its value is the one account whose key may still open, the signed-in
# member of staff's own (or None).
SEALED_OFF = "private_records_sealed_off"


class PrivateRecordsSealedOff(Exception):
    """A staff or admin request asked for someone else's data key: nothing of theirs opens there."""


def seal_off_private_records(own_account: uuid.UUID | None) -> None:
    """From now until the request ends, cipher_for() refuses every account but `own_account`."""
    setattr(g, SEALED_OFF, (own_account,))


class DataKeyCache:
    """Recently unwrapped data keys, each kept for a few minutes, the least recently used dropped
    first. Shared by the threads of one worker.

    A dropped (destroyed) key leaves a mark that refuses it for as long as it could have been
    kept: a thread that unwrapped it just before the destruction cannot put it back.
    """

    def __init__(
        self, seconds: float = DATA_KEY_CACHE_SECONDS, size: int = DATA_KEY_CACHE_SIZE
    ) -> None:
        self._seconds = seconds
        self._size = size
        self._ciphers: OrderedDict[uuid.UUID, tuple[float, FieldCipher]] = OrderedDict()
        self._destroyed: dict[uuid.UUID, float] = {}  # owner: until when a put is refused
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
        now = time.monotonic()
        with self._lock:
            refused_until = self._destroyed.get(cipher.owner_id)
            if refused_until is not None:
                if refused_until > now:
                    return
                del self._destroyed[cipher.owner_id]
            self._ciphers[cipher.owner_id] = (now + self._seconds, cipher)
            self._ciphers.move_to_end(cipher.owner_id)
            while len(self._ciphers) > self._size:
                self._ciphers.popitem(last=False)

    def drop(self, user_id: uuid.UUID) -> None:
        """Forget a destroyed key, and refuse it if it comes back from a request already running."""
        now = time.monotonic()
        with self._lock:
            self._ciphers.pop(user_id, None)
            self._destroyed = {
                owner: until for owner, until in self._destroyed.items() if until > now
            }
            self._destroyed[user_id] = now + self._seconds


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
    sealed_off = g.get(SEALED_OFF)
    if sealed_off is not None and sealed_off != (user_id,):
        raise PrivateRecordsSealedOff("no one else's data key opens in a staff or admin request")
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
    """Crypto-shred an account: after this, none of its sealed values can be opened anywhere.

    On SQLite the key's bytes are gone from the keystore's files when this returns, unless a
    reader kept the log busy (then `flask housekeeping` finishes); on PostgreSQL they stay in the
    table's pages until `shred_destroyed_keys` runs.
    """
    session = keystore_db.session
    session.execute(delete(WrappedDataKey).where(WrappedDataKey.user_id == user_id))
    session.execute(delete(ChainMark).where(ChainMark.user_id == user_id))
    session.commit()
    _cipher_cache().drop(user_id)
    empty_write_ahead_log(keystore_db.engine, SHRED_WAIT_SECONDS)


def shred_destroyed_keys() -> bool:
    """Remove the bytes of every key destroyed before now from the keystore's storage; False if
    something kept it busy and it must be tried again (`flask housekeeping` runs this).

    SQLite: the write-ahead log is emptied, as each destruction already tries to do.
    PostgreSQL: VACUUM FULL writes the table afresh without its deleted rows.
    """
    engine = keystore_db.engine
    if is_sqlite(engine):
        return empty_write_ahead_log(engine, SQLITE_BUSY_SECONDS)
    with engine.connect() as connection:  # the keystore's engine runs in autocommit, as VACUUM must
        return _rewrite_keystore_table(connection)


# True once nothing older than `horizon` (an id just taken) can still need a deleted row, which
# VACUUM FULL would keep for it: no transaction holding an id anywhere on the server (each holds
# back every database's clean-up), no snapshot taken earlier in this database or by a standby
# (hot_standby_feedback), no replication slot holding rows back.
_OLDER_TRANSACTIONS_ENDED = text(
    """
    SELECT pg_snapshot_xmin(pg_current_snapshot()) > CAST(:horizon AS xid8)
       AND NOT EXISTS (
           SELECT FROM pg_stat_activity
           WHERE (datname = current_database() OR backend_type = 'walsender')
             AND pid <> pg_backend_pid()
             AND age(backend_xmin) > age(CAST(CAST(:horizon AS xid8) AS xid)))
       AND NOT EXISTS (
           SELECT FROM pg_replication_slots
           WHERE age(xmin) > age(CAST(CAST(:horizon AS xid8) AS xid)))
    """
)


def _rewrite_keystore_table(connection: Connection) -> bool:
    """VACUUM FULL of the keystore table, once transactions older than now have ended.

    A plain VACUUM is not enough: it can leave a deleted row's bytes in its page's free space.
    VACUUM FULL holds an exclusive lock for as long as the copy takes (milliseconds for thousands
    of accounts); key look-ups wait meanwhile, so it gives up after REWRITE_LOCK_TIMEOUT.
    """
    horizon: str = connection.exec_driver_sql("SELECT pg_current_xact_id()::text").scalar_one()
    deadline = time.monotonic() + REWRITE_WAIT_SECONDS
    while not connection.execute(_OLDER_TRANSACTIONS_ENDED, {"horizon": horizon}).scalar_one():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    table = connection.dialect.identifier_preparer.format_table(WrappedDataKey.__table__)
    connection.exec_driver_sql(f"SET lock_timeout = '{REWRITE_LOCK_TIMEOUT}'")
    try:
        connection.exec_driver_sql(f"VACUUM FULL {table}")
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        return False
    finally:
        connection.exec_driver_sql("RESET lock_timeout")
    return True


def keys_to_rewrap(session: Session, ring: KeyRing) -> int:
    """How many data keys are not yet wrapped by the newest KEK."""
    return (
        session.scalar(
            select(func.count())
            .select_from(WrappedDataKey)
            .where(WrappedDataKey.kek_id != ring.newest.key_id)
        )
        or 0
    )


def rewrap_all(
    session: Session,
    ring: KeyRing,
    batch_size: int = 500,
    progress: Callable[[int], None] = lambda _done: None,
) -> int:
    """Rewrap every data key not yet wrapped by the newest KEK, calling `progress` with the
    number done after each batch (each batch is committed: a stopped run resumes where it
    ended); returns how many changed."""
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
        progress(changed)
