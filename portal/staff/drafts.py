"""Drafts: a new guide from the template, and staff's unpublished text of a guide, saved without
ever overwriting someone else's save unseen. People never see a draft."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from portal.guides.library import GuideNotFound, check_source, guide_by_slug, questionnaires
from portal.guides.problems import GuideInvalid
from portal.models.base import utcnow
from portal.models.guides import Guide, GuideDraft, GuideVersion
from portal.staff.audit import Action, StaffMember, record
from portal.staff.boundary import staff_name
from portal.staff.catalogue import GuideStatus, StaffGuide, staff_guide

NEW_GUIDE_TEMPLATE = Path(__file__).with_name("new_guide.md")
NO_DRAFT = 0  # the lock version an editor shows when there was no draft to begin from


class SlugTaken(Exception):
    """Another guide already has this slug."""


@dataclass(frozen=True)
class SavedDraft:
    source: str
    saved_at: datetime
    saved_by: str | None  # a staff account's username


class StaleDraft(Exception):
    """The draft was saved (or published, or discarded) by someone else after this editor
    opened it; `current` is the draft as it is now (None if it is gone)."""

    def __init__(self, current: SavedDraft | None) -> None:
        super().__init__("The draft has changed since it was opened.")
        self.current = current


@dataclass(frozen=True)
class Editing:
    """A guide open in the editor: its draft, or else its newest revision's text."""

    guide: StaffGuide
    source: str
    lock_version: int  # NO_DRAFT when no draft has been saved yet
    draft: SavedDraft | None
    base_number: int | None  # the revision the draft was begun from

    @property
    def published_since(self) -> bool:
        """Whether a revision newer than the one the draft began from has been published."""
        return self.draft is not None and (self.base_number or 0) < self.guide.newest_number


def new_guide_source(slug: str, title: str, topic: str) -> str:
    """The template, a valid guide of two steps, made this guide's."""
    lines = NEW_GUIDE_TEMPLATE.read_text(encoding="utf-8").split("\n")
    given = {"slug": slug, "title": " ".join(title.split()), "topic": topic}
    return "\n".join(
        f"{name}: {given[name]}" if (name := line.partition(":")[0]) in given else line
        for line in lines
    )


def create_guide(
    db_session: Session, actor: StaffMember, slug: str, title: str, topic: str
) -> None:
    """A new guide with the template as its draft; nobody sees it until it is published.
    GuideInvalid when the slug or title cannot be used, SlugTaken when the slug is in use."""
    source = new_guide_source(slug, title, topic)
    _, problems = check_source(source, f"{slug}.md", questionnaires())
    if problems:
        raise GuideInvalid(problems)
    if guide_by_slug(db_session, slug) is not None:
        raise SlugTaken(slug)
    now = utcnow()
    guide = Guide(slug=slug, last_edited_at=now, last_edited_by_id=actor.id)
    db_session.add(guide)
    try:
        db_session.flush()
    except IntegrityError:
        db_session.rollback()
        raise SlugTaken(slug) from None
    db_session.add(
        GuideDraft(guide_id=guide.id, source=source, updated_at=now, updated_by_id=actor.id)
    )
    record(db_session, actor, Action.CREATED, slug)
    db_session.commit()


def _saved_draft(db_session: Session, guide_id: uuid.UUID) -> tuple[SavedDraft, int, int | None]:
    """The draft, its lock version and the number of the revision it began from."""
    base = aliased(GuideVersion)
    row = db_session.execute(
        select(
            GuideDraft.source,
            GuideDraft.updated_at,
            staff_name(GuideDraft.updated_by_id),
            GuideDraft.lock_version,
            base.number,
        )
        .outerjoin(base, base.id == GuideDraft.base_version_id)
        .where(GuideDraft.guide_id == guide_id)
    ).one_or_none()
    if row is None:
        raise LookupError(guide_id)
    source, saved_at, saved_by, lock_version, base_number = row
    return SavedDraft(source, saved_at, saved_by), lock_version, base_number


def _newest_source(db_session: Session, guide_id: uuid.UUID) -> str:
    return db_session.scalars(
        select(GuideVersion.source)
        .where(GuideVersion.guide_id == guide_id)
        .order_by(GuideVersion.number.desc())
        .limit(1)
    ).one()


def open_for_editing(db_session: Session, slug: str) -> Editing:
    """The guide's draft, or its newest revision to begin one from (two or three queries)."""
    guide = staff_guide(db_session, slug)
    if guide.has_draft:
        draft, lock_version, base_number = _saved_draft(db_session, guide.id)
        return Editing(guide, draft.source, lock_version, draft, base_number)
    if guide.newest_number == 0:
        raise GuideNotFound(slug)  # neither draft nor revision: it was discarded meanwhile
    return Editing(guide, _newest_source(db_session, guide.id), NO_DRAFT, None, guide.newest_number)


def current_draft(db_session: Session, guide_id: uuid.UUID) -> SavedDraft | None:
    try:
        return _saved_draft(db_session, guide_id)[0]
    except LookupError:
        return None


def save_draft(
    db_session: Session, actor: StaffMember, slug: str, source: str, lock_version: int
) -> int:
    """Save the text as the guide's draft and return its new lock version. StaleDraft when the
    draft changed after the editor opened it (`lock_version` is the one it showed)."""
    guide = guide_by_slug(db_session, slug)
    if guide is None:
        raise GuideNotFound(slug)
    now = utcnow()
    if lock_version == NO_DRAFT:
        newest = db_session.scalar(
            select(GuideVersion.id)
            .where(GuideVersion.guide_id == guide.id)
            .order_by(GuideVersion.number.desc())
            .limit(1)
        )
        db_session.add(
            GuideDraft(
                guide_id=guide.id,
                source=source,
                base_version_id=newest,
                updated_at=now,
                updated_by_id=actor.id,
            )
        )
        try:
            db_session.flush()
        except IntegrityError:  # someone else began a draft meanwhile
            db_session.rollback()
            raise StaleDraft(current_draft(db_session, guide.id)) from None
        saved_version = 1
    else:
        # The version check is in the UPDATE itself, so two saves at once cannot both pass it.
        changed = db_session.execute(
            update(GuideDraft)
            .where(GuideDraft.guide_id == guide.id, GuideDraft.lock_version == lock_version)
            .values(
                source=source,
                lock_version=lock_version + 1,
                updated_at=now,
                updated_by_id=actor.id,
            )
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            db_session.rollback()
            raise StaleDraft(current_draft(db_session, guide.id))
        saved_version = lock_version + 1
    guide.last_edited_at = now
    guide.last_edited_by_id = actor.id
    record(db_session, actor, Action.SAVED_DRAFT, slug)
    db_session.commit()
    return saved_version


def discard_draft(db_session: Session, actor: StaffMember, slug: str, lock_version: int) -> bool:
    """Throw the draft away; a guide that was never published goes with it. Returns whether
    the guide is gone. StaleDraft when the draft changed after the page was opened."""
    guide = staff_guide(db_session, slug)
    removed = db_session.execute(
        delete(GuideDraft)
        .where(GuideDraft.guide_id == guide.id, GuideDraft.lock_version == lock_version)
        .execution_options(synchronize_session=False)
    )
    if removed.rowcount != 1:  # type: ignore[attr-defined]
        db_session.rollback()
        raise StaleDraft(current_draft(db_session, guide.id))
    gone = guide.status is GuideStatus.DRAFT
    if gone:
        db_session.execute(delete(Guide).where(Guide.id == guide.id))
    else:
        db_session.execute(
            update(Guide)
            .where(Guide.id == guide.id)
            .values(last_edited_at=utcnow(), last_edited_by_id=actor.id)
        )
    record(db_session, actor, Action.DISCARDED_DRAFT, slug)
    db_session.commit()
    return gone
