"""People's answers and progress: sealed in their account, or kept in the (sealed, server-side)
session for someone without an account until they make one or sign in. Pages reach both through
one AnswerStore (answer_store()), so they never ask which it is.

Every query here names the owner: nobody's answers can be reached through someone else's id.
Answers are stored as their payloads (Answer.to_payload(), portal/guides/blocks.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from flask import Flask
from sqlalchemy import CursorResult, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.guides.blocks import Answer
from portal.guides.format import ParsedGuide
from portal.guides.library import PublishedGuide, guide_by_slug, parsed_version
from portal.models.base import utcnow
from portal.models.guides import AnswerValue, GuideAnswer, GuideProgress
from portal.security.data_keys import cipher_for
from portal.signals import account_signed_in

ANSWER_KIND = "guide_answer"
ANONYMOUS_WORK = "guide_work"  # session key: {slug: {"answers": {...}, "done": [...]}}


def _seal(user_id: uuid.UUID, row_id: uuid.UUID, value: AnswerValue) -> bytes:
    return cipher_for(user_id).seal_json(value, kind=ANSWER_KIND, record_id=row_id, field="value")


def _open(user_id: uuid.UUID, row_id: uuid.UUID, sealed: bytes) -> AnswerValue:
    return cipher_for(user_id).open_json(sealed, kind=ANSWER_KIND, record_id=row_id, field="value")


# Built once: every step page a signed-in person opens runs this.
_ANSWERS_IN_GUIDE = select(GuideAnswer.id, GuideAnswer.block_id, GuideAnswer.value_sealed).where(
    GuideAnswer.user_id == bindparam("user_id"), GuideAnswer.guide_id == bindparam("guide_id")
)


def load_answers(
    db_session: Session, user_id: uuid.UUID, guide_id: uuid.UUID
) -> dict[str, AnswerValue]:
    """The person's answers in one guide, by exercise id (no key is fetched if there are none)."""
    rows = (
        db_session.connection()
        .execute(_ANSWERS_IN_GUIDE, {"user_id": user_id, "guide_id": guide_id})
        .all()
    )
    return {block_id: _open(user_id, row_id, sealed) for row_id, block_id, sealed in rows}


@dataclass(frozen=True)
class SavedAnswer:
    """One saved answer, opened, with the guide it belongs to and when it was last saved."""

    guide_id: uuid.UUID
    block_id: str
    value: AnswerValue
    saved_at: datetime


def all_answers(db_session: Session, user_id: uuid.UUID) -> list[SavedAnswer]:
    """Every answer the person has saved, in every guide, in one query (for their download)."""
    rows = (
        db_session.connection()
        .execute(
            select(
                GuideAnswer.id,
                GuideAnswer.guide_id,
                GuideAnswer.block_id,
                GuideAnswer.value_sealed,
                GuideAnswer.updated_at,
            ).where(GuideAnswer.user_id == user_id)
        )
        .all()
    )
    return [
        SavedAnswer(guide_id, block_id, _open(user_id, row_id, sealed), updated_at)
        for row_id, guide_id, block_id, sealed, updated_at in rows
    ]


def save_answers(
    db_session: Session,
    user_id: uuid.UUID,
    guide_id: uuid.UUID,
    values: Mapping[str, AnswerValue | None],
) -> None:
    """Store (or, for None, remove) answers; the caller commits."""
    existing = {
        row.block_id: row
        for row in db_session.scalars(
            select(GuideAnswer).where(
                GuideAnswer.user_id == user_id,
                GuideAnswer.guide_id == guide_id,
                GuideAnswer.block_id.in_(list(values)),
            )
        )
    }
    for block_id, value in values.items():
        row = existing.get(block_id)
        if value is None:
            if row is not None:
                db_session.delete(row)
            continue
        if row is None:
            row = GuideAnswer(
                id=uuid.uuid4(),
                user_id=user_id,
                guide_id=guide_id,
                block_id=block_id,
                value_sealed=b"",
            )
            db_session.add(row)
        row.value_sealed = _seal(user_id, row.id, value)
        row.updated_at = utcnow()


def mark_done(
    db_session: Session,
    user_id: uuid.UUID,
    guide_id: uuid.UUID,
    progress: GuideProgress | None,
    step_ids: list[str],
    guide: ParsedGuide,
) -> GuideProgress:
    """Add finished steps to the person's progress, completing the guide when all are done."""
    if progress is None:
        progress = db_session.scalars(
            select(GuideProgress).where(
                GuideProgress.user_id == user_id, GuideProgress.guide_id == guide_id
            )
        ).one_or_none()
    if progress is None:
        progress = GuideProgress(user_id=user_id, guide_id=guide_id, completed_steps=[])
        db_session.add(progress)
    done = [*progress.completed_steps, *(s for s in step_ids if s not in progress.completed_steps)]
    progress.completed_steps = done  # a new list, so SQLAlchemy sees the change
    progress.updated_at = utcnow()
    if progress.completed_at is None and set(guide.step_ids) <= set(done):
        progress.completed_at = utcnow()
    return progress


def save_step(
    db_session: Session,
    user_id: uuid.UUID,
    guide_id: uuid.UUID,
    guide: ParsedGuide,
    step_id: str,
    values: Mapping[str, AnswerValue | None],
) -> None:
    """Save a step's answers and mark it done, in one transaction (tried twice if another tab
    saved the same exercise at the same moment)."""
    for attempt in range(2):
        try:
            save_answers(db_session, user_id, guide_id, values)
            mark_done(db_session, user_id, guide_id, None, [step_id], guide)
            db_session.commit()
            return
        except IntegrityError:
            db_session.rollback()
            if attempt:
                raise


def delete_answer(
    db_session: Session, user_id: uuid.UUID, guide_id: uuid.UUID, block_id: str
) -> bool:
    # A DELETE's result is a CursorResult, which counts the rows it removed.
    result = cast(
        "CursorResult[Any]",
        db_session.execute(
            delete(GuideAnswer).where(
                GuideAnswer.user_id == user_id,
                GuideAnswer.guide_id == guide_id,
                GuideAnswer.block_id == block_id,
            )
        ),
    )
    db_session.commit()
    return bool(result.rowcount)


def start_again(db_session: Session, user_id: uuid.UUID, guide_id: uuid.UUID) -> None:
    """Forget the person's answers and progress in one guide."""
    for model in (GuideAnswer, GuideProgress):
        db_session.execute(
            delete(model).where(model.user_id == user_id, model.guide_id == guide_id)
        )
    db_session.commit()


def first_unfinished_step(guide: ParsedGuide, done: list[str]) -> str | None:
    """Where to resume: the first step not yet finished, in the guide's current order."""
    return next((step_id for step_id in guide.step_ids if step_id not in done), None)


@dataclass
class AnonymousWork:
    """What someone without an account has done in one guide, kept in their session."""

    answers: dict[str, AnswerValue] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)


def anonymous_work(session: Mapping[str, Any], slug: str) -> AnonymousWork:
    kept = session.get(ANONYMOUS_WORK, {}).get(slug)
    return AnonymousWork(dict(kept["answers"]), list(kept["done"])) if kept else AnonymousWork()


def keep_anonymous_work(
    session: MutableMapping[str, Any],
    slug: str,
    step_id: str,
    values: Mapping[str, AnswerValue | None],
) -> None:
    work = anonymous_work(session, slug)
    for block_id, value in values.items():
        if value is None:
            work.answers.pop(block_id, None)
        else:
            work.answers[block_id] = value
    if step_id not in work.done:
        work.done.append(step_id)
    everything = dict(session.get(ANONYMOUS_WORK, {}))
    everything[slug] = {"answers": work.answers, "done": work.done}
    session[ANONYMOUS_WORK] = everything


def forget_anonymous_answer(session: MutableMapping[str, Any], slug: str, block_id: str) -> bool:
    """Delete one kept answer; True if there was one."""
    work = anonymous_work(session, slug)
    if work.answers.pop(block_id, None) is None:
        return False
    everything = dict(session.get(ANONYMOUS_WORK, {}))
    everything[slug] = {"answers": work.answers, "done": work.done}
    session[ANONYMOUS_WORK] = everything
    return True


def forget_anonymous_work(session: MutableMapping[str, Any], slug: str | None = None) -> None:
    everything = dict(session.get(ANONYMOUS_WORK, {}))
    if slug is None:
        everything.clear()
    else:
        everything.pop(slug, None)
    if everything:
        session[ANONYMOUS_WORK] = everything
    else:
        session.pop(ANONYMOUS_WORK, None)


class AnswerStore(Protocol):
    """Where one person's answers and progress in one guide are kept."""

    def payloads(self) -> dict[str, AnswerValue]:
        """The saved answers, by exercise id, as stored."""
        ...

    @property
    def done(self) -> list[str]:
        """The ids of the steps finished."""
        ...

    def save_step(
        self, guide: ParsedGuide, step_id: str, answers: Mapping[str, Answer | None]
    ) -> None:
        """Keep a step's answers (None removes one) and mark the step done."""
        ...

    def delete(self, block_id: str) -> bool:
        """Delete one answer; True if there was one."""
        ...

    def start_again(self) -> None:
        """Forget every answer and all progress in the guide."""
        ...


def _payloads(answers: Mapping[str, Answer | None]) -> dict[str, AnswerValue | None]:
    return {
        block_id: answer.to_payload() if answer is not None else None
        for block_id, answer in answers.items()
    }


@dataclass(frozen=True)
class AccountAnswers:
    """A signed-in person's answers, sealed in the database."""

    db_session: Session
    user_id: uuid.UUID
    guide_id: uuid.UUID
    # Read with the guide (library.published_guide), so the page needs no query for it.
    completed_steps: list[str]

    def payloads(self) -> dict[str, AnswerValue]:
        return load_answers(self.db_session, self.user_id, self.guide_id)

    @property
    def done(self) -> list[str]:
        return self.completed_steps

    def save_step(
        self, guide: ParsedGuide, step_id: str, answers: Mapping[str, Answer | None]
    ) -> None:
        save_step(self.db_session, self.user_id, self.guide_id, guide, step_id, _payloads(answers))

    def delete(self, block_id: str) -> bool:
        return delete_answer(self.db_session, self.user_id, self.guide_id, block_id)

    def start_again(self) -> None:
        start_again(self.db_session, self.user_id, self.guide_id)


@dataclass(frozen=True)
class VisitorAnswers:
    """The answers of someone without an account, kept in their session."""

    session: MutableMapping[str, Any]
    slug: str

    def payloads(self) -> dict[str, AnswerValue]:
        return anonymous_work(self.session, self.slug).answers

    @property
    def done(self) -> list[str]:
        return anonymous_work(self.session, self.slug).done

    def save_step(
        self, guide: ParsedGuide, step_id: str, answers: Mapping[str, Answer | None]
    ) -> None:
        keep_anonymous_work(self.session, self.slug, step_id, _payloads(answers))

    def delete(self, block_id: str) -> bool:
        return forget_anonymous_answer(self.session, self.slug, block_id)

    def start_again(self) -> None:
        forget_anonymous_work(self.session, self.slug)


def answer_store(
    db_session: Session,
    session: MutableMapping[str, Any],
    user_id: uuid.UUID | None,
    guide: PublishedGuide,
) -> AnswerStore:
    """The person's store for this guide: their account's, or their session's without one."""
    if user_id is None:
        return VisitorAnswers(session, guide.slug)
    return AccountAnswers(db_session, user_id, guide.guide_id, guide.completed_steps)


@account_signed_in.connect
def move_anonymous_work_into_account(
    _app: Flask, user_id: uuid.UUID, session_data: MutableMapping[str, Any], **_: Any
) -> None:
    """Nothing typed before signing up (or in) is lost: it moves into the account, sealed."""
    work_by_slug = session_data.get(ANONYMOUS_WORK) or {}
    if not work_by_slug:
        return
    for slug, work in work_by_slug.items():
        guide = guide_by_slug(db.session, slug)
        if guide is None or guide.published_version_id is None:
            continue
        save_answers(db.session, user_id, guide.id, work["answers"])
        guide_text = parsed_version(db.session, guide.published_version_id)
        mark_done(db.session, user_id, guide.id, None, work["done"], guide_text)
    db.session.commit()
    forget_anonymous_work(session_data)
