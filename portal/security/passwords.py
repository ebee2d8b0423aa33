"""Password hashing (argon2id) and the password rules (NIST SP 800-63B-4, single-factor).

The rules: at least 15 characters, up to 256, any characters at all, Unicode normalised (NFKC)
before counting, checking or hashing; no composition rules. Refused only when the password is too
short or long, contains the username, or is guessable: one of 30,000 common passwords or a repeat
of one; or, once case, spaces, punctuation, look-alike swaps (p@ssw0rd) and repeated letters are
set aside and digits, symbols, repeats and keyboard or alphabet runs are stripped from both ends,
what is left is short, a repeat of a short piece, a keyboard run, a common password, two common
passwords together, or mostly the site's name.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from argon2 import Parameters, PasswordHasher, Type, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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
# Every run, both ways and wrapping round, one per line: a substring of this is part of a run.
RUN_TEXT = "\n".join(text for run in KEYBOARD_RUNS for text in (run * 3, run[::-1] * 3))

SITE_NAME = "Support Space"
# Digits and symbols swapped in for letters that look alike. "1" stands for "i" or "l", so "l"
# becomes "i" too; the common passwords go through the same table, so "l" still matches "l".
LOOK_ALIKES = str.maketrans(
    {"0": "o", "1": "i", "l": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
# Less than this left once the padding is stripped is too little to be hard to guess.
MIN_CORE_LENGTH = 6
# Shorter alphabet runs start and end ordinary words ("first", "party", "default").
MIN_RUN_AT_EDGE = 4
# Each of two common passwords put together is at least this long, so that the list's short
# entries ("me", "ant") do not split ordinary words.
MIN_PAIR_PART_LENGTH = 4
# Set aside before comparing: spaces and separators, controls, punctuation, and maths, currency
# and modifier symbols. Emoji and other symbols ("So") stay.
SET_ASIDE_CATEGORIES = frozenset(
    {"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"}
    | {"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk"}
)
# Digits, the symbols that stand for letters, or one character three times or more, at either end.
EDGE_PADDING = re.compile(r"^[\d@$]+|[\d@$]+\Z|^(.)\1{2,}|(.)\2{2,}\Z", re.DOTALL)
REPEATED_CHARACTERS = re.compile(r"(.)\1+", re.DOTALL)


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


TRY_INSTEAD = "so it would be easy to guess. Try three random words instead."
COMMON = PasswordProblem(f"That password is one of the most common, {TRY_INSTEAD}")
COMMON_CHANGED = PasswordProblem(
    f"That password is a common password with small changes, {TRY_INSTEAD}"
)
COMMON_PAIR = PasswordProblem(f"That password is two common passwords put together, {TRY_INSTEAD}")
PATTERN = PasswordProblem(f"That password is a simple pattern, {TRY_INSTEAD}")
SITE_NAMED = PasswordProblem(f"That password is mostly this website's name, {TRY_INSTEAD}")


def _shortest_repeating_unit(text: str) -> str:
    """'abcabcabc' -> 'abc'; text that is not a repeat comes back whole."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _is_keyboard_run(text: str) -> bool:
    return len(text) >= 6 and text in RUN_TEXT


def _compact(folded: str) -> str:
    """Without spaces, separators, punctuation or keyboard symbols, bar @ and $ (look-alikes)."""
    if folded.isascii() and folded.isalnum():
        return folded  # most of the list and most words: nothing to set aside
    return "".join(
        ch for ch in folded if ch in "@$" or unicodedata.category(ch) not in SET_ASIDE_CATEGORIES
    )


def _run_at_start(text: str) -> int:
    """How many characters at the start of `text` are a keyboard or alphabet run (or 0)."""
    if len(text) < MIN_RUN_AT_EDGE or text[:MIN_RUN_AT_EDGE] not in RUN_TEXT:
        return 0
    length = MIN_RUN_AT_EDGE
    while length < len(text) and text[: length + 1] in RUN_TEXT:
        length += 1
    return length


def _without_padding(compact: str) -> str:
    """What is left once digits, symbols, repeats and runs are stripped from both ends."""
    while True:
        core = EDGE_PADDING.sub("", compact)
        core = core[_run_at_start(core) :]
        core = core[: len(core) - _run_at_start(core[::-1])]
        if core == compact:
            return core
        compact = core


def _skeleton(text: str) -> str:
    """The form compared: look-alikes swapped back and repeated characters made single."""
    return REPEATED_CHARACTERS.sub(r"\1", text.translate(LOOK_ALIKES))


@cache
def _common_skeletons() -> frozenset[str]:
    """Each common password's skeleton, whole and without its padding."""
    skeletons = set()
    for entry in common_passwords():
        compact = _compact(entry)
        skeletons.add(_skeleton(compact))
        skeletons.add(_skeleton(_without_padding(compact)))
    skeletons.discard("")
    return frozenset(skeletons)


def _look_alike_pattern(name: str) -> re.Pattern[str]:
    """Matches the compact form of `name` with look-alikes and repeated letters."""
    sources: dict[str, str] = {}
    for look_alike, letter in LOOK_ALIKES.items():
        sources[letter] = sources.get(letter, letter) + chr(look_alike)
    letters = _compact(name.casefold())
    return re.compile("".join(f"[{re.escape(sources.get(ch, ch))}]+" for ch in letters))


SITE_NAME_PATTERN = _look_alike_pattern(SITE_NAME)


def _guessable(folded: str) -> PasswordProblem | None:
    """Why this case-folded password is a disguised common password or pattern, if it is one."""
    compact = _compact(folded)
    core = _skeleton(_without_padding(compact))
    core_unit = _shortest_repeating_unit(core)
    if len(core) < MIN_CORE_LENGTH or len(core_unit) <= 3 or _is_keyboard_run(core):
        return PATTERN
    common = _common_skeletons()
    repeated = _skeleton(_without_padding(_shortest_repeating_unit(compact)))
    if {core, core_unit, repeated, _skeleton(compact)} & common:
        return COMMON_CHANGED
    if compact != (without_name := SITE_NAME_PATTERN.sub("", compact)):
        rest = _skeleton(_without_padding(without_name))
        if len(rest) < MIN_CORE_LENGTH or rest in common:
            return SITE_NAMED
    if any(
        core[:split] in common and core[split:] in common
        for split in range(MIN_PAIR_PART_LENGTH, len(core) - MIN_PAIR_PART_LENGTH + 1)
    ):
        return COMMON_PAIR
    return None


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
        return COMMON
    if len(unit) <= 3 or _is_keyboard_run(squashed) or _is_keyboard_run(unit):
        return PATTERN
    if problem := _guessable(folded):
        return problem
    if username:
        name = username.casefold()
        if len(name) >= 3 and name in folded:
            return PasswordProblem("Your password must not contain your username.")
    return None


def same_secret(a: str, b: str) -> bool:
    """Compare two short secrets in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())
