"""A second factor for staff and admin accounts: a code from an authenticator app (TOTP, RFC 6238:
30-second steps, 6 digits, HMAC-SHA-1, which every authenticator app understands), or one of the
account's unused recovery codes.

The app's secret is sealed with the account's own data key, like its email address, so the
database alone never holds it. Each code works once: the last time step accepted is kept, and a
code for that step or an earlier one is refused, in the statement that accepts it, so two requests
racing with the same code cannot both succeed. Wrong codes are slowed down per account, as
wrong passwords are (portal.auth.slowdowns); recovery codes never are, as at sign-in.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import uuid
from datetime import datetime

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from portal.auth.recovery import RecoveryFailed, issue_recovery_codes, use_recovery_code_of
from portal.auth.roles import STAFF_ROLES, Role
from portal.auth.slowdowns import check_not_slowed, forget_failures, record_failure, slowdown_key
from portal.models.accounts import User
from portal.models.base import utcnow
from portal.security.data_keys import cipher_for
from portal.security.sessions import end_sessions_of

ISSUER = "Support Space"
STEP_SECONDS = 30
DIGITS = 6
# Codes from the step before and the step after are accepted too: phone clocks drift.
DRIFT_STEPS = 1
# 160 bits, the secret length RFC 4226 recommends for HMAC-SHA-1.
SECRET_BYTES = 20
SECRET_GROUP = 4
SEALED_AS = {"kind": "user", "field": "totp-secret"}
APP_CODE = re.compile(r"[0-9]{6}")
# People type codes with spaces or hyphens, as many apps show them ("123 456").
SEPARATORS = re.compile(r"[\s-]+")


class SecondFactorFailed(Exception):
    """The code is not right (or the recovery code is unknown or used)."""


class CodeAlreadyUsed(SecondFactorFailed):
    """A right code, but for a time step already used: each code works once."""


class NoSecondFactor(Exception):
    """The account has not set up a second factor yet."""


def new_secret() -> str:
    """A new random secret, in base32 as authenticator apps take it (32 letters and digits)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_in_groups(secret: str) -> list[str]:
    """The secret in groups of four, for typing in by hand."""
    return [secret[i : i + SECRET_GROUP] for i in range(0, len(secret), SECRET_GROUP)]


def app_link(secret: str, username: str) -> str:
    """The otpauth:// address a QR code carries: the secret, whose account and which site."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=ISSUER
    )


def qr_code_svg(link: str) -> Markup:
    """The QR code for `link` as inline SVG, drawn here (no image request, nothing off the site):
    fill and stroke attributes only, which the Content-Security-Policy allows, sized by CSS."""
    svg = segno.make(link, error="m").svg_inline(
        scale=1,
        border=4,
        omitsize=True,
        dark="#0b0c0c",
        light="#fff",
        svgclass="qr-code__image",
        lineclass=None,
        title="QR code to scan with your authenticator app",
    )
    # segno writes the markup and escapes the title; the link is drawn as modules, never text.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704


def time_step(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def looks_like_app_code(typed: str) -> bool:
    """Six digits (spaces and hyphens aside): a code from the app, not a recovery code."""
    return APP_CODE.fullmatch(SEPARATORS.sub("", typed)) is not None


def _matching_step(secret: str, typed: str, now: datetime) -> int | None:
    """The time step, within the drift allowed, whose code was typed; None if none."""
    code = SEPARATORS.sub("", typed)
    if not APP_CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = time_step(now)
    # Every step is compared, so the time taken says nothing about which one matched.
    matched = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
    return matched


def _secret_of(user: User) -> str:
    if user.totp_secret_ciphertext is None:
        raise NoSecondFactor
    return cipher_for(user.id).open(user.totp_secret_ciphertext, record_id=user.id, **SEALED_AS)


def _claim_step(db_session: Session, user_id: uuid.UUID, step: int) -> bool:
    """Record `step` as the last one used, only if it is later than the last one: checked and
    set in one statement, so a code works once however many requests race with it."""
    claimed = db_session.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).all()
    return len(claimed) == 1


def set_up_second_factor(
    db_session: Session, user: User, secret: str, typed: str, now: datetime | None = None
) -> list[str]:
    """Keep the app's secret, sealed, once a code from the app shows it was set up right, and
    give the account new recovery codes (returned to show once: any handed over by an admin
    stop working). SecondFactorFailed if the code is not right."""
    step = _matching_step(secret, typed, now or utcnow())
    if step is None:
        raise SecondFactorFailed
    user.totp_secret_ciphertext = cipher_for(user.id).seal(secret, record_id=user.id, **SEALED_AS)
    user.totp_last_step = step
    user.second_factor_set_up_at = utcnow()
    codes = issue_recovery_codes(db_session, user)
    db_session.commit()
    return codes


def check_second_factor(
    db_session: Session, user: User, typed: str, now: datetime | None = None
) -> None:
    """Accept a code from the app or an unused recovery code (which is then used up); otherwise
    SecondFactorFailed, CodeAlreadyUsed, or SlowedDown after several wrong codes."""
    if not looks_like_app_code(typed):
        try:
            use_recovery_code_of(db_session, user.id, typed)
        except RecoveryFailed:
            db_session.rollback()
            raise SecondFactorFailed from None
        db_session.commit()
        return
    key = slowdown_key("second-factor", str(user.id))
    slowdown = check_not_slowed(db_session, key)
    step = _matching_step(_secret_of(user), typed, now or utcnow())
    if step is None:
        record_failure(db_session, key)
        raise SecondFactorFailed
    if not _claim_step(db_session, user.id, step):
        db_session.rollback()
        record_failure(db_session, key)
        raise CodeAlreadyUsed
    forget_failures(db_session, slowdown)
    db_session.commit()


def forget_second_factor(db_session: Session, user: User) -> None:
    """Remove the account's app secret (a lost phone, or no longer staff), and end its sessions:
    a staff account sets up a new one at its next sign-in (the caller commits)."""
    user.totp_secret_ciphertext = None
    user.totp_last_step = None
    user.second_factor_set_up_at = None
    end_sessions_of(db_session, user.id)


def needs_second_factor(user: User) -> bool:
    return Role(user.role) in STAFF_ROLES
