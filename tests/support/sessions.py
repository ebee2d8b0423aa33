"""Moving sessions through time, as waiting would."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import update

from portal.extensions import db
from portal.models import WebSession
from portal.models.base import utcnow


def age_sessions(
    app: Flask, *, idle: timedelta = timedelta(0), age: timedelta = timedelta(0)
) -> None:
    """Make every session look as if it was last used `idle` ago and started `age` ago."""
    with app.app_context():
        db.session.execute(
            update(WebSession).values(last_seen_at=utcnow() - idle, created_at=utcnow() - age)
        )
        db.session.commit()
