"""Encryption at rest: one mechanism for every private record.

Each account has a random 256-bit data key. It is stored only in the keystore, wrapped (AES-GCM) by
the newest key-encryption key (KEK) from PORTAL_DATA_KEYS; older KEKs still unwrap until `flask keys
rotate` has rewrapped everything. Private fields are sealed with the account's data key (AES-GCM)
and bound to where they belong (kind of record, field, record id, owner) as associated data, so a
ciphertext copied to another row or another account fails to open.

Deleting the wrapped key is crypto-shredding: every ciphertext of that account, in the database and
in any backup of it, is unreadable from then on, even to someone holding the KEKs.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
# The first byte of every sealed value names its format, so a later scheme can sit beside this one.
FORMAT_AES_GCM_V1 = b"\x01"
KEK_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class CryptoError(Exception):
    """Base class for encryption failures."""


class KeyConfigurationError(CryptoError):
    """PORTAL_DATA_KEYS cannot be used; the message says why."""


class DataKeyMissing(CryptoError):
    """The account has no data key: it was deleted, or never had one."""


class DecryptionFailed(CryptoError):
    """A sealed value did not open: wrong key, wrong place, or altered."""


@dataclass(frozen=True)
class KeyEncryptionKey:
    """One application key from PORTAL_DATA_KEYS."""

    key_id: str
    secret: bytes = b""

    def __repr__(self) -> str:  # never the secret
        return f"<KeyEncryptionKey {self.key_id}>"


def parse_data_keys(value: str) -> list[KeyEncryptionKey]:
    """Read PORTAL_DATA_KEYS: `id:base64key` entries separated by commas or spaces, newest first."""
    keys: list[KeyEncryptionKey] = []
    for entry in re.split(r"[\s,]+", value.strip()):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        if not sep or not KEK_ID_PATTERN.match(key_id):
            raise KeyConfigurationError(
                "Each PORTAL_DATA_KEYS entry must look like 'name:key' (a short name of letters, "
                "digits, - or _, then the key). Make one with: flask --app portal keys new"
            )
        try:
            secret = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise KeyConfigurationError(f"Data key {key_id!r} is not valid base64.") from None
        if len(secret) != KEY_BYTES:
            raise KeyConfigurationError(f"Data key {key_id!r} must be {KEY_BYTES} bytes long.")
        if any(k.key_id == key_id for k in keys):
            raise KeyConfigurationError(f"Data key name {key_id!r} is used twice.")
        keys.append(KeyEncryptionKey(key_id, secret))
    if not keys:
        raise KeyConfigurationError("PORTAL_DATA_KEYS holds no keys.")
    return keys


def new_data_keys_entry(key_id: str | None = None) -> str:
    """A fresh `id:key` entry for PORTAL_DATA_KEYS (`flask keys new`)."""
    key_id = key_id or "k" + secrets.token_hex(4)
    encoded = base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")
    return f"{key_id}:{encoded}"


def _seal(aead: AESGCM, plaintext: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_AES_GCM_V1 + nonce + aead.encrypt(nonce, plaintext, associated_data)


def _open(aead: AESGCM, sealed: bytes, associated_data: bytes) -> bytes:
    if not sealed.startswith(FORMAT_AES_GCM_V1) or len(sealed) < 1 + NONCE_BYTES + 16:
        raise DecryptionFailed("Not a value this application sealed.")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return aead.decrypt(nonce, body, associated_data)
    except InvalidTag:
        raise DecryptionFailed("The value does not open with this key in this place.") from None


def seal_with_key(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """AES-GCM with a fresh random nonce, prefixed with the format byte."""
    return _seal(AESGCM(key), plaintext, associated_data)


def open_with_key(key: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    """Open what seal_with_key() sealed with the same key and associated data."""
    return _open(AESGCM(key), sealed, associated_data)


def _wrapping_context(user_id: uuid.UUID, kek_id: str) -> bytes:
    return b"support-space/data-key/" + user_id.bytes + b"/" + kek_id.encode()


class KeyRing:
    """The application's KEKs: the newest wraps, every one of them unwraps."""

    def __init__(self, keys: Iterable[KeyEncryptionKey]) -> None:
        self._keys = list(keys)
        if not self._keys:
            raise KeyConfigurationError("At least one data key is needed.")
        self._by_id = {k.key_id: k for k in self._keys}

    @classmethod
    def from_setting(cls, value: str) -> KeyRing:
        return cls(parse_data_keys(value))

    @property
    def newest(self) -> KeyEncryptionKey:
        return self._keys[0]

    def wrap(self, user_id: uuid.UUID, data_key: bytes) -> tuple[str, bytes]:
        """Seal a data key with the newest KEK; returns (kek id, wrapped key)."""
        kek = self.newest
        return kek.key_id, seal_with_key(
            kek.secret, data_key, _wrapping_context(user_id, kek.key_id)
        )

    def unwrap(self, user_id: uuid.UUID, kek_id: str, wrapped: bytes) -> bytes:
        kek = self._by_id.get(kek_id)
        if kek is None:
            raise KeyConfigurationError(
                f"A data key is wrapped with {kek_id!r}, which PORTAL_DATA_KEYS no longer holds. "
                "Put it back (after the newest) and run: flask --app portal keys rotate"
            )
        return open_with_key(kek.secret, wrapped, _wrapping_context(user_id, kek_id))


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def record_context(kind: str, record_id: uuid.UUID | str, owner_id: uuid.UUID, field: str) -> bytes:
    """Associated data naming exactly where a sealed field belongs."""
    return f"support-space/{kind}/{field}/{record_id}/{owner_id}".encode()


RecordOpener = Callable[[uuid.UUID | str, bytes], bytes]


class FieldCipher:
    """Seals and opens one account's private fields with its data key."""

    __slots__ = ("_aead", "owner_id")

    def __init__(self, owner_id: uuid.UUID, data_key: bytes) -> None:
        self.owner_id = owner_id
        # Made once per key: searching a diary opens thousands of fields in a row.
        self._aead = AESGCM(data_key)

    def __repr__(self) -> str:
        return f"<FieldCipher for {self.owner_id}>"

    def seal_bytes(
        self, data: bytes, *, kind: str, record_id: uuid.UUID | str, field: str
    ) -> bytes:
        return _seal(self._aead, data, record_context(kind, record_id, self.owner_id, field))

    def open_bytes(
        self, sealed: bytes, *, kind: str, record_id: uuid.UUID | str, field: str
    ) -> bytes:
        return _open(self._aead, sealed, record_context(kind, record_id, self.owner_id, field))

    def opener(self, *, kind: str, field: str) -> RecordOpener:
        """open_bytes() for many records of one kind in a row (a search): the parts of the
        associated data that every record shares are put together once."""
        prefix = f"support-space/{kind}/{field}/"
        suffix = f"/{self.owner_id}"
        decrypt = self._aead.decrypt
        start = 1 + NONCE_BYTES

        def open_record(record_id: uuid.UUID | str, sealed: bytes) -> bytes:
            # _open() inlined: a search calls this thousands of times in a row.
            if not sealed.startswith(FORMAT_AES_GCM_V1) or len(sealed) < start + 16:
                raise DecryptionFailed("Not a value this application sealed.")
            try:
                return decrypt(
                    sealed[1:start], sealed[start:], f"{prefix}{record_id}{suffix}".encode()
                )
            except InvalidTag:
                raise DecryptionFailed(
                    "The value does not open with this key in this place."
                ) from None

        return open_record

    def seal(self, text: str, *, kind: str, record_id: uuid.UUID | str, field: str) -> bytes:
        """Seal a piece of text so it opens only for this owner, this record and this field."""
        return self.seal_bytes(text.encode(), kind=kind, record_id=record_id, field=field)

    def open(self, sealed: bytes, *, kind: str, record_id: uuid.UUID | str, field: str) -> str:
        return self.open_bytes(sealed, kind=kind, record_id=record_id, field=field).decode()

    def seal_json(self, value: Any, *, kind: str, record_id: uuid.UUID | str, field: str) -> bytes:
        """Seal a JSON-serialisable value (a record's payload) for this owner, record and field."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return self.seal(text, kind=kind, record_id=record_id, field=field)

    def open_json(self, sealed: bytes, *, kind: str, record_id: uuid.UUID | str, field: str) -> Any:
        return json.loads(self.open(sealed, kind=kind, record_id=record_id, field=field))
