"""Registering and signing in: the rules, apart from the web pages that call them.

Every function takes the database session it works in and raises a named exception when the person
cannot go on; the views turn those into messages. Nothing here says whether a username exists:
unknown names cost the same password check and get the same answer as wrong passwords.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.auth.recovery import issue_recovery_codes, set_new_password
from portal.auth.slowdowns import (
    check_not_slowed,
    forget_failures,
    network_of,
    record_failure,
    slowdown_key,
)
from portal.auth.usernames import canonical_username, chosen_name_problem, with_random_suffix
from portal.models.accounts import User
from portal.models.base import new_id, utcnow
from portal.security.data_keys import create_data_key, destroy_data_key
from portal.security.passwords import PasswordHashing, password_problem
from portal.security.sessions import end_sessions_of
from portal.signals import account_signed_in

PASSWORDS_EXTENSION = "portal.passwords"
SUFFIX_ATTEMPTS = 20


class AuthError(Exception):
    """Base class for reasons an account action cannot go ahead."""


class SignInFailed(AuthError):
    """Wrong username or password; deliberately not saying which."""


class RegistrationRefused(AuthError):
    """The chosen name or password breaks a rule; the message says which, kindly."""


class PasswordRefused(AuthError):
    """A new password breaks a rule; the message says which."""


def password_hashing() -> PasswordHashing:
    """The app's password hasher, set up once by create_app()."""
    return current_app.extensions[PASSWORDS_EXTENSION]


@dataclass(frozen=True)
class NewAccount:
    user: User
    recovery_codes: list[str]


def register(db_session: Session, chosen_name: str, password: str) -> NewAccount:
    """Create an account with a data key and ten recovery codes (shown to the person once)."""
    problem = chosen_name_problem(chosen_name) or _password_problem_text(password, chosen_name)
    if problem:
        raise RegistrationRefused(problem)
    user_id = new_id()
    password_hash = password_hashing().hash(password)
    # The key first: an account must never exist without one. A key left by a failed insert
    # below opens nothing and is removed straight away.
    create_data_key(user_id)
    for _ in range(SUFFIX_ATTEMPTS):
        user = User(
            id=user_id, username=with_random_suffix(chosen_name), password_hash=password_hash
        )
        db_session.add(user)
        try:
            db_session.flush()
        except IntegrityError:
            db_session.rollback()
            continue
        codes = issue_recovery_codes(db_session, user)
        db_session.commit()
        return NewAccount(user, codes)
    destroy_data_key(user_id)
    raise RegistrationRefused("We could not make a username from that name. Try a different one.")


def _password_problem_text(password: str, username: str) -> str | None:
    problem = password_problem(password, username)
    return problem.message if problem else None


def authenticate(
    db_session: Session,
    typed_username: str,
    password: str,
    address: str | None,
    device: str | None = None,
) -> User:
    """The account for these credentials, or SignInFailed / SlowedDown.

    `device` is this browser's id when it has signed in to the account before
    (portal.auth.devices): its failures are then counted for it alone.
    """
    if device is not None:
        key = slowdown_key("sign-in/device", device)
    else:
        key = slowdown_key("sign-in", canonical_username(typed_username), network_of(address))
    slowdown = check_not_slowed(db_session, key)
    user = db_session.scalars(
        select(User).where(User.username == canonical_username(typed_username))
    ).one_or_none()
    hashing = password_hashing()
    # Checked against a decoy hash when there is no such account, so a miss takes just as long.
    verified = hashing.verify(user.password_hash if user else None, password)
    if user is None or not verified:
        record_failure(db_session, key)
        raise SignInFailed
    forget_failures(db_session, slowdown)
    user.last_signed_in_at = utcnow()
    if hashing.needs_rehash(user.password_hash):
        user.password_hash = hashing.hash(password)
    db_session.commit()
    return user


def replace_handed_over_password(
    db_session: Session, user: User, password: str, keep_session_id: str | None
) -> None:
    """Set the account's own password in place of one an admin made and handed over, ending
    every other session; PasswordRefused if it breaks a rule or is the one handed over."""
    problem = _password_problem_text(password, user.username.rsplit("-", 1)[0])
    if problem:
        raise PasswordRefused(problem)
    hashing = password_hashing()
    if hashing.verify(user.password_hash, password):
        raise PasswordRefused("Choose a password of your own, not the one you were given")
    set_new_password(hashing, user, password)
    end_sessions_of(db_session, user.id, except_session_id=keep_session_id)
    db_session.commit()


def announce_sign_in(user_id: uuid.UUID, session_data: dict[str, object]) -> None:
    """Let other journeys move what an anonymous visitor did into the account they now use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    account_signed_in.send(app, user_id=user_id, session_data=session_data)
