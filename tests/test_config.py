"""Settings (config.py): production refuses to start without what keeps people safe."""

from __future__ import annotations

import pytest

from config import ConfigurationError, ProductionConfig, config_for, normalise_database_url
from portal.incidents.signing import new_signing_key
from portal.security.crypto import new_data_keys_entry

GOOD_PRODUCTION = {
    "PORTAL_SECRET_KEY": "s" * 48,
    "PORTAL_DATA_KEYS": new_data_keys_entry("prod1"),
    "PORTAL_SIGNING_KEY": new_signing_key(),
    "PORTAL_DATABASE_URL": "postgresql://support@db/support",
    "PORTAL_KEYSTORE_URL": "postgresql://support@keys/support_keys",
    "PORTAL_ORGANISATION": "Northtown Victim Support",
    "PORTAL_ORGANISATION_CONTACT": "privacy@northtown.example",
}


def test_good_production_settings_pass() -> None:
    ProductionConfig(GOOD_PRODUCTION).check()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"PORTAL_SECRET_KEY": ""}, "PORTAL_SECRET_KEY must be set"),
        ({"PORTAL_SECRET_KEY": "too short"}, "PORTAL_SECRET_KEY must be set"),
        ({"PORTAL_DATA_KEYS": ""}, "PORTAL_DATA_KEYS must be set"),
        ({"PORTAL_SIGNING_KEY": ""}, "PORTAL_SIGNING_KEY must be set"),
        ({"PORTAL_KEYSTORE_URL": ""}, "PORTAL_KEYSTORE_URL must both be set"),
        ({"PORTAL_KEYSTORE_URL": GOOD_PRODUCTION["PORTAL_DATABASE_URL"]}, "different database"),
        ({"PORTAL_SMTP_HOST": "smtp.example.org"}, "PORTAL_BASE_URL"),
        ({"PORTAL_ORGANISATION": ""}, "PORTAL_ORGANISATION"),
        ({"PORTAL_ORGANISATION_CONTACT": ""}, "PORTAL_ORGANISATION_CONTACT"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(
    change: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ProductionConfig({**GOOD_PRODUCTION, **change}).check()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PORTAL_SESSION_IDLE_MINUTES": "half an hour"}, "whole number"),
        ({"PORTAL_SESSION_IDLE_MINUTES": "-5"}, "must not be negative"),
        ({"PORTAL_RATELIMIT_ENABLED": "maybe"}, "true or false"),
        ({"PORTAL_ENV": "staging"}, "PORTAL_ENV must be one of"),
    ],
)
def test_unusable_settings_say_what_is_wrong(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        config_for(environ=environ).check()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
        ("", None),
    ],
)
def test_database_urls_use_the_installed_driver(given: str, expected: str | None) -> None:
    assert normalise_database_url(given) == expected


def test_production_cookies_are_secure_and_host_only() -> None:
    config = ProductionConfig(GOOD_PRODUCTION)
    assert config.SESSION_COOKIE_NAME == "__Host-session"
    assert config.SESSION_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"
