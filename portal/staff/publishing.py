"""Publishing: a draft becomes the guide's next revision; an earlier revision is published again
as a new one (rolling back); a guide is taken down. Revisions are never changed.

People's progress and answers are kept by step and exercise id, so a revision that drops an id
someone has finished or answered hides their work there. Publishing one asks first, saying how
many people (never who), and goes ahead only once each such id is confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.guides.format import ParsedGuide
from portal.guides.library import (
    check_source,
    parsed_version,
    publish_revision,
    questionnaires,
    with_version_number,
)
from portal.guides.problems import GuideInvalid, GuideProblem
from portal.models.base import utcnow
from portal.models.guides import Guide, GuideDraft, GuideVersion
from portal.staff.audit import Action, StaffMember, record
from portal.staff.boundary import WorkInAnId, work_in_ids
from portal.staff.catalogue import GuideStatus, StaffGuide, staff_guide
from portal.staff.drafts import Editing, StaleDraft, current_draft, open_for_editing
from portal.staff.history import Difference, difference, revision_sources


class NothingToPublish(Exception):
    """The guide has no draft to publish."""


class DropsNotConfirmed(Exception):
    """The revision drops ids people have work in, and not every one was confirmed."""


class PublishedMeanwhile(Exception):
    """Someone else published a revision of this guide at the same moment."""


class NotPublished(Exception):
    """The guide is not published, so it cannot be unpublished."""


@dataclass(frozen=True)
class PublishPlan:
    """What publishing a text would do, shown before anyone confirms it."""

    guide: StaffGuide
    source: str
    problems: list[GuideProblem]
    dropped: list[WorkInAnId]  # ids people have work in that the text no longer has
    changes: Difference | None  # against the newest revision; None for a first revision

    @property
    def dropped_ids(self) -> str:
        return " ".join(work.id for work in self.dropped)


def _ids(guide: ParsedGuide) -> tuple[set[str], set[str]]:
    """A guide's step ids and exercise ids."""
    steps = {step.id for step in guide.steps}
    exercises = {block.id for step in guide.steps for block in step.blocks if block.id}
    return steps, exercises


def _plan(db_session: Session, guide: StaffGuide, source: str) -> PublishPlan:
    """Check the text as it would be published, and compare it with the newest revision."""
    numbered = with_version_number(source, guide.newest_number + 1)
    parsed, problems = check_source(numbered, f"{guide.slug}.md", questionnaires(), slug=guide.slug)
    if guide.newest_number == 0:
        return PublishPlan(guide, source, problems, [], None)
    newest = db_session.execute(
        select(GuideVersion.id, GuideVersion.source).where(
            GuideVersion.guide_id == guide.id, GuideVersion.number == guide.newest_number
        )
    ).one()
    dropped: list[WorkInAnId] = []
    if parsed is not None:
        old_steps, old_exercises = _ids(parsed_version(db_session, newest.id))
        new_steps, new_exercises = _ids(parsed)
        dropped = [
            work
            for work in work_in_ids(
                db_session, guide.id, old_steps - new_steps, old_exercises - new_exercises
            )
            if work.people.any
        ]
    return PublishPlan(guide, source, problems, dropped, difference(newest.source, numbered))


def plan_publishing_draft(db_session: Session, slug: str) -> tuple[Editing, PublishPlan]:
    editing = open_for_editing(db_session, slug)
    if editing.draft is None:
        raise NothingToPublish(slug)
    return editing, _plan(db_session, editing.guide, editing.source)


def plan_republishing(db_session: Session, slug: str, number: int) -> PublishPlan:
    """What publishing revision `number` again would do. RevisionNotFound if there is none."""
    guide = staff_guide(db_session, slug)
    source = revision_sources(db_session, guide.id, number)[number]
    return _plan(db_session, guide, source)


def _confirm(plan: PublishPlan, confirmed_ids: set[str]) -> None:
    if plan.problems:
        raise GuideInvalid(plan.problems)
    if not {work.id for work in plan.dropped} <= confirmed_ids:
        raise DropsNotConfirmed(plan.dropped)


def _publish(
    db_session: Session, actor: StaffMember, guide: StaffGuide, source: str, change_note: str
) -> GuideVersion:
    row = db_session.get_one(Guide, guide.id)
    try:
        version = publish_revision(
            db_session, row, source, author_id=actor.id, change_note=change_note
        )
    except IntegrityError:  # the same revision number, taken a moment ago
        db_session.rollback()
        raise PublishedMeanwhile(guide.slug) from None
    return version


def publish_draft(
    db_session: Session,
    actor: StaffMember,
    slug: str,
    lock_version: int,
    change_note: str,
    confirmed_ids: set[str],
) -> int:
    """Publish the draft the page showed as the next revision, and return its number. The
    draft is then gone. StaleDraft if it changed after the page was opened."""
    editing, plan = plan_publishing_draft(db_session, slug)
    if editing.lock_version != lock_version:
        raise StaleDraft(editing.draft)
    _confirm(plan, confirmed_ids)
    version = _publish(db_session, actor, editing.guide, editing.source, change_note)
    removed = db_session.execute(
        delete(GuideDraft)
        .where(GuideDraft.guide_id == editing.guide.id, GuideDraft.lock_version == lock_version)
        .execution_options(synchronize_session=False)
    )
    if removed.rowcount != 1:  # type: ignore[attr-defined]
        db_session.rollback()
        raise StaleDraft(current_draft(db_session, editing.guide.id))
    record(
        db_session,
        actor,
        Action.PUBLISHED,
        slug,
        _with_note(f"revision {version.number}", change_note),
    )
    db_session.commit()
    return version.number


def republish(
    db_session: Session,
    actor: StaffMember,
    slug: str,
    number: int,
    change_note: str,
    confirmed_ids: set[str],
) -> int:
    """Publish revision `number`'s text again as a new revision (a roll back, or putting an
    unpublished guide back up); returns the new revision's number. A draft is left as it is."""
    plan = plan_republishing(db_session, slug, number)
    _confirm(plan, confirmed_ids)
    version = _publish(db_session, actor, plan.guide, plan.source, change_note)
    detail = f"revision {number} as revision {version.number}"
    record(db_session, actor, Action.ROLLED_BACK, slug, _with_note(detail, change_note))
    db_session.commit()
    return version.number


def unpublish(db_session: Session, actor: StaffMember, slug: str, reason: str) -> None:
    """Take the guide down: nobody can open it until a revision is published again. People's
    progress and answers stay in their accounts and downloads."""
    guide = staff_guide(db_session, slug)
    if guide.status is not GuideStatus.PUBLISHED:
        raise NotPublished(slug)
    row = db_session.get_one(Guide, guide.id)
    now = utcnow()
    row.published_version_id = None
    row.unpublished_at = now
    row.last_edited_at = now
    row.last_edited_by_id = actor.id
    record(db_session, actor, Action.UNPUBLISHED, slug, reason)
    db_session.commit()


def _with_note(detail: str, change_note: str) -> str:
    return f"{detail}: {change_note}" if change_note else detail
