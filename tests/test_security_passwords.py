"""Password rules and hashing (portal.security.passwords), and the account rehash at sign-in."""

from __future__ import annotations

import time
import unicodedata

import pytest
from argon2 import PasswordHasher, Type, profiles
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.security.passwords import (
    MAX_BYTES,
    PASSWORD_HASH_PROFILES,
    PasswordHashing,
    common_passwords,
    password_problem,
)
from tests.support.client import OTHER_PASSWORD, PASSWORD, AccountHelper, CheckingClient

# OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 passes, 1 lane.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_PASSES = 2


def test_production_parameters_meet_owasps_recommendation() -> None:
    parameters = PASSWORD_HASH_PROFILES["rfc9106-low-memory"]
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= OWASP_MEMORY_KIB
    assert parameters.time_cost >= OWASP_PASSES
    assert parameters.memory_cost * parameters.time_cost >= OWASP_MEMORY_KIB * OWASP_PASSES


def test_the_offline_list_holds_at_least_ten_thousand_passwords() -> None:
    assert len(common_passwords()) >= 10_000
    assert "password" in common_passwords()


@pytest.mark.parametrize(
    "password",
    [
        "purple tractor window",
        "Ça va très bien merci",
        "correct horse battery staple",
        "🌧️🌧️ rain on the roof",
    ],
)
def test_good_passwords_pass(password: str) -> None:
    assert password_problem(password, "bluebird") is None


# Each a guessable construction: a common password, a pattern or the site's name, disguised.
COMMON = "one of the most common"
CHANGED = "a common password with small changes"
PAIR = "two common passwords put together"
PATTERN = "a simple pattern"
SITE_NAME = "this website's name"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password123456789", CHANGED),
        ("pass word 1234567", CHANGED),
        ("Password!!!!!!!!!", CHANGED),
        ("p@ssw0rd12345678", CHANGED),
        ("PASSWORD_2024_2025", CHANGED),
        ("!!!sunshine!!!2024", CHANGED),
        ("1l0v3y0u 1234567890", CHANGED),
        ("iloveyou2024202420", CHANGED),
        ("monkey123monkey123", COMMON),
        ("dragon qwertyuiop", CHANGED),
        ("abcdefg football 99", CHANGED),
        ("qwerty qwerty qwerty", COMMON),
        ("sunshine princess", PAIR),
        ("iloveyou football 2024", PAIR),
        ("aaaaaaaaaaaaaaaa1", PATTERN),
        ("1234567890abcdefg", PATTERN),
        ("xk 1234567890 !!!!", PATTERN),
        ("abcabcabcabcabc!!", PATTERN),
        ("zxcvbnm 0987654321", PATTERN),
        ("supportspace12345", SITE_NAME),
        ("Support Space 2026!", SITE_NAME),
        ("support-space-password", SITE_NAME),
        ("SUPP0RT SP@CE rocks", SITE_NAME),
    ],
)
def test_disguised_common_passwords_and_patterns_are_refused(password: str, reason: str) -> None:
    problem = password_problem(password, "bluebird")
    assert problem is not None, password
    assert reason in problem.message


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,
        OTHER_PASSWORD,
        "purple tractor window",
        "seven orange kettles",
        "correct horse battery staple",
        "lighthouse marmalade bicycle",
        "kettle umbrella meadow",
        "Ça va très bien, merci — 🌧️ word word word word",
        "2024 was the year of the otter",
        "my support space diary is private",
        "Orange tractor sings 4 times!",
        "quiet fox under seven lamps",
        "first default party desert",
    ],
)
def test_passphrases_of_unrelated_words_are_accepted(password: str) -> None:
    assert password_problem(password, "bluebird") is None


def test_no_composition_rules_lower_case_words_are_fine() -> None:
    assert password_problem("kettle umbrella meadow", None) is None


def test_length_is_counted_after_unicode_normalisation() -> None:
    # 15 characters composed (é as one code point), 16 when decomposed: both are 15 after NFKC.
    composed = "café by the sea"
    decomposed = unicodedata.normalize("NFD", composed)
    assert len(decomposed) == 16
    assert password_problem(composed) is None
    assert password_problem(decomposed) is None
    assert password_problem(composed[:-1]) is not None


def test_over_long_input_is_refused_before_hashing() -> None:
    hashing = PasswordHashing("fast-for-tests")
    started = time.perf_counter()
    assert hashing.verify(hashing.hash(PASSWORD), "x" * (MAX_BYTES + 1)) is False
    assert time.perf_counter() - started < 1
    assert password_problem("x" * (MAX_BYTES + 1)) is not None


def test_a_missing_hash_never_verifies() -> None:
    assert PasswordHashing("fast-for-tests").verify(None, PASSWORD) is False


def test_sign_in_rehashes_when_the_parameters_change(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    accounts.sign_out(client)
    # An older, weaker hash, as if the account predated today's parameters.
    weaker = PasswordHasher.from_parameters(profiles.CHEAPEST).hash(PASSWORD)
    stronger = PasswordHashing("rfc9106-low-memory")
    app.extensions["portal.passwords"] = stronger
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        user.password_hash = weaker
        db.session.commit()
    assert accounts.sign_in(client, account).status_code == 302
    with app.app_context():
        rehashed = db.session.scalars(select(User.password_hash)).one()
    assert rehashed != weaker
    assert "m=65536,t=3,p=4" in rehashed
    assert not stronger.needs_rehash(rehashed)


def test_unknown_and_known_usernames_take_the_same_time_to_refuse(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    app.config["RATELIMIT_ENABLED"] = False
    app.extensions["portal.passwords"] = PasswordHashing("rfc9106-low-memory")
    account = accounts.register(client)
    # Another browser: this one now has a device cookie for the account (portal.auth.devices).
    stranger = accounts.new_client()
    token = stranger.csrf_token(stranger.get("/sign-in"))

    def refusal_time(username: str, network: str) -> float:
        started = time.perf_counter()
        refused = stranger.post(
            "/sign-in",
            data={"csrf_token": token, "username": username, "password": "wrong password entirely"},
            environ_base={"REMOTE_ADDR": network},
        )
        elapsed = time.perf_counter() - started
        assert refused.status_code == 200  # the form again, with the same message either way
        return elapsed

    known_times, unknown_times = [], []
    for attempt in range(6):  # interleaved, each from its own network: never slowed down
        known_times.append(refusal_time(account.username, f"198.51.100.{attempt}"))
        unknown_times.append(refusal_time("nobody-9999", f"203.0.113.{attempt}"))
    # The quickest of each: other work on the machine only ever adds time to an attempt.
    known, unknown = min(known_times), min(unknown_times)
    # Both are dominated by one argon2id verification (about 0.1 s here).
    assert abs(known - unknown) < 0.3 * max(known, unknown), (known, unknown)
