"""The account pages: email, recovery codes, devices, and deletion that leaves nothing readable."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, select, text

from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow
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


def set_last_sign_in(app: Flask, username: str, days_ago: int) -> None:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        user.last_signed_in_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()


def usernames(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(User.username)))


def test_housekeeping_deletes_accounts_nobody_has_used_for_the_set_time(
    app: Flask, client: CheckingClient, accounts: AccountHelper, runner: FlaskCliRunner
) -> None:
    months = app.config["UNUSED_ACCOUNT_MONTHS"]
    forgotten = accounts.register(client, "forgotten")
    recent = accounts.register(accounts.new_client(), "recent")
    with app.app_context():
        forgotten_id = db.session.scalars(
            select(User.id).where(User.username == forgotten.username)
        ).one()
    set_last_sign_in(app, forgotten.username, days_ago=31 * months + 1)
    set_last_sign_in(app, recent.username, days_ago=31 * months - 1)
    result = runner.invoke(args=["housekeeping"])
    assert result.exit_code == 0, result.output
    assert f"Deleted 1 accounts nobody had signed in to for {months} months." in result.output
    assert usernames(app) == {recent.username}
    with app.app_context(), pytest.raises(DataKeyMissing):
        cipher_for(forgotten_id)  # its key is gone with it


def test_signing_in_counts_as_using_the_account(
    app: Flask, client: CheckingClient, accounts: AccountHelper, runner: FlaskCliRunner
) -> None:
    months = app.config["UNUSED_ACCOUNT_MONTHS"]
    account = accounts.register(client)
    accounts.sign_out(client)
    set_last_sign_in(app, account.username, days_ago=31 * months + 1)
    accounts.sign_in(client, account)
    runner.invoke(args=["housekeeping"])
    assert usernames(app) == {account.username}


@pytest.mark.parametrize("app_settings", [{"PORTAL_UNUSED_ACCOUNT_MONTHS": "0"}])
def test_with_no_time_set_unused_accounts_are_kept(
    app: Flask, client: CheckingClient, accounts: AccountHelper, runner: FlaskCliRunner
) -> None:
    account = accounts.register(client)
    set_last_sign_in(app, account.username, days_ago=3650)
    runner.invoke(args=["housekeeping"])
    assert usernames(app) == {account.username}
    assert "We keep your account until you delete it." in page_text(client.get("/privacy"))
