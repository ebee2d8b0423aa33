"""Reflection: a question with a written answer (`::: reflection {#id rows=8 hint="..."}`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from markupsafe import Markup
from wtforms import TextAreaField

from portal.forms import MaxLength
from portal.guides.blocks import (
    NO_TEXT,
    AnswersInGuide,
    AnswerWords,
    BlockProblem,
    Body,
    Exercise,
    ExerciseForm,
    Header,
    PlanEntry,
    plain,
    prompt_and_rest,
)
from portal.guides.questionnaires import Questionnaires
from portal.models.guides import AnswerValue

MAX_LENGTH = 5000


@dataclass(frozen=True)
class TextAnswer:
    """What the person wrote (never empty: a blank answer is not kept)."""

    text: str

    def to_payload(self) -> AnswerValue:
        return {"text": self.text}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self | None:
        text = payload.get("text")
        return cls(text) if isinstance(text, str) else None

    @property
    def lines_without_question(self) -> tuple[str, ...]:
        return (self.text,)

    @property
    def summary_without_question(self) -> str:
        return self.text


@dataclass(frozen=True)
class ReflectionBlock(Exercise[TextAnswer]):
    prompt: Markup = NO_TEXT
    hint: str | None = None
    rows: int = 5

    names = ("reflection",)
    macro = "reflection"
    settings = frozenset({"rows", "hint"})
    answer_type = TextAnswer

    @classmethod
    def parse(cls, header: Header, body: Body) -> Self:
        prompt, extra = prompt_and_rest(header, body)
        if extra is not None:
            raise BlockProblem(
                header.line, 'keep a reflection to one question; put extra help in hint="..."'
            )
        rows = header.whole_number("rows", 5, 2, 20)
        return cls(header.kind, header.id, header.line, prompt, header.attributes.get("hint"), rows)

    def fields(self, definitions: Questionnaires) -> dict[str, Any]:
        return {
            self.field_name: TextAreaField(
                self.prompt,
                validators=[
                    MaxLength(MAX_LENGTH, f"Your answer must be {MAX_LENGTH:,} characters or fewer")
                ],
                description=self.hint or "",
            )
        }

    def initial(self, answer: TextAnswer | None, state: object | None) -> dict[str, Any]:
        return {self.field_name: answer.text} if answer else {}

    def answer_from(self, form: ExerciseForm, saved: TextAnswer | None) -> TextAnswer | None:
        text = (form[self.field_name].data or "").strip()
        return TextAnswer(text) if text else None

    def plan_entry(self, answer: TextAnswer, answers: AnswersInGuide) -> PlanEntry:
        return PlanEntry(self, self.prompt, (answer.text,))

    def download_words(self, answer: TextAnswer, answers: AnswersInGuide) -> AnswerWords:
        return AnswerWords(plain(self.prompt), (answer.text,))
