"""The admin area: admins list, make, reset, demote and delete staff accounts; staff are refused,
people find nothing, and no admin page ever names a person's account."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from portal.admin.views import STAFF_CHANGES
from portal.auth.roles import Role
from portal.dates import today_in_london
from portal.extensions import db
from portal.models.accounts import User, WebSession
from portal.models.shares import Share
from tests.support.client import AccountHelper, CheckingClient, error_messages, page_text
from tests.support.incidents import record_quickly
from tests.support.queries import counting_queries
from tests.support.sharing import make_share
from tests.support.staff import (
    STAFF_PASSWORD,
    make_staff_account,
    secret_on,
    set_up_app_and_sign_in,
    sign_in_as,
)

# A person with a name nobody else has, to look for on every admin page.
PERSON_NAME = "quokka-zanzibar"
NEW_OWN_PASSWORD = "my very own staff password"


def user_named(app: Flask, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def id_of(app: Flask, username: str) -> uuid.UUID:
    user = user_named(app, username)
    assert user is not None
    return user.id


def admin_pages(app: Flask, staff_id: uuid.UUID) -> Iterator[tuple[str, set[str]]]:
    """Every admin page, filled in for one staff account, with the methods it answers."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
        if "change" in rule.arguments:
            for change in STAFF_CHANGES:
                yield rule.build({"user_id": staff_id, "change": change})[1], methods
        else:
            yield rule.build({"user_id": staff_id} if rule.arguments else {})[1], methods


def admin_paths(app: Flask, staff_id: uuid.UUID) -> list[str]:
    return [path for path, methods in admin_pages(app, staff_id) if "GET" in methods]


def test_every_admin_page_is_in_the_walk(app: Flask) -> None:
    paths = [path for path, _ in admin_pages(app, uuid.uuid4())]
    assert "/admin/" in paths
    assert "/admin/staff/new" in paths
    assert len(paths) == 4 + len(STAFF_CHANGES)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_admin_pages_are_forbidden_to_staff(
    app: Flask, client: CheckingClient, method: str
) -> None:
    other_name = make_staff_account(app, name="other")
    staff_id = id_of(app, other_name)
    sign_in_as(client, app, Role.STAFF)
    client.get("/account")
    for path, methods in admin_pages(app, staff_id):
        if method in methods:
            response = client.open(path, method=method, data={"csrf_token": client.csrf_token()})
            assert response.status_code == 403, path
    other = user_named(app, other_name)
    assert other is not None
    assert other.role == "staff"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_admin_pages_are_not_found_for_people_or_visitors(
    app: Flask, client: CheckingClient, accounts: AccountHelper, method: str
) -> None:
    staff_id = id_of(app, make_staff_account(app))
    visitor = accounts.new_client()
    accounts.register(client)
    client.get("/account")
    for path, methods in admin_pages(app, staff_id):
        if method in methods:
            response = client.open(path, method=method, data={"csrf_token": client.csrf_token()})
            assert response.status_code == 404, path
            assert visitor.open(path, method=method).status_code == 404, path


def test_an_admin_sees_staff_and_admins_with_their_app_and_last_sign_in(
    app: Flask, client: CheckingClient
) -> None:
    not_set_up = make_staff_account(app, Role.STAFF, name="newcomer")
    admin = sign_in_as(client, app, Role.ADMIN, name="boss")
    page = client.get("/admin/")
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    rows = {
        row.th.get_text(" ", strip=True): [cell.get_text(strip=True) for cell in row("td")]
        for row in soup.select("tbody tr")
    }
    assert rows[f"{admin} (you)"][:2] == ["Admin", "Set up"]
    assert rows[not_set_up][:2] == ["Staff", "Not set up yet"]
    assert all(len(cells) == 3 and cells[2] for cells in rows.values())  # last signed in


def test_admin_pages_never_show_a_persons_account(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    person = accounts.register(accounts.new_client(), chosen=PERSON_NAME)
    person_id = id_of(app, person.username)
    staff_id = id_of(app, make_staff_account(app, name="colleague"))
    sign_in_as(client, app, Role.ADMIN)
    seen: list[TestResponse] = [client.get(path) for path in admin_paths(app, staff_id)]
    seen.append(client.submit("/admin/staff/new", {"chosen_name": "helper", "role": "staff"}))
    seen.append(client.get("/admin/staff/new/details"))
    for response in seen:
        assert response.status_code in (200, 302)
        assert PERSON_NAME not in response.get_data(as_text=True), response.request.path
        assert str(person_id) not in response.get_data(as_text=True)
    # A person's id is not found, whatever is asked of it, and the account is unchanged.
    for path, methods in admin_pages(app, person_id):
        if path.startswith(f"/admin/staff/{person_id}"):
            assert client.get(path).status_code == 404, path
            if "POST" in methods:
                client.get("/admin/")
                assert client.post_with_token(path).status_code == 404, path
    person_now = user_named(app, person.username)
    assert person_now is not None
    assert person_now.role == "person"


def test_an_admin_makes_a_staff_account_and_sees_its_details_once(
    app: Flask, client: CheckingClient
) -> None:
    sign_in_as(client, app, Role.ADMIN)
    made = client.submit("/admin/staff/new", {"chosen_name": "Sam Smith", "role": "staff"})
    assert made.location == "/admin/staff/new/details"
    details = client.get(made.location)
    soup = BeautifulSoup(details.get_data(as_text=True), "html.parser")
    username = soup.select_one("[data-testid=username]").get_text(strip=True)
    password = soup.select_one("[data-testid=password]").get_text(strip=True)
    assert username.startswith("sam-smith-")
    assert len(soup.select(".recovery-codes code")) == 10
    again = client.get(made.location)
    assert password not in again.get_data(as_text=True)
    assert "shown once" in page_text(again)
    user = user_named(app, username)
    assert user is not None
    assert (user.role, user.password_must_change, user.has_second_factor) == (
        "staff",
        True,
        False,
    )


def test_a_new_member_of_staff_chooses_a_password_then_sets_up_the_app(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    sign_in_as(client, app, Role.ADMIN)
    made = client.submit("/admin/staff/new", {"chosen_name": "robin", "role": "admin"})
    soup = BeautifulSoup(client.get(made.location).get_data(as_text=True), "html.parser")
    username = soup.select_one("[data-testid=username]").get_text(strip=True)
    password = soup.select_one("[data-testid=password]").get_text(strip=True)

    newcomer = accounts.new_client()
    signed_in = newcomer.submit("/sign-in", {"username": username, "password": password})
    asked = newcomer.get(newcomer.get(signed_in.location).location)
    assert asked.request.path == "/sign-in/new-password"
    assert newcomer.get("/admin/").status_code == 302
    same = newcomer.submit("/sign-in/new-password", {"password": password})
    assert error_messages(same) == ["Choose a password of your own, not the one you were given"]
    chosen = newcomer.submit("/sign-in/new-password", {"password": NEW_OWN_PASSWORD})
    assert chosen.location.startswith("/sign-in/set-up-code")
    secret = secret_on(newcomer.get(chosen.location))
    assert secret
    # The handed-over password no longer signs in.
    assert (
        accounts.new_client()
        .submit("/sign-in", {"username": username, "password": password})
        .status_code
        == 200
    )
    user = user_named(app, username)
    assert user is not None
    assert user.password_must_change is False


def test_a_name_that_breaks_the_rules_is_refused_and_kept(
    app: Flask, client: CheckingClient
) -> None:
    sign_in_as(client, app, Role.ADMIN)
    response = client.submit("/admin/staff/new", {"chosen_name": "Jo!", "role": "staff"})
    assert response.status_code == 200
    assert error_messages(response)[0].startswith("Your username needs at least 3 letters")
    assert 'value="Jo!"' in response.get_data(as_text=True)
    odd_role = client.submit("/admin/staff/new", {"chosen_name": "kim", "role": "owner"})
    assert error_messages(odd_role) == ["Choose staff or admin"]


def sessions_of(app: Flask, user_id: uuid.UUID) -> int:
    with app.app_context():
        return len(
            db.session.scalars(select(WebSession.id).where(WebSession.user_id == user_id)).all()
        )


def change(client: CheckingClient, staff_id: uuid.UUID, what: str) -> TestResponse:
    confirm = client.get(f"/admin/staff/{staff_id}/{what}")
    assert confirm.status_code == 200
    return client.post_with_token(f"/admin/staff/{staff_id}/{what}")


def test_resetting_the_app_signs_the_member_out_and_asks_them_to_set_it_up_again(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    member_client = accounts.new_client()
    member = set_up_app_and_sign_in(member_client, make_staff_account(app, Role.ADMIN, "kim"))
    staff_id = id_of(app, member.username)
    sign_in_as(client, app, Role.ADMIN)
    done = change(client, staff_id, "reset-second-factor")
    assert done.location == "/admin/"
    assert "will set up an authenticator app again" in page_text(client.get("/admin/"))
    assert sessions_of(app, staff_id) == 0
    assert member_client.get("/admin/").status_code == 404  # signed out: not found
    signed_in = member_client.submit(
        "/sign-in", {"username": member.username, "password": STAFF_PASSWORD}
    )
    assert member_client.get(signed_in.location).location.startswith("/sign-in/set-up-code")


def test_removing_staff_access_makes_an_ordinary_account(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    member_client = accounts.new_client()
    member = set_up_app_and_sign_in(member_client, make_staff_account(app, Role.ADMIN, "kim"))
    staff_id = id_of(app, member.username)
    sign_in_as(client, app, Role.ADMIN)
    change(client, staff_id, "remove-role")
    user = user_named(app, member.username)
    assert user is not None
    assert (user.role, user.has_second_factor, user.totp_secret_ciphertext) == (
        "person",
        False,
        None,
    )
    assert sessions_of(app, staff_id) == 0
    listed = client.get("/admin/")
    assert "The account is no longer staff." in page_text(listed)
    assert member.username not in page_text(listed)
    assert client.get(f"/admin/staff/{staff_id}").status_code == 404
    # They sign in as anyone does now, with no code.
    signed_in = member_client.submit(
        "/sign-in", {"username": member.username, "password": STAFF_PASSWORD}
    )
    assert signed_in.location == "/start"


def test_deleting_a_staff_account_removes_it(app: Flask, client: CheckingClient) -> None:
    staff_id = id_of(app, make_staff_account(app, name="leaver"))
    sign_in_as(client, app, Role.ADMIN)
    done = change(client, staff_id, "delete")
    assert done.location == "/admin/"
    assert "has been deleted" in page_text(client.get("/admin/"))
    with app.app_context():
        assert db.session.get(User, staff_id) is None


def test_deleting_a_staff_account_destroys_the_shares_it_made(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    leaver = accounts.new_client()
    staff_id = id_of(app, sign_in_as(leaver, app, Role.STAFF, name="leaver"))
    today = today_in_london()
    record_quickly(leaver, "A staff member's own incident", today)
    make_share(leaver, today - timedelta(days=7), today)
    sign_in_as(client, app, Role.ADMIN)
    assert change(client, staff_id, "delete").location == "/admin/"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Share)) == 0


def test_an_admin_cannot_change_their_own_account_here(app: Flask, client: CheckingClient) -> None:
    admin = sign_in_as(client, app, Role.ADMIN)
    admin_id = id_of(app, admin)
    page = client.get(f"/admin/staff/{admin_id}")
    assert "This is your account" in page_text(page)
    for what in STAFF_CHANGES:
        assert client.get(f"/admin/staff/{admin_id}/{what}").status_code == 403
        client.get("/admin/")
        assert client.post_with_token(f"/admin/staff/{admin_id}/{what}").status_code == 403
    user = user_named(app, admin)
    assert user is not None
    assert user.role == "admin"


def test_an_unknown_change_is_not_found(app: Flask, client: CheckingClient) -> None:
    staff_id = id_of(app, make_staff_account(app, name="other"))
    sign_in_as(client, app, Role.ADMIN)
    assert client.get(f"/admin/staff/{staff_id}/promote").status_code == 404
    assert client.get("/admin/staff/not-an-id").status_code == 404


def test_admin_pages_make_few_queries(app: Flask, client: CheckingClient) -> None:
    staff_id = id_of(app, make_staff_account(app, name="other"))
    for number in range(5):
        make_staff_account(app, name=f"staff {number}")
    sign_in_as(client, app, Role.ADMIN)
    for path in admin_paths(app, staff_id):
        with counting_queries(app) as log:
            assert client.get(path).status_code == 200
        assert len(log) <= 5, (path, log.statements)
