"""Getting back into an account: single-use recovery codes, or an emailed link if there is an email.

Only hashes of codes and link tokens are stored. Codes carry about 79 bits of randomness, so a plain
SHA-256 is enough to keep them safe (a slow hash is for secrets people choose).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal.auth.usernames import canonical_username
from portal.extensions import db
from portal.mail import run_after_response, send_email
from portal.models.accounts import AccountToken, RecoveryCode, TokenPurpose, User
from portal.models.base import utcnow
from portal.security.data_keys import cipher_for
from portal.security.passwords import PasswordHashing

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are copied from paper by hand.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4


class RecoveryFailed(Exception):
    """The username and code do not match an unused code; deliberately not saying which."""


class LinkInvalid(Exception):
    """An emailed link is unknown, used or out of date."""


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _canonical_code(typed: str) -> str:
    return "".join(ch for ch in typed.casefold() if ch in CODE_ALPHABET)


def _new_code() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def issue_recovery_codes(db_session: Session, user: User) -> list[str]:
    """Replace the account's recovery codes with ten new ones and return them (never stored)."""
    db_session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    db_session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_hash_secret(_canonical_code(code)))
        for code in codes
    )
    return codes


def unused_code_count(db_session: Session, user_id: uuid.UUID) -> int:
    return len(
        db_session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def use_recovery_code(db_session: Session, typed_username: str, typed_code: str) -> User:
    """Spend one recovery code and return its account; RecoveryFailed otherwise (not committed)."""
    user = db_session.scalars(
        select(User).where(User.username == canonical_username(typed_username))
    ).one_or_none()
    # Look a code up even for an unknown name, so both misses cost the same.
    use_recovery_code_of(db_session, user.id if user else uuid.uuid4(), typed_code)
    if user is None:
        raise RecoveryFailed
    return user


def holds_an_unused_code(db_session: Session, typed_username: str, typed_code: str) -> bool:
    """Whether this is one of the account's unused recovery codes (nothing is spent)."""
    found = db_session.scalar(
        select(RecoveryCode.id)
        .join(User, User.id == RecoveryCode.user_id)
        .where(
            User.username == canonical_username(typed_username),
            RecoveryCode.code_hash == _hash_secret(_canonical_code(typed_code)),
            RecoveryCode.used_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


def use_recovery_code_of(db_session: Session, user_id: uuid.UUID, typed_code: str) -> None:
    """Spend one of this account's recovery codes; RecoveryFailed if it has no such unused code
    (not committed).

    The code is marked used by the statement that finds it unused, so two requests racing with
    the same code cannot both succeed: the second finds nothing left to mark.
    """
    spent = db_session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _hash_secret(_canonical_code(typed_code)),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .returning(RecoveryCode.id)
    ).all()
    if len(spent) != 1:
        raise RecoveryFailed


def set_new_password(hashing: PasswordHashing, user: User, password: str) -> None:
    """Store a new password hash; the caller ends the account's sessions and commits."""
    user.password_hash = hashing.hash(password)
    user.password_changed_at = utcnow()
    user.password_must_change = False  # a password an admin handed over is replaced
    user.last_signed_in_at = utcnow()  # whoever sets a new password is signed in as they do


def _issue_link_token(db_session: Session, user: User, purpose: TokenPurpose) -> str:
    token = secrets.token_urlsafe(32)
    minutes = current_app.config["RESET_LINK_MINUTES"]
    db_session.execute(
        delete(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose.value
        )
    )
    db_session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose.value,
            token_hash=_hash_secret(token),
            expires_at=utcnow() + timedelta(minutes=minutes),
        )
    )
    return token


class EmailLinksOff(Exception):
    """PORTAL_BASE_URL is not set, so no email with a link may be written."""


def email_links_available() -> bool:
    """Whether emails with links can be sent: only with the site's address set."""
    return bool(current_app.config["BASE_URL"])


def _external_url(endpoint: str, **values: str) -> str:
    """A link for an email, built from PORTAL_BASE_URL alone: never from the request's Host
    header, which whoever sends the request chooses."""
    base = current_app.config["BASE_URL"]
    if not base:
        raise EmailLinksOff
    site = urlsplit(base)
    # Bound to the configured address, so it works without a request (emails are written on a
    # thread of their own).
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def email_of(user: User) -> str | None:
    """The account's email address, opened with its data key."""
    if user.email_ciphertext is None:
        return None
    return cipher_for(user.id).open(
        user.email_ciphertext, kind="user", record_id=user.id, field="email"
    )


def request_reset_link(typed_username: str) -> None:
    """Ask for a reset link to be sent, after the response: the answer, and how long it takes,
    are the same whether or not the account exists or has a confirmed address."""
    if email_links_available():
        run_after_response(_send_reset_link, typed_username)


def _send_reset_link(typed_username: str) -> None:
    """Email a reset link if the account exists and has a confirmed address; otherwise nothing."""
    db_session = db.session
    user = db_session.scalars(
        select(User).where(User.username == canonical_username(typed_username))
    ).one_or_none()
    if user is None or user.email_confirmed_at is None:
        return
    address = email_of(user)
    if address is None:
        return
    token = _issue_link_token(db_session, user, TokenPurpose.RESET_PASSWORD)
    db_session.commit()
    minutes = current_app.config["RESET_LINK_MINUTES"]
    link = _external_url("auth.reset_password", token=token)
    send_email(
        address,
        "Reset your Support Space password",
        owner_id=user.id,
        body="Someone asked to reset the password for your Support Space account.\n\n"
        f"To choose a new password, open this link within {minutes} minutes:\n{link}\n\n"
        "The link works once. If you did not ask for this, you can ignore this email: "
        "your password has not changed.\n",
    )


def send_confirmation_link(db_session: Session, user: User, address: str) -> None:
    """Email a link that confirms the account's address (committed here)."""
    token = _issue_link_token(db_session, user, TokenPurpose.CONFIRM_EMAIL)
    db_session.commit()
    link = _external_url("account.confirm_email", token=token)
    send_email(
        address,
        "Confirm your email for Support Space",
        owner_id=user.id,
        body="You added this email address to a Support Space account, so that you can reset "
        f"your password if you forget it.\n\nTo confirm it, open this link:\n{link}\n\n"
        "If this was not you, ignore this email and nothing will change.\n",
    )


def find_link_token(db_session: Session, token: str, purpose: TokenPurpose) -> AccountToken:
    """The unused, unexpired token for this link, or LinkInvalid (nothing is changed)."""
    row = db_session.scalars(
        select(AccountToken).where(
            AccountToken.token_hash == _hash_secret(token), AccountToken.purpose == purpose.value
        )
    ).one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise LinkInvalid
    return row


def use_link_token(db_session: Session, token: str, purpose: TokenPurpose) -> uuid.UUID:
    """Spend a link's token and return its account's id; LinkInvalid if it is unknown, used or
    out of date. Checked and marked used in one statement, so it works once however many
    requests race with it (not committed: the caller commits with the change it makes)."""
    now = utcnow()
    spent = db_session.execute(
        update(AccountToken)
        .where(
            AccountToken.token_hash == _hash_secret(token),
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(AccountToken.user_id)
    ).all()
    if len(spent) != 1:
        raise LinkInvalid
    return spent[0].user_id
