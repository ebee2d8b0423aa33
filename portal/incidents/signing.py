"""The portal's own Ed25519 key, with which it vouches for what it exports: an evidence pack's
manifest (portal.incidents.pack) is signed with it, and anyone can check the signature against
the public key the site publishes at /verify/public-key.pem, with `openssl` or on the site.

The key comes from PORTAL_SIGNING_KEY: the 32-byte private key in base64, one line, as
`flask --app portal keys signing-new` prints it. Development and tests make their own.
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
SIGNATURE_BYTES = 64


class SigningKeyInvalid(ValueError):
    """The setting is not a usable Ed25519 key; the message says why."""


def new_signing_key() -> str:
    """A new private key, written as PORTAL_SIGNING_KEY takes it."""
    return base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode("ascii")


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
    """The site's signing key: signs, and says which public key checks what it signed."""

    private_key: Ed25519PrivateKey

    @classmethod
    def from_setting(cls, setting: str) -> Signer:
        try:
            raw = base64.b64decode(setting.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise SigningKeyInvalid("it is not base64") from None
        if len(raw) != PRIVATE_KEY_BYTES:
            raise SigningKeyInvalid(f"it must hold {PRIVATE_KEY_BYTES} bytes, not {len(raw)}")
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def sign(self, data: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature of `data`."""
        return self.private_key.sign(data)

    def signed(self, data: bytes, signature: bytes) -> bool:
        """Whether this key made `signature` of `data` (the log's checkpoints)."""
        return signature_is_valid(self.public_key, signature, data)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_key_pem(self) -> bytes:
        return public_key_pem(self.public_key)

    @property
    def fingerprint(self) -> str:
        return public_key_fingerprint(self.public_key)


def current_signer() -> Signer:
    """The running app's signing key (create_app puts it there)."""
    return current_app.extensions[SIGNING_EXTENSION]
