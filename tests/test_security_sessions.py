"""Server-side sessions (portal.security.sessions): they end when they should, and only then."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import WebSession
from portal.models.base import utcnow
from portal.security.sessions import session_id_for
from tests.support.client import AccountHelper, CheckingClient, page_text
from tests.support.sessions import age_sessions


def session_rows(app: Flask) -> list[WebSession]:
    with app.app_context():
        return list(db.session.scalars(select(WebSession)).all())


def test_thirty_idle_minutes_sign_you_out_and_say_why(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    [signed_in] = session_rows(app)
    age_sessions(app, idle=timedelta(minutes=31))
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/account&reason=timeout"
    assert session_rows(app) == [], "the timed-out session is deleted"
    page = client.get(response.headers["Location"])
    assert "signed out because you had not used the site for a while" in page_text(page)
    assert signed_in.id not in [row.id for row in session_rows(app)]


def test_twenty_nine_idle_minutes_do_not(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    age_sessions(app, idle=timedelta(minutes=29))
    assert client.get("/account").status_code == 200


def test_eight_hours_end_a_session_however_busy(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    age_sessions(app, age=timedelta(hours=8, minutes=1))
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("app_settings", [{"PORTAL_SESSION_IDLE_MINUTES": "5"}])
def test_a_shorter_idle_setting_is_obeyed(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    age_sessions(app, idle=timedelta(minutes=6))
    assert client.get("/account").status_code == 302


def test_reading_pages_does_not_write_the_session_every_time(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.get("/account")
    [before] = session_rows(app)
    client.get("/account")
    client.get("/help")
    [after] = session_rows(app)
    assert after.last_seen_at == before.last_seen_at
    assert after.data == before.data


def test_a_page_after_a_minute_moves_the_idle_clock_on(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    age_sessions(app, idle=timedelta(minutes=2))
    [before] = session_rows(app)
    client.get("/account")
    [after] = session_rows(app)
    assert after.last_seen_at > before.last_seen_at


def test_keep_alive_moves_the_idle_clock_on(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.get("/account")
    age_sessions(app, idle=timedelta(minutes=25))
    assert client.post_with_token("/session/keep-alive").status_code == 204
    [row] = session_rows(app)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_the_database_holds_only_a_hash_of_the_cookie_and_sealed_data(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    token = client.get_cookie("session").value
    [row] = session_rows(app)
    assert row.id == session_id_for(token)
    assert token not in row.id
    assert b"_user_id" not in row.data
    assert account.username.encode() not in row.data


@pytest.mark.parametrize("cookie", ["x" * 43, "not a token", "", "a" * 500])
def test_a_made_up_cookie_is_just_an_anonymous_visit(client: CheckingClient, cookie: str) -> None:
    client.set_cookie("session", cookie)
    assert client.get("/").status_code == 200
    assert client.get("/account").status_code == 302


def test_reading_public_pages_sets_no_cookie(client: CheckingClient) -> None:
    for path in ("/", "/help", "/privacy", "/staying-safe-online"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path
