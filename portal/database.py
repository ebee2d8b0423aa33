"""SQLAlchemy engines and one session per request.

`Database` is a small Flask extension: `db.session` is the session for the current request (or CLI
command), closed when the app context ends. The main database and the separate keystore are two
instances of it, so SQLite behaves the same way whichever holds the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, CursorResult, Delete, Engine, Update, create_engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

# How long a SQLite connection waits for another to finish before giving up, unless
# PORTAL_SQLITE_BUSY_SECONDS says otherwise.
SQLITE_BUSY_SECONDS = 15
# How long to wait for PostgreSQL to answer a new connection: a host that has gone silent
# would otherwise hold a worker, and the person's request, until the OS gives up (minutes).
POSTGRES_CONNECT_SECONDS = 5
# What a database that is down, restarting, unreachable or too busy raises: the request gets
# the "try again in a moment" page (portal.errors), never a traceback.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)


def is_database_unavailable(error: BaseException) -> bool:
    """Whether `error` is the database being away: one of DATABASE_UNAVAILABLE, or any driver
    error that SQLAlchemy recognised as a lost connection (a restart mid-statement)."""
    return isinstance(error, DATABASE_UNAVAILABLE) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def engine_for(
    url: str, *, autocommit: bool = False, sqlite_busy_seconds: float = SQLITE_BUSY_SECONDS
) -> Engine:
    """An engine with the connection settings each database needs to behave correctly."""
    # hide_parameters: errors and logs never show the values in a statement (private text).
    # pool_pre_ping: a connection gone stale (a database restart, a firewall's idle cut) is
    # replaced before use, so a request, and the diary entry it carries, never fails on one.
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "hide_parameters": True,
        "connect_args": {"connect_timeout": POSTGRES_CONNECT_SECONDS},
    }

    if url.startswith("sqlite"):
        # One engine serves every thread of the development server; SQLite itself serialises writes.
        options = {
            "hide_parameters": True,
            "connect_args": {"check_same_thread": False, "timeout": sqlite_busy_seconds},
        }
    if autocommit:
        options["isolation_level"] = "AUTOCOMMIT"
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """Enforce foreign keys (cascading deletes depend on it) and let readers run beside a writer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten, so a removed key or record does not linger in free pages.
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def rows_changed(db_session: Session, statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE in the session; how many rows it changed."""
    result = db_session.execute(statement)
    # Session.execute is typed to return a Result; for an UPDATE or DELETE without RETURNING it
    # is a CursorResult, which has the count.
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(statement).__name__} gave a {type(result).__name__}, not a count")
    return result.rowcount


def is_sqlite(bind: Engine | Connection) -> bool:
    """Whether this is a SQLite database (development, tests, a small single-host site)."""
    return bind.dialect.name == "sqlite"


def empty_write_ahead_log(bind: Engine | Connection, wait_seconds: float) -> bool:
    """Copy a SQLite database's write-ahead log into its file and cut the log to nothing.

    The log keeps earlier versions of the pages a change touched, deleted rows included, until it
    is overwritten; the file itself holds none (secure_delete zeroes deleted rows). Returns False
    if readers still used the log after `wait_seconds`: then it stays as it was until the next try
    (`flask housekeeping`) or until the last connection to the database closes. Any other
    database: True at once (PostgreSQL's WAL is the server's own; README, "Keys and backups").
    """
    if not is_sqlite(bind):
        return True
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.connect() as connection:
        usual: int = connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {round(wait_seconds * 1000)}")
        try:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {usual}")
    return busy == 0


@dataclass(frozen=True)
class _BoundDatabase:
    engine: Engine
    make_session: sessionmaker[Session]


class Database:
    """A database named by one setting: an engine per app and a session per request."""

    def __init__(self, url_setting: str, *, autocommit: bool = False) -> None:
        self.url_setting = url_setting
        self.autocommit = autocommit
        self.extension_name = f"portal.database.{url_setting.lower()}"
        self._g_name = f"db_session_{url_setting.lower()}"

    def init_app(self, app: Flask) -> None:
        engine = engine_for(
            app.config[self.url_setting],
            autocommit=self.autocommit,
            sqlite_busy_seconds=app.config["SQLITE_BUSY_SECONDS"],
        )
        # expire_on_commit=False: a view can still read what it just saved without a fresh SELECT.
        make_session = sessionmaker(engine, expire_on_commit=False)
        app.extensions[self.extension_name] = _BoundDatabase(engine, make_session)
        app.teardown_appcontext(self._close_request_session)

    def dispose(self, app: Flask) -> None:
        """Close every pooled connection (tests drop their databases afterwards)."""
        app.extensions[self.extension_name].engine.dispose()

    def _bound(self) -> _BoundDatabase:
        return current_app.extensions[self.extension_name]

    @property
    def engine(self) -> Engine:
        return self._bound().engine

    @property
    def session(self) -> Session:
        """The session for this request; created on first use."""
        session = g.get(self._g_name)
        if session is None:
            session = self._bound().make_session()
            setattr(g, self._g_name, session)
        return session

    @contextmanager
    def separate_session(self) -> Iterator[Session]:
        """A session of its own, committed on success, for work outside a request's own
        transaction (CLI commands and background jobs)."""
        session = self._bound().make_session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _close_request_session(self, _exc: BaseException | None) -> None:
        session = g.pop(self._g_name, None)
        if session is not None:
            # Closing rolls back; on a connection the database dropped (a restart) that fails,
            # and must not turn the page already sent into gunicorn's bare 500.
            close_quietly(session)


def close_quietly(session: Session) -> None:
    """Close the session; if its connection is gone, discard the connection instead (the pool
    opens a new one)."""
    try:
        session.close()
    except DBAPIError:
        session.invalidate()


def rollback_quietly(session: Session) -> None:
    """End the session's transaction after the database failed; a connection that is already
    gone cannot roll back, and is discarded by the pool instead."""
    try:
        session.rollback()
    except DBAPIError:
        session.invalidate()
