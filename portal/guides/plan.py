"""A person's answers as something to read: the "my plan" summary, step by step, and answers to
exercises a guide no longer has. Each kind says its own words (Exercise.plan_entry)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.guides.blocks import AnswersInGuide, Exercise, PlanEntry
from portal.guides.format import ParsedGuide, Step
from portal.guides.kinds import summary_without_question


@dataclass(frozen=True)
class PlanSection:
    step: Step
    entries: tuple[PlanEntry, ...]


def plan_sections(
    guide: ParsedGuide, answers: AnswersInGuide, include: tuple[str, ...] = ()
) -> list[PlanSection]:
    """The person's answers, step by step (only the `include`d exercises if any are named)."""
    sections = []
    for step in guide.steps:
        entries = []
        for block in step.answerable_blocks:
            if include and block.id not in include:
                continue
            answer = answers.of(block)
            entry = block.plan_entry(answer, answers) if answer is not None else None
            if entry is not None:
                entries.append(entry)
        if entries:
            sections.append(PlanSection(step, tuple(entries)))
    return sections


@dataclass(frozen=True)
class OrphanAnswer:
    """An answer to an exercise the guide no longer has (it was edited)."""

    block_id: str
    summary: str


def orphan_answers(guide: ParsedGuide, answers: AnswersInGuide) -> list[OrphanAnswer]:
    """Saved answers that no exercise in the current version reads (it has gone, or its id now
    belongs to another kind of block), so they can be seen and deleted."""
    orphans = []
    for block_id, payload in sorted(answers.payloads.items()):
        block = guide.block(block_id)
        if isinstance(block, Exercise) and block.read(payload) is not None:
            continue
        orphans.append(OrphanAnswer(block_id, summary_without_question(payload)))
    return orphans
