"""The staff audit log: who did what to which guide, and when. It names staff accounts and
guides, never a person the site is for."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, new_id, utcnow


class StaffAuditEvent(Base):
    """One staff action. Events are only ever added."""

    __tablename__ = "staff_audit_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The account's id and its username at the time, without a foreign key: the log keeps who
    # did something after their account is gone.
    actor_id: Mapped[uuid.UUID]
    actor_name: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    guide_slug: Mapped[str | None] = mapped_column(String(80))
    # Staff's own words about the change (a change note), or which revision.
    detail: Mapped[str] = mapped_column(String(600), default="")


class AuditLogAppendOnly(Exception):
    """Something tried to change or remove an audit event."""


@event.listens_for(StaffAuditEvent, "before_update")
@event.listens_for(StaffAuditEvent, "before_delete")
def _refuse_rewriting_the_log(_mapper: object, _connection: object, target: object) -> None:
    raise AuditLogAppendOnly("audit events are only ever added")
