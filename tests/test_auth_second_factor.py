"""Staff and admins sign in with a password and a code from an authenticator app (TOTP), set up on
our own page; each code works once, wrong ones are slowed down, and a recovery code stands in for
a lost phone. People sign in as before."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import select, text
from werkzeug.test import TestResponse

from portal.auth.current import SESSION_ROLE, SESSION_SECOND_FACTOR
from portal.auth.roles import Role, give_role
from portal.auth.second_factor import (
    CodeAlreadyUsed,
    SecondFactorFailed,
    check_second_factor,
    new_secret,
    set_up_second_factor,
)
from portal.auth.services import register
from portal.auth.slowdowns import FREE_ATTEMPTS
from portal.extensions import db
from portal.models.accounts import User
from portal.security.headers import CONTENT_SECURITY_POLICY
from tests.support.client import AccountHelper, CheckingClient, error_messages
from tests.support.queries import counting_queries
from tests.support.sessions import age_sessions
from tests.support.staff import (
    STAFF_PASSWORD,
    make_staff_account,
    secret_on,
    set_up_app_and_sign_in,
    sign_in_as,
)

# A page only staff may open: the admin list stands in for any (the staff area is elsewhere).
ADMIN_PAGE = "/admin/"


def sign_in_with_password(client: CheckingClient, username: str) -> str:
    """The password step alone; returns where it sends the browser."""
    response = client.submit("/sign-in", {"username": username, "password": STAFF_PASSWORD})
    assert response.status_code == 302
    return response.location


def enter_code(client: CheckingClient, code: str, path: str = "/sign-in/code") -> TestResponse:
    return client.submit(path, {"code": code})


# Setting up --------------------------------------------------------------------------------


def test_a_new_staff_account_must_set_up_an_app_before_any_staff_page(
    app: Flask, client: CheckingClient
) -> None:
    username = make_staff_account(app, Role.ADMIN)
    assert sign_in_with_password(client, username).startswith("/sign-in/code")
    # A staff page sends the browser to the code, and the code page on to setting up the app.
    to_code = client.get(ADMIN_PAGE)
    assert to_code.location == "/sign-in/code?next=/admin/"
    to_set_up = client.get(to_code.location)
    assert to_set_up.location == "/sign-in/set-up-code?next=/admin/"


def test_the_set_up_page_draws_the_qr_code_itself_and_shows_the_key_in_groups(
    app: Flask, client: CheckingClient
) -> None:
    username = make_staff_account(app)
    sign_in_with_password(client, username)
    page = client.get("/sign-in/set-up-code")
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    svg = soup.select_one(".qr-code svg")
    assert svg is not None
    assert svg.get("role") == "img"
    assert svg.find("title") is not None
    # Nothing the Content-Security-Policy would block: no style, no image to fetch.
    assert "img-src 'self'" in CONTENT_SECURITY_POLICY
    assert all(not tag.has_attr("style") for tag in svg.find_all(True))
    assert soup.select(".qr-code img") == []
    assert "data:" not in str(svg)
    key = soup.select_one("[data-testid=secret-key]").get_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key.strip())
    # Reloading shows the same key: what was scanned stays right.
    assert secret_on(client.get("/sign-in/set-up-code")) == key.replace(" ", "")


def test_the_secret_is_sealed_at_rest_never_in_the_clear(
    app: Flask, client: CheckingClient
) -> None:
    username = make_staff_account(app)
    member = set_up_app_and_sign_in(client, username)
    raw = pyotp.TOTP(member.secret).byte_secret()
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        assert user.totp_secret_ciphertext is not None
        stored = bytes(user.totp_secret_ciphertext)
        rows = db.session.execute(text("SELECT * FROM users")).all()
        session_rows = db.session.execute(text("SELECT data FROM web_sessions")).all()
        database_url = app.config["DATABASE_URL"]
    for value in [stored, *(v for row in [*rows, *session_rows] for v in row)]:
        as_bytes = value if isinstance(value, bytes) else str(value).encode()
        assert raw not in as_bytes
        assert member.secret.encode() not in as_bytes
    if database_url.startswith("sqlite:///"):  # the file itself, write-ahead log and all
        for path in Path(database_url.removeprefix("sqlite:///")).parent.glob("*.sqlite3*"):
            content = path.read_bytes()
            assert raw not in content
            assert member.secret.encode() not in content


def test_a_wrong_first_code_keeps_the_same_key_and_says_so(
    app: Flask, client: CheckingClient
) -> None:
    username = make_staff_account(app, Role.ADMIN)
    sign_in_with_password(client, username)
    key = secret_on(client.get("/sign-in/set-up-code"))
    wrong = f"{(int(pyotp.TOTP(key).now()) + 1) % 1_000_000:06d}"
    response = enter_code(client, wrong, "/sign-in/set-up-code")
    assert response.status_code == 200
    assert error_messages(response)[0].startswith("The code is not right")
    assert secret_on(response) == key
    assert client.get(ADMIN_PAGE).status_code == 302


def test_setting_up_the_app_gives_new_recovery_codes_and_the_old_ones_stop_working(
    app: Flask, client: CheckingClient
) -> None:
    with app.app_context():
        account = register(db.session, "editor", STAFF_PASSWORD)
        give_role(db.session, account.user, Role.STAFF)
        username, handed_over = account.user.username, account.recovery_codes
    member = set_up_app_and_sign_in(client, username)
    assert set(member.recovery_codes).isdisjoint(handed_over)
    client.post_with_token("/sign-out")
    sign_in_with_password(client, username)
    refused = enter_code(client, handed_over[0], "/sign-in/code?with=recovery-code")
    assert "The recovery code is not right" in error_messages(refused)[0]


# Signing in ---------------------------------------------------------------------------------


def test_staff_sign_in_with_password_and_a_right_code(app: Flask, client: CheckingClient) -> None:
    username = make_staff_account(app, Role.ADMIN)
    member = set_up_app_and_sign_in(client, username)
    client.post_with_token("/sign-out")
    assert sign_in_with_password(client, username) == "/sign-in/code"
    assert client.get(ADMIN_PAGE).status_code == 302  # the password alone opens no staff page
    response = enter_code(client, member.code(steps_from_now=1))
    assert response.status_code == 302
    assert client.get(ADMIN_PAGE).status_code == 200


def test_after_the_code_staff_go_back_to_the_page_they_asked_for(
    app: Flask, client: CheckingClient
) -> None:
    username = make_staff_account(app, Role.ADMIN)
    member = set_up_app_and_sign_in(client, username)
    client.post_with_token("/sign-out")
    sign_in_with_password(client, username)
    asked = client.get("/admin/staff/new")
    assert asked.location == "/sign-in/code?next=/admin/staff/new"
    done = client.submit(asked.location, {"code": member.code(steps_from_now=1)})
    assert done.location == "/admin/staff/new"


def test_an_admin_with_nowhere_to_go_back_to_lands_on_the_admin_area(
    app: Flask, client: CheckingClient
) -> None:
    username = make_staff_account(app, Role.ADMIN)
    member = set_up_app_and_sign_in(client, username)
    client.post_with_token("/sign-out")
    sign_in_with_password(client, username)
    assert enter_code(client, member.code(steps_from_now=1)).location == "/admin/"


def test_a_wrong_code_is_refused_and_opens_nothing(app: Flask, client: CheckingClient) -> None:
    username = make_staff_account(app, Role.ADMIN)
    member = set_up_app_and_sign_in(client, username)
    client.post_with_token("/sign-out")
    sign_in_with_password(client, username)
    wrong = f"{(int(member.code()) + 500_000) % 1_000_000:06d}"
    response = enter_code(client, wrong)
    assert response.status_code == 200
    assert error_messages(response) == [
        "The code is not right. Check the code in your app and try again."
    ]
    assert response.get_data(as_text=True).count(wrong) == 1  # kept in the box, as typed
    assert client.get(ADMIN_PAGE).status_code == 302


def test_a_code_is_refused_the_second_time(app: Flask, client: CheckingClient) -> None:
    username = make_staff_account(app, Role.ADMIN)
    member = set_up_app_and_sign_in(client, username)
    client.post_with_token("/sign-out")
    sign_in_with_password(client, username)
    code = member.code(steps_from_now=1)
    assert enter_code(client, code).status_code == 302
    client.post_with_token("/sign-out")
    sign_in_with_password(client, username)
    replayed = enter_code(client, code)
    assert replayed.status_code == 200
    assert error_messages(replayed)[0].startswith("That code has been used")
    assert client.get(ADMIN_PAGE).status_code == 302


def test_the_code_used_to_set_up_the_app_cannot_sign_in_again(
    app: Flask, client: CheckingClient
) -> None:
    username = make_staff_account(app, Role.ADMIN)
    member = set_up_app_and_sign_in(client, username)
    client.post_with_token("/sign-out")
    sign_in_with_password(client, username)
    response = enter_code(client, member.code(steps_from_now=-1))  # at or before the set-up's
    assert response.status_code == 200
    assert client.get(ADMIN_PAGE).status_code == 302


def test_wrong_codes_are_slowed_down_but_a_recovery_code_still_works(
    app: Flask, client: CheckingClient
) -> None:
    username = make_staff_account(app, Role.ADMIN)
    member = set_up_app_and_sign_in(client, username)
    client.post_with_token("/sign-out")
    sign_in_with_password(client, username)
    wrong = f"{(int(member.code()) + 500_000) % 1_000_000:06d}"
    for _ in range(FREE_ATTEMPTS + 1):
        enter_code(client, wrong)
    slowed = enter_code(client, member.code(steps_from_now=1))  # even the right code waits
    assert slowed.status_code == 200
    assert "too many wrong codes" in error_messages(slowed)[0]
    assert client.get(ADMIN_PAGE).status_code == 302
    recovered = enter_code(client, member.recovery_codes[0], "/sign-in/code?with=recovery-code")
    assert recovered.status_code == 302
    assert client.get(ADMIN_PAGE).status_code == 200


def test_a_recovery_code_works_once_in_place_of_the_app(app: Flask, client: CheckingClient) -> None:
    username = make_staff_account(app, Role.ADMIN)
    member = set_up_app_and_sign_in(client, username)
    code = member.recovery_codes[3]
    for attempt in range(2):
        client.post_with_token("/sign-out")
        sign_in_with_password(client, username)
        response = enter_code(client, code.upper(), "/sign-in/code?with=recovery-code")
        if attempt == 0:
            assert response.status_code == 302
            assert client.get(ADMIN_PAGE).status_code == 200
        else:
            assert response.status_code == 200
            assert "or it has been used" in error_messages(response)[0]
            assert client.get(ADMIN_PAGE).status_code == 302


def test_signing_in_again_needs_the_code_again(app: Flask, client: CheckingClient) -> None:
    username = make_staff_account(app, Role.ADMIN)
    set_up_app_and_sign_in(client, username)
    assert client.get(ADMIN_PAGE).status_code == 200
    client.post_with_token("/sign-out")
    sign_in_with_password(client, username)
    assert client.get(ADMIN_PAGE).status_code == 302


def test_a_password_reset_with_a_recovery_code_still_asks_staff_for_the_app(
    app: Flask, client: CheckingClient
) -> None:
    username = make_staff_account(app, Role.ADMIN)
    member = set_up_app_and_sign_in(client, username)
    client.post_with_token("/sign-out")
    response = client.submit(
        "/recover/code",
        {
            "username": username,
            "code": member.recovery_codes[0],
            "password": "an entirely new staff password",
        },
    )
    assert response.location.startswith("/sign-in/code")
    assert client.get(ADMIN_PAGE).status_code == 302


def test_people_sign_in_without_a_code_as_before(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    accounts.sign_out(client)
    response = accounts.sign_in(client, account)
    assert response.location == "/start"
    for path in ("/sign-in/code", "/sign-in/set-up-code", "/sign-in/new-password"):
        assert client.get(path).location == "/start"


def test_the_code_pages_ask_a_visitor_to_sign_in(client: CheckingClient) -> None:
    for path in ("/sign-in/code", "/sign-in/set-up-code", "/sign-in/new-password"):
        assert client.get(path).location.startswith("/sign-in?next=")


# The rules, at chosen times ----------------------------------------------------------------

STEP = timedelta(seconds=30)
SET_UP_AT = datetime(2026, 11, 30, 12, 0, 5, tzinfo=UTC)


@pytest.fixture
def staff_username(app: Flask) -> str:
    return make_staff_account(app)


def _set_up_at(app: Flask, username: str, secret: str) -> None:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        set_up_second_factor(db.session, user, secret, pyotp.TOTP(secret).at(SET_UP_AT), SET_UP_AT)


def _check(app: Flask, username: str, code: str, now: datetime) -> None:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        check_second_factor(db.session, user, code, now)


@pytest.mark.parametrize("drift", [-1, 0, 1])
def test_a_code_one_step_either_side_of_the_clock_is_accepted(
    app: Flask, staff_username: str, drift: int
) -> None:
    secret = new_secret()
    _set_up_at(app, staff_username, secret)
    now = SET_UP_AT + 10 * STEP
    _check(app, staff_username, pyotp.TOTP(secret).at(now + drift * STEP), now)


@pytest.mark.parametrize("drift", [-2, 2])
def test_a_code_two_steps_away_is_refused(app: Flask, staff_username: str, drift: int) -> None:
    secret = new_secret()
    _set_up_at(app, staff_username, secret)
    now = SET_UP_AT + 10 * STEP
    with pytest.raises(SecondFactorFailed):
        _check(app, staff_username, pyotp.TOTP(secret).at(now + drift * STEP), now)


def test_a_code_for_a_step_before_the_last_one_used_is_refused(
    app: Flask, staff_username: str
) -> None:
    secret = new_secret()
    _set_up_at(app, staff_username, secret)
    now = SET_UP_AT + 10 * STEP
    _check(app, staff_username, pyotp.TOTP(secret).at(now + STEP), now)  # the clock ran fast
    with pytest.raises(CodeAlreadyUsed):
        _check(app, staff_username, pyotp.TOTP(secret).at(now), now)


@pytest.mark.parametrize("typed", ["123 456", "123-456"])
def test_codes_typed_with_a_space_or_hyphen_are_read(
    app: Flask, staff_username: str, typed: str
) -> None:
    secret = new_secret()
    _set_up_at(app, staff_username, secret)
    now = SET_UP_AT + 10 * STEP
    code = pyotp.TOTP(secret).at(now)
    _check(app, staff_username, f"{code[:3]}{typed[3]}{code[3:]}", now)


# Idle timeouts -----------------------------------------------------------------------------


def test_staff_sessions_end_after_fifteen_idle_minutes(app: Flask, client: CheckingClient) -> None:
    sign_in_as(client, app, Role.ADMIN)
    age_sessions(app, idle=timedelta(minutes=14))
    assert client.get(ADMIN_PAGE).status_code == 200
    age_sessions(app, idle=timedelta(minutes=16))
    response = client.get(ADMIN_PAGE)
    assert response.status_code == 302
    assert "reason=timeout" in response.location


def test_a_persons_session_outlasts_a_staff_idle_timeout(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    age_sessions(app, idle=timedelta(minutes=16))
    assert client.get("/account").status_code == 200


def test_staff_pages_tell_the_browser_the_shorter_idle_time(
    app: Flask, client: CheckingClient
) -> None:
    sign_in_as(client, app, Role.ADMIN)
    page = client.get(ADMIN_PAGE)
    assert 'data-idle-minutes="15"' in page.get_data(as_text=True)


@pytest.mark.parametrize("app_settings", [{"PORTAL_STAFF_IDLE_MINUTES": "5"}])
def test_the_staff_idle_setting_is_obeyed(app: Flask, client: CheckingClient) -> None:
    sign_in_as(client, app, Role.ADMIN)
    age_sessions(app, idle=timedelta(minutes=6))
    assert client.get(ADMIN_PAGE).status_code == 302


def test_the_session_check_is_still_one_query(app: Flask, client: CheckingClient) -> None:
    sign_in_as(client, app, Role.ADMIN)
    client.get(ADMIN_PAGE)
    with counting_queries(app) as log:
        client.get("/privacy")
    session_reads = [s for s in log.statements if "FROM web_sessions" in s]
    assert len(session_reads) == 1, log.statements


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_the_support_helper_signs_staff_in_with_the_second_factor(
    app: Flask, client: CheckingClient, role: Role
) -> None:
    username = sign_in_as(client, app, role, name="Sam Smith")
    assert re.fullmatch(r"sam-smith-\d{4}", username)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        assert user.role == role.value
        assert user.has_second_factor
    with client.session_transaction() as session:
        assert session[SESSION_ROLE] == role.value
        assert session[SESSION_SECOND_FACTOR] is True


def test_flask_staff_reset_code_makes_an_admin_set_up_a_new_app(
    app: Flask, client: CheckingClient
) -> None:
    username = sign_in_as(client, app, Role.ADMIN, name="boss")
    result = app.test_cli_runner().invoke(args=["staff", "reset-code", username])
    assert result.exit_code == 0, result.output
    assert "sets up a new authenticator app" in result.output
    # The session that passed the old app's code has ended, and the next sign-in sets up anew.
    assert client.get(ADMIN_PAGE).status_code == 404  # as for anyone signed out
    assert sign_in_with_password(client, username).startswith("/sign-in/code")
    assert client.get("/sign-in/code").location.startswith("/sign-in/set-up-code")


def test_flask_staff_reset_code_refuses_a_persons_account(
    app: Flask, accounts: AccountHelper
) -> None:
    person = accounts.register(accounts.new_client())
    result = app.test_cli_runner().invoke(args=["staff", "reset-code", person.username])
    assert result.exit_code == 1
    assert "No staff or admin account is called" in result.output
