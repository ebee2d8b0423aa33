"""Writing kept through a sign-in (portal.held_writing): a diary entry or a night sent after the
session timed out (someone writing slowly without JavaScript) comes back, filled in, once the
same person signs in again, and to nobody else."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from portal.dates import today_in_london
from tests.support.client import (
    Account,
    AccountHelper,
    CheckingClient,
    field_value,
    page_text,
)
from tests.support.diary import entry_form, night_form
from tests.support.incidents import full_form, quick_form, record_quickly
from tests.support.sessions import age_sessions

LONG_ENTRY = "I started writing this at midnight.\nIt took me a long time to put into words."
THIRTY_ONE_MINUTES = timedelta(minutes=31)


def send_after_a_timeout(
    app: Flask, client: CheckingClient, path: str, fields: dict[str, str]
) -> str:
    """Open the form, let the session time out, send the form; returns where it leads (the
    sign-in page, with where to come back to)."""
    page = client.get(path)
    token = client.csrf_token(page)
    age_sessions(app, idle=THIRTY_ONE_MINUTES)
    sent = client.post(path, data={"csrf_token": token, **fields})
    assert sent.status_code == 302
    return sent.headers["Location"]


def sign_in_at(client: CheckingClient, sign_in_page: str, account: Account) -> TestResponse:
    """Sign in on the page the timeout led to, as the person's browser would."""
    return client.submit(sign_in_page, {"username": account.username, "password": account.password})


def test_a_new_entry_sent_after_a_timeout_comes_back_after_signing_in(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    fields = entry_form(today_in_london(), mood=2, notes=LONG_ENTRY, tags="night")
    leads_to = send_after_a_timeout(app, client, "/diary/new", fields)
    assert urlsplit(leads_to).path == "/sign-in"
    assert parse_qs(urlsplit(leads_to).query) == {"next": ["/diary/new"], "reason": ["timeout"]}

    signed_in = sign_in_at(client, leads_to, account)
    assert signed_in.headers["Location"] == "/diary/new"
    restored = client.get("/diary/new")
    assert "Your writing was kept" in page_text(restored)
    assert field_value(restored, "notes") == LONG_ENTRY
    assert field_value(restored, "tags") == "night"
    checked = BeautifulSoup(restored.get_data(as_text=True), "html.parser").select_one(
        'input[name="mood"][checked]'
    )
    assert checked is not None
    assert checked["value"] == "2"

    saved = client.post_with_token("/diary/new", fields, follow_redirects=True)
    assert "I started writing this at midnight." in page_text(saved)
    # Given back once: the form is empty the next time.
    assert field_value(client.get("/diary/new"), "notes") == ""


def test_a_changed_entry_comes_back_and_still_knows_its_version(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    written = client.submit("/diary/new", entry_form(today_in_london(), notes="First version"))
    address = written.headers["Location"]
    edit = client.get(address + "/edit")
    fields = entry_form(today_in_london(), notes=LONG_ENTRY) | {
        "version": field_value(edit, "version") or ""
    }
    sign_in_at(client, send_after_a_timeout(app, client, address + "/edit", fields), account)
    restored = client.get(address + "/edit")
    assert field_value(restored, "notes") == LONG_ENTRY
    assert field_value(restored, "version") == fields["version"]
    assert client.post_with_token(address + "/edit", fields).status_code == 302
    assert LONG_ENTRY.splitlines()[0] in page_text(client.get(address))


def test_a_night_sent_after_a_timeout_comes_back_too(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    fields = night_form(today_in_london() - timedelta(days=1), notes="Woke at every car door")
    sign_in_at(client, send_after_a_timeout(app, client, "/diary/sleep/new", fields), account)
    restored = client.get("/diary/sleep/new")
    assert field_value(restored, "notes") == "Woke at every car door"
    assert field_value(restored, "bed_time") == "22:30"


@pytest.mark.parametrize("path", ["/incidents/quick", "/incidents/new"])
def test_an_incident_sent_after_a_timeout_comes_back_too(
    app: Flask, client: CheckingClient, accounts: AccountHelper, path: str
) -> None:
    account = accounts.register(client)
    fields = quick_form(LONG_ENTRY, today_in_london() - timedelta(days=1), "23:40")
    sign_in_at(client, send_after_a_timeout(app, client, path, fields), account)
    restored = client.get(path)
    assert "Your writing was kept" in page_text(restored)
    assert field_value(restored, "what_happened") == LONG_ENTRY
    assert field_value(restored, "started_at") == "23:40"


def test_a_changed_incident_comes_back_and_still_knows_its_version(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    day = today_in_london() - timedelta(days=1)
    address = f"/incidents/{record_quickly(client, 'Shouting at the door', day)}/change"
    fields = full_form(LONG_ENTRY, day) | {"version": field_value(client.get(address), "version")}
    sign_in_at(client, send_after_a_timeout(app, client, address, fields), account)
    restored = client.get(address)
    assert "Your writing was kept" in page_text(restored)
    assert field_value(restored, "what_happened") == LONG_ENTRY
    assert field_value(restored, "version") == fields["version"]


def test_someone_else_signing_in_on_the_device_never_sees_it(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client, "writer")
    other = accounts.new_client()
    stranger = accounts.register(other, "stranger")
    send_after_a_timeout(app, client, "/diary/new", entry_form(today_in_london(), notes=LONG_ENTRY))
    accounts.sign_in(client, stranger)  # the same browser, another account
    page = client.get("/diary/new")
    assert LONG_ENTRY not in page.get_data(as_text=True)
    assert "Your writing was kept" not in page_text(page)


def test_a_form_sent_without_an_account_is_not_held(client: CheckingClient) -> None:
    """Only a session that timed out holds writing, so nobody can park text in a new one."""
    page = client.get("/diary")
    sent = client.post("/diary/new", data=entry_form(today_in_london(), notes=LONG_ENTRY))
    assert sent.status_code == 302
    assert "next" not in parse_qs(urlsplit(sent.headers["Location"]).query)
    assert page.status_code == 200


@pytest.mark.parametrize("notes", ["x" * 70_000])
def test_too_much_to_hold_is_not_held(
    app: Flask, client: CheckingClient, accounts: AccountHelper, notes: str
) -> None:
    account = accounts.register(client)
    leads_to = send_after_a_timeout(
        app, client, "/diary/new", entry_form(today_in_london(), notes=notes)
    )
    sign_in_at(client, leads_to, account)
    assert field_value(client.get("/diary/new"), "notes") == ""
