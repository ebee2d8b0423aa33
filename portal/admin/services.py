"""Managing staff and admin accounts: the rules, apart from the pages.

Every look-up here names the staff roles in its query, so no admin page can list, open or change
a person's account, or learn whether an id belongs to one: it is simply not found.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.account.services import delete_account_for_admin
from portal.auth.recovery import CODE_ALPHABET
from portal.auth.roles import STAFF_ROLES, Role, give_role
from portal.auth.second_factor import forget_second_factor
from portal.auth.services import register
from portal.models.accounts import User

# The one-time password handed over with a new account: 5 groups of 4 from the recovery codes'
# alphabet (no 0/o, 1/l/i), about 98 bits, easy to read out or copy from paper.
HANDED_OVER_GROUPS = 5
HANDED_OVER_GROUP_LENGTH = 4
_STAFF_ROLE_VALUES = sorted(role.value for role in STAFF_ROLES)


class StaffAccountNotFound(Exception):
    """No staff or admin account has this id (a person's account is never found here)."""


class OwnAccount(Exception):
    """Admins do not remove, delete or reset their own account here: another admin (or `flask
    staff`) does, so nobody locks the last admin out by a slip."""


@dataclass(frozen=True)
class StaffAccount:
    """One line of the list of staff: nothing but what managing the account needs."""

    id: uuid.UUID
    username: str
    role: Role
    has_second_factor: bool
    last_signed_in_at: datetime

    @classmethod
    def of(cls, user: User) -> StaffAccount:
        return cls(
            user.id, user.username, Role(user.role), user.has_second_factor, user.last_signed_in_at
        )


@dataclass(frozen=True)
class HandOver:
    """What an admin passes to a new staff member, shown once: the username, a password that
    works once, and the account's recovery codes."""

    username: str
    password: str
    recovery_codes: list[str]


def staff_accounts(db_session: Session) -> list[StaffAccount]:
    """Every staff and admin account, by username."""
    users = db_session.scalars(
        select(User).where(User.role.in_(_STAFF_ROLE_VALUES)).order_by(User.username)
    ).all()
    return [StaffAccount.of(user) for user in users]


def staff_user(db_session: Session, user_id: uuid.UUID) -> User:
    """The staff or admin account with this id; StaffAccountNotFound for any other id."""
    user = db_session.scalars(
        select(User).where(User.id == user_id, User.role.in_(_STAFF_ROLE_VALUES))
    ).one_or_none()
    if user is None:
        raise StaffAccountNotFound
    return user


def _handed_over_password() -> str:
    return "-".join(
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(HANDED_OVER_GROUP_LENGTH))
        for _ in range(HANDED_OVER_GROUPS)
    )


def create_staff_account(db_session: Session, chosen_name: str, role: Role) -> HandOver:
    """A new staff or admin account, its username made from `chosen_name` as registration makes
    one. Its password works for the first sign-in only, which must also set up an authenticator
    app. RegistrationRefused if the name breaks a rule."""
    password = _handed_over_password()
    account = register(db_session, chosen_name, password)
    account.user.password_must_change = True
    give_role(db_session, account.user, role)  # commits
    return HandOver(account.user.username, password, account.recovery_codes)


def staff_user_named(db_session: Session, username: str) -> User:
    """The staff or admin account with this username; StaffAccountNotFound for anyone else."""
    user = db_session.scalars(
        select(User).where(User.username == username, User.role.in_(STAFF_ROLES))
    ).one_or_none()
    if user is None:
        raise StaffAccountNotFound
    return user


def _not_own(user: User, acting_admin_id: uuid.UUID) -> None:

    if user.id == acting_admin_id:
        raise OwnAccount


def remove_staff_role(db_session: Session, user: User, acting_admin_id: uuid.UUID) -> None:
    """Make the account a person's again: its sessions end, and its authenticator app is
    forgotten (it would need a new one if made staff again)."""
    _not_own(user, acting_admin_id)
    forget_second_factor(db_session, user)
    user.password_must_change = False
    give_role(db_session, user, Role.PERSON)  # commits


def reset_second_factor(db_session: Session, user: User, acting_admin_id: uuid.UUID) -> None:
    """Forget the account's authenticator app (a lost phone): its sessions end, and it sets up
    a new app at its next sign-in."""
    _not_own(user, acting_admin_id)
    forget_second_factor(db_session, user)
    db_session.commit()


def delete_staff_account(db_session: Session, user: User, acting_admin_id: uuid.UUID) -> None:
    """Delete the account and everything it holds, as its owner deleting it would."""
    _not_own(user, acting_admin_id)
    delete_account_for_admin(db_session, user.id)
