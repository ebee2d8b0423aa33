"""The diary's forms filled in as a person would: the fields each form sends, and a typical night.

Hand-worked, ORDINARY_NIGHT is 8 h 40 min in bed (22:30 to 07:10) and 415 minutes asleep (23:00
to 06:45 is 465 minutes, less 20 to fall asleep and 30 awake): 6 h 55 min, an efficiency of 79.8%.
"""

from __future__ import annotations

from datetime import date

ORDINARY_NIGHT = {
    "bed_time": "22:30",
    "lights_out": "23:00",
    "minutes_to_fall_asleep": "20",
    "awakenings": "2",
    "awake_minutes": "30",
    "final_wake": "06:45",
    "out_of_bed": "07:10",
    "quality": "3",
    "notes": "Music through the wall until midnight",
}


def date_fields(name: str, day: date) -> dict[str, str]:
    """A GOV.UK date input's three boxes, filled in."""
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def entry_form(day: date, *, mood: int = 2, notes: str = "", tags: str = "") -> dict[str, str]:
    """The new-entry (or edit) form of the diary."""
    return date_fields("entry_date", day) | {"mood": str(mood), "tags": tags, "notes": notes}


def night_form(night_of: date, **changes: str) -> dict[str, str]:
    """The sleep diary's form: ORDINARY_NIGHT on `night_of`, with any answers changed."""
    return date_fields("night_of", night_of) | ORDINARY_NIGHT | changes
