"""Staff and admin accounts in tests: made as `flask staff create` makes them, then signed in
through the pages as a member of staff would, authenticator app and all."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pyotp
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from portal.auth.roles import Role, give_role
from portal.auth.services import register
from portal.extensions import db
from tests.support.client import CheckingClient, error_messages

STAFF_PASSWORD = "a long staff password for tests"
STEP_SECONDS = 30
# A code is read on one side of a 30-second step and checked, a moment later, perhaps on the
# other; tests that need a particular step start with at least this long left in it.
SAFE_SECONDS_LEFT = 4


@dataclass
class StaffMember:
    username: str
    password: str
    secret: str  # the authenticator app's secret, as the set-up page showed it
    recovery_codes: list[str]

    def code(self, steps_from_now: int = 0) -> str:
        """The code the app shows now, or so many 30-second steps before or after."""
        return pyotp.TOTP(self.secret).at(time.time() + steps_from_now * STEP_SECONDS)


def wait_for_a_fresh_step() -> None:
    """Wait, a few seconds at most, until a 30-second step has SAFE_SECONDS_LEFT to run."""
    left = STEP_SECONDS - time.time() % STEP_SECONDS
    if left < SAFE_SECONDS_LEFT:
        time.sleep(left + 0.1)


def make_staff_account(
    app: Flask, role: Role = Role.STAFF, name: str = "editor", password: str = STAFF_PASSWORD
) -> str:
    """A staff or admin account with no authenticator app yet; returns its username."""
    with app.app_context():
        account = register(db.session, name, password)
        give_role(db.session, account.user, role)
        return account.user.username


def secret_on(page: TestResponse) -> str:
    """The key the set-up page shows for typing in by hand, without its spaces."""
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    shown = soup.select_one("[data-testid=secret-key]")
    assert shown is not None, "no key on the set-up page"
    return re.sub(r"\s+", "", shown.get_text())


def _problems(client: CheckingClient) -> list[str]:
    return error_messages(client.last_page) if client.last_page else []


def set_up_app_and_sign_in(
    client: CheckingClient, username: str, password: str = STAFF_PASSWORD
) -> StaffMember:
    """Sign in with the password, set up the authenticator app from the set-up page, and save
    the new recovery codes: the first sign-in of a staff account."""
    signed_in = client.submit("/sign-in", {"username": username, "password": password})
    assert signed_in.status_code == 302, (
        error_messages(client.last_page) if client.last_page else ""
    )
    set_up_page = client.get("/sign-in/set-up-code")
    assert set_up_page.status_code == 200, set_up_page.location
    secret = secret_on(set_up_page)
    wait_for_a_fresh_step()
    confirmed = client.post(
        "/sign-in/set-up-code",
        data={"csrf_token": client.csrf_token(set_up_page), "code": pyotp.TOTP(secret).now()},
    )
    assert confirmed.status_code == 302, (
        error_messages(client.last_page) if client.last_page else ""
    )
    codes_page = client.get(confirmed.location)
    soup = BeautifulSoup(codes_page.get_data(as_text=True), "html.parser")
    codes = [code.get_text() for code in soup.select(".recovery-codes code")]
    assert len(codes) == 10
    saved = client.post_with_token("/register/recovery-codes")
    assert saved.status_code == 302
    return StaffMember(username, password, secret, codes)


def sign_in_as(
    client: CheckingClient, app: Flask, role: Role = Role.STAFF, name: str = "editor"
) -> str:
    """Make a staff (or admin) account and sign `client` in to it, second factor passed, as its
    owner would at their first sign-in; returns the username. Staff and admin pages then open
    for this client."""
    username = make_staff_account(app, role, name)
    set_up_app_and_sign_in(client, username)
    return username
