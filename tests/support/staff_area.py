"""Working in the staff area as a member of staff would: signed in with a second factor
(tests/support/staff.py), then editing, saving and publishing guides through the pages."""

from __future__ import annotations

from flask import Flask
from werkzeug.test import TestResponse

from portal.auth.roles import Role
from tests.support.client import (
    Account,
    AccountHelper,
    CheckingClient,
    error_messages,
    field_value,
)
from tests.support.staff import STAFF_PASSWORD, sign_in_as


def staff_signed_in(
    client: CheckingClient, app: Flask, accounts: AccountHelper, role: Role = Role.STAFF
) -> Account:
    """A new account with `role`, signed in on `client` with its password and a code from its
    authenticator app. (`accounts` is kept for the callers' sake: staff accounts are made the
    way `flask staff create` makes them.)"""
    del accounts
    username = sign_in_as(client, app, role, name=f"{role.value}member")
    return Account(username, STAFF_PASSWORD)


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
