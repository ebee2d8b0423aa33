"""The protective headers every response carries (portal.security.headers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from config import ProductionConfig
from portal import create_app
from portal.incidents.signing import new_signing_key
from portal.security.crypto import new_data_keys_entry
from tests.conftest import DatabaseUrls, dispose
from tests.support.client import AccountHelper, CheckingClient

EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csp_directives(header: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/", "/sign-in", "/register", "/no-such-page", "/help"])
def test_every_page_has_the_security_headers(client: CheckingClient, path: str) -> None:
    response = client.get(path)
    for name, value in EVERY_RESPONSE.items():
        assert response.headers[name] == value
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "no-store" in response.headers["Cache-Control"]
    assert "Strict-Transport-Security" not in response.headers  # development and tests: plain HTTP


def test_content_security_policy_is_strict(client: CheckingClient) -> None:
    directives = csp_directives(client.get("/").headers["Content-Security-Policy"])
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in client.get("/").headers["Content-Security-Policy"]


def test_signed_in_pages_are_no_store_and_noindex(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    response = client.get("/account")
    assert response.headers["Cache-Control"].startswith("no-store")
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("path", ["/sign-in", "/register", "/recover/code", "/account/deleted"])
def test_private_and_form_pages_say_noindex(client: CheckingClient, path: str) -> None:
    assert client.get(path).headers["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("path", ["/", "/help", "/staying-safe-online"])
def test_public_help_pages_may_be_indexed(client: CheckingClient, path: str) -> None:
    assert "X-Robots-Tag" not in client.get(path).headers


def test_static_assets_are_cacheable_but_still_protected(client: CheckingClient) -> None:
    page = client.get("/")
    stylesheet = next(
        part.split('"')[0]
        for part in page.get_data(as_text=True).split('href="')
        if "portal.css" in part
    )
    assert "?v=" in stylesheet
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def make_production_app(urls: DatabaseUrls, tmp_path: Path) -> Flask:
    return create_app(
        ProductionConfig(
            {
                "PORTAL_SECRET_KEY": "s" * 48,
                "PORTAL_DATA_KEYS": new_data_keys_entry("prod1"),
                "PORTAL_SIGNING_KEY": new_signing_key(),
                "PORTAL_DATABASE_URL": urls.main,
                "PORTAL_KEYSTORE_URL": urls.keystore,
                "PORTAL_OUTBOX_DIR": str(tmp_path / "outbox"),
                "PORTAL_ORGANISATION": "Northtown Victim Support",
                "PORTAL_ORGANISATION_CONTACT": "privacy@northtown.example",
            }
        )
    )


def test_production_adds_hsts_and_a_host_only_secure_cookie(
    database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    production = make_production_app(database_urls, tmp_path)
    try:
        response = production.test_client().get("/sign-in", base_url="https://support.example.org")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=")
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "Path=/" in cookie
        assert "Domain" not in cookie
    finally:
        dispose(production)
