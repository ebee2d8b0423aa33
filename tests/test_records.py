"""The record store: every read by owner, edits that cannot overwrite unseen, pages newest first,
one record per day where that is the rule, and search that finds exactly what it should."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, time, timedelta

import pytest
from flask import Flask

from portal.auth.services import register
from portal.diary.entries import EntryContent, entries
from portal.diary.nights import NightContent, nights
from portal.extensions import db
from portal.records import DayTaken, RecordNotFound, StaleEdit
from tests.support.client import PASSWORD

DAY = date(2025, 6, 1)


@pytest.fixture
def people(app: Flask) -> Iterator[tuple[uuid.UUID, uuid.UUID]]:
    """Two accounts (each with its own data key), inside an app context."""
    with app.app_context():
        owner = register(db.session, "owner", PASSWORD).user.id
        stranger = register(db.session, "stranger", PASSWORD).user.id
        yield owner, stranger


def note(text: str, mood: int = 3, tags: tuple[str, ...] = ()) -> EntryContent:
    return EntryContent(mood=mood, tags=tags, notes=text)


def test_a_record_opens_for_its_owner_and_is_not_found_for_anyone_else(
    people: tuple[uuid.UUID, uuid.UUID],
) -> None:
    owner, stranger = people
    saved = entries.add(db.session, owner, DAY, note("The car was scratched again"))
    assert entries.get(db.session, owner, saved.id).content.notes == "The car was scratched again"
    with pytest.raises(RecordNotFound):
        entries.get(db.session, stranger, saved.id)
    with pytest.raises(RecordNotFound):
        entries.update(
            db.session, stranger, saved.id, based_on_version=1, day=DAY, content=note("mine now")
        )
    with pytest.raises(RecordNotFound):
        entries.delete(db.session, stranger, saved.id)
    assert entries.get(db.session, owner, saved.id).content.notes == "The car was scratched again"


def test_an_edit_from_an_out_of_date_copy_is_refused_with_the_newer_text(
    people: tuple[uuid.UUID, uuid.UUID],
) -> None:
    owner, _ = people
    saved = entries.add(db.session, owner, DAY, note("first"))
    # Two tabs opened at version 1; the first saves.
    entries.update(
        db.session, owner, saved.id, based_on_version=1, day=DAY, content=note("from tab one")
    )
    assert entries.get(db.session, owner, saved.id).version == 2
    with pytest.raises(StaleEdit) as stale:
        entries.update(
            db.session, owner, saved.id, based_on_version=1, day=DAY, content=note("from tab two")
        )
    assert stale.value.current.content.notes == "from tab one"
    assert stale.value.current.version == 2
    # Having seen both, the person saves on purpose from the version they were shown.
    entries.update(
        db.session, owner, saved.id, based_on_version=2, day=DAY, content=note("from tab two")
    )
    assert entries.get(db.session, owner, saved.id).content.notes == "from tab two"


def test_pages_are_newest_first_and_know_the_total(people: tuple[uuid.UUID, uuid.UUID]) -> None:
    owner, stranger = people
    for offset in range(25):
        entries.add(db.session, owner, DAY + timedelta(days=offset), note(f"day {offset}"))
    entries.add(db.session, stranger, DAY, note("not theirs"))
    first = entries.page(db.session, owner, 1)
    second = entries.page(db.session, owner, 2)
    assert [e.content.notes for e in first.items][:3] == ["day 24", "day 23", "day 22"]
    assert len(first.items) == 20
    assert [e.content.notes for e in second.items] == [f"day {n}" for n in range(4, -1, -1)]
    assert (first.total, first.pages, first.has_next, second.has_previous) == (25, 2, True, True)
    beyond = entries.page(db.session, owner, 3)
    assert (beyond.items, beyond.total) == ([], 25)


def test_entries_on_the_same_day_list_the_latest_written_first(
    people: tuple[uuid.UUID, uuid.UUID],
) -> None:
    owner, _ = people
    for text in ("morning", "afternoon", "night"):
        entries.add(db.session, owner, DAY, note(text))
    assert [e.content.notes for e in entries.page(db.session, owner, 1).items] == [
        "night",
        "afternoon",
        "morning",
    ]


def night(notes: str = "") -> NightContent:
    return NightContent(
        bed_time=time(22, 30),
        lights_out=time(23, 0),
        minutes_to_fall_asleep=15,
        awakenings=1,
        awake_minutes=10,
        final_wake=time(6, 30),
        out_of_bed=time(7, 0),
        quality=3,
        notes=notes,
    )


def test_a_store_of_one_record_per_day_refuses_a_second_and_names_the_first(
    people: tuple[uuid.UUID, uuid.UUID],
) -> None:
    owner, stranger = people
    first = nights.add(db.session, owner, DAY, night())
    with pytest.raises(DayTaken) as taken:
        nights.add(db.session, owner, DAY, night("again"))
    assert taken.value.record_id == first.id
    other = nights.add(db.session, owner, DAY + timedelta(days=1), night())
    with pytest.raises(DayTaken):
        nights.update(db.session, owner, other.id, based_on_version=1, day=DAY, content=night())
    nights.add(db.session, stranger, DAY, night())  # someone else's same night is theirs


SEARCHED = [
    note("Loud music until 3am", tags=("noise",)),
    note('He said "you will regret it" through the door', tags=("threats",)),
    note("Path: C:\\Users\\me\\photos", tags=()),
    note("First line\nSecond line", tags=()),
    note("Café owner saw it. Straße blocked.", tags=("Witness",)),
    note("The word mood appears here", tags=()),
    note("Nothing to see", tags=("noise", "neighbours")),
]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("LOUD MUSIC", ["Loud music until 3am"]),
        ("noise", ["Nothing to see", "Loud music until 3am"]),
        ('"you will regret it"', ['He said "you will regret it" through the door']),
        ("\\users\\", ["Path: C:\\Users\\me\\photos"]),
        ("line\nsecond", ["First line\nSecond line"]),
        ("café", ["Café owner saw it. Straße blocked."]),
        ("STRASSE", ["Café owner saw it. Straße blocked."]),
        ("witness", ["Café owner saw it. Straße blocked."]),
        ("mood", ["The word mood appears here"]),  # not every payload's "mood" key
        ("notes", []),
        ("noise neighbours", []),  # two tags are two pieces: a match never spans them
        ("3", ["Loud music until 3am"]),  # not the moods, which are numbers too
    ],
)
def test_search_finds_the_words_in_notes_or_a_tag_whatever_their_case(
    people: tuple[uuid.UUID, uuid.UUID], words: str, expected: list[str]
) -> None:
    owner, stranger = people
    for offset, content in enumerate(SEARCHED):
        entries.add(db.session, owner, DAY + timedelta(days=offset), content)
    entries.add(db.session, stranger, DAY, note("Loud music, noise, mood, café"))
    found = entries.search(db.session, owner, words, 1)
    assert sorted(e.content.notes for e in found.items) == sorted(expected)
    assert found.total == len(expected)


def test_search_pages_its_results_newest_first(people: tuple[uuid.UUID, uuid.UUID]) -> None:
    owner, _ = people
    for offset in range(30):
        text = f"bins knocked over ({offset})" if offset % 2 else f"quiet ({offset})"
        entries.add(db.session, owner, DAY + timedelta(days=offset), note(text))
    first = entries.search(db.session, owner, "bins", 1)
    assert first.total == 15
    assert len(first.items) == 15
    assert not first.has_next
    assert first.items[0].content.notes == "bins knocked over (29)"
    small_pages = entries.search(db.session, owner, "bins", 2, per_page=10)
    assert next(e.content.notes for e in small_pages.items) == "bins knocked over (9)"
