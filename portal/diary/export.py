"""The diary's and the sleep diary's parts of a person's download: every entry and every night,
opened for them, with each night's worked-out totals."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from portal.dates import long_date, moment_in_words
from portal.diary.entries import EntryContent, entries
from portal.diary.nights import NightContent, night_in_words, nights, totals_of
from portal.diary.sleep import NightTotals
from portal.journeys import ExportItem, ExportSection
from portal.records import OpenedRecord

NOTHING = "None"


def _minutes(length: timedelta) -> int:
    return round(length.total_seconds() / 60)


def _saved(record: OpenedRecord[Any]) -> dict[str, str]:
    return {
        "written_at": record.created_at.isoformat(),
        "last_changed_at": record.updated_at.isoformat(),
    }


def _saved_rows(record: OpenedRecord[Any]) -> tuple[tuple[str, str], ...]:
    rows: tuple[tuple[str, str], ...] = (("Written", moment_in_words(record.created_at)),)
    if record.was_changed:
        rows += (("Last changed", moment_in_words(record.updated_at)),)
    return rows


def diary_section(db_session: Session, owner_id: uuid.UUID) -> ExportSection:
    """Every diary entry, oldest first."""
    everything = entries.everything(db_session, owner_id)
    return ExportSection(
        key="diary",
        title="Your diary",
        data=[_entry_data(entry) for entry in everything],
        items=tuple(_entry_item(entry) for entry in everything),
    )


def _entry_data(entry: OpenedRecord[EntryContent]) -> dict[str, Any]:
    content = entry.content
    return {
        "date": entry.day.isoformat(),
        **content.to_payload(),
        "mood_in_words": content.mood_in_words,
        **_saved(entry),
    }


def _entry_item(entry: OpenedRecord[EntryContent]) -> ExportItem:
    content = entry.content
    return ExportItem(
        heading=long_date(entry.day),
        rows=(
            ("Mood", content.mood_in_words),
            ("Tags", ", ".join(content.tags) or NOTHING),
            ("Notes", content.notes or NOTHING),
            *_saved_rows(entry),
        ),
    )


def sleep_section(db_session: Session, owner_id: uuid.UUID) -> ExportSection:
    """Every night of the sleep diary, oldest first, with its totals worked out."""
    worked_out = [(night, totals_of(night)) for night in nights.everything(db_session, owner_id)]
    return ExportSection(
        key="sleep_diary",
        title="Your sleep diary",
        data=[_night_data(night, totals) for night, totals in worked_out],
        items=tuple(_night_item(night, totals) for night, totals in worked_out),
    )


def _night_data(night: OpenedRecord[NightContent], totals: NightTotals | None) -> dict[str, Any]:
    content = night.content
    return {
        "night_of": night.day.isoformat(),
        **content.to_payload(),
        "quality_in_words": content.quality_in_words,
        # Worked out from the times above each time a night is shown; never stored. None when
        # the times saved no longer describe a night that can have happened.
        "worked_out": None
        if totals is None
        else {
            "got_into_bed_at": totals.bed_at.isoformat(),
            "lights_out_at": totals.lights_out_at.isoformat(),
            "woke_for_the_last_time_at": totals.final_wake_at.isoformat(),
            "got_out_of_bed_at": totals.out_of_bed_at.isoformat(),
            "time_in_bed_minutes": _minutes(totals.time_in_bed),
            "time_asleep_minutes": _minutes(totals.total_sleep),
            "sleep_efficiency_percent": totals.sleep_efficiency,
        },
        **_saved(night),
    }


def _night_item(night: OpenedRecord[NightContent], totals: NightTotals | None) -> ExportItem:
    return ExportItem(
        heading=f"The night of {long_date(night.day)}",
        rows=(*night_in_words(night, totals), *_saved_rows(night)),
    )
