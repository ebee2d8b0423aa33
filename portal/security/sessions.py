"""Server-side sessions: the cookie holds a random token and nothing else.

The web_sessions row is keyed by a hash of the token and its data is sealed with a key derived from
the token, so the table alone opens nothing and deleting the row makes the cookie worthless at once
(sign-out, password change, "sign out of other devices", account deletion, quick exit).
Sessions end after SESSION_IDLE_MINUTES without a request (STAFF_IDLE_MINUTES for staff and
admins) and SESSION_MAX_HOURS in all.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import CallbackDict

from portal.auth.current import SESSION_ROLE
from portal.auth.roles import STAFF_ROLES
from portal.database import DATABASE_UNAVAILABLE, rollback_quietly, rows_changed
from portal.extensions import db
from portal.models.accounts import WebSession
from portal.models.base import UTCDateTime, utcnow
from portal.security.crypto import DecryptionFailed, open_with_key, seal_with_key

log = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
# last_seen_at is written at most this often, so reading pages does not write on every request.
LAST_SEEN_GRANULARITY = timedelta(seconds=60)
PURGE_EVERY = timedelta(minutes=10)


def session_id_for(token: str) -> str:
    return hashlib.sha256(b"support-space/session-id/" + token.encode()).hexdigest()


def _session_key_for(token: str) -> bytes:
    return hashlib.sha256(b"support-space/session-key/" + token.encode()).digest()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The session for one request. `end()` and `regenerate()` act when the response is saved."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        last_seen_is_old: bool = False,
        user_id: uuid.UUID | None = None,
        ended_reason: str | None = None,
        ended_user_id: uuid.UUID | None = None,
        unavailable: bool = False,
    ) -> None:
        def on_update(session: ServerSession) -> None:
            session.modified = True
            session.accessed = True

        super().__init__(initial, on_update)
        self.token = token
        # True when last_seen_at is due to be written again (LAST_SEEN_GRANULARITY).
        self.last_seen_is_old = last_seen_is_old
        # The account this session belongs to, as stored on its row.
        self.user_id = user_id
        # "idle" or "expired" when the request brought the cookie of a session that timed out,
        # and whose account it was (portal.held_writing gives a held form back to them alone).
        self.ended_reason = ended_reason
        self.ended_user_id = ended_user_id
        self.new = token is None
        self.modified = False
        self.ended = False
        self.needs_new_id = False
        # True when the sessions table could not be read (the database is down): the request
        # gets the "try again" page, and the browser's cookie is left as it is.
        self.unavailable = unavailable

    @property
    def session_id(self) -> str | None:
        return session_id_for(self.token) if self.token else None

    def end(self) -> None:
        """Forget this session on the server and in the browser."""
        self.clear()
        self.ended = True

    def regenerate(self) -> None:
        """Keep the data under a new token (at sign-in), so a token seen before is worthless."""
        self.needs_new_id = True
        self.modified = True


def end_sessions_of(
    db_session: Session, user_id: uuid.UUID, *, except_session_id: str | None = None
) -> int:
    """Delete a person's sessions on the server (all of them, or all but one); returns how many."""
    statement = delete(WebSession).where(WebSession.user_id == user_id)
    if except_session_id is not None:
        statement = statement.where(WebSession.id != except_session_id)
    return rows_changed(db_session, statement)


def count_other_sessions(
    db_session: Session, user_id: uuid.UUID, current_session_id: str | None
) -> int:
    """How many other browsers are signed in to this account."""
    statement = select(WebSession.id).where(WebSession.user_id == user_id)
    if current_session_id is not None:
        statement = statement.where(WebSession.id != current_session_id)
    return len(db_session.scalars(statement).all())


def purge_ended_sessions(db_session: Session, idle: timedelta, lifetime: timedelta) -> int:
    """Delete sessions that can no longer be used; returns how many."""
    now = utcnow()
    deleted = rows_changed(
        db_session,
        delete(WebSession).where(
            (WebSession.last_seen_at < now - idle) | (WebSession.created_at < now - lifetime)
        ),
    )
    db_session.commit()
    return deleted


def idle_minutes_for(app: Flask, session_data: dict[str, Any]) -> int:
    """How long this session may go unused: shorter for staff and admins (the role is kept in
    the session's data from the sign-in on; a change of role ends the account's sessions)."""
    minutes: int = app.config["SESSION_IDLE_MINUTES"]
    if session_data.get(SESSION_ROLE) in STAFF_ROLES:
        return min(minutes, app.config["STAFF_IDLE_MINUTES"])
    return minutes


# Built once: every request with a cookie runs this. The database compares the times, so none is
# read back and parsed: whether the session is past its lifetime, unused for too long (for anyone,
# and for staff, whose role is known only once the data is open), and last seen long enough ago
# to be written again.
_SESSION_BY_ID = select(
    WebSession.user_id,
    WebSession.data,
    (WebSession.created_at < bindparam("expired_before", type_=UTCDateTime)).label("expired"),
    (WebSession.last_seen_at < bindparam("idle_before", type_=UTCDateTime)).label("idle"),
    (WebSession.last_seen_at < bindparam("staff_idle_before", type_=UTCDateTime)).label(
        "staff_idle"
    ),
    (WebSession.last_seen_at < bindparam("seen_before", type_=UTCDateTime)).label("seen_long_ago"),
).where(WebSession.id == bindparam("session_id"))


class ServerSessionInterface(SessionInterface):
    """Flask's session interface backed by the web_sessions table."""

    serializer = TaggedJSONSerializer()

    def __init__(self) -> None:
        self._last_purge: datetime | None = None

    def _lifetimes(self, app: Flask) -> tuple[timedelta, timedelta]:
        return (
            timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
            timedelta(hours=app.config["SESSION_MAX_HOURS"]),
        )

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        try:
            return self._open_session(app, request)
        except DATABASE_UNAVAILABLE as error:
            log.warning(
                "Sessions could not be read (%s): the database did not answer.",
                type(error).__name__,
            )
            rollback_quietly(db.session)
            return ServerSession(unavailable=True)

    def _open_session(self, app: Flask, request: Request) -> ServerSession:
        if app.static_url_path and request.path.startswith(app.static_url_path + "/"):
            return ServerSession()  # static files never need the session: no query
        token = request.cookies.get(self.get_cookie_name(app), "")
        if not TOKEN_PATTERN.match(token):
            return ServerSession()
        session_id = session_id_for(token)
        idle, lifetime = self._lifetimes(app)
        now = utcnow()
        staff_idle = timedelta(minutes=idle_minutes_for(app, {SESSION_ROLE: "staff"}))
        times = {
            "expired_before": now - lifetime,
            "idle_before": now - idle,
            "staff_idle_before": now - staff_idle,
            "seen_before": now - LAST_SEEN_GRANULARITY,
        }
        row = (
            db.session.connection()
            .execute(_SESSION_BY_ID, {"session_id": session_id, **times})
            .one_or_none()
        )
        if row is None:
            return ServerSession()
        ended_reason = "expired" if row.expired else "idle" if row.idle else None
        if ended_reason:
            return self._ended(session_id, ended_reason, row.user_id)
        try:
            plain = open_with_key(_session_key_for(token), row.data, session_id.encode())
            data = self.serializer.loads(plain.decode())
        except (DecryptionFailed, ValueError):
            log.warning("A session's data did not open; starting a new session.")
            return ServerSession()
        if row.staff_idle and data.get(SESSION_ROLE) in STAFF_ROLES:
            return self._ended(session_id, "idle", row.user_id)
        return ServerSession(
            data, token=token, user_id=row.user_id, last_seen_is_old=bool(row.seen_long_ago)
        )

    @staticmethod
    def _ended(session_id: str, reason: str, user_id: uuid.UUID | None) -> ServerSession:
        """Forget a session that timed out, remembering why and whose it was."""
        db.session.execute(delete(WebSession).where(WebSession.id == session_id))
        db.session.commit()
        return ServerSession(ended_reason=reason, ended_user_id=user_id)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)  # noqa: S101 (set by open_session above)
        if session.unavailable:
            if session.ended:
                # A way out while the database is away: out of the browser at once; the row
                # cannot be deleted now and ends with the idle time.
                self.forget_cookie(app, response)
            return
        try:
            self._save_session(app, session, response)
        except DATABASE_UNAVAILABLE as error:
            # The cookie stays as it was (a session ended is deleted from the browser first).
            log.warning(
                "A session could not be saved (%s): the database did not answer.",
                type(error).__name__,
            )
            rollback_quietly(db.session)

    def _save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        cookie_name = self.get_cookie_name(app)
        if session.ended or (session.ended_reason and not session):
            # Out of the browser first: signing out works even when the row cannot be deleted.
            self.forget_cookie(app, response)
            if session.token:
                ended_id = session.session_id
                self._write(
                    lambda: db.session.execute(delete(WebSession).where(WebSession.id == ended_id))
                )
            return
        now = utcnow()
        if session.token is None or session.needs_new_id:
            if not session:
                return  # nothing worth keeping: no row, no cookie
            old_id = session.session_id
            token = secrets.token_urlsafe(32)
            session_id = session_id_for(token)

            def replace_row() -> None:
                if old_id:
                    db.session.execute(delete(WebSession).where(WebSession.id == old_id))
                db.session.add(
                    WebSession(
                        id=session_id,
                        user_id=self._user_id(session),
                        data=self._sealed(session, token),
                        created_at=now,
                        last_seen_at=now,
                    )
                )

            self._write(replace_row)
            self._maybe_purge(app, now)
            response.set_cookie(
                cookie_name,
                token,
                path=self.get_cookie_path(app),
                secure=self.get_cookie_secure(app),
                httponly=True,
                samesite=self.get_cookie_samesite(app),
            )
            return
        session_id = session_id_for(session.token)
        if session.modified:
            values = {
                "data": self._sealed(session, session.token),
                "user_id": self._user_id(session),
                "last_seen_at": now,
            }
        elif session.last_seen_is_old:
            values = {"last_seen_at": now}
        else:
            return
        self._write(
            lambda: db.session.execute(
                update(WebSession).where(WebSession.id == session_id).values(**values)
            )
        )

    def forget_cookie(self, app: Flask, response: Response) -> None:
        """Delete the session cookie from the browser."""
        response.delete_cookie(
            self.get_cookie_name(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite=self.get_cookie_samesite(app),
        )

    @staticmethod
    def _user_id(session: ServerSession) -> uuid.UUID | None:
        raw = session.get("_user_id")
        return uuid.UUID(raw) if raw else None

    def _sealed(self, session: ServerSession, token: str) -> bytes:
        plain = self.serializer.dumps(dict(session)).encode()
        return seal_with_key(_session_key_for(token), plain, session_id_for(token).encode())

    @staticmethod
    def _write(change: Any) -> None:
        """Save session changes in a transaction of their own.

        Work a view did not commit would be discarded when the request ends anyway; ending it
        here first means the session write never waits on it (SQLite has one writer at a time).
        """
        db.session.rollback()
        change()
        db.session.commit()

    def _maybe_purge(self, app: Flask, now: datetime) -> None:
        if self._last_purge and now - self._last_purge < PURGE_EVERY:
            return
        self._last_purge = now
        purge_ended_sessions(db.session, *self._lifetimes(app))


def current_session() -> ServerSession:
    """The request's session, typed."""
    return session  # type: ignore[return-value]
