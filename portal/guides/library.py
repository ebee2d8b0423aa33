"""Published guides: finding them, parsing each revision once per process, publishing new
revisions, and the two ways guides/ and the database meet.

The database holds every revision of every guide; a guide's published one is what people see.
`flask guides sync` saves each file in guides/ as a new revision when its text has changed, unless
staff have published a newer revision in the browser or taken the guide down (then the guide is
skipped and the report says why: it never overwrites staff work). `flask guides export` writes
each published revision back into guides/, so browser edits go into version control.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import BindParameter, Row, Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from portal.contacts import Contacts, current_contacts
from portal.guides.format import ParsedGuide, parse_guide
from portal.guides.problems import GuideInvalid, GuideProblem
from portal.guides.questionnaires import Questionnaires, load_questionnaires
from portal.guides.safety_rules import safety_problems
from portal.models.guides import Guide, GuideDraft, GuideProgress, GuideVersion

QUESTIONNAIRES_EXTENSION = "portal.questionnaires"
GUIDES_FOLDER = Path(__file__).resolve().parents[2] / "guides"
PARSED_VERSIONS_KEPT = 64
FILE_ORIGIN = "file"
STAFF_ORIGIN = "staff"
VERSION_LINE = re.compile(r"^version\s*:.*$")


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


def _published(user_id: uuid.UUID | BindParameter[Any] | None) -> Select[*tuple[Any, ...]]:
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
    db_session: Session,
    guide_source: str,
    path: str,
    origin: str,
    *,
    publish: bool,
    author_id: uuid.UUID | None = None,
    change_note: str = "",
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
        author_id=author_id,
        change_note=change_note,
    )
    if new:
        db_session.add(version)
        db_session.flush()
        guide.last_edited_at = version.created_at
        guide.last_edited_by_id = author_id
    if publish:
        guide.published_version_id = version.id
        guide.unpublished_at = None
    return version, new


def with_version_number(source: str, number: int) -> str:
    """The guide's text with its front matter's version set to `number` (added if missing)."""
    lines = source.split("\n")
    if not lines or lines[0].strip() != "---":
        return source  # no front matter: parsing will say so
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            lines.insert(index, f"version: {number}")
            return "\n".join(lines)
        if VERSION_LINE.match(lines[index]):
            lines[index] = f"version: {number}"
            return "\n".join(lines)
    return source


def newest_revision_number(db_session: Session, guide_id: uuid.UUID) -> int:
    """The highest revision number a guide has, 0 when it has none."""
    newest = db_session.scalar(
        select(func.max(GuideVersion.number)).where(GuideVersion.guide_id == guide_id)
    )
    return newest or 0


def publish_revision(
    db_session: Session,
    guide: Guide,
    source: str,
    *,
    author_id: uuid.UUID,
    change_note: str,
) -> GuideVersion:
    """Publish staff's text as the guide's next revision, numbered after every revision so far
    (its front matter's version is set to match, so an exported file says which it is). The
    caller commits; two publishing at once collide on the revision number and one fails.
    GuideInvalid when the text has a problem."""
    number = newest_revision_number(db_session, guide.id) + 1
    numbered = with_version_number(source, number)
    _, problems = check_source(numbered, f"{guide.slug}.md", questionnaires(), slug=guide.slug)
    if problems:
        raise GuideInvalid(problems)
    version, _ = save_version(
        db_session,
        numbered,
        f"{guide.slug}.md",
        STAFF_ORIGIN,
        publish=True,
        author_id=author_id,
        change_note=change_note,
    )
    return version


@dataclass(frozen=True)
class SyncReport:
    saved: list[str]
    unchanged: list[str]
    # "file.md: why", for each guide left as staff made it in the browser.
    skipped: list[str] = field(default_factory=list)


def guide_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob("*.md") if path.name != "README.md")


def _staff_work_in_the_way(
    db_session: Session, source: str, path: Path, definitions: Questionnaires
) -> str | None:
    """Why this file must not be published over what staff did in the browser, if it must not:
    the guide was taken down there, is being written there and was never published, or has a
    staff revision at least as new as the file's version (unless the file is that revision,
    exported)."""
    parsed_guide = parse_guide(source, str(path), definitions, current_contacts())
    guide = guide_by_slug(db_session, parsed_guide.slug)
    if guide is None:
        return None
    if guide.unpublished_at is not None:
        return "unpublished in the staff area; publish it again there"
    newest_staff = db_session.execute(
        select(GuideVersion.number, GuideVersion.source_hash)
        .where(GuideVersion.guide_id == guide.id, GuideVersion.origin == STAFF_ORIGIN)
        .order_by(GuideVersion.number.desc())
        .limit(1)
    ).first()
    if newest_staff is None:
        never_published = (
            guide.published_version_id is None and newest_revision_number(db_session, guide.id) == 0
        )
        has_draft = db_session.get(GuideDraft, guide.id) is not None
        return "being written in the staff area" if never_published and has_draft else None
    number, digest = newest_staff
    if parsed_guide.version > number:
        return None
    if parsed_guide.version == number and digest == source_hash(source):
        return None  # the file is the staff revision itself, exported
    return (
        f"revision {number} was published in the staff area, and the file is version "
        f"{parsed_guide.version}: run `flask guides export` to bring it into guides/, "
        "then edit from there"
    )


def sync_folder(db_session: Session, folder: Path = GUIDES_FOLDER) -> SyncReport:
    """Save and publish every guide in `folder` whose text has changed, except those staff
    have changed in the browser since (skipped, with the reason); all or nothing."""
    problems = check_folder(folder)
    if problems:
        raise GuideInvalid(problems)
    saved: list[str] = []
    unchanged: list[str] = []
    skipped: list[str] = []
    for path in guide_files(folder):
        source = path.read_text(encoding="utf-8")
        reason = _staff_work_in_the_way(db_session, source, path, questionnaires())
        if reason is not None:
            skipped.append(f"{path.name}: {reason}")
            continue
        version, new = save_version(db_session, source, str(path), FILE_ORIGIN, publish=True)
        (saved if new else unchanged).append(f"{path.name} (version {version.number})")
    db_session.commit()
    return SyncReport(saved, unchanged, skipped)


@dataclass(frozen=True)
class ExportReport:
    written: list[str]
    unchanged: list[str]
    not_published: list[str]


def export_published(db_session: Session, folder: Path = GUIDES_FOLDER) -> ExportReport:
    """Write each guide's published revision to `folder`/<slug>.md, exactly as published (so a
    later `guides sync` finds it unchanged). Unpublished and never-published guides are left
    alone."""
    written: list[str] = []
    unchanged: list[str] = []
    not_published: list[str] = []
    rows = db_session.execute(
        select(Guide.slug, GuideVersion.number, GuideVersion.source)
        .outerjoin(GuideVersion, GuideVersion.id == Guide.published_version_id)
        .order_by(Guide.slug)
    ).all()
    folder.mkdir(parents=True, exist_ok=True)
    for slug, number, source in rows:
        if source is None:
            not_published.append(slug)
            continue
        path = folder / f"{slug}.md"
        name = f"{path.name} (version {number})"
        if path.exists() and path.read_text(encoding="utf-8") == source:
            unchanged.append(name)
            continue
        path.write_text(source, encoding="utf-8")
        written.append(name)
    return ExportReport(written, unchanged, not_published)


def check_source(
    source: str, path: str, definitions: Questionnaires, *, slug: str | None = None
) -> tuple[ParsedGuide | None, list[GuideProblem]]:
    """A guide's text parsed, or every problem in it, as `flask guides check` reports them;
    `slug`, when given, is the one the guide must keep (its address never changes)."""
    contacts = current_contacts()
    try:
        guide = parse_guide(source, path, definitions, contacts)
    except GuideInvalid as invalid:
        return None, invalid.problems
    unsafe = safety_problems(guide, source, path, contacts, definitions)
    if unsafe:
        return None, unsafe
    if slug is not None and guide.slug != slug:
        line = next(
            (n for n, text in enumerate(source.split("\n"), 1) if text.startswith("slug:")), 2
        )
        message = f"the slug must stay {slug!r}: a guide's address never changes once made"
        return None, [GuideProblem(path, line, message)]
    return guide, []


def check_files(paths: list[Path], definitions: Questionnaires) -> list[GuideProblem]:
    """Every problem in these guide files."""
    problems: list[GuideProblem] = []
    slugs: dict[str, str] = {}
    for path in paths:
        guide, found = check_source(path.read_text(encoding="utf-8"), str(path), definitions)
        if guide is None:
            problems.extend(found)
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
