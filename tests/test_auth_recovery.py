"""Single use is atomic: a recovery code, a reset link or a confirm link works once however many
requests race with it, on SQLite and PostgreSQL alike. Links in emails come from the site's own
address, never the request's Host header."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from flask import Flask

from tests.support.browser import live_server
from tests.support.client import PASSWORD, AccountHelper, CheckingClient, page_text
from tests.support.mail import add_confirmed_email, link_in, read_outbox
from tests.support.servers import HttpVisitor

RACERS = 6
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
NEW_PASSWORDS = [f"lighthouse marmalade bicycle {n}" for n in range(RACERS)]


def race(base_url: str, path: str, form_for: Callable[[int], dict[str, str]]) -> list[int]:
    """RACERS browsers open `path`, then all send its form at the same moment; their statuses."""
    visitors = [HttpVisitor() for _ in range(RACERS)]
    tokens = []
    for visitor in visitors:
        status, page = visitor.request(base_url + path)
        assert status == 200
        tokens.append(CSRF_INPUT.search(page).group(1))
    start = threading.Barrier(RACERS)
    statuses: list[int] = [0] * RACERS

    def send(number: int) -> None:
        start.wait()
        statuses[number], _ = visitors[number].request(
            base_url + path, {"csrf_token": tokens[number], **form_for(number)}
        )

    threads = [threading.Thread(target=send, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_one_recovery_code_sent_six_times_at_once_works_once(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    accounts.sign_out(client)
    code = account.recovery_codes[0]
    with live_server(app) as base_url:
        statuses = race(
            base_url,
            "/recover/code",
            lambda n: {"username": account.username, "code": code, "password": NEW_PASSWORDS[n]},
        )
    assert sorted(statuses) == [200] * (RACERS - 1) + [302]
    # Sign in with the password that won: trying the others first would slow this browser down.
    winner = NEW_PASSWORDS[statuses.index(302)]
    signed_in = client.submit("/sign-in", {"username": account.username, "password": winner})
    assert signed_in.status_code == 302
    assert "9 of 10 left" in page_text(client.get("/account"))


def test_one_reset_link_sent_six_times_at_once_works_once(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    add_confirmed_email(app, client)
    accounts.sign_out(client)
    client.submit("/recover/email", {"username": account.username})
    link = link_in(read_outbox(app)[-1])
    with live_server(app) as base_url:
        statuses = race(base_url, link, lambda n: {"password": NEW_PASSWORDS[n]})
    assert sorted(statuses) == [302] + [404] * (RACERS - 1)


def test_one_confirm_link_sent_six_times_at_once_works_once(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit("/account/email", {"email": "me@example.org", "current_password": PASSWORD})
    link = link_in(read_outbox(app)[-1])
    with live_server(app) as base_url:
        statuses = race(base_url, link, lambda n: {})
    assert sorted(statuses) == [302] + [404] * (RACERS - 1)


def test_links_in_emails_never_take_the_host_header(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    add_confirmed_email(app, client)
    accounts.sign_out(client)
    page = client.get("/recover/email", headers={"Host": "evil.example"})
    client.post(
        "/recover/email",
        data={"csrf_token": client.csrf_token(page), "username": account.username},
        headers={"Host": "evil.example"},
    )
    body = read_outbox(app)[-1]
    assert "evil.example" not in body
    assert f"{app.config['BASE_URL']}/reset-password?token=" in body
