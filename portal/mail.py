"""Sending email: through SMTP when PORTAL_SMTP_HOST is set, otherwise into instance/outbox/.

Messages go out on a background thread by default, so how long a request takes never shows
whether an email was sent (and so whether an account or address exists). Outbox files are
readable by the site's own user alone, named with a tag of the account they are for, and
removed when that account is deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import smtplib
import ssl
import sys
import threading
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Flask, Response, after_this_request, current_app

from portal.errors import log_exception_without_message
from portal.models.base import utcnow

log = logging.getLogger(__name__)


def _outbox_dir(config: dict[str, Any], instance_path: str) -> Path:
    return Path(config["OUTBOX_DIR"] or Path(instance_path) / "outbox")


def _owner_tag(secret: str, owner_id: uuid.UUID) -> str:
    """Names an account's outbox files without naming the account."""
    message = b"support-space/outbox\n" + owner_id.bytes
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:16]


def _write_to_outbox(message: EmailMessage, outbox: Path, tag: str) -> Path:
    outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S.%f}-{tag}-{uuid.uuid4().hex[:8]}.eml"
    # 0600 from the moment it exists: the message holds a one-time link.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(bytes(message))
    return path


def _deliver(message: EmailMessage, config: dict[str, Any], instance_path: str, tag: str) -> None:
    if not config["SMTP_HOST"]:
        path = _write_to_outbox(message, _outbox_dir(config, instance_path), tag)
        # The path only: the message holds a one-time link, which must not reach the logs.
        log.info("No SMTP server is set, so an email was written to %s", path)
        return
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.error("Sending an email failed: %s", type(error).__name__)


def send_email(to: str, subject: str, *, owner_id: uuid.UUID, body: str) -> None:
    """Send a plain-text email about an account (in the background unless the settings say
    otherwise)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    message = EmailMessage()
    message["From"] = app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    config = dict(app.config)
    tag = _owner_tag(app.config["SECRET_KEY"], owner_id)
    if app.config["MAIL_SEND_IN_BACKGROUND"]:
        threading.Thread(
            target=_deliver, args=(message, config, app.instance_path, tag), daemon=True
        ).start()
    else:
        _deliver(message, config, app.instance_path, tag)


def remove_outbox_mail_of(owner_id: uuid.UUID) -> int:
    """Delete the outbox files written for an account (at its deletion); returns how many."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    outbox = _outbox_dir(dict(app.config), app.instance_path)
    if not outbox.is_dir():
        return 0
    tag = _owner_tag(app.config["SECRET_KEY"], owner_id)
    removed = 0
    for path in outbox.glob(f"*-{tag}-*.eml"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def run_after_response(work: Any, *args: Any) -> None:
    """Run `work(*args)` once this request's response has been sent, on a thread of its own in
    the app's context (inline when MAIL_SEND_IN_BACKGROUND is off, as in tests), so how long the
    response takes never shows what the work found: whether an account exists, or has an
    address. Started only after the response, so the work cannot slow the response down."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                work(*args)
            except Exception:  # a thread's error would otherwise vanish unseen
                log_exception_without_message(sys.exc_info())  # type: ignore[arg-type]

    if not app.config["MAIL_SEND_IN_BACKGROUND"]:
        with app.app_context():
            work(*args)
        return

    @after_this_request
    def start_when_sent(response: Response) -> Response:
        response.call_on_close(threading.Thread(target=run, daemon=True).start)
        return response
