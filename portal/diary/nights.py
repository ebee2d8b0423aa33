"""Sleep diary nights: the clock times a person gives for one night, how well they slept, notes.

Stored through a RecordStore, one per night (named by the evening it began), sealed like every
private record. The totals (time in bed, time asleep, sleep efficiency) are worked out from the
times each time a night is shown, by portal.diary.sleep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from typing import Any, Self

from portal.dates import clock, duration_in_words, moment_in_words, percent
from portal.diary.sleep import NightTotals, SleepTimes, SleepTimesProblem, resolve_night
from portal.models.diary import SleepNight
from portal.records import OpenedRecord, RecordStore

NIGHT_KIND = "sleep_night"
Fact = tuple[str, str]
QUALITY_WORDS = {1: "Very poorly", 2: "Poorly", 3: "Fairly well", 4: "Well", 5: "Very well"}
NOTES_MAX_LENGTH = 2_000
TIME_FIELDS = ("bed_time", "lights_out", "final_wake", "out_of_bed")


@dataclass(frozen=True)
class NightContent:
    """One night as the person gave it: London clock times with no dates, and how it went."""

    bed_time: time
    lights_out: time
    minutes_to_fall_asleep: int
    awakenings: int
    awake_minutes: int
    final_wake: time
    out_of_bed: time
    quality: int
    notes: str = ""

    @property
    def quality_in_words(self) -> str:
        return QUALITY_WORDS[self.quality]

    def times(self, night_of: date) -> SleepTimes:
        return SleepTimes(
            night_of=night_of,
            bed_time=self.bed_time,
            lights_out=self.lights_out,
            minutes_to_fall_asleep=self.minutes_to_fall_asleep,
            awakenings=self.awakenings,
            awake_minutes=self.awake_minutes,
            final_wake=self.final_wake,
            out_of_bed=self.out_of_bed,
        )

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            name: getattr(self, name).strftime("%H:%M") for name in TIME_FIELDS
        }
        payload |= {
            "minutes_to_fall_asleep": self.minutes_to_fall_asleep,
            "awakenings": self.awakenings,
            "awake_minutes": self.awake_minutes,
            "quality": self.quality,
            "notes": self.notes,
        }
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        times = {name: time.fromisoformat(payload[name]) for name in TIME_FIELDS}
        return cls(
            minutes_to_fall_asleep=int(payload["minutes_to_fall_asleep"]),
            awakenings=int(payload["awakenings"]),
            awake_minutes=int(payload["awake_minutes"]),
            quality=int(payload["quality"]),
            notes=payload.get("notes", ""),
            **times,
        )

    def searchable_text(self) -> Iterable[str]:
        return (self.notes,)


nights: RecordStore[NightContent] = RecordStore(
    SleepNight,
    kind=NIGHT_KIND,
    day_attribute="night_of",
    content_type=NightContent,
    one_per_day=True,
)


def totals_of(night: OpenedRecord[NightContent]) -> NightTotals | None:
    """A saved night's real times and totals, or None if its times no longer describe a night
    that can have happened (the rules changed after it was saved): pages then show the times as
    given, rather than failing."""
    try:
        return resolve_night(night.content.times(night.day))
    except SleepTimesProblem:
        return None


UNWORKABLE = "The times saved for this night do not add up. Change them to see its totals."


def night_in_words(night: OpenedRecord[NightContent], totals: NightTotals | None) -> list[Fact]:
    """A night as the night page and the person's download show it: (label, words) pairs, the
    totals first. A night whose totals cannot be worked out shows its times as they were given."""
    content = night.content
    woke = f"{content.awakenings} time{'' if content.awakenings == 1 else 's'}"
    if content.awakenings:
        woke += f", awake {content.awake_minutes} minutes in all"
    if totals is None:
        summary: list[Fact] = [("Totals", UNWORKABLE)]
        into_bed, lights_out = clock(content.bed_time), clock(content.lights_out)
        last_woke, out_of_bed = clock(content.final_wake), clock(content.out_of_bed)
    else:
        summary = [
            ("Time asleep", duration_in_words(totals.total_sleep)),
            ("Time in bed", duration_in_words(totals.time_in_bed)),
            ("Sleep efficiency", percent(totals.sleep_efficiency)),
        ]
        into_bed, lights_out = moment_in_words(totals.bed_at), clock(totals.lights_out_at)
        last_woke, out_of_bed = moment_in_words(totals.final_wake_at), clock(totals.out_of_bed_at)
    return [
        *summary,
        ("How well you slept", content.quality_in_words),
        ("Got into bed", into_bed),
        ("Tried to go to sleep", lights_out),
        ("Took to fall asleep", f"{content.minutes_to_fall_asleep} minutes"),
        ("Woke up in the night", woke),
        ("Woke up for the last time", last_woke),
        ("Got out of bed", out_of_bed),
        ("Notes", content.notes or "None"),
    ]
