"""The portal's own Ed25519 key, with which it vouches for what it exports: an evidence pack's
manifest (portal.incidents.pack) is signed with it, and anyone can check the signature against
the public key the site publishes at /verify/public-key.pem, with `openssl` or on the site.

The key comes from PORTAL_SIGNING_KEY: the 32-byte private key in base64, one line, as
`flask --app portal keys signing-new` prints it. Development and tests make their own.

A key can be replaced (if it may have leaked, say). What the earlier key signed (the log's
checkpoints, packs already handed over) must still check, so its public key, as
`flask --app portal keys signing-public` prints it, goes into PORTAL_RETIRED_SIGNING_KEYS
(comma-separated): checks accept it, and nothing new is signed with it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app

SIGNING_EXTENSION = "portal.signing"
PRIVATE_KEY_BYTES = 32
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class SigningKeyInvalid(ValueError):
    """The setting is not a usable Ed25519 key; the message says why."""


def new_signing_key() -> str:
    """A new private key, written as PORTAL_SIGNING_KEY takes it."""
    return base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode("ascii")


def _raw_key(setting: str, size: int) -> bytes:
    try:
        raw = base64.b64decode(setting.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SigningKeyInvalid("it is not base64") from None
    if len(raw) != size:
        raise SigningKeyInvalid(f"it must hold {size} bytes, not {len(raw)}")
    return raw


def public_key_setting(public_key: Ed25519PublicKey) -> str:
    """A public key as PORTAL_RETIRED_SIGNING_KEYS takes it: the raw 32 bytes in base64."""
    return base64.b64encode(public_key.public_bytes_raw()).decode("ascii")


def retired_keys_from_setting(setting: str) -> tuple[Ed25519PublicKey, ...]:
    """The public keys of PORTAL_RETIRED_SIGNING_KEYS, comma-separated; SigningKeyInvalid
    for one that is not a key."""
    return tuple(
        Ed25519PublicKey.from_public_bytes(_raw_key(part, PUBLIC_KEY_BYTES))
        for part in setting.split(",")
        if part.strip()
    )


def public_key_fingerprint(public_key: Ed25519PublicKey) -> str:
    """The SHA-256 of the raw 32-byte public key, in hex: short enough to read out and compare."""
    return hashlib.sha256(public_key.public_bytes_raw()).hexdigest()


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    """The public key as `openssl pkeyutl -pubin -inkey` reads it."""
    return public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def signature_is_valid(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class Signer:
    """The site's signing key: signs, and says which public keys check what it signed (its own,
    and any it signed with before)."""

    private_key: Ed25519PrivateKey
    retired: tuple[Ed25519PublicKey, ...] = ()

    @classmethod
    def from_setting(cls, setting: str) -> Signer:
        """The key of PORTAL_SIGNING_KEY; the retired ones are added by create_app."""
        return cls(Ed25519PrivateKey.from_private_bytes(_raw_key(setting, PRIVATE_KEY_BYTES)))

    def sign(self, data: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature of `data`."""
        return self.private_key.sign(data)

    def signed(self, data: bytes, signature: bytes) -> bool:
        """Whether this site made `signature` of `data` (the log's checkpoints), with its key or
        one it signed with before."""
        return any(signature_is_valid(key, signature, data) for key in self.public_keys)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_keys(self) -> tuple[Ed25519PublicKey, ...]:
        """Every key whose signature this site vouches for: the current one first."""
        return (self.public_key, *self.retired)

    @property
    def retired_fingerprints(self) -> list[str]:
        return [public_key_fingerprint(key) for key in self.retired]

    @property
    def public_key_pem(self) -> bytes:
        return public_key_pem(self.public_key)

    @property
    def fingerprint(self) -> str:
        return public_key_fingerprint(self.public_key)


def current_signer() -> Signer:
    """The running app's signing key (create_app puts it there)."""
    return current_app.extensions[SIGNING_EXTENSION]
