"""Diary entries: a day, a mood from 1 to 5 in words, optional tags and notes.

Stored through a RecordStore (portal.records), so everything but the date is sealed with the
person's own key, and every read is by owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self

from portal.models.diary import DiaryEntry
from portal.records import RecordStore

ENTRY_KIND = "diary_entry"
MOOD_WORDS = {1: "Very low", 2: "Low", 3: "Okay", 4: "Good", 5: "Very good"}
NOTES_MAX_LENGTH = 10_000
TAG_MAX_LENGTH = 30
MAX_TAGS = 10


@dataclass(frozen=True)
class EntryContent:
    """What the person wrote in one entry."""

    mood: int
    tags: tuple[str, ...] = ()
    notes: str = ""

    @property
    def mood_in_words(self) -> str:
        return MOOD_WORDS[self.mood]

    def to_payload(self) -> dict[str, Any]:
        return {"mood": self.mood, "tags": list(self.tags), "notes": self.notes}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        return cls(int(payload["mood"]), tuple(payload.get("tags", ())), payload.get("notes", ""))

    def searchable_text(self) -> Iterable[str]:
        return (self.notes, *self.tags)


entries: RecordStore[EntryContent] = RecordStore(
    DiaryEntry, kind=ENTRY_KIND, day_attribute="entry_date", content_type=EntryContent
)


def tags_from(typed: str) -> tuple[str, ...]:
    """Tags from what was typed: split at commas, trimmed, blanks and repeats dropped, in the
    order given. Case is kept as typed; repeats are spotted whatever their case."""
    tags: list[str] = []
    seen: set[str] = set()
    for piece in typed.split(","):
        tag = " ".join(piece.split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tuple(tags)


def tags_problem(tags: tuple[str, ...]) -> str | None:
    """A plain message if the tags break a rule, else None."""
    if len(tags) > MAX_TAGS:
        return f"Use {MAX_TAGS} tags or fewer"
    too_long = next((tag for tag in tags if len(tag) > TAG_MAX_LENGTH), None)
    if too_long is not None:
        return f"Each tag must be {TAG_MAX_LENGTH} characters or fewer"
    return None
