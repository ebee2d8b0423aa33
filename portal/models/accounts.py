"""Accounts and what belongs to signing in: sessions, recovery codes, emailed tokens, slowdowns."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, new_id, utcnow


class User(Base):
    """A free account. The username is the only thing we need; email is optional and encrypted."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Stored in its canonical form (NFKC, lower case): see portal.auth.usernames.
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Sealed with the account's own data key, so it is unreadable once the account is deleted.
    email_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Accounts nobody signs in to for UNUSED_ACCOUNT_MONTHS are deleted (`flask housekeeping`).
    last_signed_in_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # "person", "staff" or "admin" (portal.auth.roles); only `flask staff` and admins change it.
    role: Mapped[str] = mapped_column(String(10), default="person", server_default="person")
    # Staff and admins only (portal.auth.second_factor): the TOTP secret, sealed with the
    # account's data key; when it was confirmed with a first code; the last time step accepted,
    # so no code is accepted twice.
    totp_secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    second_factor_set_up_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # A password an admin made and handed over: it must be replaced at the first sign-in.
    password_must_change: Mapped[bool] = mapped_column(default=False, server_default=false())

    sessions: Mapped[list[WebSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    tokens: Mapped[list[AccountToken]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def has_email(self) -> bool:
        return self.email_ciphertext is not None

    @property
    def has_second_factor(self) -> bool:
        return self.second_factor_set_up_at is not None

    # What Flask-Login asks of the account given to login_user(), written out rather than
    # inherited from flask_login.UserMixin: that class has no type hints, and a base the type
    # checker cannot see hides the type of every column here.
    @property
    def is_active(self) -> bool:
        return True

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:  # never the username: reprs end up in logs
        return f"<User {self.id}>"


class WebSession(Base):
    """A browser's session, kept on the server so that ending it makes its cookie worthless.

    The cookie carries a random token; we store only its SHA-256 (`id`), and the session's data
    encrypted with a key derived from the token, so this table alone opens nothing.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[User | None] = relationship(back_populates="sessions")


class RecoveryCode(Base):
    """One of the ten single-use codes shown after sign-up; only a hash is kept."""

    __tablename__ = "recovery_codes"
    __table_args__ = (Index("ix_recovery_codes_user_id_code_hash", "user_id", "code_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class TokenPurpose(enum.StrEnum):
    RESET_PASSWORD = "reset-password"  # noqa: S105 (a purpose, not a secret)
    CONFIRM_EMAIL = "confirm-email"


class AccountToken(Base):
    """A single-use, time-limited link sent by email; only a hash of its secret is kept."""

    __tablename__ = "account_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SignInSlowdown(Base):
    """Failed attempts against one username from one network, and when the next may be made.

    The key is an HMAC of the username as typed and the network, so unknown usernames are slowed
    exactly like real ones and nothing here names a person or an address.
    """

    __tablename__ = "sign_in_slowdowns"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
