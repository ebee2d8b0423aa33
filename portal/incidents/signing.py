"""PLACEHOLDER until the signing module lands: an Ed25519 key per app, made at first use."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

_EXTENSION = "portal.signing_placeholder"


def _key() -> Ed25519PrivateKey:
    key = current_app.extensions.get(_EXTENSION)
    if key is None:
        key = current_app.extensions[_EXTENSION] = Ed25519PrivateKey.generate()
    return key


def sign(data: bytes) -> bytes:
    return _key().sign(data)


def signature_is_valid(data: bytes, signature: bytes) -> bool:
    try:
        _key().public_key().verify(signature, data)
    except InvalidSignature:
        return False
    return True
