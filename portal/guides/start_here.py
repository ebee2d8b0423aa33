"""Where to start in the guide library: one question, "What is troubling you most?", and the
guides that fit each answer, easiest first. A guide that is not published is left out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Trouble:
    key: str
    label: str
    slugs: tuple[str, ...]  # the guides to start with, in this order


TROUBLES: tuple[Trouble, ...] = (
    Trouble(
        "neighbours",
        "Noise, nuisance or harassment from neighbours or people nearby",
        ("asb-your-options", "asb-keeping-a-record"),
    ),
    Trouble(
        "agencies",
        "Getting the police, council or landlord to act",
        ("asb-case-review", "asb-powers-and-the-law"),
    ),
    Trouble(
        "unsafe",
        "Not feeling safe at home",
        ("staying-safe-at-home", "after-something-frightening"),
    ),
    Trouble(
        "frightening-event",
        "Something frightening that happened",
        ("after-something-frightening", "calming-anxious-feelings"),
    ),
    Trouble(
        "anxious",
        "Feeling anxious, on edge or panicky",
        ("calming-anxious-feelings", "panic-attacks"),
    ),
    Trouble("worry", "Worrying a lot", ("worry-and-fear", "calming-anxious-feelings")),
    Trouble("low", "Feeling low or not enjoying things", ("low-mood-small-steps",)),
    Trouble("sleep", "Sleeping badly", ("better-sleep", "sleep-window")),
    Trouble(
        "stress",
        "Stress, anger, or worry about my family",
        ("looking-after-yourself", "worry-and-fear"),
    ),
)
BY_KEY = {trouble.key: trouble for trouble in TROUBLES}


def suggested(trouble: Trouble, published: Iterable[str]) -> list[str]:
    """The slugs to suggest for this answer, among the guides published now."""
    available = set(published)
    return [slug for slug in trouble.slugs if slug in available]
