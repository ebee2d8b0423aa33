"""The account pages: email, recovery codes, devices, and deletion that leaves nothing readable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text

from portal.extensions import db
from portal.models import User
from portal.security.crypto import DataKeyMissing
from portal.security.data_keys import cipher_for
from tests.conftest import DatabaseUrls
from tests.support.client import (
    PASSWORD,
    AccountHelper,
    CheckingClient,
    error_messages,
    field_value,
    page_text,
)


def test_the_account_page_says_what_is_kept_and_how_deletion_works(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    text = page_text(client.get("/account"))
    assert account.username in text
    assert "What we keep about you" in text
    assert "destroy its key first" in text


def test_the_email_address_is_stored_encrypted(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit("/account/email", {"email": "hidden@example.org", "current_password": PASSWORD})
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.email_ciphertext is not None
        assert b"hidden@example.org" not in user.email_ciphertext
        opened = cipher_for(user.id).open(
            user.email_ciphertext, kind="user", record_id=user.id, field="email"
        )
    assert opened == "hidden@example.org"
    assert "hidden@example.org (not confirmed yet)" in page_text(client.get("/account"))


def test_a_badly_formed_email_keeps_what_was_typed(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    response = client.submit(
        "/account/email", {"email": "not an address", "current_password": PASSWORD}
    )
    assert "Enter an email address in the right format" in " ".join(error_messages(response))
    assert field_value(response, "email") == "not an address"


def test_removing_the_email_forgets_it(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit("/account/email", {"email": "me@example.org", "current_password": PASSWORD})
    client.submit("/account/email", {"email": "", "current_password": PASSWORD})
    with app.app_context():
        assert db.session.scalars(select(User.email_ciphertext)).one() is None


@pytest.mark.parametrize(
    ("path", "data"),
    [
        (
            "/account/password",
            {"current_password": "not my password", "new_password": "lighthouse marmalade bicycle"},
        ),
        ("/account/email", {"email": "me@example.org", "current_password": "not my password"}),
        ("/account/recovery-codes", {"current_password": "not my password"}),
        ("/account/delete", {"current_password": "not my password"}),
    ],
)
def test_changes_need_the_current_password(
    client: CheckingClient, accounts: AccountHelper, path: str, data: dict[str, str]
) -> None:
    accounts.register(client)
    response = client.submit(path, data)
    assert response.status_code == 200
    assert "That is not your current password" in " ".join(error_messages(response))
    assert client.get("/account").status_code == 200


def test_new_recovery_codes_replace_the_old_ones(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    response = client.submit("/account/recovery-codes", {"current_password": PASSWORD})
    assert response.headers["Location"] == "/register/recovery-codes"
    new_codes_page = client.get("/register/recovery-codes")
    assert account.recovery_codes[0] not in new_codes_page.get_data(as_text=True)
    client.post_with_token("/register/recovery-codes")
    accounts.sign_out(client)
    old = client.submit(
        "/recover/code",
        {
            "username": account.username,
            "code": account.recovery_codes[0],
            "password": "lighthouse marmalade bicycle",
        },
    )
    assert old.status_code == 200


def backup_of(urls: DatabaseUrls, tmp_path: Path) -> Path | None:
    """A backup of the main database as it is now, made with SQLite's online backup."""
    if urls.backend != "sqlite":
        return None
    backup = tmp_path / "backup.sqlite3"
    with (
        sqlite3.connect(urls.main.removeprefix("sqlite:///")) as live,
        sqlite3.connect(backup) as copy,
    ):
        live.backup(copy)
    return backup


def test_deleting_the_account_leaves_nothing_readable_even_in_a_backup(
    app: Flask,
    client: CheckingClient,
    accounts: AccountHelper,
    database_urls: DatabaseUrls,
    tmp_path: Path,
) -> None:
    accounts.register(client)
    client.submit("/account/email", {"email": "secret@example.org", "current_password": PASSWORD})
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        user_id, sealed_email = user.id, user.email_ciphertext
    assert sealed_email is not None
    backup = backup_of(database_urls, tmp_path)

    client.submit("/account/delete", {"current_password": PASSWORD})

    # The backup still holds the sealed email, but nothing, keys included, can open it now.
    if backup is not None:
        engine = create_engine(f"sqlite:///{backup}")
        with engine.connect() as connection:
            [stored] = connection.execute(text("SELECT email_ciphertext FROM users")).one()
        engine.dispose()
        assert stored == sealed_email
    with app.app_context(), pytest.raises(DataKeyMissing):
        cipher_for(user_id)
    with app.app_context():
        assert db.session.get(User, user_id) is None
