"""What every copy in an evidence pack says the same way (the PDF, the web page, the CSV): how
incidents are numbered and named, where their files sit in the ZIP, each field in words, when a
revision was recorded beside when the person says the incident happened, and the counts.

Incidents are numbered 1, 2, 3… in the order the pack lists them (oldest first), and every copy,
the manifest and the verify page use that number, with the date the incident started.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from portal.dates import (
    LONDON,
    clock,
    clock_time,
    date_in_words,
    duration_in_words,
    moment_in_words,
    month_in_words,
    month_start,
    next_month,
)
from portal.incidents.content import FIELD_LABELS, Category, IncidentContent
from portal.incidents.pack_input import (
    EvidencePackInput,
    FileKind,
    PackFile,
    PackIncident,
    PackRequest,
)

FILES_FOLDER = "files/"
SAFE_NAME_MAX = 60
UNSAFE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
# A revision made within this long of the incident starting counts as made at the time.
AT_THE_TIME = timedelta(hours=24)
NOT_GIVEN = "Not given"
# Every field of an incident, in the form's order (the CSV's columns).
CONTENT_FIELDS = tuple(FIELD_LABELS)
FILE_KIND_WORDS = {
    FileKind.PHOTO: "Photo",
    FileKind.DOCUMENT: "Document",
    FileKind.SOUND: "Sound recording",
}


@dataclass(frozen=True)
class NumberedIncident:
    """An incident with its number in the pack and the paths of its files in the ZIP."""

    number: int
    incident: PackIncident
    file_paths: dict[uuid.UUID, str]  # empty when the pack leaves the originals out

    @property
    def started_on(self) -> date:
        return self.incident.current.started_on

    @property
    def name(self) -> str:
        """'Incident 12 (Tuesday 3 March 2026)', as the verify page names it too."""
        name = incident_name(self.number, self.started_on)
        return name[0].upper() + name[1:]


def incident_name(number: int, started_on: date) -> str:
    """'incident 12 (Tuesday 3 March 2026)', to go in a sentence."""
    return f"incident {number} ({date_in_words(started_on)})"


def numbered_incidents(pack: EvidencePackInput) -> list[NumberedIncident]:
    """The pack's incidents, numbered from 1, each file given a path of its own if the pack
    includes the originals."""
    used: set[str] = set()
    numbered = []
    for number, incident in enumerate(pack.incidents, start=1):
        paths = {}
        for item in incident.files if pack.request.include_files else ():
            path = file_path(number, item, short_id=True)
            if path in used:  # two ids alike in their first 8 characters: use the whole id
                path = file_path(number, item, short_id=False)
            used.add(path)
            paths[item.id] = path
        numbered.append(NumberedIncident(number, incident, paths))
    return numbered


def file_path(number: int, item: PackFile, *, short_id: bool) -> str:
    """'files/0012-3f2a9c1e-IMG_2001.jpg': the incident's number, the file's id and its name,
    in letters any computer accepts in a file name."""
    file_id = item.id.hex[:8] if short_id else item.id.hex
    return f"{FILES_FOLDER}{number:04d}-{file_id}-{safe_file_name(item)}"


def safe_file_name(item: PackFile) -> str:
    name = unicodedata.normalize("NFKD", item.original_name)
    name = name.encode("ascii", "ignore").decode("ascii")
    stem, dot, extension = name.rpartition(".")
    if not dot or not extension.isalnum() or len(extension) > 5:
        stem = name
        extension = (mimetypes.guess_extension(item.media_type) or ".bin").lstrip(".")
    stem = UNSAFE_NAME_CHARACTERS.sub("-", stem).strip("-.")[:SAFE_NAME_MAX] or item.kind.value
    return f"{stem}.{extension.lower()}"


# Fields in words ----------------------------------------------------------------------------------


def happened_words(content: IncidentContent) -> str:
    """'10:30pm, Tuesday 3 March 2026, to 1am (2 hours 30 minutes)', as the person gave it."""
    started = content.started
    words = moment_in_words(started) if started else date_in_words(content.started_on)
    ended = content.ended
    if ended is not None:
        same_day = ended.date() == content.started_on
        words += f", to {clock(ended) if same_day else moment_in_words(ended)}"
    elif content.ended_on and content.ended_on != content.started_on:
        words += f", to {date_in_words(content.ended_on)}"
    duration = content.duration
    if duration is not None:
        words += f" ({duration_in_words(duration)})"
    return words


def field_words(content: IncidentContent, name: str) -> str:
    """One field of an incident in words; NOT_GIVEN when it is empty."""
    value = getattr(content, name)
    if name in ("started_on", "ended_on"):
        return date_in_words(value) if value else NOT_GIVEN
    if name in ("started_at", "ended_at"):
        return clock_time(value) if value else NOT_GIVEN
    if name == "category":
        return value.label if value else NOT_GIVEN
    if name == "hate_motivated":
        return "Yes" if value else "No"
    if name == "severity":
        return f"{value} out of 10" if value else NOT_GIVEN
    if name == "reports":
        return "; ".join(report_words(content)) or "Not reported"
    return value or NOT_GIVEN


def data_words(content: IncidentContent, name: str) -> str:
    """One field as a spreadsheet sorts it: dates 2026-03-03, times 22:45, numbers as digits;
    '' when it is empty."""
    value = getattr(content, name)
    if value is None:
        return ""
    if name in ("started_on", "ended_on"):
        return value.isoformat()
    if name in ("started_at", "ended_at"):
        return f"{value.hour:02d}:{value.minute:02d}"
    if name == "category":
        return value.label
    if name == "hate_motivated":
        return "Yes" if value else "No"
    if name == "severity":
        return str(value)
    if name == "reports":
        return "; ".join(
            f"{report.who}, {report.reported_on.isoformat()}, {report.reference or 'no reference'}"
            for report in value
        )
    return value


def report_words(content: IncidentContent) -> list[str]:
    """'Police on Wednesday 4 March 2026, reference CAD 1234', one for each report."""
    return [
        f"{report.who} on {date_in_words(report.reported_on)}"
        + (f", reference {report.reference}" if report.reference else ", no reference given")
        for report in content.reports
    ]


def changed_words(changed_fields: Sequence[str]) -> str:
    """'What happened, Where it happened'."""
    return ", ".join(FIELD_LABELS.get(name, name) for name in changed_fields)


# When it was written down -------------------------------------------------------------------------


def made_at_the_time(content: IncidentContent, recorded_at: datetime) -> bool:
    """Whether a revision was saved within AT_THE_TIME of the incident starting (by its date
    alone when no time was given: that day or the next)."""
    if content.started is None:
        days = (recorded_at.astimezone(LONDON).date() - content.started_on).days
        return 0 <= days <= 1
    return timedelta(0) <= _after_start(content.started, recorded_at) <= AT_THE_TIME


def recorded_gap_words(content: IncidentContent, recorded_at: datetime) -> str:
    """How long after the incident started the site saved this: 'within an hour of it starting',
    '5 hours after it started', '12 days after the day it happened'."""
    if content.started is None:
        days = (recorded_at.astimezone(LONDON).date() - content.started_on).days
        if days < 0:
            return "before the day given for it"
        if days == 0:
            return "on the day it happened"
        if days == 1:
            return "the day after it happened"
        return f"{days} days after the day it happened"
    gap = _after_start(content.started, recorded_at)
    if gap < timedelta(0):
        return "before the time given for its start"
    if gap < timedelta(hours=1):
        return "within an hour of it starting"
    if gap < timedelta(days=2):
        hours = int(gap.total_seconds() // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} after it started"
    return f"{gap.days} days after it started"


def _after_start(started: datetime, recorded_at: datetime) -> timedelta:
    # In UTC: Python subtracts two times in the same zone by their clocks, an hour out across a
    # clock change.
    return recorded_at.astimezone(UTC) - started.astimezone(UTC)


def recorded_words(content: IncidentContent, recorded_at: datetime) -> str:
    """'10:40pm, Tuesday 3 March 2026 (within an hour of it starting)'."""
    return f"{moment_in_words(recorded_at)} ({recorded_gap_words(content, recorded_at)})"


# The pack as a whole ------------------------------------------------------------------------------


def categories_words(request: PackRequest) -> str:
    if not request.categories:
        return "All kinds"
    return ", ".join(category.label for category in Category if category in request.categories)


def range_words(request: PackRequest) -> str:
    return f"{date_in_words(request.first_day)} to {date_in_words(request.last_day)}"


def exported_words(exported_at: datetime) -> str:
    return f"{moment_in_words(exported_at)} (London time)"


def counts_by_category(incidents: Sequence[PackIncident]) -> list[tuple[str, int]]:
    """(label, count) for each kind with incidents, in the form's order; 'Kind not given' last."""
    counted = Counter(incident.current.category for incident in incidents)
    rows = [(category.label, counted[category]) for category in Category if counted[category]]
    if counted[None]:
        rows.append(("Kind not given", counted[None]))
    return rows


def months_between(first_day: date, last_day: date) -> list[date]:
    """The first day of every month from first_day's to last_day's."""
    months = []
    month = month_start(first_day)
    while month <= last_day:
        months.append(month)
        month = next_month(month)
    return months


def counts_by_month(pack: EvidencePackInput) -> list[tuple[str, int]]:
    """(month, count) for every month of the range, empty months included."""
    counted = Counter(month_start(incident.current.started_on) for incident in pack.incidents)
    first = min([pack.request.first_day, *counted])
    last = max([pack.request.last_day, *counted])
    return [(month_in_words(month), counted[month]) for month in months_between(first, last)]


def size_words(size: int) -> str:
    """'2.4 MB', '830 KB', '12 bytes'."""
    if size >= 1000 * 1000:
        return f"{size / 1000 / 1000:.1f} MB"
    if size >= 1000:
        return f"{size / 1000:.0f} KB"
    return f"{size} byte{'s' if size != 1 else ''}"


def chain_words(verified: bool) -> str:
    return (
        "Every link checked out when the pack was made."
        if verified
        else "Not every link checked out when the pack was made."
    )


def checkpoint_words(checkpoint_at: datetime | None) -> str:
    return moment_in_words(checkpoint_at) if checkpoint_at else "None yet"
