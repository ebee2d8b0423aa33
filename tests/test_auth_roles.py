"""Roles: `flask staff create` makes the first admin; a change of role ends the account's
sessions, so it applies from the next sign-in."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.auth.roles import Role, give_role
from portal.extensions import db
from portal.models.accounts import User, WebSession
from tests.support.client import AccountHelper, CheckingClient

PASSWORD = "a long staff password for tests"


def test_flask_staff_create_makes_an_admin_with_recovery_codes(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["staff", "create", "editor", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Made admin account editor" in result.output
    codes = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert len(codes) == 10
    with app.app_context():
        [user] = db.session.scalars(select(User)).all()
        assert user.role == "admin"
        assert user.username.startswith("editor")


def test_flask_staff_create_refuses_a_weak_password_with_a_reason(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["staff", "create", "editor", "--password", "short"])
    assert result.exit_code != 0
    assert "15 characters" in result.output


def test_a_new_account_is_a_person(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    with app.app_context():
        assert db.session.scalars(select(User.role)).all() == ["person"]


def test_a_change_of_role_ends_the_accounts_sessions(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    assert client.get("/account").status_code == 200
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        give_role(db.session, user, Role.STAFF)
        assert (
            db.session.scalars(select(WebSession).where(WebSession.user_id == user.id)).all() == []
        )
        assert user.role == "staff"
    assert client.get("/account").status_code == 302
