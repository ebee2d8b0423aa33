"""The keystore: each account's data key, wrapped by the application's key-encryption key.

It has its own metadata and lives in its own database (PORTAL_KEYSTORE_URL), so backups of the main
database never hold a key. Deleting a row here is what makes an account's records unreadable;
`flask housekeeping` clears what the storage keeps of the row (README, "Keys and backups").
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.models.base import NAMING_CONVENTION, UTCDateTime, utcnow


class KeystoreBase(DeclarativeBase):
    """Base class for the keystore's models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012 (SQLAlchemy reads this class attribute)


class WrappedDataKey(KeystoreBase):
    """One account's data key, sealed with the key-encryption key named by `kek_id`.

    No foreign key: the users table is in another database. The account id is bound into the
    wrapping as associated data, so a wrapped key copied onto another account will not open.
    """

    __tablename__ = "data_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kek_id: Mapped[str] = mapped_column(String(32), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    wrapped_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChainMark(KeystoreBase):
    """How long an account's incident log has been: the sequence of the newest link the site
    saved. Kept here, apart from the log in the main database, so someone who can change only
    the main database cannot remove the newest records unnoticed (portal.incidents.chain).

    No foreign key, as for data keys: the users table is in another database.
    """

    __tablename__ = "incident_chain_marks"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
