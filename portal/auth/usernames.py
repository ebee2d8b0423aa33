"""Usernames: chosen by the person, with four random digits added by us.

Adding the digits means registering never has to say "that name is taken", so nobody can learn
from the register page whether a particular name has an account here.

What people type is made plain rather than refused: capitals become small letters, accents are
dropped, spaces become hyphens and other marks go, so "Blue Bird" is blue-bird and "José" is
jose. The same is done to a username typed at sign-in, so it matches however it is typed. A
name is refused only when too little is left, which keeps a refusal (and so retyping a long
password on a phone) rare.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

MIN_CHOSEN = 3
MAX_CHOSEN = 30
SUFFIX_DIGITS = 4
SPACES = re.compile(r"\s+")
NOT_ALLOWED = re.compile(r"[^a-z0-9._-]")


def canonical_username(typed: str) -> str:
    """The plain form of a username: what is stored, and what a typed one is compared as."""
    decomposed = unicodedata.normalize("NFKD", typed).casefold()
    unaccented = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    hyphenated = SPACES.sub("-", unaccented.strip())
    # Separators inside are kept as typed ("anne--marie" stays so), since names made before
    # this rule may hold them; none may start or end a name.
    return NOT_ALLOWED.sub("", hyphenated).strip("._-")


def chosen_name_problem(chosen: str) -> str | None:
    """Why a chosen name cannot be used, in plain words, or None."""
    name = canonical_username(chosen)
    if len(name) < MIN_CHOSEN:
        return (
            f"Your username needs at least {MIN_CHOSEN} letters or numbers. "
            "Use the letters a to z and numbers, like bluebird."
        )
    if len(name) > MAX_CHOSEN:
        return f"Your username must be {MAX_CHOSEN} characters or fewer."
    return None


def with_random_suffix(chosen: str) -> str:
    """The full username: the chosen name made plain, a hyphen and four random digits."""
    number = secrets.randbelow(10**SUFFIX_DIGITS)
    return f"{canonical_username(chosen)}-{number:0{SUFFIX_DIGITS}d}"
