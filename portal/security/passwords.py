"""Password hashing (argon2id) and the password rules (NIST SP 800-63B-4, single-factor).

The rules: at least 15 characters, up to 256, any characters at all, Unicode normalised (NFKC)
before counting, checking or hashing; no composition rules. Refused only when the password is too
short or long, is in (or is a repeat of) 30,000 common passwords, is a repeated pattern or a
keyboard run, or contains the username.
"""

from __future__ import annotations

import hmac
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, Type, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import Parameters

MIN_LENGTH = 15
MAX_LENGTH = 256
# Bytes after UTF-8 encoding: refused before hashing, so a huge paste cannot tie up a worker.
MAX_BYTES = 1024

# The one place argon2 parameters are chosen. RFC 9106's second recommendation (argon2id,
# 64 MiB, 3 passes, 4 lanes) is well above OWASP's current minimum (19 MiB, 2 passes, 1 lane)
# and takes about 0.1 s here. Changing it rehashes each password at its owner's next sign-in.
PASSWORD_HASH_PROFILES: dict[str, Parameters] = {
    "rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
    # The cheapest argon2id allowed, for tests: their passwords protect nothing.
    "fast-for-tests": profiles.CHEAPEST,
}

# Runs along these (either way, wrapping round) are patterns, not passwords.
KEYBOARD_RUNS = (
    "1234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertyuiopasdfghjklzxcvbnm",
    "1234567890qwertyuiopasdfghjklzxcvbnm",
    "abcdefghijklmnopqrstuvwxyz",
)


class PasswordTooLong(ValueError):
    """The input is longer than anything we will hash."""


def normalise_password(password: str) -> str:
    """The form a password is checked and hashed in, so the same typed text always matches."""
    return unicodedata.normalize("NFKC", password)


class PasswordHashing:
    """argon2id hashing with the profile named in the settings."""

    def __init__(self, profile_name: str) -> None:
        parameters = PASSWORD_HASH_PROFILES[profile_name]
        if parameters.type is not Type.ID:
            raise ValueError("Only argon2id is allowed.")
        self.parameters = parameters
        self._hasher = PasswordHasher.from_parameters(parameters)
        # Verifying against this when an account is not found makes a miss cost what a hit costs.
        self._decoy_hash = self._hasher.hash("support-space decoy password")

    def _prepared(self, password: str) -> str:
        normalised = normalise_password(password)
        if len(normalised.encode()) > MAX_BYTES:
            raise PasswordTooLong
        return normalised

    def hash(self, password: str) -> str:
        return self._hasher.hash(self._prepared(password))

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when the password matches; always does the full work, even with no stored hash."""
        try:
            prepared = self._prepared(password)
        except PasswordTooLong:
            return False
        try:
            self._hasher.verify(stored_hash or self._decoy_hash, prepared)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


@cache
def common_passwords() -> frozenset[str]:
    """The offline list of common and breached passwords, lower case."""
    text = resources.files("portal.security").joinpath("common_passwords.txt").read_text()
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


@dataclass(frozen=True)
class PasswordProblem:
    """Why a password was refused, in words to show the person."""

    message: str


def _shortest_repeating_unit(text: str) -> str:
    """'abcabcabc' -> 'abc'; text that is not a repeat comes back whole."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _is_keyboard_run(text: str) -> bool:
    if len(text) < 6:
        return False
    return any(text in (run * 3) or text in (run[::-1] * 3) for run in KEYBOARD_RUNS)


def password_problem(password: str, username: str | None = None) -> PasswordProblem | None:
    """The first reason to refuse this new password, or None if it is fine."""
    normalised = normalise_password(password)
    if len(normalised) < MIN_LENGTH:
        return PasswordProblem(
            f"Your password must be at least {MIN_LENGTH} characters long. "
            "Three random words together are long and easy to remember."
        )
    if len(normalised) > MAX_LENGTH or len(normalised.encode()) > MAX_BYTES:
        return PasswordProblem(f"Your password must be {MAX_LENGTH} characters or fewer.")
    folded = normalised.casefold()
    squashed = "".join(ch for ch in folded if not ch.isspace())
    unit = _shortest_repeating_unit(squashed)
    listed = common_passwords()
    if squashed in listed or unit in listed or folded in listed:
        return PasswordProblem(
            "That password is one of the most common, so it would be easy to guess. "
            "Try three random words instead."
        )
    if len(unit) <= 3 or _is_keyboard_run(squashed) or _is_keyboard_run(unit):
        return PasswordProblem(
            "That password is a simple pattern, so it would be easy to guess. "
            "Try three random words instead."
        )
    if username:
        name = username.casefold()
        if len(name) >= 3 and name in folded:
            return PasswordProblem("Your password must not contain your username.")
    return None


def same_secret(a: str, b: str) -> bool:
    """Compare two short secrets in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())
