"""Reading the emails the app wrote to its outbox (tests run without an SMTP server)."""

from __future__ import annotations

import re
from email import message_from_bytes
from pathlib import Path

from flask import Flask

from tests.support.client import PASSWORD, CheckingClient, page_text


def read_outbox(app: Flask) -> list[str]:
    outbox = Path(app.config["OUTBOX_DIR"])
    if not outbox.exists():
        return []
    messages = []
    for path in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        messages.append(message.get_payload(decode=True).decode())
    return messages


def link_in(body: str) -> str:
    match = re.search(r"http://localhost(/\S+)", body)
    assert match, body
    return match.group(1)


def add_confirmed_email(
    app: Flask, client: CheckingClient, address: str = "me@example.org"
) -> None:
    client.submit("/account/email", {"email": address, "current_password": PASSWORD})
    confirm = link_in(read_outbox(app)[-1])
    page = client.get(confirm)
    assert "Confirm my email address" in page_text(page)
    client.post(confirm, data={"csrf_token": client.csrf_token(page)})
