"""Logs as one JSON object per line (PORTAL_LOG_FORMAT=json), from the app and from gunicorn,
with nothing private in them: no query string, no address, no exception message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from portal.incidents.signing import new_signing_key
from portal.security.crypto import new_data_keys_entry
from tests.conftest import DatabaseUrls
from tests.support.client import CheckingClient
from tests.support.servers import HttpVisitor, gunicorn_server

PRIVATE_WORDS = "my neighbour Dave threatened me"


@pytest.fixture
def app_settings() -> dict[str, str]:
    return {"PORTAL_LOG_FORMAT": "json"}


def json_lines(text: str) -> list[dict[str, object]]:
    """Every line of `text` read as JSON (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_the_apps_log_lines_are_json_with_the_error_class_and_no_message(
    app: Flask, client: CheckingClient, capsys: pytest.CaptureFixture[str]
) -> None:
    def fails_with_private_text() -> str:
        raise RuntimeError(PRIVATE_WORDS)

    app.add_url_rule("/fails", view_func=fails_with_private_text)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    capsys.readouterr()
    assert client.get("/fails").status_code == 500
    logged = capsys.readouterr().err
    lines = json_lines(logged)
    unhandled = [line for line in lines if str(line["message"]).startswith("Unhandled")]
    assert len(unhandled) == 1
    assert unhandled[0]["level"] == "ERROR"
    assert unhandled[0]["logger"] == "portal.errors"
    assert "RuntimeError" in str(unhandled[0]["message"])
    assert "Dave" not in logged


def test_gunicorns_request_lines_are_json_without_query_strings_or_addresses(
    database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    settings = {
        "PORTAL_ENV": "development",
        "PORTAL_LOG_FORMAT": "json",
        "PORTAL_SECRET_KEY": "k" * 48,
        "PORTAL_DATA_KEYS": new_data_keys_entry("logs"),
        "PORTAL_SIGNING_KEY": new_signing_key(),
        "PORTAL_DATABASE_URL": database_urls.main,
        "PORTAL_KEYSTORE_URL": database_urls.keystore,
        "PORTAL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    log_path = tmp_path / "access.log"
    with (
        log_path.open("wb") as access_log,
        gunicorn_server(settings, access_log=access_log) as site,
    ):
        visitor = HttpVisitor()
        assert visitor.request(site + "/reset-password?token=secret-reset-token")[0] in (
            200,
            302,
            404,
        )
        assert visitor.request(site + "/no/such/page")[0] == 404
    logged = log_path.read_text()
    lines = json_lines(logged)
    missing = next(line for line in lines if line["path"] == "/no/such/page")
    assert missing["method"] == "GET"
    assert missing["status"] == 404
    assert isinstance(missing["ms"], int)
    assert any(line["path"] == "/reset-password" for line in lines)
    assert "secret-reset-token" not in logged
    assert "127.0.0.1" not in logged
