"""Logs never carry one-time tokens, passwords or private text (portal.log_privacy)."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from portal.log_privacy import DropQueryStrings
from tests.support.browser import live_server
from tests.support.client import PASSWORD, AccountHelper, CheckingClient
from tests.support.servers import HttpVisitor


def request_line(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, message, args, None)


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        (
            '"GET /reset-password?token=abc123 HTTP/1.1" 200 -',
            '"GET /reset-password?… HTTP/1.1" 200 -',
        ),
        (
            '"POST /account/confirm-email?token=x&y=1 HTTP/1.1" 302 -',
            '"POST /account/confirm-email?… HTTP/1.1" 302 -',
        ),
        ('"GET /help HTTP/1.1" 200 -', '"GET /help HTTP/1.1" 200 -'),
    ],
)
def test_request_lines_lose_their_query_strings(line: str, logged: str) -> None:
    record = request_line("127.0.0.1 - - %s", line)
    assert DropQueryStrings().filter(record)
    assert record.getMessage() == f"127.0.0.1 - - {logged}"


def test_the_development_server_log_is_filtered(app: Flask) -> None:
    assert any(isinstance(f, DropQueryStrings) for f in logging.getLogger("werkzeug").filters)


def test_a_whole_account_journey_logs_no_password_or_code(
    client: CheckingClient, accounts: AccountHelper, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        account = accounts.register(client)
        accounts.sign_out(client)
        accounts.sign_in(client, account)
        client.submit(
            "/account/email", {"email": "private@example.org", "current_password": PASSWORD}
        )
    for secret in (PASSWORD, account.recovery_codes[0], "private@example.org"):
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        (  # a 404 line, coloured yellow by the development server
            '"\x1b[33mGET /reset-password?token=abc123 HTTP/1.1\x1b[0m" 404 -',
            '"GET /reset-password?… HTTP/1.1" 404 -',
        ),
        (  # a 302 line, coloured green
            '"\x1b[32mPOST /account/confirm-email?token=x HTTP/1.1\x1b[0m" 302 -',
            '"POST /account/confirm-email?… HTTP/1.1" 302 -',
        ),
    ],
)
def test_coloured_request_lines_lose_their_query_strings_too(line: str, logged: str) -> None:
    record = request_line("192.0.2.7 - - [29/Nov/2026 02:00:00] %s", line)
    assert DropQueryStrings().filter(record)
    assert record.getMessage() == f"- - - [29/Nov/2026 02:00:00] {logged}"


def test_the_development_server_logs_no_token_and_no_address(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="werkzeug"), live_server(app) as base_url:
        HttpVisitor().request(base_url + "/reset-password?token=secret-token-value")
        HttpVisitor().request(base_url + "/help?q=private+words")
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("/reset-password?…" in line for line in lines), lines
    assert not any("secret-token-value" in line or "private" in line for line in lines)
    assert not any("127.0.0.1" in line for line in lines)
