"""Who is signed in: a light record from the session for every page, the full account on demand.

A session row exists only while its account does (rows cascade on deletion, and a password change
ends the others), so the id and username sealed in the session are enough for most pages without
reading the users table on every request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import abort
from flask_login import UserMixin, current_user

from portal.extensions import db
from portal.models.accounts import User

SESSION_USERNAME = "_username"
# The account's role when it signed in; a change of role ends the account's sessions.
SESSION_ROLE = "_role"
# Set once a staff or admin account has passed its second factor in this session
# (portal.auth.second_factor); staff and admin pages open only then (portal.auth.roles).
SESSION_SECOND_FACTOR = "_second_factor_passed"


@dataclass(frozen=True, eq=False)
class SignedInPerson(UserMixin):
    """current_user for a signed-in request."""

    id: uuid.UUID
    username: str
    role: str = "person"

    def get_id(self) -> str:
        return str(self.id)


def current_account() -> User:
    """The signed-in person's account row, for pages that read or change it."""
    user = db.session.get(User, current_user.id)
    if user is None:  # the account went while this request was on its way
        abort(404)
    return user
