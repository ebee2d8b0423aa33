"""The current password asked for on account pages is slowed down like sign-in, so someone
holding a signed-in phone cannot guess it quickly."""

from __future__ import annotations

import re
import threading

import pytest
from flask import Flask
from sqlalchemy import select

from portal.auth.slowdowns import FREE_ATTEMPTS
from portal.extensions import db
from portal.models import SignInSlowdown
from tests.support.browser import live_server
from tests.support.client import (
    OTHER_PASSWORD,
    PASSWORD,
    AccountHelper,
    CheckingClient,
    error_messages,
)
from tests.support.servers import HttpVisitor

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = {
    "/account/password": {"new_password": "lighthouse marmalade bicycle"},
    "/account/email": {"email": "me@example.org"},
    "/account/recovery-codes": {},
    "/account/delete": {},
}


@pytest.mark.parametrize("path", PAGES)
def test_wrong_current_passwords_are_slowed_after_a_few(
    client: CheckingClient, accounts: AccountHelper, path: str
) -> None:
    accounts.register(client)
    for _ in range(FREE_ATTEMPTS):
        wrong = client.submit(path, {**PAGES[path], "current_password": OTHER_PASSWORD})
        assert "not your current password" in " ".join(error_messages(wrong))
    client.submit(path, {**PAGES[path], "current_password": OTHER_PASSWORD})
    slowed = client.submit(path, {**PAGES[path], "current_password": PASSWORD})
    assert slowed.status_code == 200
    assert "wait 30 seconds" in " ".join(error_messages(slowed))
    assert client.get("/account").status_code == 200, "nothing was done, not even a deletion"


def test_a_right_password_clears_the_count(client: CheckingClient, accounts: AccountHelper) -> None:
    accounts.register(client)
    for _ in range(FREE_ATTEMPTS):
        client.submit("/account/recovery-codes", {"current_password": OTHER_PASSWORD})
    assert (
        client.submit("/account/recovery-codes", {"current_password": PASSWORD}).status_code == 302
    )
    for _ in range(FREE_ATTEMPTS):
        wrong = client.submit("/account/recovery-codes", {"current_password": OTHER_PASSWORD})
        assert "not your current password" in " ".join(error_messages(wrong))


def test_wrong_passwords_sent_at_the_same_moment_are_all_counted(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    racers = 8
    with live_server(app) as base_url:
        visitors = [HttpVisitor() for _ in range(racers)]
        tokens = []
        for visitor in visitors:
            _, page = visitor.request(base_url + "/sign-in")
            tokens.append(CSRF_INPUT.search(page).group(1))
        start = threading.Barrier(racers)
        told_to_wait: list[int] = []

        def fail(number: int) -> None:
            start.wait()
            _, page = visitors[number].request(
                base_url + "/sign-in",
                {"csrf_token": tokens[number], "username": account.username, "password": "wrong"},
            )
            if "too many attempts" in page:
                told_to_wait.append(number)

        threads = [threading.Thread(target=fail, args=(n,)) for n in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    with app.app_context():
        counted = db.session.scalars(select(SignInSlowdown.failures)).all()
    # All from one network and for one username, so one count: every failure in it, or (for
    # any that arrived once the wait had begun) refused without a password check at all.
    assert sum(counted) + len(told_to_wait) == racers
