"""Signing a member of staff in, for the staff area's tests.

Until staff sign in with a second factor (tests/support/staff.py, `sign_in_as`), this registers
an account through the pages, gives it the role, and signs in again with the password (a change
of role ends the account's sessions)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.auth.roles import Role, give_role
from portal.extensions import db
from portal.models.accounts import User
from tests.support.client import (
    Account,
    AccountHelper,
    CheckingClient,
    error_messages,
    field_value,
)


def staff_signed_in(
    client: CheckingClient, app: Flask, accounts: AccountHelper, role: Role = Role.STAFF
) -> Account:
    """A new account with `role`, signed in on `client`."""
    account = accounts.register(client, chosen=f"{role.value} member")
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == account.username)).one()
        give_role(db.session, user, role)
    response = accounts.sign_in(client, account)
    assert response.status_code == 302, response
    return account


def lock_version(response: TestResponse) -> str:
    """The draft version an editor or publishing page was filled from."""
    value = field_value(response, "lock_version")
    assert value is not None, "no lock_version on the page"
    return value


def save_draft(client: CheckingClient, slug: str, source: str) -> TestResponse:
    """Open the editor, put `source` in it and press Save draft."""
    page = client.get(f"/staff/guides/{slug}/edit")
    return client.post(
        f"/staff/guides/{slug}/edit",
        data={
            "csrf_token": client.csrf_token(page),
            "lock_version": lock_version(page),
            "source": source,
            "action": "save",
        },
    )


def publish_draft(
    client: CheckingClient, slug: str, note: str = "Reworded", *, confirm: bool = False
) -> TestResponse:
    """Open the publishing page for the saved draft and publish it."""
    page = client.get(f"/staff/guides/{slug}/publish")
    data = {
        "csrf_token": client.csrf_token(page),
        "lock_version": lock_version(page),
        "change_note": note,
        "dropped_ids": field_value(page, "dropped_ids") or "",
    }
    if confirm:
        data["confirm_dropped"] = "y"
    return client.post(f"/staff/guides/{slug}/publish", data=data)


def publish(client: CheckingClient, slug: str, source: str, note: str = "Reworded") -> None:
    """Save `source` as the draft and publish it, as a member of staff would."""
    assert save_draft(client, slug, source).status_code == 302
    published = publish_draft(client, slug, note)
    assert published.status_code == 302, error_messages(client.last_page or published)
