"""What every kind of interactive block in a guide is made of (`::: kind {#id ...}` ... `:::`).

Each kind is one class in portal/guides/kinds/, found by its name in that package's registry. The
class owns everything about its kind: the settings it takes and how its text is read and checked
(a BlockProblem points at the line at fault), and, for an exercise (Exercise), its form fields, its
typed answer (kept as a small dict, sealed), its words in the person's plan and in their download,
and the macro that draws it in templates/guides/blocks.html. This module holds the contract they
all follow and the pieces they share. guides/README.md is the authors' description of the syntax.
"""

from __future__ import annotations

import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, cast

from markupsafe import Markup
from sqlalchemy.orm import Session

from portal.guides.markdown import render_guide_markdown
from portal.guides.questionnaires import QuestionnaireResult, Questionnaires
from portal.models.guides import AnswerValue
from portal.security.sanitise import render_inline_markdown

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HEADER = re.compile(r"^:::\s*([a-z][a-z-]*)\s*(?:\{(.*)\})?\s*$")
ATTRIBUTE = re.compile(
    r'\s*(?:#(?P<id>[^\s}]+)|(?P<name>[a-z-]+)=(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"]+)))'
)
NUMBERED_LINE = re.compile(r"^\d+\. ")
MAX_ID_LENGTH = 64
NO_TEXT = Markup("")  # a default for blocks built in tests or by hand

# A block's lines between its first line and its closing `:::`, each with its line in the file.
Body = list[tuple[int, str]]


class BlockProblem(Exception):
    """Something wrong in a block, with the line (1-based, in the whole file) to point at."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def check_id(value: str, line: int, what: str) -> str:
    if not ID_PATTERN.match(value) or len(value) > MAX_ID_LENGTH:
        raise BlockProblem(
            line,
            f"{what} id {value!r} must be lower-case letters, digits and single hyphens "
            f"(like worry-time-plan), {MAX_ID_LENGTH} characters at most",
        )
    return value


# Reading a block ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """A block's first line, read: its kind, id and settings."""

    kind: str
    id: str | None
    attributes: dict[str, str]
    line: int

    def whole_number(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.attributes.get(name)
        if raw is None:
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise BlockProblem(
                self.line, f"{name} must be a whole number from {low} to {high}, not {raw!r}"
            )
        return int(raw)


def read_header(text: str, line: int, kinds: Mapping[str, type[Block]]) -> Header:
    """A block's first line, checked against the settings its kind takes."""
    match = HEADER.match(text)
    if not match:
        raise BlockProblem(line, f"cannot read this block's first line: {text.strip()!r}")
    kind, attribute_text = match.group(1), match.group(2) or ""
    if kind not in kinds:
        raise BlockProblem(line, f"unknown block {kind!r}; the kinds are: {', '.join(kinds)}")
    block_id: str | None = None
    attributes: dict[str, str] = {}
    position = 0
    while position < len(attribute_text.rstrip()):
        token = ATTRIBUTE.match(attribute_text, position)
        if not token or token.end() == position:
            rest = attribute_text[position:].strip()
            raise BlockProblem(
                line, f'cannot read {rest!r} in the braces: use #id and name="value"'
            )
        if token.group("id") is not None:
            block_id = check_id(token.group("id"), line, "the block's")
        else:
            name = token.group("name")
            allowed = kinds[kind].settings
            if name not in allowed:
                known = ", ".join(sorted(allowed)) or "none"
                raise BlockProblem(
                    line, f"a {kind} block has no {name!r} setting (it has: {known})"
                )
            attributes[name] = (
                token.group("quoted") if token.group("quoted") is not None else token.group("bare")
            )
        position = token.end()
    if kinds[kind].id_required and block_id is None:
        raise BlockProblem(line, f"a {kind} block needs an id: ::: {kind} {{#an-id}}")
    return Header(kind, block_id, attributes, line)


def paragraphs(body: Body) -> list[Body]:
    groups: list[Body] = [[]]
    for number, text in body:
        if text.strip():
            groups[-1].append((number, text))
        elif groups[-1]:
            groups.append([])
    return [group for group in groups if group]


def first_paragraph(paragraph: Body) -> Markup:
    """A question: one paragraph of inline Markdown."""
    return render_inline_markdown(" ".join(text.strip() for _, text in paragraph))


def prompt_and_rest(header: Header, body: Body) -> tuple[Markup, Markup | None]:
    """The first paragraph is the question (one line of inline Markdown); the rest is help."""
    found = paragraphs(body)
    if not found:
        raise BlockProblem(header.line, f"a {header.kind} block needs a question in it")
    rest = [text for group in found[1:] for _, text in [*group, (0, "")]]
    return first_paragraph(found[0]), render_guide_markdown("\n".join(rest)) if rest else None


def markdown_of(body: Body) -> Markup:
    return render_guide_markdown("\n".join(text for _, text in body))


def numbered_steps(header: Header, body: Body) -> Markup:
    if not any(NUMBERED_LINE.match(text) for _, text in body):
        raise BlockProblem(
            header.line, f"a {header.kind} block's text must be a numbered list (1. ...)"
        )
    return markdown_of(body)


def plain(text: Markup) -> str:
    """A guide's own words (rendered Markdown) as plain text, for the download."""
    return text.striptags()


# Answers -----------------------------------------------------------------------------------------


class Answer(Protocol):
    """An exercise's answer, typed. It is stored (sealed) as a small dict, its payload, whose
    shape never changes, so answers saved under any earlier version still open."""

    def to_payload(self) -> AnswerValue: ...

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self | None:
        """The answer, or None when the payload is not this kind of answer."""
        ...

    @property
    def lines_without_question(self) -> tuple[str, ...]:
        """The answer in words, for a download that cannot say what it answered (the exercise
        has gone from the guide, or is now another kind)."""
        ...

    @property
    def summary_without_question(self) -> str:
        """One line for "Your answers", where the exercise it answered has gone."""
        ...


AnswerT = TypeVar("AnswerT", bound=Answer)


@dataclass(frozen=True, eq=False)
class AnswersInGuide:
    """One person's saved answers in one guide, as stored, with the self-check definitions
    that reading them needs."""

    payloads: Mapping[str, AnswerValue]
    definitions: Questionnaires

    def of(self, block: Exercise[AnswerT]) -> AnswerT | None:
        """The block's answer, typed; None if there is none or it is not this kind's."""
        return block.read(self.payloads.get(block.exercise_id))


@dataclass(frozen=True)
class PlanEntry:
    """One answered exercise, in words, for the plan and "Your answers"."""

    block: Block
    question: Markup | str
    # Lines of the person's own words (shown escaped, line breaks kept).
    lines: tuple[str, ...]
    comparison: str | None = None  # with an earlier answer, in words
    result: QuestionnaireResult | None = None


@dataclass(frozen=True)
class AnswerWords:
    """One answer as the download gives it: the question it answered, as plain text (None when
    that cannot be told), and the answer as lines of words."""

    question: str | None
    lines: tuple[str, ...]


class ExerciseForm(Protocol):
    """What an exercise needs of the step's form (portal/guides/forms.py, StepForm)."""

    definitions: Questionnaires

    def __getitem__(self, name: str) -> Any: ...


# The kinds ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block(ABC):
    """A block as read from a guide. `kind` is its name in the guide (one class may read more
    than one name, like the three callouts)."""

    kind: str
    id: str | None
    line: int

    # Each kind says these as class attributes.
    names: ClassVar[tuple[str, ...]]  # the `::: name` it reads
    macro: ClassVar[str]  # its macro in templates/guides/blocks.html: macro(block, page)
    id_required: ClassVar[bool] = True
    settings: ClassVar[frozenset[str]] = frozenset()  # the name="value" settings it takes
    # Saving its step comes back to the step to show a result (#result), so a step holds one.
    shows_result: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def parse(cls, header: Header, body: Body) -> Self:
        """The block from its first line and its body; BlockProblem when something is wrong."""

    def cross_check(
        self, blocks_by_id: Mapping[str, Block], definitions: Questionnaires
    ) -> list[BlockProblem]:
        """Problems found only with the whole guide in hand (`blocks_by_id`: every block with an
        id, in the guide)."""
        return []


class Exercise(Block, Generic[AnswerT]):
    """A block the person answers: it has fields on the step's form and an answer to keep."""

    answer_type: ClassVar[type[Answer]]
    # Whether the person's answer goes into a plan they share with a caseworker (portal.sharing).
    shared_in_plans: ClassVar[bool] = True

    @property
    def exercise_id(self) -> str:
        return self.id or ""  # every exercise kind requires an id

    @property
    def field_name(self) -> str:
        """The form field (and element id) for the exercise."""
        return f"answer-{self.id}"

    def item_field_name(self, number: int) -> str:
        """The form field for one part of the exercise (1-based), like a self-check's item. Ids
        never hold "--", so this cannot clash with another exercise's field."""
        return f"answer-{self.id}--{number}"

    def read(self, payload: Mapping[str, Any] | None) -> AnswerT | None:
        """The saved answer, typed; None if nothing was saved or it is not this kind's answer
        (a guide reused the id for another kind of exercise)."""
        if payload is None:
            return None
        return cast("AnswerT | None", self.answer_type.from_payload(payload))

    # The step's form -------------------------------------------------------------------------

    @abstractmethod
    def fields(self, definitions: Questionnaires) -> dict[str, Any]:
        """The exercise's WTForms fields (unbound), by name."""

    @abstractmethod
    def initial(self, answer: AnswerT | None, state: object | None) -> dict[str, Any]:
        """What the fields show before anything is sent, by field name."""

    @abstractmethod
    def answer_from(self, form: ExerciseForm, saved: AnswerT | None) -> AnswerT | None:
        """The answer in a valid form, or None when it was left blank (nothing to keep)."""

    def check(self, form: ExerciseForm) -> bool:
        """Rules across the exercise's fields; sets the fields' errors and returns False."""
        return True

    # The step page ---------------------------------------------------------------------------

    def page_state(
        self,
        db_session: Session,
        user_id: uuid.UUID | None,
        saved: AnswerT | None,
        today: date,
    ) -> object | None:
        """Anything besides the answer the exercise shows this person today (the sleep window's
        diary figures), worked out once per page; None for most kinds."""
        return None

    def can_answer(self, state: object | None) -> bool:
        """Whether the person can answer it now, given its page_state()."""
        return True

    def error_anchor(self, definitions: Questionnaires) -> str | None:
        """Where a page sent back with errors should open, if not at the top."""
        return None

    def result_button(self, signed_in: bool) -> str | None:
        """The save button's words, for a kind that shows_result."""
        return None

    # Words -------------------------------------------------------------------------------------

    @abstractmethod
    def plan_entry(self, answer: AnswerT, answers: AnswersInGuide) -> PlanEntry | None:
        """The answer in the person's plan and "Your answers" (None: nothing worth showing)."""

    @abstractmethod
    def download_words(self, answer: AnswerT, answers: AnswersInGuide) -> AnswerWords:
        """The question and the answer, in plain words, for the person's download."""
