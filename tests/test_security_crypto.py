"""Encryption at rest (crypto and data keys): sealing, binding, rotation and shredding."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.extensions import keystore_db
from portal.models import WrappedDataKey
from portal.security.crypto import (
    DataKeyMissing,
    DecryptionFailed,
    FieldCipher,
    KeyConfigurationError,
    KeyRing,
    new_data_key,
    new_data_keys_entry,
    parse_data_keys,
)
from portal.security.data_keys import (
    DATA_KEY_CACHE_EXTENSION,
    DataKeyCache,
    cipher_for,
    create_data_key,
    destroy_data_key,
    keys_to_rewrap,
    rewrap_all,
)

OWNER = uuid.UUID("11111111-1111-4111-8111-111111111111")
STRANGER = uuid.UUID("22222222-2222-4222-8222-222222222222")
RECORD = uuid.UUID("33333333-3333-4333-8333-333333333333")
OTHER_RECORD = uuid.UUID("44444444-4444-4444-8444-444444444444")


def test_a_sealed_field_opens_for_its_owner_record_and_field() -> None:
    cipher = FieldCipher(OWNER, new_data_key())
    sealed = cipher.seal(
        "He shouted at me again.", kind="diary_entry", record_id=RECORD, field="notes"
    )
    assert b"shouted" not in sealed
    assert (
        cipher.open(sealed, kind="diary_entry", record_id=RECORD, field="notes")
        == "He shouted at me again."
    )


def test_sealing_the_same_text_twice_gives_different_ciphertexts() -> None:
    cipher = FieldCipher(OWNER, new_data_key())
    first = cipher.seal("same", kind="k", record_id=RECORD, field="f")
    assert first != cipher.seal("same", kind="k", record_id=RECORD, field="f")


@pytest.mark.parametrize(
    ("owner", "kind", "record", "field"),
    [
        (OWNER, "diary_entry", OTHER_RECORD, "notes"),  # moved to another row
        (STRANGER, "diary_entry", RECORD, "notes"),  # moved to another account
        (OWNER, "diary_entry", RECORD, "tags"),  # moved to another field
        (OWNER, "incident", RECORD, "notes"),  # moved to another kind of record
    ],
)
def test_a_ciphertext_moved_anywhere_else_is_refused(
    owner: uuid.UUID, kind: str, record: uuid.UUID, field: str
) -> None:
    key = new_data_key()
    sealed = FieldCipher(OWNER, key).seal(
        "private", kind="diary_entry", record_id=RECORD, field="notes"
    )
    with pytest.raises(DecryptionFailed):
        FieldCipher(owner, key).open(sealed, kind=kind, record_id=record, field=field)


def test_an_altered_ciphertext_is_refused() -> None:
    cipher = FieldCipher(OWNER, new_data_key())
    sealed = bytearray(cipher.seal("private", kind="k", record_id=RECORD, field="f"))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        cipher.open(bytes(sealed), kind="k", record_id=RECORD, field="f")


def test_another_accounts_key_does_not_open_it() -> None:
    sealed = FieldCipher(OWNER, new_data_key()).seal(
        "private", kind="k", record_id=RECORD, field="f"
    )
    with pytest.raises(DecryptionFailed):
        FieldCipher(OWNER, new_data_key()).open(sealed, kind="k", record_id=RECORD, field="f")


FIXED_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # bytes 0..31, base64url


@pytest.mark.parametrize(
    "setting",
    ["", "nokey", "bad id!:AAAA", "k1:not-base64-@@@", "k1:AAAA", f"a:{FIXED_KEY},a:{FIXED_KEY}"],
)
def test_unusable_data_key_settings_are_refused_with_a_reason(setting: str) -> None:
    with pytest.raises(KeyConfigurationError):
        parse_data_keys(setting)


def test_the_newest_key_wraps_and_older_keys_still_unwrap() -> None:
    old_entry = new_data_keys_entry("old")
    kek_id, wrapped = KeyRing.from_setting(old_entry).wrap(OWNER, b"k" * 32)
    assert kek_id == "old"
    both = KeyRing.from_setting(f"{new_data_keys_entry('new')},{old_entry}")
    assert both.newest.key_id == "new"
    assert both.unwrap(OWNER, kek_id, wrapped) == b"k" * 32
    with pytest.raises(DecryptionFailed):
        both.unwrap(STRANGER, kek_id, wrapped)  # a wrapped key copied to another account


def test_rotation_rewraps_every_account_with_the_newest_key(
    app: Flask, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        ciphers = [create_data_key(uuid.uuid4()) for _ in range(3)]
        sealed = [c.seal("kept", kind="k", record_id=RECORD, field="f") for c in ciphers]
        old_setting = app.config["DATA_KEYS"]

    new_entry = new_data_keys_entry("rotated")
    app.config["DATA_KEYS"] = f"{new_entry},{old_setting}"
    app.extensions["portal.keyring"] = KeyRing.from_setting(app.config["DATA_KEYS"])
    result = runner.invoke(args=["keys", "rotate"])
    assert "3 data keys to rewrap with rotated" in result.output
    assert "Rewrapped 3 data keys with rotated" in result.output

    # With only the new key left, every account's records still open: in a worker started with
    # the new settings, so with no data key already unwrapped in memory.
    app.extensions["portal.keyring"] = KeyRing.from_setting(new_entry)
    app.extensions[DATA_KEY_CACHE_EXTENSION] = DataKeyCache()
    with app.app_context():
        assert {row.kek_id for row in keystore_db.session.scalars(select(WrappedDataKey))} == {
            "rotated"
        }
        for cipher, value in zip(ciphers, sealed, strict=True):
            reopened = cipher_for(cipher.owner_id)
            assert reopened.open(value, kind="k", record_id=RECORD, field="f") == "kept"
    assert "Rewrapped 0" in runner.invoke(args=["keys", "rotate"]).output


def test_a_destroyed_key_leaves_nothing_to_open(app: Flask) -> None:
    owner = uuid.uuid4()
    with app.app_context():
        sealed = create_data_key(owner).seal("private", kind="k", record_id=RECORD, field="f")
        destroy_data_key(owner)
    with app.app_context(), pytest.raises(DataKeyMissing):
        cipher_for(owner)
    assert b"private" not in sealed


def test_the_opener_for_many_records_opens_exactly_what_open_bytes_would() -> None:
    key = new_data_key()
    cipher = FieldCipher(OWNER, key)
    sealed = cipher.seal_bytes(b"payload", kind="diary_entry", record_id=RECORD, field="payload")
    open_entry = cipher.opener(kind="diary_entry", field="payload")
    assert open_entry(RECORD, sealed) == b"payload"
    with pytest.raises(DecryptionFailed):
        open_entry(OTHER_RECORD, sealed)
    with pytest.raises(DecryptionFailed):
        cipher.opener(kind="sleep_night", field="payload")(RECORD, sealed)
    with pytest.raises(DecryptionFailed):
        # The same key under another owner still refuses: the owner is bound in too.
        FieldCipher(STRANGER, key).opener(kind="diary_entry", field="payload")(RECORD, sealed)


def test_an_unwrapped_key_is_kept_only_for_a_while() -> None:
    cache = DataKeyCache(seconds=0)
    cache.put(FieldCipher(OWNER, new_data_key()))
    assert cache.get(OWNER) is None


def test_the_key_cache_keeps_the_most_recently_used_keys() -> None:
    cache = DataKeyCache(size=2)
    owners = [uuid.uuid4() for _ in range(3)]
    cache.put(FieldCipher(owners[0], new_data_key()))
    cache.put(FieldCipher(owners[1], new_data_key()))
    assert cache.get(owners[0]) is not None  # used again, so owners[1] is now the oldest
    cache.put(FieldCipher(owners[2], new_data_key()))
    assert [cache.get(owner) is not None for owner in owners] == [True, False, True]


def test_a_destroyed_key_cannot_come_back_from_a_request_already_running() -> None:
    cache = DataKeyCache()
    unwrapped_just_before = FieldCipher(OWNER, new_data_key())
    cache.drop(OWNER)  # the account is deleted...
    cache.put(unwrapped_just_before)  # ...while another thread finishes unwrapping its key
    assert cache.get(OWNER) is None


def test_a_destroyed_key_is_forgotten_by_a_worker_that_had_it_unwrapped(app: Flask) -> None:
    owner = uuid.uuid4()
    with app.app_context():
        create_data_key(owner)
    with app.app_context():
        assert cipher_for(owner).owner_id == owner  # unwrapped and kept
        destroy_data_key(owner)
    with app.app_context(), pytest.raises(DataKeyMissing):
        cipher_for(owner)


def test_keys_new_prints_a_usable_entry(runner: FlaskCliRunner) -> None:
    output = runner.invoke(args=["keys", "new", "--name", "spring"]).output.strip()
    [key] = parse_data_keys(output)
    assert key.key_id == "spring"
    assert len(key.secret) == 32


def test_rotation_reports_progress_after_each_committed_batch(app: Flask) -> None:
    with app.app_context():
        for _ in range(5):
            create_data_key(uuid.uuid4())
        ring = KeyRing.from_setting(f"{new_data_keys_entry('rotated')},{app.config['DATA_KEYS']}")
        assert keys_to_rewrap(keystore_db.session, ring) == 5
        reported: list[int] = []
        assert rewrap_all(keystore_db.session, ring, batch_size=2, progress=reported.append) == 5
        assert reported == [2, 4, 5]
        assert keys_to_rewrap(keystore_db.session, ring) == 0
