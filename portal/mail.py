"""Sending email: through SMTP when PORTAL_SMTP_HOST is set, otherwise into instance/outbox/.

Messages go out on a background thread by default, so how long a request takes never shows
whether an email was sent (and so whether an account or address exists).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import current_app

from portal.models.base import utcnow

log = logging.getLogger(__name__)


def _outbox_dir(config: dict[str, Any], instance_path: str) -> Path:
    return Path(config["OUTBOX_DIR"] or Path(instance_path) / "outbox")


def _deliver(message: EmailMessage, config: dict[str, Any], instance_path: str) -> None:
    if not config["SMTP_HOST"]:
        outbox = _outbox_dir(config, instance_path)
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{utcnow():%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(message))
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


def send_email(to: str, subject: str, body: str) -> None:
    """Send a plain-text email (in the background unless the settings say otherwise)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    message = EmailMessage()
    message["From"] = app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    config = dict(app.config)
    if app.config["MAIL_SEND_IN_BACKGROUND"]:
        threading.Thread(
            target=_deliver, args=(message, config, app.instance_path), daemon=True
        ).start()
    else:
        _deliver(message, config, app.instance_path)
