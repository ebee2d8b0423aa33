"""Every kind of interactive block, found by the name a guide gives it (`::: name`).

A new kind is one class in a module here (portal/guides/blocks.py says what it must have), one
line in KINDS below, and one macro in templates/guides/blocks.html named by the class's `macro`.
tests/test_guides_kinds.py fails if a kind lacks any part.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.guides.blocks import Answer, Block, Body, Exercise, read_header
from portal.guides.kinds.breathing import BreathingBlock
from portal.guides.kinds.callout import CalloutBlock
from portal.guides.kinds.checklist import ChecklistBlock, ChecklistItem, TickedAnswer
from portal.guides.kinds.grounding import GroundingBlock
from portal.guides.kinds.my_plan import MyPlanBlock
from portal.guides.kinds.questionnaire import ChosenAnswer, QuestionnaireBlock
from portal.guides.kinds.reflection import ReflectionBlock, TextAnswer
from portal.guides.kinds.scale import ScaleAnswer, ScaleBlock, ScaleComparison
from portal.guides.kinds.sleep_window import SleepWindowBlock

# In the order "unknown block" lists them to an author.
KINDS: tuple[type[Block], ...] = (
    ReflectionBlock,
    ChecklistBlock,
    ScaleBlock,
    QuestionnaireBlock,
    BreathingBlock,
    GroundingBlock,
    CalloutBlock,
    MyPlanBlock,
    SleepWindowBlock,
)
BLOCK_KINDS: dict[str, type[Block]] = {name: kind for kind in KINDS for name in kind.names}
ANSWER_TYPES: tuple[type[Answer], ...] = tuple(
    kind.answer_type for kind in KINDS if issubclass(kind, Exercise)
)
UNREADABLE = "An answer that can no longer be read"

__all__ = [
    "BLOCK_KINDS",
    "KINDS",
    "BreathingBlock",
    "CalloutBlock",
    "ChecklistBlock",
    "ChecklistItem",
    "ChosenAnswer",
    "GroundingBlock",
    "MyPlanBlock",
    "QuestionnaireBlock",
    "ReflectionBlock",
    "ScaleAnswer",
    "ScaleBlock",
    "ScaleComparison",
    "SleepWindowBlock",
    "TextAnswer",
    "TickedAnswer",
    "answer_alone",
    "lines_without_question",
    "parse_block",
    "results_in_words",
    "summary_without_question",
]


def parse_block(header_text: str, header_line: int, body: Body) -> Block:
    """One block from its first line and its body lines (each with its line number); raises
    BlockProblem with the line at fault."""
    header = read_header(header_text, header_line, BLOCK_KINDS)
    return BLOCK_KINDS[header.kind].parse(header, body)


def answer_alone(payload: Mapping[str, Any]) -> Answer | None:
    """An answer read by its shape alone, when its exercise has gone from the guide or is now
    another kind; None if no kind reads it."""
    for answer_type in ANSWER_TYPES:
        answer = answer_type.from_payload(payload)
        if answer is not None:
            return answer
    return None


def lines_without_question(payload: Mapping[str, Any]) -> tuple[str, ...]:
    answer = answer_alone(payload)
    return answer.lines_without_question if answer else (f"{UNREADABLE}.",)


def summary_without_question(payload: Mapping[str, Any]) -> str:
    answer = answer_alone(payload)
    return answer.summary_without_question if answer else f"{UNREADABLE}."


def results_in_words() -> str:
    """The kinds whose step comes back to show a result ("questionnaire or sleep window")."""
    names = [name.replace("-", " ") for kind in KINDS if kind.shows_result for name in kind.names]
    return " or ".join(names)
