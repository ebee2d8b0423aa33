"""Usernames: chosen by the person, with four random digits added by us.

Adding the digits means registering never has to say "that name is taken", so nobody can learn
from the register page whether a particular name has an account here.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

MIN_CHOSEN = 3
MAX_CHOSEN = 30
CHOSEN_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$")
SUFFIX_DIGITS = 4


def canonical_username(typed: str) -> str:
    """The stored form of a username: Unicode-normalised, trimmed and in lower case."""
    return unicodedata.normalize("NFKC", typed).strip().casefold()


def chosen_name_problem(chosen: str) -> str | None:
    """Why a chosen name cannot be used, in plain words, or None."""
    name = canonical_username(chosen)
    if len(name) < MIN_CHOSEN:
        return f"Your username must be at least {MIN_CHOSEN} characters long."
    if len(name) > MAX_CHOSEN:
        return f"Your username must be {MAX_CHOSEN} characters or fewer."
    if not CHOSEN_PATTERN.match(name):
        return (
            "Use only letters a to z, numbers, full stops, hyphens and underscores, "
            "starting and ending with a letter or number."
        )
    return None


def with_random_suffix(chosen: str) -> str:
    """The full username: the chosen name, a hyphen and four random digits."""
    number = secrets.randbelow(10**SUFFIX_DIGITS)
    return f"{canonical_username(chosen)}-{number:0{SUFFIX_DIGITS}d}"
