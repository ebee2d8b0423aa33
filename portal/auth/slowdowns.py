"""Slowing down wrong passwords: always a wait, never a lock.

Each kind of attempt is counted under its own key, an HMAC so that nothing stored names a person,
a device or an address:
- sign-in from a browser we do not know: the username as typed and the network it came from;
- sign-in from a browser that has signed in to that account before (portal.auth.devices): that
  browser alone, so someone failing on the same wifi never slows the owner's own phone;
- the current password asked for on account pages: the account.
After FREE_ATTEMPTS failures each attempt must wait, 30 seconds doubling to 5 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import Table, case, delete, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.models.accounts import SignInSlowdown
from portal.models.base import utcnow

FREE_ATTEMPTS = 4
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=5)
# Failures older than this are forgotten.
FAILURE_MEMORY = timedelta(hours=24)


class SlowedDown(Exception):
    """Too many recent failures under this key: wait before trying again."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(f"Wait {wait.total_seconds():.0f} seconds.")
        self.wait_seconds = max(1, int(wait.total_seconds() + 0.999))


def slowdown_key(*parts: str) -> str:
    """The key failures are counted under: an HMAC of what they are about."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, "\n".join(parts).encode(), hashlib.sha256).hexdigest()


def network_of(address: str | None) -> str:
    """The network an address belongs to: the address, or its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _wait_after(failures: int) -> timedelta:
    if failures <= FREE_ATTEMPTS:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** (failures - FREE_ATTEMPTS - 1), LONGEST_WAIT)


def check_not_slowed(db_session: Session, key: str) -> SignInSlowdown | None:
    """SlowedDown if an attempt under this key must wait; otherwise its failure record, if any."""
    now = utcnow()
    row = db_session.get(SignInSlowdown, key)
    if (
        row is not None
        and row.next_attempt_at is not None
        and row.next_attempt_at > now
        and now - row.updated_at <= FAILURE_MEMORY
    ):
        raise SlowedDown(row.next_attempt_at - now)
    return row


def record_failure(db_session: Session, key: str) -> None:
    """Count one more failure under this key (committed at once). The count is added to in the
    database, in one statement, so failures sent at the same moment are all counted."""
    now: datetime = utcnow()
    insert = sqlite_insert if db_session.get_bind().dialect.name == "sqlite" else postgres_insert
    table = cast(Table, SignInSlowdown.__table__)
    first_failure = insert(table).values(key=key, failures=1, updated_at=now, next_attempt_at=None)
    statement = first_failure.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            # Failures older than FAILURE_MEMORY are forgotten: the count starts again.
            "failures": case(
                (table.c.updated_at < now - FAILURE_MEMORY, 1), else_=table.c.failures + 1
            ),
            "updated_at": now,
        },
    ).returning(table.c.failures)
    failures: int = db_session.execute(statement).scalar_one()
    wait = _wait_after(failures)
    if wait:
        db_session.execute(
            update(SignInSlowdown)
            .where(
                SignInSlowdown.key == key,
                (SignInSlowdown.next_attempt_at.is_(None))
                | (SignInSlowdown.next_attempt_at < now + wait),
            )
            .values(next_attempt_at=now + wait)
        )
    db_session.commit()


def forget_failures(db_session: Session, row: SignInSlowdown | None) -> None:
    """After a success: the failures before it no longer count (the caller commits)."""
    if row is not None:
        db_session.delete(row)


def forget_old_slowdowns(db_session: Session) -> int:
    """Remove failure records nobody has added to for a day; returns how many."""
    forgotten = db_session.execute(
        delete(SignInSlowdown)
        .where(SignInSlowdown.updated_at < utcnow() - FAILURE_MEMORY)
        .returning(SignInSlowdown.key)
    ).all()
    db_session.commit()
    return len(forgotten)
