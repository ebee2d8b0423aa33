"""The site's signing key (portal.incidents.signing): made by a command, generated for local
copies, refused when unusable, and checked by anyone with the public key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask.testing import FlaskCliRunner

from config import ConfigurationError, config_for
from portal import create_app, instance_secrets
from portal.incidents.signing import Signer, signature_is_valid


def test_keys_signing_new_prints_a_usable_key(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["keys", "signing-new"])
    signer = Signer.from_setting(result.stdout.strip())
    signature = signer.sign(b"manifest")
    assert len(signature) == 64
    public_key = load_pem_public_key(signer.public_key_pem)  # as openssl reads it
    assert signature_is_valid(public_key, signature, b"manifest")
    assert not signature_is_valid(public_key, signature, b"manifest, changed")


@pytest.mark.parametrize(
    ("setting", "reason"),
    [("not base64!", "it is not base64"), ("c2hvcnQ=", "it must hold 32 bytes, not 5")],
)
def test_an_unusable_signing_key_stops_the_site_starting(
    setting: str, reason: str, tmp_path: Path
) -> None:
    environ = {
        "PORTAL_SIGNING_KEY": setting,
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}",
        "PORTAL_KEYSTORE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}",
    }
    with pytest.raises(
        ConfigurationError, match=f"PORTAL_SIGNING_KEY is not a usable key: {reason}"
    ):
        create_app(config_for("testing", environ))


def test_a_local_copy_from_before_signing_keys_gets_one_added(tmp_path: Path) -> None:
    older = {"SECRET_KEY": "s" * 48, "DATA_KEYS": "dev1:" + "A" * 44}
    (tmp_path / instance_secrets.SECRETS_FILE).write_text(json.dumps(older))
    values = instance_secrets.load_or_create(str(tmp_path))
    assert {name: values[name] for name in older} == older
    Signer.from_setting(values["SIGNING_KEY"])
    assert instance_secrets.load_or_create(str(tmp_path)) == values  # kept, not made again
    assert (tmp_path / instance_secrets.SECRETS_FILE).stat().st_mode & 0o777 == 0o600
