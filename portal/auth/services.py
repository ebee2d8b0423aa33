"""Registering and signing in: the rules, apart from the web pages that call them.

Every function takes the database session it works in and raises a named exception when the person
cannot go on; the views turn those into messages. Nothing here says whether a username exists:
unknown names cost the same password check and get the same answer as wrong passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.auth.recovery import issue_recovery_codes
from portal.auth.usernames import canonical_username, chosen_name_problem, with_random_suffix
from portal.models.accounts import SignInSlowdown, User
from portal.models.base import new_id, utcnow
from portal.security.data_keys import create_data_key, destroy_data_key
from portal.security.passwords import PasswordHashing, password_problem
from portal.signals import account_signed_in

PASSWORDS_EXTENSION = "portal.passwords"
# After this many failures for one username from one network, each attempt must wait...
FREE_ATTEMPTS = 4
# ...30 seconds, doubling with each further failure up to five minutes: always a wait, never
# a lock, so someone who knows a victim's username cannot keep them out of their own account.
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=5)
# Failures older than this are forgotten.
FAILURE_MEMORY = timedelta(hours=24)
SUFFIX_ATTEMPTS = 20


class AuthError(Exception):
    """Base class for reasons an account action cannot go ahead."""


class SignInFailed(AuthError):
    """Wrong username or password; deliberately not saying which."""


class SignInSlowedDown(AuthError):
    """Too many recent failures for this username from this network."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(f"Wait {wait.total_seconds():.0f} seconds.")
        self.wait_seconds = max(1, int(wait.total_seconds() + 0.999))


class RegistrationRefused(AuthError):
    """The chosen name or password breaks a rule; the message says which, kindly."""


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


def network_of(address: str | None) -> str:
    """The network an address belongs to for slowing sign-ins: the address, or its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _slowdown_key(typed_username: str, network: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"{canonical_username(typed_username)}\n{network}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _wait_after(failures: int) -> timedelta:
    if failures <= FREE_ATTEMPTS:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** (failures - FREE_ATTEMPTS - 1), LONGEST_WAIT)


def _record_failure(
    db_session: Session, key: str, row: SignInSlowdown | None, now: datetime
) -> None:
    if row is None:
        row = SignInSlowdown(key=key, failures=0)
        db_session.add(row)
    elif now - row.updated_at > FAILURE_MEMORY:
        row.failures = 0
    row.failures += 1
    row.updated_at = now
    wait = _wait_after(row.failures)
    row.next_attempt_at = now + wait if wait else None
    try:
        db_session.commit()
    except IntegrityError:  # another worker recorded a failure for the same key at the same moment
        db_session.rollback()


def authenticate(
    db_session: Session, typed_username: str, password: str, address: str | None
) -> User:
    """The account for these credentials, or SignInFailed / SignInSlowedDown."""
    now = utcnow()
    key = _slowdown_key(typed_username, network_of(address))
    slowdown = db_session.get(SignInSlowdown, key)
    if (
        slowdown
        and slowdown.next_attempt_at
        and slowdown.next_attempt_at > now
        and now - slowdown.updated_at <= FAILURE_MEMORY
    ):
        raise SignInSlowedDown(slowdown.next_attempt_at - now)
    user = db_session.scalars(
        select(User).where(User.username == canonical_username(typed_username))
    ).one_or_none()
    hashing = password_hashing()
    # Checked against a decoy hash when there is no such account, so a miss takes just as long.
    verified = hashing.verify(user.password_hash if user else None, password)
    if user is None or not verified:
        _record_failure(db_session, key, slowdown, now)
        raise SignInFailed
    if slowdown is not None:
        db_session.delete(slowdown)
    if hashing.needs_rehash(user.password_hash):
        user.password_hash = hashing.hash(password)
    db_session.commit()
    return user


def forget_old_slowdowns(db_session: Session) -> int:
    """Remove failure records nobody has added to for a day; returns how many."""
    result = db_session.execute(
        delete(SignInSlowdown).where(SignInSlowdown.updated_at < utcnow() - FAILURE_MEMORY)
    )
    db_session.commit()
    return result.rowcount or 0


def announce_sign_in(user_id: uuid.UUID, session_data: dict[str, object]) -> None:
    """Let other journeys move what an anonymous visitor did into the account they now use."""
    account_signed_in.send(
        current_app._get_current_object(), user_id=user_id, session_data=session_data
    )  # type: ignore[attr-defined]
