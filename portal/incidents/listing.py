"""The incident list: filters kept in the sealed session (never in an address), a page of
incidents with their evidence files, and the latest check of the log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from portal.incidents.chain import ChainReport
from portal.incidents.content import Category, IncidentContent
from portal.incidents.forms import FilterForm
from portal.incidents.log import FileFacts, files_of, incidents
from portal.records import PER_PAGE, OpenedRecord, Page
from portal.security.sessions import ServerSession

FILTERS_KEY = "incident_filters"
CHECK_KEY = "incident_log_check"


@dataclass(frozen=True)
class Filters:
    first_day: date | None = None
    last_day: date | None = None
    categories: frozenset[Category] = frozenset()
    reported: str = "any"  # "any", "yes" or "no"
    incomplete_only: bool = False
    words: str = ""

    @property
    def active(self) -> bool:
        return self != Filters()

    def keeps(self, record: OpenedRecord[IncidentContent]) -> bool:
        content = record.content
        if self.first_day and record.day < self.first_day:
            return False
        if self.last_day and record.day > self.last_day:
            return False
        if self.categories and content.category not in self.categories:
            return False
        if self.reported == "yes" and not content.reports:
            return False
        if self.reported == "no" and content.reports:
            return False
        if self.incomplete_only and content.is_complete:
            return False
        if self.words:
            needle = self.words.casefold()
            return any(needle in piece.casefold() for piece in content.searchable_text())
        return True

    def to_session(self) -> dict[str, Any]:
        return {
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "categories": sorted(category.value for category in self.categories),
            "reported": self.reported,
            "incomplete_only": self.incomplete_only,
            "words": self.words,
        }

    @classmethod
    def from_session(cls, kept: dict[str, Any] | None) -> Filters:
        if not kept:
            return cls()
        return cls(
            date.fromisoformat(kept["first_day"]) if kept.get("first_day") else None,
            date.fromisoformat(kept["last_day"]) if kept.get("last_day") else None,
            frozenset(Category(value) for value in kept.get("categories", ())),
            kept.get("reported", "any"),
            bool(kept.get("incomplete_only")),
            kept.get("words", ""),
        )


def filters_in(session: ServerSession) -> Filters:
    return Filters.from_session(session.get(FILTERS_KEY))


def keep_filters(session: ServerSession, filters: Filters) -> None:
    if filters.active:
        session[FILTERS_KEY] = filters.to_session()
    else:
        session.pop(FILTERS_KEY, None)


def filters_from(form: FilterForm) -> Filters:
    return Filters(
        form.first_day.data,
        form.last_day.data,
        frozenset(Category(value) for value in form.categories.data or []),
        form.reported.data or "any",
        "yes" in (form.incomplete_only.data or []),
        (form.words.data or "").strip(),
    )


def fill_filter_form(form: FilterForm, filters: Filters) -> None:
    form.first_day.process(None, filters.first_day)
    form.last_day.process(None, filters.last_day)
    form.categories.data = sorted(category.value for category in filters.categories)
    form.reported.data = filters.reported
    form.incomplete_only.data = ["yes"] if filters.incomplete_only else []
    form.words.data = filters.words


@dataclass(frozen=True)
class ListedIncident:
    record: OpenedRecord[IncidentContent]
    files: list[FileFacts] = field(default_factory=list)


def list_page(
    db_session: Session, owner_id: uuid.UUID, filters: Filters, number: int
) -> Page[ListedIncident]:
    """Page `number` of the person's incidents, newest first, as the filters choose. Unfiltered,
    the database hands over one page; filtered, each incident is opened here to look in it."""
    if filters.active:
        everything = incidents.everything(db_session, owner_id)  # oldest first
        kept = [record for record in reversed(everything) if filters.keeps(record)]
        number = max(1, number)
        records = Page(kept[(number - 1) * PER_PAGE : number * PER_PAGE], number, len(kept))
    else:
        records = incidents.page(db_session, owner_id, number)
    files = files_of(db_session, owner_id, [record.id for record in records.items])
    by_incident: dict[uuid.UUID, list[FileFacts]] = {}
    for facts in files:
        by_incident.setdefault(facts.incident_id, []).append(facts)
    items = [ListedIncident(record, by_incident.get(record.id, [])) for record in records.items]
    return Page(items, records.number, records.total)


# The latest check, kept in the session: checking opens every record, too much for every page.


@dataclass(frozen=True)
class KeptCheck:
    checked_at: datetime
    length: int
    verified: bool
    reason: str | None


def remember_check(session: ServerSession, report: ChainReport) -> None:
    session[CHECK_KEY] = {
        "checked_at": report.checked_at.isoformat(),
        "length": report.length,
        "verified": report.verified,
        "reason": report.problem.reason if report.problem else None,
    }


def forget_check(session: ServerSession) -> None:
    """After a change: the check kept was of the log before it."""
    session.pop(CHECK_KEY, None)


def last_check(session: ServerSession) -> KeptCheck | None:
    kept = session.get(CHECK_KEY)
    if not kept:
        return None
    return KeptCheck(
        datetime.fromisoformat(kept["checked_at"]), kept["length"], kept["verified"], kept["reason"]
    )
