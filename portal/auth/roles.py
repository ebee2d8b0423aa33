"""Who may do what: every account is a person; staff also edit and publish guides; admins also
manage staff. Staff and admin pages check the role here, in one place, so a person never reaches
them (they are not found, as if they did not exist) and staff never reach an admin's (forbidden).

A staff or admin page also needs the second factor passed in this session (portal.auth.
second_factor): until then it sends the browser to the next step of signing in instead.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import delete
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.current import SESSION_SECOND_FACTOR
from portal.extensions import login_manager
from portal.models.accounts import User, WebSession

P = ParamSpec("P")
R = TypeVar("R")
# Where a staff page sends someone who has not passed the second factor in this session; that
# page sends them on to whichever step they have left (a new password, setting up the app).
SECOND_FACTOR_ENDPOINT = "second_factor.enter_code"


class Role(enum.StrEnum):
    PERSON = "person"
    STAFF = "staff"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


def role_of_current_user() -> Role:
    if not current_user.is_authenticated:
        return Role.PERSON
    return Role(current_user.role)


def second_factor_passed() -> bool:
    """Whether this session has passed the second factor since it signed in."""
    return bool(session.get(SESSION_SECOND_FACTOR))


def _refused(status: int) -> BaseResponse:
    """Not found (or forbidden): except to someone whose session has just timed out, who is
    asked to sign in again, as on any other page."""
    # portal.security.sessions.ServerSession says why a session ended; read off Flask's
    # session, as that module depends on this one.
    if not current_user.is_authenticated and getattr(session, "ended_reason", None):
        return login_manager.unauthorized()
    abort(status)


def _to_second_factor() -> BaseResponse:
    here = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for(SECOND_FACTOR_ENDPOINT, next=here))


def staff_required(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
    """Staff and admins only, with the second factor passed; anyone else finds nothing here."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R | BaseResponse:
        if role_of_current_user() not in STAFF_ROLES:
            return _refused(404)
        if not second_factor_passed():
            return _to_second_factor()
        return view(*args, **kwargs)

    return checked


def admin_required(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
    """Admins only, with the second factor passed: staff are refused, anyone else finds nothing
    here."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R | BaseResponse:
        role = role_of_current_user()
        if role is not Role.ADMIN:
            return _refused(403 if role is Role.STAFF else 404)
        if not second_factor_passed():
            return _to_second_factor()
        return view(*args, **kwargs)

    return checked


def give_role(db_session: Session, user: User, role: Role) -> None:
    """Change an account's role. Its sessions end, so the new role (more or less) applies from
    its next sign-in, never half-way through one."""
    user.role = role.value
    db_session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    db_session.commit()
