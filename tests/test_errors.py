"""Friendly error pages in the site's layout, for anything a person can cause."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from tests.support.client import CheckingClient, page_text


def test_an_unknown_page_gets_the_friendly_404(client: CheckingClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_the_wrong_method_gets_the_friendly_405(client: CheckingClient) -> None:
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert "Sorry, that did not work" in page_text(response)


@pytest.mark.parametrize(
    "app_settings", [{"PORTAL_MAX_REQUEST_MB": "2", "PORTAL_INCIDENT_FILE_MAX_MB": "1"}]
)
def test_an_oversized_request_gets_the_friendly_413(client: CheckingClient) -> None:
    page = client.get("/register")
    response = client.post(
        "/register",
        data={"csrf_token": client.csrf_token(page), "chosen_name": "x" * (3 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "too big" in page_text(response)
    assert "a file can be up to 1 MB" in page_text(response)


def test_an_unexpected_error_gets_the_friendly_500_and_logs_no_message(
    app: Flask, client: CheckingClient, caplog: pytest.LogCaptureFixture
) -> None:
    def fails_with_private_text() -> str:
        raise RuntimeError("my neighbour Dave threatened me")

    app.add_url_rule("/fails", view_func=fails_with_private_text)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not a traceback
    with caplog.at_level(logging.ERROR):
        response = client.get("/fails")
    assert response.status_code == 500
    assert "there is a problem with the service" in page_text(response)
    assert "RuntimeError" in caplog.text
    assert "test_errors.py" in caplog.text, "where it happened is logged"
    assert "Dave" not in caplog.text
    assert "Dave" not in response.get_data(as_text=True)


def test_error_pages_are_not_cached_and_not_indexed(client: CheckingClient) -> None:
    response = client.get("/missing")
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
