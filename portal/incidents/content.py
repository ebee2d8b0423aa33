"""What one incident records, as the person wrote it: the fields council and housing ASB diary
sheets ask for. Sealed whole in each revision's payload (portal.records); nothing here is kept in
the clear but the date it started, which orders the log.

Quick add needs only what happened and when it started; the rest can be filled in later, and
`missing` says what is still to do.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Self

from portal.dates import LONDON

TEXT_MAX_LENGTH = 10_000
SHORT_TEXT_MAX_LENGTH = 200
MAX_REPORTS = 10
SEVERITY_RANGE = range(1, 11)


class Category(enum.StrEnum):
    """Kinds of anti-social behaviour, as council and housing diary sheets list them."""

    NOISE = "noise"
    VERBAL_ABUSE = "verbal-abuse"
    THREATS = "threats"
    VIOLENCE = "violence"
    DAMAGE = "damage"
    RUBBISH = "rubbish"
    DRUGS = "drugs"
    VEHICLES = "vehicles"
    ANIMALS = "animals"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.NOISE: "Noise",
    Category.VERBAL_ABUSE: "Verbal abuse or harassment",
    Category.THREATS: "Threats or intimidation",
    Category.VIOLENCE: "Violence",
    Category.DAMAGE: "Damage to property or vandalism",
    Category.RUBBISH: "Rubbish or fly-tipping",
    Category.DRUGS: "Drug-related",
    Category.VEHICLES: "Vehicles",
    Category.ANIMALS: "Animals",
    Category.OTHER: "Other",
}


class Agency(enum.StrEnum):
    """Who an incident was reported to."""

    POLICE = "police"
    COUNCIL = "council"
    HOUSING = "housing"
    OTHER = "other"

    @property
    def label(self) -> str:
        return AGENCY_LABELS[self]


AGENCY_LABELS = {
    Agency.POLICE: "Police",
    Agency.COUNCIL: "Council",
    Agency.HOUSING: "Housing provider or landlord",
    Agency.OTHER: "Someone else",
}


@dataclass(frozen=True)
class Report:
    """One report of the incident to an agency: when, and the reference number they gave."""

    agency: Agency
    reported_on: date
    reference: str = ""
    agency_name: str = ""  # who, when the agency is "other" (or a named team)

    @property
    def who(self) -> str:
        return self.agency_name or self.agency.label

    def to_payload(self) -> dict[str, Any]:
        return {
            "agency": self.agency.value,
            "reported_on": self.reported_on.isoformat(),
            "reference": self.reference,
            "agency_name": self.agency_name,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        return cls(
            Agency(payload["agency"]),
            date.fromisoformat(payload["reported_on"]),
            payload.get("reference", ""),
            payload.get("agency_name", ""),
        )


@dataclass(frozen=True)
class IncidentContent:
    """One version of an incident, as the person wrote it."""

    what_happened: str
    started_on: date
    started_at: time | None = None
    ended_on: date | None = None
    ended_at: time | None = None
    category: Category | None = None
    hate_motivated: bool = False
    severity: int | None = None  # 1 to 10, as noise diary sheets ask
    location: str = ""
    room: str = ""  # for noise: the room where it was heard
    people_involved: str = ""
    witnesses: str = ""
    effect: str = ""  # how it affected the person and their household
    reports: tuple[Report, ...] = ()
    what_next: str = ""

    # Derived -------------------------------------------------------------------------------

    @property
    def started(self) -> datetime | None:
        """When it started, in London time, if a time was given."""
        if self.started_at is None:
            return None
        return datetime.combine(self.started_on, self.started_at, tzinfo=LONDON)

    @property
    def ended(self) -> datetime | None:
        """When it ended, in London time, if a time was given. With no end date, an end time
        earlier than the start is taken to be after midnight."""
        if self.ended_at is None:
            return None
        ended_on = self.ended_on or self.started_on
        if (
            self.ended_on is None
            and self.started_at is not None
            and self.ended_at < self.started_at
        ):
            ended_on = self.started_on + timedelta(days=1)
        return datetime.combine(ended_on, self.ended_at, tzinfo=LONDON)

    @property
    def duration(self) -> timedelta | None:
        """How long it lasted, when both times are known. Subtracted in UTC: Python subtracts
        two times in the same zone by their clocks, which is an hour out across a clock change."""
        started, ended = self.started, self.ended
        if started is None or ended is None:
            return None
        length = ended.astimezone(UTC) - started.astimezone(UTC)
        return length if length >= timedelta(0) else None

    @property
    def missing(self) -> tuple[str, ...]:
        """What a complete record still needs, in words, for the list's "incomplete" mark."""
        gaps = []
        if self.started_at is None:
            gaps.append("the time it started")
        if self.category is None:
            gaps.append("what kind of incident it was")
        if not self.location:
            gaps.append("where it happened")
        if not self.effect:
            gaps.append("how it affected you")
        return tuple(gaps)

    @property
    def is_complete(self) -> bool:
        return not self.missing

    def searchable_text(self) -> Iterable[str]:
        return (
            self.what_happened,
            self.location,
            self.room,
            self.people_involved,
            self.witnesses,
            self.effect,
            self.what_next,
            *(report.reference for report in self.reports),
            *(report.agency_name for report in self.reports),
        )

    def changed_fields(self, earlier: IncidentContent) -> tuple[str, ...]:
        """The names of the fields that differ from an earlier version, in form order."""
        return tuple(
            item.name
            for item in fields(self)
            if getattr(self, item.name) != getattr(earlier, item.name)
        )

    # The sealed payload --------------------------------------------------------------------

    def to_payload(self) -> dict[str, Any]:
        return {
            "what_happened": self.what_happened,
            "started_on": self.started_on.isoformat(),
            "started_at": _time_text(self.started_at),
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
            "ended_at": _time_text(self.ended_at),
            "category": self.category.value if self.category else None,
            "hate_motivated": self.hate_motivated,
            "severity": self.severity,
            "location": self.location,
            "room": self.room,
            "people_involved": self.people_involved,
            "witnesses": self.witnesses,
            "effect": self.effect,
            "reports": [report.to_payload() for report in self.reports],
            "what_next": self.what_next,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        category = payload.get("category")
        ended_on = payload.get("ended_on")
        return cls(
            what_happened=payload["what_happened"],
            started_on=date.fromisoformat(payload["started_on"]),
            started_at=_time_from(payload.get("started_at")),
            ended_on=date.fromisoformat(ended_on) if ended_on else None,
            ended_at=_time_from(payload.get("ended_at")),
            category=Category(category) if category else None,
            hate_motivated=bool(payload.get("hate_motivated", False)),
            severity=payload.get("severity"),
            location=payload.get("location", ""),
            room=payload.get("room", ""),
            people_involved=payload.get("people_involved", ""),
            witnesses=payload.get("witnesses", ""),
            effect=payload.get("effect", ""),
            reports=tuple(Report.from_payload(item) for item in payload.get("reports", ())),
            what_next=payload.get("what_next", ""),
        )


# Field names as the person reads them (history, "what changed", the evidence pack).
FIELD_LABELS = {
    "what_happened": "What happened",
    "started_on": "Date it started",
    "started_at": "Time it started",
    "ended_on": "Date it ended",
    "ended_at": "Time it ended",
    "category": "Kind of incident",
    "hate_motivated": "Motivated by hate",
    "severity": "How bad it was",
    "location": "Where it happened",
    "room": "Room where it was heard",
    "people_involved": "Who was involved",
    "witnesses": "Witnesses",
    "effect": "How it affected you",
    "reports": "Who it was reported to",
    "what_next": "What happened next",
}


def _time_text(moment: time | None) -> str | None:
    return f"{moment.hour:02d}:{moment.minute:02d}" if moment else None


def _time_from(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None
