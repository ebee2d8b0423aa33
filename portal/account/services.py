"""Looking after an account: password, email, recovery codes, other devices, deletion."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.auth.recovery import (
    LinkInvalid,
    issue_recovery_codes,
    send_confirmation_link,
    set_new_password,
    use_link_token,
)
from portal.auth.services import password_hashing
from portal.auth.slowdowns import check_not_slowed, forget_failures, record_failure, slowdown_key
from portal.database import empty_write_ahead_log
from portal.mail import remove_outbox_mail_of
from portal.models.accounts import AccountToken, TokenPurpose, User
from portal.models.base import utcnow
from portal.security.data_keys import SHRED_WAIT_SECONDS, cipher_for, destroy_data_key
from portal.security.passwords import password_problem
from portal.security.sessions import end_sessions_of
from portal.sharing.services import destroy_shares_of
from portal.signals import account_deleting


class WrongPassword(Exception):
    """The current password given to confirm a change is not right."""


class NewPasswordRefused(Exception):
    """The new password breaks a rule; the message says which."""


def check_password(db_session: Session, user: User, password: str) -> None:
    """WrongPassword unless this is the account's current password; SlowedDown after several
    wrong ones, as at sign-in, so someone holding a signed-in phone cannot guess it quickly."""
    key = slowdown_key("current-password", str(user.id))
    slowdown = check_not_slowed(db_session, key)
    if not password_hashing().verify(user.password_hash, password):
        record_failure(db_session, key)
        raise WrongPassword
    forget_failures(db_session, slowdown)


def change_password(
    db_session: Session, user: User, current: str, new: str, keep_session_id: str | None
) -> None:
    """Set a new password and end every other session (the caller renews its own)."""
    check_password(db_session, user, current)
    problem = password_problem(new, user.username.rsplit("-", 1)[0])
    if problem:
        raise NewPasswordRefused(problem.message)
    set_new_password(password_hashing(), user, new)
    end_sessions_of(db_session, user.id, except_session_id=keep_session_id)
    db_session.commit()


def renew_recovery_codes(db_session: Session, user: User, password: str) -> list[str]:
    """Replace the recovery codes after checking the password; the old ones stop working."""
    check_password(db_session, user, password)
    codes = issue_recovery_codes(db_session, user)
    db_session.commit()
    return codes


def set_email(db_session: Session, user: User, password: str, address: str | None) -> None:
    """Add, change or remove the recovery email; a new address must be confirmed by its link."""
    check_password(db_session, user, password)
    db_session.execute(
        delete(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == TokenPurpose.CONFIRM_EMAIL.value,
        )
    )
    user.email_confirmed_at = None
    if not address:
        user.email_ciphertext = None
        db_session.commit()
        return
    user.email_ciphertext = cipher_for(user.id).seal(
        address, kind="user", record_id=user.id, field="email"
    )
    send_confirmation_link(db_session, user, address)


def confirm_email_address(db_session: Session, token: str) -> None:
    """Mark the address a confirmation link was sent to as confirmed (the link works once)."""
    user = db_session.get(User, use_link_token(db_session, token, TokenPurpose.CONFIRM_EMAIL))
    if user is None or user.email_ciphertext is None:
        db_session.rollback()
        raise LinkInvalid
    user.email_confirmed_at = utcnow()
    db_session.commit()


def delete_account(db_session: Session, user: User, password: str) -> None:
    """Delete everything the account holds, now, after checking its password."""
    check_password(db_session, user, password)
    _delete_everything(db_session, user.id)


def delete_account_for_admin(db_session: Session, user_id: uuid.UUID) -> None:
    """Delete an account and everything it holds, now, without its password: for an admin
    removing a staff account (portal.admin), which checks first that it is one."""
    _delete_everything(db_session, user_id)


def delete_unused_accounts(db_session: Session, months: int) -> int:
    """Delete accounts nobody has signed in to for `months` months (a month counted as 31 days,
    so never early); returns how many. Run by `flask housekeeping`; 0 months deletes none."""
    if months <= 0:
        return 0
    unused_since = utcnow() - timedelta(days=31 * months)
    unused = db_session.scalars(select(User.id).where(User.last_signed_in_at < unused_since)).all()
    for user_id in unused:
        _delete_everything(db_session, user_id)
    return len(unused)


def _delete_everything(db_session: Session, user_id: uuid.UUID) -> None:
    """The data key goes first: from that moment every sealed record of the account, here and
        in any backup, is unreadable. Then the account row, which takes every other row with it. On
        SQLite the write-ahead log, which still holds the deleted rows' pages, is emptied too (or by
        `flask housekeeping` if readers keep it busy). Shares, whose snapshots the data key does
    not seal, are deleted by name first."""
    account_deleting.send(current_app._get_current_object(), user_id=user_id)  # type: ignore[attr-defined]
    # Shares are sealed with their own keys, not the data key: their rows go by name.
    destroy_shares_of(db_session, user_id)
    destroy_data_key(user_id)
    db_session.execute(delete(User).where(User.id == user_id))
    db_session.commit()
    empty_write_ahead_log(db_session.get_bind(), SHRED_WAIT_SECONDS)
    remove_outbox_mail_of(user_id)
