"""The form on a step page: one field per exercise (one per item for a self-check), built from the
step and made once per step, and the conversion between fields and stored answers."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

from wtforms import Field, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.dates import today_in_london
from portal.forms import (
    CheckboxesField,
    DropDownField,
    MaxLength,
    OptionalRadioField,
    PortalForm,
    TimeOfDayField,
)
from portal.guides import sleep_window
from portal.guides.blocks import (
    Block,
    ChecklistBlock,
    QuestionnaireBlock,
    ReflectionBlock,
    ScaleBlock,
    SleepWindowBlock,
)
from portal.guides.format import Step
from portal.guides.questionnaires import Questionnaire, Questionnaires
from portal.guides.sleep_window import SleepWindow, SleepWindowState
from portal.models.guides import AnswerValue

REFLECTION_MAX_LENGTH = 5000
SCALE_CHOICES = [SelectChoice(str(n)) for n in range(ScaleBlock.minimum, ScaleBlock.maximum + 1)]
SLEEP_WINDOW_CHOICES = [
    SelectChoice(str(int(length.total_seconds()) // 60), sleep_window.in_words(length))
    for length in sleep_window.LENGTHS
]


def field_name(block_id: str) -> str:
    """The form field (and element id) for an exercise."""
    return f"answer-{block_id}"


def item_field_name(block_id: str, item_number: int) -> str:
    """The form field for one item of a self-check (1-based). Ids never hold "--", so this
    cannot clash with another exercise's field."""
    return f"answer-{block_id}--{item_number}"


class StepForm(PortalForm):
    """Base of every step's form; the fields are added per step by step_form_class()."""

    step: Step
    definitions: Questionnaires
    saved: dict[str, AnswerValue]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for block in self.step.answerable_blocks:
            if isinstance(block, QuestionnaireBlock):
                valid = (
                    self._check_all_items_answered(block, self.definitions[block.definition_id])
                    and valid
                )
            elif isinstance(block, SleepWindowBlock):
                valid = self._check_wake_time_given(block) and valid
        return valid

    def _check_wake_time_given(self, block: SleepWindowBlock) -> bool:
        """A window needs its wake-up time; the length always comes with the page's list."""
        wake = self[field_name(block.id or "")]
        length = self[item_field_name(block.id or "", 1)]
        if wake.errors or wake.data is not None or not length.raw_data:
            return True
        wake.errors = ["Enter the time you will get up every day, like 6:30am or 06:30"]
        return False

    def _check_all_items_answered(
        self, block: QuestionnaireBlock, definition: Questionnaire
    ) -> bool:
        """A self-check can be left alone, but once started every question needs an answer."""
        items = [
            self[item_field_name(block.id or "", n)] for n in range(1, len(definition.items) + 1)
        ]
        if all(item.data is None for item in items) or all(item.data is not None for item in items):
            return True
        for number, item in enumerate(items, start=1):
            if item.data is None:
                item.errors = [f"Answer question {number}: {definition.items[number - 1]}"]
        return False


@lru_cache(maxsize=512)
def step_form_class(step: Step, definitions: tuple[Questionnaire, ...]) -> type[StepForm]:
    """A form class with a field for each exercise in the step."""
    by_id = {definition.id: definition for definition in definitions}
    fields: dict[str, Any] = {"step": step, "definitions": by_id}
    for block in step.answerable_blocks:
        block_id = block.id or ""
        if isinstance(block, ReflectionBlock):
            fields[field_name(block_id)] = TextAreaField(
                block.prompt,
                validators=[
                    MaxLength(
                        REFLECTION_MAX_LENGTH,
                        f"Your answer must be {REFLECTION_MAX_LENGTH:,} characters or fewer",
                    )
                ],
                description=block.hint or "",
            )
        elif isinstance(block, ChecklistBlock):
            fields[field_name(block_id)] = CheckboxesField(
                block.prompt, choices=[SelectChoice(item.id, item.label) for item in block.items]
            )
        elif isinstance(block, ScaleBlock):
            fields[field_name(block_id)] = OptionalRadioField(
                block.prompt,
                choices=SCALE_CHOICES,
                description=f"0 is {block.low}, 10 is {block.high}",
            )
        elif isinstance(block, SleepWindowBlock):
            fields[field_name(block_id)] = TimeOfDayField(
                "What time will you get up every day?",
                description="The same time every day, weekends too. For example, 6:30am or 06:30",
                what="the time you will get up",
            )
            fields[item_field_name(block_id, 1)] = DropDownField(
                "How long will you spend in bed?",
                choices=SLEEP_WINDOW_CHOICES,
                description=f"Never less than {sleep_window.in_words(sleep_window.SHORTEST)}",
                invalid_message="Choose how long you will spend in bed from the list",
            )
        elif isinstance(block, QuestionnaireBlock):
            definition = by_id[block.definition_id]
            choices = [
                SelectChoice(str(index), option.label)
                for index, option in enumerate(definition.options)
            ]
            for number, item in enumerate(definition.items, start=1):
                fields[item_field_name(block_id, number)] = OptionalRadioField(
                    f"{number}. {item}", choices=choices
                )
    return type("StepAnswersForm", (StepForm,), fields)


def form_for(
    step: Step,
    definitions: Questionnaires,
    answers: dict[str, AnswerValue],
    formdata: Any = None,
    sleep_windows: dict[str, SleepWindowState] | None = None,
) -> StepForm:
    """The step's form, filled from saved answers (GET) or from what was sent (POST). A sleep
    window's length starts at what the person's diary suggests now."""
    form_class = step_form_class(step, tuple(definitions[key] for key in sorted(definitions)))
    initial: dict[str, Any] = {}
    for block_id, state in (sleep_windows or {}).items():
        length = state.suggested.length if state.suggested else None
        length = length or (state.chosen.length if state.chosen else None)
        if length is not None:
            initial[item_field_name(block_id, 1)] = str(int(length.total_seconds()) // 60)
        if state.chosen is not None:
            initial[field_name(block_id)] = state.chosen.wake
    for block in step.answerable_blocks:
        answer = answers.get(block.id or "")
        if answer is None or isinstance(block, SleepWindowBlock):
            continue
        block_id = block.id or ""
        if isinstance(block, ReflectionBlock):
            initial[field_name(block_id)] = answer.get("text", "")
        elif isinstance(block, ChecklistBlock):
            initial[field_name(block_id)] = answer.get("ticked", [])
        elif isinstance(block, ScaleBlock):
            initial[field_name(block_id)] = str(answer.get("value"))
        elif isinstance(block, QuestionnaireBlock):
            for number, chosen in enumerate(answer.get("chosen", []), start=1):
                if chosen is not None:
                    initial[item_field_name(block_id, number)] = str(chosen)
    form = form_class(formdata=formdata, data=initial)
    form.saved = answers
    return form


def _value(block: Block, form: StepForm) -> AnswerValue | None:
    """What to store for one exercise, or None to store nothing (left blank)."""
    block_id = block.id or ""
    if isinstance(block, ReflectionBlock):
        text = (form[field_name(block_id)].data or "").strip()
        return {"text": text} if text else None
    if isinstance(block, ChecklistBlock):
        ticked = [
            item.id for item in block.items if item.id in (form[field_name(block_id)].data or [])
        ]
        return {"ticked": ticked} if ticked else None
    if isinstance(block, ScaleBlock):
        chosen = form[field_name(block_id)].data
        return {"value": int(chosen)} if chosen is not None else None
    if isinstance(block, QuestionnaireBlock):
        chosen = chosen_in_form(form, block)
        return {"chosen": chosen} if any(item is not None for item in chosen) else None
    if isinstance(block, SleepWindowBlock):
        return _sleep_window_value(block, form)
    return None


def _sleep_window_value(block: SleepWindowBlock, form: StepForm) -> AnswerValue | None:
    """The window chosen; the day it was set stays the same when it has not changed, so its
    weekly review keeps its date."""
    wake = form[field_name(block.id or "")].data
    minutes = form[item_field_name(block.id or "", 1)].data
    if wake is None or not minutes:
        return None
    chosen = SleepWindow(wake, timedelta(minutes=int(minutes)), today_in_london())
    before = SleepWindow.from_answer(form.saved.get(block.id or ""))
    if before is not None and (before.wake, before.length) == (chosen.wake, chosen.length):
        return before.to_answer()
    return chosen.to_answer()


def chosen_in_form(form: StepForm, block: QuestionnaireBlock) -> list[int | None]:
    """The option chosen for each item of a self-check, as the form holds it now: the saved
    answers on a fresh page, what was sent on a page shown again with errors. A choice that is
    not one of the options counts as none."""
    definition = form.definitions[block.definition_id]
    options = {str(index): index for index in range(len(definition.options))}
    return [
        options.get(str(form[item_field_name(block.id or "", number)].data))
        for number in range(1, len(definition.items) + 1)
    ]


def questionnaire_urgent(form: StepForm, block: QuestionnaireBlock) -> bool:
    """Whether urgent help shows on the page as it is sent: from what the form holds (see
    chosen_in_form), so a page shown again with a question left blank still shows it."""
    return form.definitions[block.definition_id].is_urgent(chosen_in_form(form, block))


def urgent_choices(form: StepForm, block: QuestionnaireBlock) -> list[str]:
    """Every `name=value` of a radio whose choice is urgent, for guides.js to show help the
    moment it is chosen, by the same rule as the server (Questionnaire.urgent_options)."""
    definition = form.definitions[block.definition_id]
    return [
        f"{item_field_name(block.id or '', number)}={option}"
        for number in sorted(definition.urgent_items)
        for option in sorted(definition.urgent_options)
    ]


def answers_from(form: StepForm) -> dict[str, AnswerValue | None]:
    """Every exercise's answer from a valid form; None means "nothing given"."""
    return {block.id or "": _value(block, form) for block in form.step.answerable_blocks}


def fields_of(form: StepForm, block: Block) -> list[Field]:
    """The fields belonging to a block, in order (a self-check has one per item)."""
    prefix = field_name(block.id or "")
    return [
        field
        for name, field in form._fields.items()
        if name == prefix or name.startswith(prefix + "--")
    ]
