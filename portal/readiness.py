"""Whether this server can do its work: the databases and Redis answer. For a proxy or an
orchestrator deciding where to send people; /health, by contrast, says only that the process
is up."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import text

from portal.database import DATABASE_UNAVAILABLE, Database, rollback_quietly
from portal.extensions import db, keystore_db, limiter


def _database_answers(database: Database) -> bool:
    try:
        database.session.execute(text("SELECT 1"))
    except DATABASE_UNAVAILABLE:
        rollback_quietly(database.session)
        return False
    database.session.rollback()
    return True


def _redis_answers() -> bool:
    # The rate limiter's own connection, with its one-second timeouts (config.py).
    return bool(limiter.storage.check())


def parts_not_answering() -> list[str]:
    """The names of the parts that did not answer; empty when the server is ready."""
    checks: dict[str, Callable[[], bool]] = {
        "database": lambda: _database_answers(db),
        "keystore": lambda: _database_answers(keystore_db),
    }
    if current_app.config["REDIS_URL"]:
        checks["redis"] = _redis_answers
    return [name for name, answers in checks.items() if not answers()]
