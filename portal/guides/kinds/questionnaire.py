"""Questionnaire: a scored self-check (GAD-7, PHQ-9...) from a definition in
guides/questionnaires/ (`::: questionnaire {#id use="gad-7"}`), one radio question per item.

Saving comes back to the step to show the result; an urgent answer (PHQ-9 item 9) shows who to
talk to at once (docs/safety-hazard-log.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from portal.forms import OptionalRadioField
from portal.guides.blocks import (
    AnswersInGuide,
    AnswerWords,
    Block,
    BlockProblem,
    Body,
    Exercise,
    ExerciseForm,
    Header,
    PlanEntry,
    first_paragraph,
    paragraphs,
    plain,
)
from portal.guides.questionnaires import Questionnaire, QuestionnaireResult, Questionnaires
from portal.models.guides import AnswerValue


@dataclass(frozen=True)
class ChosenAnswer:
    """The option chosen for each item, by its index, or None for an item left blank."""

    chosen: tuple[int | None, ...]

    def to_payload(self) -> AnswerValue:
        return {"chosen": list(self.chosen)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self | None:
        chosen = payload.get("chosen")
        if not isinstance(chosen, list) or not all(
            item is None or (isinstance(item, int) and not isinstance(item, bool))
            for item in chosen
        ):
            return None
        return cls(tuple(chosen))

    @property
    def lines_without_question(self) -> tuple[str, ...]:
        return (self.summary_without_question,)

    @property
    def summary_without_question(self) -> str:
        return "Answers to a self-check"


@dataclass(frozen=True)
class QuestionnaireBlock(Exercise[ChosenAnswer]):
    definition_id: str = ""
    prompt: Markup | None = None

    names = ("questionnaire",)
    macro = "questionnaire"
    settings = frozenset({"use"})
    shows_result = True
    answer_type = ChosenAnswer
    # A self-check's answers are health information (and PHQ-9 item 9 is about self-harm),
    # written for the person alone: a plan shared with a caseworker leaves them out.
    shared_in_plans = False

    @classmethod
    def parse(cls, header: Header, body: Body) -> Self:
        definition = header.attributes.get("use")
        if not definition:
            raise BlockProblem(
                header.line,
                'a questionnaire needs use="..." naming its definition, like use="gad-7"',
            )
        found = paragraphs(body)
        prompt = first_paragraph(found[0]) if found else None
        return cls(header.kind, header.id, header.line, definition, prompt)

    def cross_check(
        self, blocks_by_id: Mapping[str, Block], definitions: Questionnaires
    ) -> list[BlockProblem]:
        if self.definition_id in definitions:
            return []
        known = ", ".join(sorted(definitions)) or "none"
        return [
            BlockProblem(
                self.line, f"no questionnaire called {self.definition_id!r} (there are: {known})"
            )
        ]

    def definition(self, definitions: Questionnaires) -> Questionnaire:
        return definitions[self.definition_id]

    # The step's form -------------------------------------------------------------------------

    def fields(self, definitions: Questionnaires) -> dict[str, Any]:
        definition = self.definition(definitions)
        choices = [
            SelectChoice(str(index), option.label)
            for index, option in enumerate(definition.options)
        ]
        return {
            self.item_field_name(number): OptionalRadioField(f"{number}. {item}", choices=choices)
            for number, item in enumerate(definition.items, start=1)
        }

    def initial(self, answer: ChosenAnswer | None, state: object | None) -> dict[str, Any]:
        if answer is None:
            return {}
        return {
            self.item_field_name(number): str(chosen)
            for number, chosen in enumerate(answer.chosen, start=1)
            if chosen is not None
        }

    def chosen_in_form(self, form: ExerciseForm) -> list[int | None]:
        """The option chosen for each item, as the form holds it now: the saved answers on a
        fresh page, what was sent on a page shown again with errors. A choice that is not one of
        the options counts as none."""
        definition = self.definition(form.definitions)
        options = {str(index): index for index in range(len(definition.options))}
        return [
            options.get(str(form[self.item_field_name(number)].data))
            for number in range(1, len(definition.items) + 1)
        ]

    def answer_from(self, form: ExerciseForm, saved: ChosenAnswer | None) -> ChosenAnswer | None:
        chosen = self.chosen_in_form(form)
        return ChosenAnswer(tuple(chosen)) if any(item is not None for item in chosen) else None

    def check(self, form: ExerciseForm) -> bool:
        """A self-check can be left alone, but once started every question needs an answer."""
        definition = self.definition(form.definitions)
        items = [form[self.item_field_name(n)] for n in range(1, len(definition.items) + 1)]
        if all(item.data is None for item in items) or all(item.data is not None for item in items):
            return True
        for number, item in enumerate(items, start=1):
            if item.data is None:
                item.errors = [f"Answer question {number}: {definition.items[number - 1]}"]
        return False

    # The step page ---------------------------------------------------------------------------

    def urgent_now(self, form: ExerciseForm) -> bool:
        """Whether urgent help shows on the page as it is sent: from what the form holds (see
        chosen_in_form), so a page shown again with a question left blank still shows it."""
        return self.definition(form.definitions).is_urgent(self.chosen_in_form(form))

    def urgent_choices(self, form: ExerciseForm) -> list[str]:
        """Every `name=value` of a radio whose choice is urgent, for guides.js to show help the
        moment it is chosen, by the same rule as the server (Questionnaire.urgent_options)."""
        definition = self.definition(form.definitions)
        return [
            f"{self.item_field_name(number)}={option}"
            for number in sorted(definition.urgent_items)
            for option in sorted(definition.urgent_options)
        ]

    def error_anchor(self, definitions: Questionnaires) -> str | None:
        """On the urgent help, when it shows (a browser scrolls to a form's #anchor only if that
        element is shown, else stays at the top). Without JavaScript that page is the first
        chance to show it."""
        return f"{self.id}-urgent" if self.definition(definitions).urgent_items else None

    def result_button(self, signed_in: bool) -> str:
        return "Save and see your result" if signed_in else "See your result"

    def result(self, answers: AnswersInGuide) -> QuestionnaireResult | None:
        """The saved answer's score and band, once every item is answered."""
        answer = answers.of(self)
        if answer is None:
            return None
        return self.definition(answers.definitions).result(answer.chosen)

    # Words -------------------------------------------------------------------------------------

    def plan_entry(self, answer: ChosenAnswer, answers: AnswersInGuide) -> PlanEntry:
        definition = self.definition(answers.definitions)
        result = definition.result(answer.chosen)
        if result is None:
            return PlanEntry(self, definition.title, ("Not finished yet.",))
        return PlanEntry(self, definition.title, (), result=result)

    def download_words(self, answer: ChosenAnswer, answers: AnswersInGuide) -> AnswerWords:
        definition = answers.definitions.get(self.definition_id)
        if definition is None:
            return AnswerWords(None, answer.lines_without_question)
        result = definition.result(answer.chosen)
        if result is None:
            lines = ["Not finished yet."]
        elif result.urgent:
            lines = [plain(result.message), result.score_in_words]
        else:
            lines = [result.score_in_words]
        for item, choice in zip(definition.items, answer.chosen, strict=False):
            if choice is not None and 0 <= choice < len(definition.options):
                lines.append(f"{item}: {definition.options[choice].label}")
        return AnswerWords(definition.title, tuple(lines))
