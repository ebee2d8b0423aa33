"""The guides' part of a person's download: how far they got in each guide they started, and
every answer they saved, with the question it answered, so the copy reads on its own. The same
words make a guide's plan when the person shares it (portal.sharing)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from portal.dates import moment_in_words
from portal.guides.answers import SavedAnswer, all_answers
from portal.guides.blocks import AnswersInGuide, AnswerWords, Exercise
from portal.guides.format import ParsedGuide
from portal.guides.kinds import lines_without_question
from portal.guides.library import parsed_version, questionnaires
from portal.guides.questionnaires import Questionnaires
from portal.journeys import ExportItem, ExportSection
from portal.models.guides import AnswerValue, Guide, GuideAnswer, GuideProgress, GuideVersion

GONE_FROM_GUIDE = "An exercise that is no longer in this guide"


@dataclass(frozen=True)
class GuideWorkedOn:
    """A guide the person has progress or answers in, as the database has it."""

    guide_id: uuid.UUID
    slug: str
    version_id: uuid.UUID | None  # None if the guide is no longer published
    title: str | None
    completed_steps: list[str] | None
    started_at: datetime | None
    updated_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class AnswerInWords:
    block_id: str
    step: str | None  # None when the exercise is no longer in the guide
    question: str | None
    lines: tuple[str, ...]
    saved: SavedAnswer


def guides_section(db_session: Session, owner_id: uuid.UUID) -> ExportSection:
    """Every guide the person has started or answered, with their progress and answers, in two
    queries whatever their number (plus one per guide version this process has not yet read)."""
    answers = _answers_by_guide(db_session, owner_id)
    worked_on = _guides_worked_on(db_session, owner_id, list(answers))
    definitions = questionnaires()
    data: list[dict[str, Any]] = []
    items: list[ExportItem] = []
    for guide in worked_on:
        parsed = parsed_version(db_session, guide.version_id) if guide.version_id else None
        in_words = _answers_in_words(parsed, answers.get(guide.guide_id, {}), definitions)
        data.append(_guide_data(guide, parsed, in_words))
        items.append(_guide_item(guide, parsed, in_words))
    return ExportSection(key="guides", title="Your guides", data=data, items=tuple(items))


@dataclass(frozen=True)
class GuideAnswered:
    """A published guide the person has saved answers in: a plan they could share."""

    slug: str
    title: str


def guides_answered(db_session: Session, owner_id: uuid.UUID) -> list[GuideAnswered]:
    """The published guides the person has answers in, by title, in one query (nothing opened)."""
    rows = db_session.execute(
        select(Guide.slug, GuideVersion.title)
        .join(GuideVersion, GuideVersion.id == Guide.published_version_id)
        .where(Guide.id.in_(select(GuideAnswer.guide_id).where(GuideAnswer.user_id == owner_id)))
    ).all()
    answered = (GuideAnswered(slug, title) for slug, title in rows)
    return sorted(answered, key=lambda guide: (guide.title.casefold(), guide.slug))


@dataclass(frozen=True)
class StepInWords:
    """A step of a guide and the person's answers in it, as words."""

    title: str
    answers: tuple[AnswerWords, ...]


@dataclass(frozen=True)
class PlanInWords:
    """A guide's plan as words, to share: the person's answers to the exercises it has now,
    step by step. Answers to exercises it no longer has are left out, as on its "my plan" page,
    and so are those of kinds never shared (self-checks: Exercise.shared_in_plans)."""

    slug: str
    title: str
    steps: tuple[StepInWords, ...]


def plans_in_words(
    db_session: Session, owner_id: uuid.UUID, slugs: Collection[str]
) -> list[PlanInWords]:
    """The plans of the named guides that are published, in the order of their titles."""
    answers = _answers_by_guide(db_session, owner_id)
    definitions = questionnaires()
    plans = []
    for guide in _guides_worked_on(db_session, owner_id, list(answers)):
        if guide.slug not in slugs or guide.version_id is None:
            continue
        parsed = parsed_version(db_session, guide.version_id)
        in_words = _answers_in_words(parsed, answers.get(guide.guide_id, {}), definitions)
        in_steps = (answer for answer in in_words if _shared_in_plans(parsed, answer))
        steps = tuple(
            StepInWords(
                str(step), tuple(AnswerWords(answer.question, answer.lines) for answer in group)
            )
            for step, group in groupby(in_steps, key=lambda answer: answer.step)
        )
        plans.append(PlanInWords(guide.slug, guide.title or guide.slug, steps))
    return plans


def _shared_in_plans(guide: ParsedGuide, answer: AnswerInWords) -> bool:
    block = guide.block(answer.block_id)
    return answer.step is not None and isinstance(block, Exercise) and block.shared_in_plans


def _answers_by_guide(
    db_session: Session, owner_id: uuid.UUID
) -> dict[uuid.UUID, dict[str, SavedAnswer]]:
    """All the person's answers, by guide and exercise, in one query."""
    answers: dict[uuid.UUID, dict[str, SavedAnswer]] = defaultdict(dict)
    for answer in all_answers(db_session, owner_id):
        answers[answer.guide_id][answer.block_id] = answer
    return dict(answers)


def _guides_worked_on(
    db_session: Session, owner_id: uuid.UUID, answered: list[uuid.UUID]
) -> list[GuideWorkedOn]:
    rows = db_session.execute(
        select(
            Guide.id,
            Guide.slug,
            Guide.published_version_id,
            GuideVersion.title,
            GuideProgress.completed_steps,
            GuideProgress.started_at,
            GuideProgress.updated_at,
            GuideProgress.completed_at,
        )
        .select_from(Guide)
        .outerjoin(GuideVersion, GuideVersion.id == Guide.published_version_id)
        .outerjoin(
            GuideProgress,
            and_(GuideProgress.guide_id == Guide.id, GuideProgress.user_id == owner_id),
        )
        .where(or_(GuideProgress.id.is_not(None), Guide.id.in_(answered)))
    ).all()
    guides = [GuideWorkedOn(*row) for row in rows]
    return sorted(guides, key=lambda g: ((g.title or g.slug).casefold(), g.slug))


def _answers_in_words(
    parsed: ParsedGuide | None, saved: dict[str, SavedAnswer], definitions: Questionnaires
) -> list[AnswerInWords]:
    """The answers in the guide's order, then any to exercises the guide no longer has."""
    answers = AnswersInGuide(
        {block_id: answer.value for block_id, answer in saved.items()}, definitions
    )
    described: list[AnswerInWords] = []
    if parsed is not None:
        for step, block in parsed.answerable_blocks():
            saved_answer = saved.get(block.exercise_id)
            if saved_answer is not None:
                words = _in_words(block, saved_answer.value, answers)
                described.append(
                    AnswerInWords(
                        block.exercise_id, step.title, words.question, words.lines, saved_answer
                    )
                )
    shown = {answer.block_id for answer in described}
    for block_id in sorted(set(saved) - shown):
        answer = saved[block_id]
        described.append(
            AnswerInWords(block_id, None, None, lines_without_question(answer.value), answer)
        )
    return described


def _in_words(block: Exercise[Any], value: AnswerValue, answers: AnswersInGuide) -> AnswerWords:
    """The answer with its question; or, when this exercise cannot read it (a later version
    reused the id for another kind, or changed the self-check under it), as it was saved: the
    download must still come."""
    answer = block.read(value)
    if answer is not None:
        with suppress(KeyError, TypeError, ValueError, IndexError):
            return block.download_words(answer, answers)
    return AnswerWords(None, lines_without_question(value))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _guide_data(
    guide: GuideWorkedOn, parsed: ParsedGuide | None, answers: list[AnswerInWords]
) -> dict[str, Any]:
    return {
        "guide": guide.slug,
        "title": guide.title or guide.slug,
        "steps_in_guide": len(parsed.steps) if parsed else None,
        "steps_finished": list(guide.completed_steps or []),
        "started_at": _iso(guide.started_at),
        "last_worked_on_at": _iso(guide.updated_at),
        "finished_at": _iso(guide.completed_at),
        "answers": [
            {
                "exercise": answer.block_id,
                "step": answer.step,
                "question": answer.question,
                "answer": answer.saved.value,
                "in_words": list(answer.lines),
                "saved_at": answer.saved.saved_at.isoformat(),
            }
            for answer in answers
        ],
    }


def _guide_item(
    guide: GuideWorkedOn, parsed: ParsedGuide | None, answers: list[AnswerInWords]
) -> ExportItem:
    done = guide.completed_steps or []
    rows: list[tuple[str, str]] = []
    if parsed is not None:
        titles = [step.title for step in parsed.steps if step.id in done]
        rows.append(("Progress", f"{len(titles)} of {len(parsed.steps)} steps finished"))
        if titles:
            rows.append(("Steps finished", "\n".join(titles)))
    if guide.started_at:
        rows.append(("Started", moment_in_words(guide.started_at)))
    if guide.completed_at:
        rows.append(("Finished", moment_in_words(guide.completed_at)))
    for answer in answers:
        label = answer.question or f"{GONE_FROM_GUIDE} ({answer.block_id})"
        rows.append((label, "\n".join(answer.lines)))
    return ExportItem(heading=guide.title or guide.slug, rows=tuple(rows))
