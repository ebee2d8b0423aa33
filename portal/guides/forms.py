"""The form on a step page, built from the step's exercises (each kind gives its own fields,
portal/guides/kinds) and made once per step; and the guide library's question."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from wtforms.fields.choices import SelectChoice

from portal.forms import PortalForm, RadiosField, Required
from portal.guides import start_here
from portal.guides.blocks import Answer, AnswersInGuide
from portal.guides.format import Step
from portal.guides.questionnaires import Questionnaire, Questionnaires


class StartHereForm(PortalForm):
    """The guide library's question, sent with GET so the answer is a plain link."""

    troubling = RadiosField(
        "What is troubling you most?",
        choices=[SelectChoice(trouble.key, trouble.label) for trouble in start_here.TROUBLES],
        description="Choose one, and we will suggest where to start. Nothing is saved.",
        invalid_message="Choose one of the answers in the list",
        validators=[Required("Choose what is troubling you most")],
    )


class StepForm(PortalForm):
    """Base of every step's form; the fields are added per step by step_form_class()."""

    step: Step
    definitions: Questionnaires
    saved: AnswersInGuide

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for block in self.step.answerable_blocks:
            valid = block.check(self) and valid
        return valid


@lru_cache(maxsize=512)
def step_form_class(step: Step, definitions: tuple[Questionnaire, ...]) -> type[StepForm]:
    """A form class with the fields of each exercise in the step."""
    by_id = {definition.id: definition for definition in definitions}
    fields: dict[str, Any] = {"step": step, "definitions": by_id}
    for block in step.answerable_blocks:
        fields.update(block.fields(by_id))
    return type("StepAnswersForm", (StepForm,), fields)


def form_for(
    step: Step,
    answers: AnswersInGuide,
    formdata: Any = None,
    states: Mapping[str, object] | None = None,
) -> StepForm:
    """The step's form, filled from saved answers (GET) or from what was sent (POST); `states`
    are the exercises' page states (Exercise.page_state), by exercise id."""
    definitions = answers.definitions
    form_class = step_form_class(step, tuple(definitions[key] for key in sorted(definitions)))
    initial: dict[str, Any] = {}
    for block in step.answerable_blocks:
        state = (states or {}).get(block.exercise_id)
        initial.update(block.initial(answers.of(block), state))
    form = form_class(formdata=formdata, data=initial)
    form.saved = answers
    return form


def answers_from(form: StepForm) -> dict[str, Answer | None]:
    """Every exercise's answer from a valid form; None means "nothing given"."""
    return {
        block.exercise_id: block.answer_from(form, form.saved.of(block))
        for block in form.step.answerable_blocks
    }
