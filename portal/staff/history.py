"""A guide's revisions, and a readable difference between any two texts.

The difference is computed with difflib, line by line, and kept as data: the template writes each
line through Jinja's escaping, so a guide's text can never become markup on the page.
"""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.guides.library import STAFF_ORIGIN
from portal.models.guides import GuideVersion
from portal.staff.boundary import staff_name
from portal.staff.catalogue import StaffGuide

CONTEXT_LINES = 3


class RevisionNotFound(Exception):
    """The guide has no revision by that number."""


@dataclass(frozen=True)
class Revision:
    id: uuid.UUID
    number: int
    created_at: datetime
    from_browser: bool  # published in the staff area, not loaded from guides/
    author: str | None  # a staff account's username, when it still is one
    change_note: str
    source_hash: str
    published: bool  # the revision people see now


def revisions(db_session: Session, guide: StaffGuide) -> list[Revision]:
    """Every revision of the guide, newest first (one query)."""
    rows = db_session.execute(
        select(
            GuideVersion.id,
            GuideVersion.number,
            GuideVersion.created_at,
            GuideVersion.origin,
            staff_name(GuideVersion.author_id),
            GuideVersion.change_note,
            GuideVersion.source_hash,
        )
        .where(GuideVersion.guide_id == guide.id)
        .order_by(GuideVersion.number.desc())
    )
    return [
        Revision(
            id=revision_id,
            number=number,
            created_at=created_at,
            from_browser=origin == STAFF_ORIGIN,
            author=author,
            change_note=note,
            source_hash=digest,
            published=revision_id == guide.published_version_id,
        )
        for revision_id, number, created_at, origin, author, note, digest in rows
    ]


def revision_sources(db_session: Session, guide_id: uuid.UUID, *numbers: int) -> dict[int, str]:
    """The text of each revision asked for (one query); RevisionNotFound if one is missing."""
    found: dict[int, str] = dict(
        db_session.execute(
            select(GuideVersion.number, GuideVersion.source).where(
                GuideVersion.guide_id == guide_id, GuideVersion.number.in_(numbers)
            )
        ).all()
    )
    missing = set(numbers) - set(found)
    if missing:
        raise RevisionNotFound(min(missing))
    return found


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", or "gap" (unchanged lines left out)
    old_number: int | None
    new_number: int | None
    text: str


@dataclass(frozen=True)
class Difference:
    lines: list[DiffLine]
    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def difference(old: str, new: str, context: int = CONTEXT_LINES) -> Difference:
    """The changed lines between two texts, with a few unchanged ones round each change."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    lines: list[DiffLine] = []
    added = removed = 0
    groups = list(matcher.get_grouped_opcodes(context))
    for index, group in enumerate(groups):
        if index or group[0][1] > 0:
            lines.append(DiffLine("gap", None, None, ""))
        for tag, old_start, old_end, new_start, new_end in group:
            if tag == "equal":
                lines += [
                    DiffLine("same", old_start + i + 1, new_start + i + 1, old_lines[old_start + i])
                    for i in range(old_end - old_start)
                ]
                continue
            lines += [
                DiffLine("removed", n + 1, None, old_lines[n]) for n in range(old_start, old_end)
            ]
            lines += [
                DiffLine("added", None, n + 1, new_lines[n]) for n in range(new_start, new_end)
            ]
            removed += old_end - old_start
            added += new_end - new_start
    if groups and groups[-1][-1][2] < len(old_lines):
        lines.append(DiffLine("gap", None, None, ""))
    return Difference(lines, added, removed)
