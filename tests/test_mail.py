"""Emails written to the outbox (no SMTP server): readable by the site alone, and gone with the
account they were for."""

from __future__ import annotations

import stat
from pathlib import Path

from flask import Flask

from tests.support.client import PASSWORD, AccountHelper, CheckingClient
from tests.support.mail import add_confirmed_email


def outbox_files(app: Flask) -> list[Path]:
    return sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


def test_outbox_files_are_readable_by_the_site_alone(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    add_confirmed_email(app, client)
    files = outbox_files(app)
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(app.config["OUTBOX_DIR"]).stat().st_mode) == 0o700


def test_deleting_an_account_removes_its_emails_and_no_one_elses(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client, "leaving")
    add_confirmed_email(app, client, "leaving@example.org")
    staying = accounts.new_client()
    accounts.register(staying, "staying")
    add_confirmed_email(app, staying, "staying@example.org")
    assert len(outbox_files(app)) == 2
    client.submit("/account/delete", {"current_password": PASSWORD})
    left = [path.read_text() for path in outbox_files(app)]
    assert len(left) == 1
    assert "staying@example.org" in left[0]
