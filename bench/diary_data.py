"""A diary as a person would keep it, for the diary benchmarks: entries over five years with
moods, a few tags and notes of varied sentences, and a year of sleep nights.

Everything comes from a fixed-seed random generator, so every run measures the same diary. One
entry in SEARCH_SHARE holds SEARCH_WORDS, so a search for them finds that share of the diary.
Records are added through the diary's own stores (sealed with the person's data key), in this
process: two thousand entries through the pages would take minutes.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta

from flask import Flask
from sqlalchemy import select

from portal.auth.usernames import canonical_username
from portal.diary.entries import EntryContent, entries
from portal.diary.nights import NightContent, nights
from portal.extensions import db
from portal.models.accounts import User

SEED = 20_260_327
ENTRIES = 2000  # five years of a diary kept most days
NIGHTS = 365
SEARCH_WORDS = "fireworks"
SEARCH_SHARE = 20  # one entry in 20 (5%) mentions them
YEARS_OF_ENTRIES = 5
NOTES_SHORTEST = 200
NOTES_LONGEST = 800

WHEN = [
    "This morning",
    "Around lunchtime",
    "Late in the evening",
    "Just after midnight",
    "On the way back from the shops",
    "While I was making tea",
    "Before work",
    "After the school run",
    "Halfway through my programme",
    "At about half past ten",
]
HAPPENINGS = [
    "the music next door started up again and the walls were shaking",
    "someone kicked the bins over outside and left rubbish all over the path",
    "a group of lads sat on the wall by the garages shouting at people walking past",
    "a car sat revving its engine under my bedroom window for ages",
    "I found more rubbish thrown over the back fence",
    "the dog at number twelve barked for well over an hour",
    "somebody banged on my door and ran off laughing",
    "the couple upstairs were arguing so loudly I could hear every word",
    "I noticed new graffiti in the stairwell near my flat",
    "a motorbike raced up and down the close without a helmet in sight",
    "it was finally quiet on the landing for a change",
    "I spoke to the housing officer on the phone about the noise log",
    "the community support officer knocked to ask how things were",
    "my sister rang to check on me, which helped",
    "I went for a long walk in the park to clear my head",
    "the children from the corner house threw stones at the windows",
]
FEELINGS = [
    "shaky",
    "tired and tense",
    "a bit calmer",
    "on edge",
    "low",
    "quite hopeful",
    "angry and worn out",
    "relieved",
    "anxious about tomorrow",
    "more like myself",
]
FEELING_SENTENCES = [
    "I felt {} for the rest of the day.",
    "It left me feeling {}.",
    "By bedtime I was {} but coping.",
    "Honestly I have been {} all week.",
]
PLAIN_SENTENCES = [
    "I wrote the times down in my log like the guide suggests.",
    "I tried the breathing exercise and it helped a little.",
    "I kept the curtains closed all afternoon.",
    "I need to remember to ring the council on Monday.",
    "The kids were at their dad's, so the house felt very empty.",
    "I made a proper dinner for once and ate it at the table.",
    "Work was busy, which kept my mind off things.",
    "I didn't sleep well and everything felt harder because of it.",
    "A neighbour from across the road said hello, which was nice.",
    "I am going to try the worry time plan again tomorrow.",
    "The letter from the housing association still has not come.",
    "I watered the plants on the balcony and sat out there for a bit.",
]
SEARCHED_SENTENCES = [
    "Fireworks went off behind the flats until well after midnight.",
    "The dog hid under the bed again when the fireworks started.",
    "Somebody set off fireworks in the car park and one hit my window.",
    "More fireworks tonight, and nobody seems to do anything about them.",
]
TAGS = [
    "noise",
    "neighbours",
    "slept badly",
    "police",
    "council",
    "work",
    "family",
    "walk",
    "anxious",
    "good day",
]
MOOD_WEIGHTS = [1, 2, 4, 3, 1]  # moods 1 to 5: mostly "Okay" and "Good"


@dataclass(frozen=True)
class DiaryPlan:
    """What to add: entries newest first (the first 20 are a person's most recent 20), and
    nights newest first."""

    entries: list[tuple[date, EntryContent]]
    nights: list[tuple[date, NightContent]]


def _sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.5:
        return f"{rng.choice(WHEN)}, {rng.choice(HAPPENINGS)}."
    if kind < 0.75:
        return rng.choice(FEELING_SENTENCES).format(rng.choice(FEELINGS))
    return rng.choice(PLAIN_SENTENCES)


def entry_notes(rng: random.Random, *, mentions_search: bool) -> str:
    """Notes of NOTES_SHORTEST to NOTES_LONGEST characters, in sentences; one of them holds
    SEARCH_WORDS if asked."""
    target = rng.randint(NOTES_SHORTEST, NOTES_LONGEST)
    sentences = [rng.choice(SEARCHED_SENTENCES)] if mentions_search else []
    length = len(" ".join(sentences))
    while length < target:
        sentence = _sentence(rng)
        if sentence in sentences:
            continue  # people seldom write the same sentence twice in one entry
        if length + 1 + len(sentence) > NOTES_LONGEST:
            break  # length is already past NOTES_SHORTEST: no sentence is 600 characters long
        sentences.insert(rng.randint(0, len(sentences)), sentence)
        length = len(" ".join(sentences))
    return " ".join(sentences)


def _clock(minutes: int) -> time:
    """The clock time `minutes` after midnight, going round past the next midnight."""
    return time((minutes // 60) % 24, minutes % 60)


def night_content(rng: random.Random) -> NightContent:
    """An ordinary night: to bed between 10pm and 12:30am, up between 5:30am and 8:40am."""
    bed = 22 * 60 + rng.randint(0, 150)
    lights_out = bed + rng.randint(0, 30)
    wake = 5 * 60 + 30 + rng.randint(0, 150)
    awakenings = rng.choice([0, 0, 1, 1, 2, 3, 4])
    notes = " ".join(_sentence(rng) for _ in range(rng.randint(0, 2)))
    return NightContent(
        bed_time=_clock(bed),
        lights_out=_clock(lights_out),
        minutes_to_fall_asleep=rng.randint(5, 60),
        awakenings=awakenings,
        awake_minutes=rng.randint(5, 20 * awakenings) if awakenings else 0,
        final_wake=_clock(wake),
        out_of_bed=_clock(wake + rng.randint(0, 40)),
        quality=rng.randint(1, 5),
        notes=notes,
    )


def diary_plan(today: date, entry_count: int, night_count: int) -> DiaryPlan:
    """`entry_count` entries on days over the last YEARS_OF_ENTRIES years (random days, so some
    have two or three), and a night for each of the `night_count` evenings before today."""
    rng = random.Random(SEED)
    days_back = sorted(rng.randrange(YEARS_OF_ENTRIES * 365) for _ in range(entry_count))
    planned_entries = [
        (
            today - timedelta(days=back),
            EntryContent(
                mood=rng.choices(range(1, 6), weights=MOOD_WEIGHTS)[0],
                tags=tuple(rng.sample(TAGS, rng.randint(0, 3))),
                notes=entry_notes(rng, mentions_search=number % SEARCH_SHARE == SEARCH_SHARE // 2),
            ),
        )
        for number, back in enumerate(days_back)
    ]
    planned_nights = [
        (today - timedelta(days=back), night_content(rng)) for back in range(1, night_count + 1)
    ]
    return DiaryPlan(planned_entries, planned_nights)


def user_id_of(app: Flask, username: str) -> uuid.UUID:
    """The id of the account registered (through the pages) as `username`."""
    with app.app_context():
        found = db.session.scalar(
            select(User.id).where(User.username == canonical_username(username))
        )
    if found is None:
        raise RuntimeError(f"no account {username!r}")
    return found


def add_to_diary(
    app: Flask,
    owner_id: uuid.UUID,
    planned_entries: list[tuple[date, EntryContent]],
    planned_nights: list[tuple[date, NightContent]],
) -> None:
    """Add entries and nights through the diary's stores, as the pages would save them."""
    with app.app_context():
        for day, content in planned_entries:
            entries.add(db.session, owner_id, day, content)
        for night_of, night in planned_nights:
            nights.add(db.session, owner_id, night_of, night)
