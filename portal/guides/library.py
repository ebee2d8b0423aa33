"""Published guides: finding them, parsing each version once per process, and loading guides/.

The database holds every version of every guide; a guide's published version is what people see.
`flask guides sync` saves each file in guides/ as a new version when its text has changed.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import BindParameter, Row, Select, and_, bindparam, select
from sqlalchemy.orm import Session

from portal.contacts import Contacts, current_contacts
from portal.guides.format import ParsedGuide, parse_guide
from portal.guides.problems import GuideInvalid, GuideProblem
from portal.guides.questionnaires import Questionnaires, load_questionnaires
from portal.models.guides import Guide, GuideProgress, GuideVersion

QUESTIONNAIRES_EXTENSION = "portal.questionnaires"
GUIDES_FOLDER = Path(__file__).resolve().parents[2] / "guides"
PARSED_VERSIONS_KEPT = 64


class GuideNotFound(Exception):
    """No published guide (or step) by that name."""


def questionnaires() -> Questionnaires:
    """The questionnaire definitions, loaded once at start-up (create_app)."""
    return current_app.extensions[QUESTIONNAIRES_EXTENSION]


def load_bundled_questionnaires(folder: Path, contacts: Contacts) -> Questionnaires:
    """Definitions for create_app(); a broken one stops the app starting, with file and line."""
    found, problems = load_questionnaires(folder, contacts)
    if problems:
        raise GuideInvalid(problems)
    return found


class ParsedVersions:
    """Each guide version parsed and rendered once per process, the most recently used kept."""

    def __init__(self, kept: int = PARSED_VERSIONS_KEPT) -> None:
        self._kept = kept
        self._parsed: OrderedDict[uuid.UUID, ParsedGuide] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version_id: uuid.UUID, read_source: Callable[[], tuple[str, str]]) -> ParsedGuide:
        """The parsed version; `read_source` gives its text and a name for it in any problem
        reported ("better-sleep, version 3"), and is called only the first time."""
        with self._lock:
            parsed_guide = self._parsed.get(version_id)
            if parsed_guide is not None:
                self._parsed.move_to_end(version_id)
                return parsed_guide
        # Parsing happens outside the lock; two threads may both parse a new version, once.
        source, name = read_source()
        parsed_guide = parse_guide(source, name, questionnaires(), current_contacts())
        with self._lock:
            self._parsed[version_id] = parsed_guide
            while len(self._parsed) > self._kept:
                self._parsed.popitem(last=False)
        return parsed_guide


PARSED = ParsedVersions()


def parsed_version(db_session: Session, version_id: uuid.UUID) -> ParsedGuide:
    """A version, parsed; its text is read from the database only the first time."""

    def read_source() -> tuple[str, str]:
        source, slug, number = db_session.execute(
            select(GuideVersion.source, Guide.slug, GuideVersion.number)
            .join(Guide, Guide.id == GuideVersion.guide_id)
            .where(GuideVersion.id == version_id)
        ).one()
        return source, f"{slug}, version {number}"

    return PARSED.get(version_id, read_source)


@dataclass(frozen=True)
class PublishedGuide:
    """A published guide's version and, for a signed-in person, how far they have got."""

    guide_id: uuid.UUID
    slug: str
    version_id: uuid.UUID
    title: str
    summary: str
    topic: str
    minutes: int
    step_ids: list[str]
    completed_steps: list[str]
    completed_at: datetime | None

    @property
    def resume_step_id(self) -> str | None:
        """The step to go on from, while the guide is begun and not finished."""
        if not self.completed_steps or self.completed_at is not None:
            return None
        return next((step for step in self.step_ids if step not in self.completed_steps), None)


_PUBLISHED_COLUMNS = (
    Guide.id,
    Guide.slug,
    GuideVersion.id,
    GuideVersion.title,
    GuideVersion.summary,
    GuideVersion.topic,
    GuideVersion.minutes,
    GuideVersion.step_ids,
    GuideProgress.completed_steps,
    GuideProgress.completed_at,
)


def _published(user_id: uuid.UUID | BindParameter[Any] | None) -> Select[Any]:
    return (
        select(*_PUBLISHED_COLUMNS)
        .join(GuideVersion, GuideVersion.id == Guide.published_version_id)
        .outerjoin(
            GuideProgress,
            and_(GuideProgress.guide_id == Guide.id, GuideProgress.user_id == user_id),
        )
    )


def _from_row(row: Row[Any]) -> PublishedGuide:
    values = list(row)
    values[8] = values[8] or []
    return PublishedGuide(*values)


def published_guides(db_session: Session, user_id: uuid.UUID | None) -> list[PublishedGuide]:
    """Every published guide, with the person's progress in each, in one query."""
    return [
        _from_row(row)
        for row in db_session.execute(_published(user_id).order_by(GuideVersion.title))
    ]


# Built once: the step page runs this on every request. A user_id of NULL matches no progress.
_ONE_PUBLISHED = _published(bindparam("user_id")).where(Guide.slug == bindparam("slug"))


def published_guide(db_session: Session, slug: str, user_id: uuid.UUID | None) -> PublishedGuide:
    """One published guide with the person's progress, in one query; GuideNotFound otherwise."""
    row = (
        db_session.connection()
        .execute(_ONE_PUBLISHED, {"slug": slug, "user_id": user_id})
        .one_or_none()
    )
    if row is None:
        raise GuideNotFound(slug)
    return _from_row(row)


def guide_by_slug(db_session: Session, slug: str) -> Guide | None:
    return db_session.scalars(select(Guide).where(Guide.slug == slug)).one_or_none()


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def save_version(
    db_session: Session, guide_source: str, path: str, origin: str, *, publish: bool
) -> tuple[GuideVersion, bool]:
    """Store a guide's text as a new version (unless identical to one stored); returns
    (version, whether it was new). GuideInvalid when it does not parse, or when its version
    number is already taken by different text."""
    parsed_guide = parse_guide(guide_source, path, questionnaires(), current_contacts())
    guide = guide_by_slug(db_session, parsed_guide.slug)
    if guide is None:
        guide = Guide(slug=parsed_guide.slug)
        db_session.add(guide)
        db_session.flush()
    digest = source_hash(guide_source)
    existing = db_session.scalars(
        select(GuideVersion).where(
            GuideVersion.guide_id == guide.id, GuideVersion.number == parsed_guide.version
        )
    ).one_or_none()
    if existing is not None and existing.source_hash != digest:
        raise GuideInvalid(
            [
                GuideProblem(
                    path,
                    1,
                    f"version {parsed_guide.version} of {parsed_guide.slug} is already "
                    "saved with different text: raise the version number",
                )
            ]
        )
    new = existing is None
    version = existing or GuideVersion(
        guide_id=guide.id,
        number=parsed_guide.version,
        title=parsed_guide.title,
        summary=parsed_guide.summary,
        topic=parsed_guide.topic,
        minutes=parsed_guide.minutes,
        step_ids=parsed_guide.step_ids,
        source=guide_source,
        source_hash=digest,
        origin=origin,
    )
    if new:
        db_session.add(version)
        db_session.flush()
    if publish:
        guide.published_version_id = version.id
    return version, new


@dataclass(frozen=True)
class SyncReport:
    saved: list[str]
    unchanged: list[str]


def guide_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob("*.md") if path.name != "README.md")


def sync_folder(db_session: Session, folder: Path = GUIDES_FOLDER) -> SyncReport:
    """Save and publish every guide in `folder` whose text has changed; all or nothing."""
    problems = check_folder(folder)
    if problems:
        raise GuideInvalid(problems)
    saved, unchanged = [], []
    for path in guide_files(folder):
        version, new = save_version(
            db_session, path.read_text(encoding="utf-8"), str(path), "file", publish=True
        )
        (saved if new else unchanged).append(f"{path.name} (version {version.number})")
    db_session.commit()
    return SyncReport(saved, unchanged)


def check_files(paths: list[Path], definitions: Questionnaires) -> list[GuideProblem]:
    """Every problem in these guide files."""
    problems: list[GuideProblem] = []
    slugs: dict[str, str] = {}
    for path in paths:
        try:
            guide = parse_guide(
                path.read_text(encoding="utf-8"), str(path), definitions, current_contacts()
            )
        except GuideInvalid as invalid:
            problems.extend(invalid.problems)
            continue
        if guide.slug in slugs:
            problems.append(
                GuideProblem(
                    str(path), 2, f"slug {guide.slug!r} is also used by {slugs[guide.slug]}"
                )
            )
        slugs[guide.slug] = str(path)
        if path.stem != guide.slug:
            problems.append(
                GuideProblem(
                    str(path), 2, f"the file should be called {guide.slug}.md, after its slug"
                )
            )
    return problems


def check_folder(folder: Path = GUIDES_FOLDER) -> list[GuideProblem]:
    """Every problem in the questionnaires and guides of a folder."""
    definitions, problems = load_questionnaires(folder / "questionnaires", current_contacts())
    return problems + check_files(guide_files(folder), definitions)
