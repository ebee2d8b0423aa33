"""The site's signing key (portal.incidents.signing): made by a command, generated for local
copies, refused when unusable, and checked by anyone with the public key."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import Flask
from flask.testing import FlaskCliRunner

from config import ConfigurationError, config_for
from portal import create_app, instance_secrets
from portal.dates import today_in_london
from portal.incidents.signing import Signer, new_signing_key, signature_is_valid
from portal.incidents.verify import NOT_SIGNED
from portal.security.crypto import new_data_keys_entry
from tests.conftest import DatabaseUrls, dispose, make_app
from tests.support.client import AccountHelper, CheckingClient, page_text
from tests.support.evidence import packed, sample_pack
from tests.support.incidents import record_quickly
from tests.test_verify_views import upload


def test_keys_signing_new_prints_a_usable_key(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["keys", "signing-new"])
    signer = Signer.from_setting(result.stdout.strip())
    signature = signer.sign(b"manifest")
    assert len(signature) == 64
    public_key = load_pem_public_key(signer.public_key_pem)  # as openssl reads it
    assert signature_is_valid(public_key, signature, b"manifest")
    assert not signature_is_valid(public_key, signature, b"manifest, changed")


@pytest.mark.parametrize(
    ("name", "setting", "message"),
    [
        ("PORTAL_SIGNING_KEY", "not base64!", "is not a usable key: it is not base64"),
        ("PORTAL_SIGNING_KEY", "c2hvcnQ=", "is not a usable key: it must hold 32 bytes, not 5"),
        ("PORTAL_RETIRED_SIGNING_KEYS", "not a key", "not a public key: it is not base64"),
        ("PORTAL_RETIRED_SIGNING_KEYS", "c2hvcnQ=", "not a public key: it must hold 32 bytes"),
    ],
)
def test_an_unusable_signing_key_stops_the_site_starting(
    name: str, setting: str, message: str, tmp_path: Path
) -> None:
    environ = {
        name: setting,
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}",
        "PORTAL_KEYSTORE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}",
    }
    with pytest.raises(ConfigurationError, match=f"{name} .*{message}"):
        create_app(config_for("testing", environ))


def test_a_local_copy_from_before_signing_keys_gets_one_added(tmp_path: Path) -> None:
    older = {"SECRET_KEY": "s" * 48, "DATA_KEYS": "dev1:" + "A" * 44}
    (tmp_path / instance_secrets.SECRETS_FILE).write_text(json.dumps(older))
    values = instance_secrets.load_or_create(str(tmp_path))
    assert {name: values[name] for name in older} == older
    Signer.from_setting(values["SIGNING_KEY"])
    assert instance_secrets.load_or_create(str(tmp_path)) == values  # kept, not made again
    assert (tmp_path / instance_secrets.SECRETS_FILE).stat().st_mode & 0o777 == 0o600


# Replacing the key ---------------------------------------------------------------------------


DATA_KEYS = new_data_keys_entry("rotation")
DAY = today_in_london() - timedelta(days=2)


def the_site(urls: DatabaseUrls, tmp_path: Path, signing_key: str, retired: str = "") -> Flask:
    """The site on the same databases and data keys, with this signing key."""
    app = make_app(
        urls,
        tmp_path,
        PORTAL_SECRET_KEY="s" * 48,
        PORTAL_DATA_KEYS=DATA_KEYS,
        PORTAL_SIGNING_KEY=signing_key,
        PORTAL_RETIRED_SIGNING_KEYS=retired,
    )
    app.test_client_class = CheckingClient
    return app


def test_a_replaced_key_keeps_the_log_and_earlier_packs_checking_once_it_is_retired(
    database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    old_key, new_key = new_signing_key(), new_signing_key()
    before = the_site(database_urls, tmp_path, old_key)
    accounts = AccountHelper(before)
    first_browser = accounts.new_client()
    account = accounts.register(first_browser)
    record_quickly(first_browser, "Shouting at the door", DAY)
    earlier_pack = packed(sample_pack(), Signer.from_setting(old_key))
    old_fingerprint = Signer.from_setting(old_key).fingerprint
    old_public = before.test_cli_runner().invoke(args=["keys", "signing-public"]).stdout.strip()
    dispose(before)

    def after(retired: str) -> tuple[CheckingClient, Flask]:
        app = the_site(database_urls, tmp_path, new_key, retired)
        helper = AccountHelper(app)
        browser = helper.new_client()
        assert helper.sign_in(browser, account).status_code == 302
        return browser, app

    forgotten, app = after("")
    assert "was not signed by this site" in page_text(forgotten.get("/incidents/check"))
    assert NOT_SIGNED in page_text(upload(forgotten, earlier_pack))
    dispose(app)

    person, app = after(old_public)
    record_quickly(person, "Shouting again, signed with the new key", DAY)
    assert "Your log is unchanged" in page_text(person.get("/incidents/check"))
    checked = page_text(upload(person, earlier_pack))
    assert "This pack is unchanged since it was exported" in checked
    assert f"a key this site used before, whose SHA-256 fingerprint is {old_fingerprint}" in checked
    fresh = packed(sample_pack(), Signer.from_setting(new_key))
    assert "a key this site used before" not in page_text(upload(person, fresh))
    page = page_text(person.get("/verify"))
    assert Signer.from_setting(new_key).fingerprint in page
    assert old_fingerprint in page
    dispose(app)
