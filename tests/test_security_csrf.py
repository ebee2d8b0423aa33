"""CSRF: every state change needs the token; an expired one never loses what was typed."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.forms import EXPIRED_FORM_MESSAGE
from portal.models import User
from tests.support.client import (
    PASSWORD,
    AccountHelper,
    CheckingClient,
    error_messages,
    field_value,
)


def user_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User)) or 0


def test_a_form_sent_without_a_token_is_refused_but_keeps_what_was_typed(
    app: Flask, client: CheckingClient
) -> None:
    client.get("/register")
    response = client.post("/register", data={"chosen_name": "bluebird", "password": PASSWORD})
    assert response.status_code == 200
    assert error_messages(response) == [EXPIRED_FORM_MESSAGE]
    assert field_value(response, "chosen_name") == "bluebird"
    assert user_count(app) == 0


def test_an_expired_token_reshows_the_form_and_sending_again_works(
    app: Flask, client: CheckingClient
) -> None:
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    page = client.get("/register")
    token = client.csrf_token(page)
    time.sleep(2.1)
    response = client.post(
        "/register", data={"csrf_token": token, "chosen_name": "bluebird", "password": PASSWORD}
    )
    assert error_messages(response) == [EXPIRED_FORM_MESSAGE]
    assert field_value(response, "chosen_name") == "bluebird"
    assert user_count(app) == 0

    again = client.post(
        "/register",
        data={
            "csrf_token": client.csrf_token(response),
            "chosen_name": "bluebird",
            "password": PASSWORD,
        },
    )
    assert again.status_code == 302
    assert user_count(app) == 1


def test_another_sessions_token_does_not_work(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    stranger = accounts.new_client()
    foreign_token = stranger.csrf_token(stranger.get("/register"))
    client.get("/register")
    response = client.post(
        "/register",
        data={"csrf_token": foreign_token, "chosen_name": "bluebird", "password": PASSWORD},
    )
    assert error_messages(response) == [EXPIRED_FORM_MESSAGE]
    assert user_count(app) == 0


@pytest.mark.parametrize("path", ["/sign-out", "/exit"])
@pytest.mark.parametrize("token", ["missing", "stale"])
def test_ways_out_sign_out_whatever_the_token(
    client: CheckingClient, accounts: AccountHelper, path: str, token: str
) -> None:
    """Two tabs: sign out and back in on one, then press Sign out (or Quick exit) on the
    other, whose page still holds the token of the session before."""
    account = accounts.register(client)
    old_token = client.csrf_token(client.get("/account"))
    accounts.sign_out(client)
    accounts.sign_in(client, account)
    data = {"csrf_token": old_token} if token == "stale" else {}
    response = client.post(path, data=data)
    assert response.status_code in (204, 303)
    assert client.get("/account").status_code == 302, "signed out"


@pytest.mark.parametrize("token", ["missing", "stale"])
def test_signing_out_other_devices_works_whatever_the_token(
    client: CheckingClient, accounts: AccountHelper, token: str
) -> None:
    account = accounts.register(client)
    other_device = accounts.new_client()
    accounts.sign_in(other_device, account)
    old_token = client.csrf_token(client.get("/account"))
    with client.session_transaction() as session:
        session.pop("csrf_token")  # the page was opened before the token changed
    data = {"csrf_token": old_token} if token == "stale" else {}
    response = client.post("/account/sign-out-other-devices", data=data)
    assert response.status_code == 302
    assert other_device.get("/account").status_code == 302, "the other device is signed out"
    assert client.get("/account").status_code == 200, "this one is not"


def test_a_cross_site_sign_out_is_still_refused(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    response = client.post("/sign-out", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


def test_cross_site_posts_are_refused_even_with_a_token(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.get("/account")
    response = client.post_with_token("/sign-out", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert client.get("/account").status_code == 200
