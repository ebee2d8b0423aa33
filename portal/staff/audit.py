"""The staff audit log: every change made in the staff area is written here, in the same
transaction as the change, naming the staff account, the guide and what was done, never a person
the site is for. Admins read it (views.audit_log)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models.audit import StaffAuditEvent
from portal.records import Page

EVENTS_PER_PAGE = 50


class Action(enum.StrEnum):
    """What was done, as the log says it."""

    CREATED = "created the guide"
    SAVED_DRAFT = "saved a draft"
    DISCARDED_DRAFT = "discarded the draft"
    PUBLISHED = "published"
    ROLLED_BACK = "published an earlier revision again"
    UNPUBLISHED = "unpublished"


@dataclass(frozen=True)
class StaffMember:
    """The signed-in member of staff, as changes and the log name them."""

    id: uuid.UUID
    name: str

    @classmethod
    def signed_in(cls) -> StaffMember:
        return cls(current_user.id, current_user.username)


def record(
    db_session: Session, actor: StaffMember, action: Action, guide_slug: str, detail: str = ""
) -> None:
    """Add an event to the log; the caller commits it with the change itself."""
    db_session.add(
        StaffAuditEvent(
            actor_id=actor.id,
            actor_name=actor.name,
            action=action.value,
            guide_slug=guide_slug,
            detail=detail[:600],
        )
    )


def events_page(db_session: Session, number: int) -> Page[StaffAuditEvent]:
    """One page of the log, newest first (two queries)."""
    total = db_session.scalar(select(func.count()).select_from(StaffAuditEvent)) or 0
    page: Page[StaffAuditEvent] = Page([], 1, total, EVENTS_PER_PAGE)
    number = min(max(1, number), page.pages)
    events = db_session.scalars(
        select(StaffAuditEvent)
        .order_by(StaffAuditEvent.at.desc(), StaffAuditEvent.id)
        .limit(EVENTS_PER_PAGE)
        .offset((number - 1) * EVENTS_PER_PAGE)
    ).all()
    return Page(list(events), number, total, EVENTS_PER_PAGE)
