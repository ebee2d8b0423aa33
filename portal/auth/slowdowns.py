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

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
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


def record_failure(db_session: Session, key: str, row: SignInSlowdown | None) -> None:
    """Count one more failure under this key (committed at once)."""
    now: datetime = utcnow()
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


def forget_failures(db_session: Session, row: SignInSlowdown | None) -> None:
    """After a success: the failures before it no longer count (the caller commits)."""
    if row is not None:
        db_session.delete(row)


def forget_old_slowdowns(db_session: Session) -> int:
    """Remove failure records nobody has added to for a day; returns how many."""
    result = db_session.execute(
        delete(SignInSlowdown).where(SignInSlowdown.updated_at < utcnow() - FAILURE_MEMORY)
    )
    db_session.commit()
    return result.rowcount or 0
