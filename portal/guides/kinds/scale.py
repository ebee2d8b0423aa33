"""Scale: a rating from 0 to 10 with its two ends labelled, perhaps compared with an earlier one
(`::: scale {#after low="Calm" high="Very anxious" compare="before"}`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from portal.forms import OptionalRadioField
from portal.guides.blocks import (
    NO_TEXT,
    AnswersInGuide,
    AnswerWords,
    Block,
    BlockProblem,
    Body,
    Exercise,
    ExerciseForm,
    Header,
    PlanEntry,
    check_id,
    plain,
    prompt_and_rest,
)
from portal.guides.questionnaires import Questionnaires
from portal.models.guides import AnswerValue

LOWEST, HIGHEST = 0, 10
CHOICES = [SelectChoice(str(n)) for n in range(LOWEST, HIGHEST + 1)]


@dataclass(frozen=True)
class ScaleAnswer:
    value: int

    def to_payload(self) -> AnswerValue:
        return {"value": self.value}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self | None:
        try:
            return cls(int(payload["value"]))
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def lines_without_question(self) -> tuple[str, ...]:
        return (self.summary_without_question,)

    @property
    def summary_without_question(self) -> str:
        return f"{self.value} out of {HIGHEST}"


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
            return f"The same as before: {self.now} out of {HIGHEST}."
        direction = "lower" if self.change < 0 else "higher"
        points = "point" if abs(self.change) == 1 else "points"
        change = f"{abs(self.change)} {points} {direction}"
        return f"Before: {self.earlier}. Now: {self.now}. That is {change}."


@dataclass(frozen=True)
class ScaleBlock(Exercise[ScaleAnswer]):
    prompt: Markup = NO_TEXT
    low: str = ""
    high: str = ""
    compare: str | None = None

    names = ("scale",)
    macro = "scale"
    settings = frozenset({"low", "high", "compare"})
    answer_type = ScaleAnswer

    @classmethod
    def parse(cls, header: Header, body: Body) -> Self:
        prompt, _ = prompt_and_rest(header, body)
        for end in ("low", "high"):
            if not header.attributes.get(end):
                raise BlockProblem(
                    header.line,
                    f'a scale needs labels for both ends: low="..." high="..." ({end} is missing)',
                )
        compare = header.attributes.get("compare")
        if compare is not None:
            check_id(compare, header.line, "compare's")
        return cls(
            header.kind,
            header.id,
            header.line,
            prompt,
            header.attributes["low"],
            header.attributes["high"],
            compare,
        )

    def cross_check(
        self, blocks_by_id: Mapping[str, Block], definitions: Questionnaires
    ) -> list[BlockProblem]:
        if self.compare is None:
            return []
        earlier = blocks_by_id.get(self.compare)
        if not isinstance(earlier, ScaleBlock) or earlier.line >= self.line:
            return [
                BlockProblem(
                    self.line,
                    f"compare={self.compare!r} must name a scale earlier in this guide",
                )
            ]
        return []

    def fields(self, definitions: Questionnaires) -> dict[str, Any]:
        return {
            self.field_name: OptionalRadioField(
                self.prompt,
                choices=CHOICES,
                description=f"{LOWEST} is {self.low}, {HIGHEST} is {self.high}",
            )
        }

    def initial(self, answer: ScaleAnswer | None, state: object | None) -> dict[str, Any]:
        return {self.field_name: str(answer.value)} if answer else {}

    def answer_from(self, form: ExerciseForm, saved: ScaleAnswer | None) -> ScaleAnswer | None:
        chosen = form[self.field_name].data
        return ScaleAnswer(int(chosen)) if chosen is not None else None

    def comparison(self, answers: AnswersInGuide) -> ScaleComparison | None:
        """Before and after, when this scale compares with an earlier one and both are answered."""
        if self.compare is None:
            return None
        earlier = ScaleAnswer.from_payload(answers.payloads.get(self.compare) or {})
        now = answers.of(self)
        if earlier is None or now is None:
            return None
        return ScaleComparison(earlier.value, now.value)

    def _in_words(self, answer: ScaleAnswer) -> str:
        return f"{answer.value} out of {HIGHEST} ({LOWEST} is {self.low}, {HIGHEST} is {self.high})"

    def plan_entry(self, answer: ScaleAnswer, answers: AnswersInGuide) -> PlanEntry:
        comparison = self.comparison(answers)
        return PlanEntry(
            self,
            self.prompt,
            (self._in_words(answer),),
            comparison=comparison.in_words if comparison else None,
        )

    def download_words(self, answer: ScaleAnswer, answers: AnswersInGuide) -> AnswerWords:
        comparison = self.comparison(answers)
        lines = (self._in_words(answer), *([comparison.in_words] if comparison else []))
        return AnswerWords(plain(self.prompt), lines)
