"""Who may do what: every account is a person; staff also edit and publish guides; admins also
manage staff. Staff and admin pages check the role here, in one place, so a person never reaches
them (they are not found, as if they did not exist) and staff never reach an admin's (forbidden).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal.models.accounts import User, WebSession

P = ParamSpec("P")
R = TypeVar("R")


class Role(enum.StrEnum):
    PERSON = "person"
    STAFF = "staff"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


def role_of_current_user() -> Role:
    if not current_user.is_authenticated:
        return Role.PERSON
    return Role(current_user.role)


def staff_required(view: Callable[P, R]) -> Callable[P, R]:
    """Staff and admins only; anyone else finds nothing here."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        if role_of_current_user() not in STAFF_ROLES:
            abort(404)
        return view(*args, **kwargs)

    return checked


def admin_required(view: Callable[P, R]) -> Callable[P, R]:
    """Admins only: staff are refused, anyone else finds nothing here."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        role = role_of_current_user()
        if role is not Role.ADMIN:
            abort(403 if role is Role.STAFF else 404)
        return view(*args, **kwargs)

    return checked


def give_role(db_session: Session, user: User, role: Role) -> None:
    """Change an account's role. Its sessions end, so the new role (more or less) applies from
    its next sign-in, never half-way through one."""
    user.role = role.value
    db_session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    db_session.commit()
