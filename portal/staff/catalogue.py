"""Guides as staff see them: status, revisions, draft, and who changed them last and when."""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from portal.guides.library import GuideNotFound
from portal.models.guides import Guide, GuideDraft, GuideVersion
from portal.staff.boundary import staff_name

TITLE_LINE = re.compile(r"^title\s*:\s*(.+)$", re.MULTILINE)


class GuideStatus(enum.StrEnum):
    DRAFT = "draft"  # never published
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"  # published once, taken down

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class StaffGuide:
    id: uuid.UUID
    slug: str
    title: str
    status: GuideStatus
    published_version_id: uuid.UUID | None
    published_number: int | None
    newest_number: int  # 0 when it has no revision yet
    draft_saved_at: datetime | None  # None when there is no draft
    last_edited_at: datetime | None
    edited_by_staff: bool  # last changed in the staff area, not by `flask guides sync`
    # The staff account's username; None when it has since left the staff (or for a sync).
    last_editor: str | None

    @property
    def has_draft(self) -> bool:
        return self.draft_saved_at is not None


_PUBLISHED = aliased(GuideVersion)
_NEWEST_NUMBER = (
    select(func.max(GuideVersion.number))
    .where(GuideVersion.guide_id == Guide.id)
    .correlate(Guide)
    .scalar_subquery()
)
_NEWEST_TITLE = (
    select(GuideVersion.title)
    .where(GuideVersion.guide_id == Guide.id)
    .order_by(GuideVersion.number.desc())
    .limit(1)
    .correlate(Guide)
    .scalar_subquery()
)


def _guides() -> Select[tuple[Any, ...]]:
    return (
        select(
            Guide.id,
            Guide.slug,
            Guide.published_version_id,
            Guide.unpublished_at,
            Guide.last_edited_at,
            Guide.last_edited_by_id,
            staff_name(Guide.last_edited_by_id),
            _PUBLISHED.number,
            _NEWEST_NUMBER,
            _NEWEST_TITLE,
            GuideDraft.updated_at,
            GuideDraft.source,
        )
        .outerjoin(_PUBLISHED, _PUBLISHED.id == Guide.published_version_id)
        .outerjoin(GuideDraft, GuideDraft.guide_id == Guide.id)
    )


def _from_row(row: Sequence[Any]) -> StaffGuide:
    (  # the columns of _guides(), in order
        guide_id,
        slug,
        published_id,
        unpublished_at,
        edited_at,
        edited_by,
        editor,
        published_number,
        newest_number,
        newest_title,
        draft_saved_at,
        draft_source,
    ) = row
    if published_id is not None:
        status = GuideStatus.PUBLISHED
    elif unpublished_at is not None or newest_number:
        status = GuideStatus.UNPUBLISHED
    else:
        status = GuideStatus.DRAFT
    draft_title = TITLE_LINE.search(draft_source or "")
    return StaffGuide(
        id=guide_id,
        slug=slug,
        title=newest_title or (draft_title.group(1).strip() if draft_title else slug),
        status=status,
        published_version_id=published_id,
        published_number=published_number,
        newest_number=newest_number or 0,
        draft_saved_at=draft_saved_at,
        last_edited_at=edited_at,
        edited_by_staff=edited_by is not None,
        last_editor=editor,
    )


def staff_guides(db_session: Session) -> list[StaffGuide]:
    """Every guide, whatever its status, by title (one query)."""
    guides = [_from_row(row) for row in db_session.execute(_guides())]
    return sorted(guides, key=lambda guide: guide.title.casefold())


def staff_guide(db_session: Session, slug: str) -> StaffGuide:
    """One guide, whatever its status (one query); GuideNotFound otherwise."""
    row = db_session.execute(_guides().where(Guide.slug == slug)).one_or_none()
    if row is None:
        raise GuideNotFound(slug)
    return _from_row(row)
