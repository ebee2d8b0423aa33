"""A person's answers as something to read: the "my plan" summary, scale comparisons and
self-check results."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from portal.guides.blocks import (
    Block,
    ChecklistBlock,
    QuestionnaireBlock,
    ReflectionBlock,
    ScaleBlock,
    SleepWindowBlock,
)
from portal.guides.format import ParsedGuide, Step
from portal.guides.questionnaires import QuestionnaireResult, Questionnaires
from portal.guides.sleep_window import SleepWindow
from portal.models.guides import AnswerValue


@dataclass(frozen=True)
class ScaleComparison:
    earlier: int
    now: int

    @property
    def change(self) -> int:
        return self.now - self.earlier

    @property
    def in_words(self) -> str:
        if self.change == 0:
            return f"The same as before: {self.now} out of 10."
        direction = "lower" if self.change < 0 else "higher"
        points = "point" if abs(self.change) == 1 else "points"
        change = f"{abs(self.change)} {points} {direction}"
        return f"Before: {self.earlier}. Now: {self.now}. That is {change}."


def scale_comparison(block: ScaleBlock, answers: dict[str, AnswerValue]) -> ScaleComparison | None:
    """Before and after, when this scale compares with an earlier one and both are answered."""
    if block.compare is None:
        return None
    earlier, now = answers.get(block.compare), answers.get(block.id or "")
    if earlier is None or now is None:
        return None
    return ScaleComparison(int(earlier["value"]), int(now["value"]))


def questionnaire_result(
    block: QuestionnaireBlock, answers: dict[str, AnswerValue], definitions: Questionnaires
) -> QuestionnaireResult | None:
    answer = answers.get(block.id or "")
    if answer is None:
        return None
    return definitions[block.definition_id].result(answer.get("chosen", []))


@dataclass(frozen=True)
class PlanEntry:
    """One answered exercise, in words."""

    block: Block
    question: Markup | str
    # Lines of the person's own words (shown escaped, line breaks kept).
    lines: tuple[str, ...]
    comparison: ScaleComparison | None = None
    result: QuestionnaireResult | None = None


@dataclass(frozen=True)
class PlanSection:
    step: Step
    entries: tuple[PlanEntry, ...]


def _entry(
    block: Block, answer: AnswerValue, answers: dict[str, AnswerValue], definitions: Questionnaires
) -> PlanEntry | None:
    if isinstance(block, ReflectionBlock):
        return PlanEntry(block, block.prompt, (answer.get("text", ""),))
    if isinstance(block, ChecklistBlock):
        ticked = tuple(
            str(block.label_of(item)) for item in answer.get("ticked", []) if block.label_of(item)
        )
        return PlanEntry(block, block.prompt, ticked) if ticked else None
    if isinstance(block, ScaleBlock):
        value = int(answer["value"])
        line = f"{value} out of 10 (0 is {block.low}, 10 is {block.high})"
        return PlanEntry(block, block.prompt, (line,), comparison=scale_comparison(block, answers))
    if isinstance(block, QuestionnaireBlock):
        definition = definitions[block.definition_id]
        result = definition.result(answer.get("chosen", []))
        if result is None:
            return PlanEntry(block, definition.title, ("Not finished yet.",))
        return PlanEntry(block, definition.title, (), result=result)
    if isinstance(block, SleepWindowBlock):
        return PlanEntry(block, "Your sleep window", sleep_window_lines(answer))
    return None


def sleep_window_lines(answer: AnswerValue) -> tuple[str, ...]:
    """A saved sleep window in words, for the plan, the answers page and the download."""
    window = SleepWindow.from_answer(answer)
    if window is None:
        return ("A sleep window that can no longer be read.",)
    return (
        window.in_words,
        f"Set on {window.set_on:%A} {window.set_on.day} {window.set_on:%B %Y}.",
    )


def plan_sections(
    guide: ParsedGuide,
    answers: dict[str, AnswerValue],
    definitions: Questionnaires,
    include: tuple[str, ...] = (),
) -> list[PlanSection]:
    """The person's answers, step by step (only the `include`d exercises if any are named)."""
    sections = []
    for step in guide.steps:
        entries = []
        for block in step.answerable_blocks:
            if include and block.id not in include:
                continue
            answer = answers.get(block.id or "")
            entry = _entry(block, answer, answers, definitions) if answer else None
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


def orphan_answers(guide: ParsedGuide, answers: dict[str, AnswerValue]) -> list[OrphanAnswer]:
    """Saved answers whose exercise has gone from the current version, so they can be deleted."""
    orphans = []
    for block_id, answer in sorted(answers.items()):
        if guide.block(block_id) is not None:
            continue
        if "text" in answer:
            summary = answer["text"]
        elif "value" in answer:
            summary = f"{answer['value']} out of 10"
        elif "ticked" in answer:
            summary = f"{len(answer['ticked'])} items ticked"
        elif "wake" in answer:
            summary = " ".join(sleep_window_lines(answer))

        else:
            summary = "Answers to a self-check"
        orphans.append(OrphanAnswer(block_id, summary))
    return orphans
