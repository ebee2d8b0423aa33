"""Sleep window: a time in bed worked out from the person's own sleep diary
(`::: sleep-window {#id}`); the arithmetic is in portal/guides/sleep_window.py.

Its answer is the window chosen (SleepWindow). What the page shows besides it, the diary's
figures and what they suggest, is worked out for each page (page_state)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Self

from markupsafe import Markup
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from portal.dates import today_in_london
from portal.forms import DropDownField, TimeOfDayField
from portal.guides import sleep_window
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
    prompt_and_rest,
)
from portal.guides.questionnaires import Questionnaires
from portal.guides.sleep_window import SleepWindow, SleepWindowState, state_for

LENGTH_CHOICES = [
    SelectChoice(str(int(length.total_seconds()) // 60), sleep_window.in_words(length))
    for length in sleep_window.LENGTHS
]
QUESTION = "Your sleep window"


@dataclass(frozen=True)
class SleepWindowBlock(Exercise[SleepWindow]):
    prompt: Markup = NO_TEXT

    names = ("sleep-window",)
    macro = "sleep_window"
    shows_result = True
    answer_type = SleepWindow
    # For the macro, which is imported without the page's context.
    nights_needed = sleep_window.NIGHTS_NEEDED
    length_in_words = staticmethod(sleep_window.in_words)

    @classmethod
    def parse(cls, header: Header, body: Body) -> Self:
        prompt, extra = prompt_and_rest(header, body)
        if extra is not None:
            raise BlockProblem(header.line, "keep a sleep window's text to one paragraph")
        return cls(header.kind, header.id, header.line, prompt)

    # The step's form -------------------------------------------------------------------------

    @property
    def length_field_name(self) -> str:
        return self.item_field_name(1)

    def fields(self, definitions: Questionnaires) -> dict[str, Any]:
        return {
            self.field_name: TimeOfDayField(
                "What time will you get up every day?",
                description="The same time every day, weekends too. For example, 6:30am or 06:30",
                what="the time you will get up",
            ),
            self.length_field_name: DropDownField(
                "How long will you spend in bed?",
                choices=LENGTH_CHOICES,
                description=f"Never less than {sleep_window.in_words(sleep_window.SHORTEST)}",
                invalid_message="Choose how long you will spend in bed from the list",
            ),
        }

    def initial(self, answer: SleepWindow | None, state: object | None) -> dict[str, Any]:
        """The window chosen, its length what the person's diary suggests now."""
        if not isinstance(state, SleepWindowState):
            return {}
        initial: dict[str, Any] = {}
        length = state.suggested.length if state.suggested else None
        length = length or (state.chosen.length if state.chosen else None)
        if length is not None:
            initial[self.length_field_name] = str(int(length.total_seconds()) // 60)
        if state.chosen is not None:
            initial[self.field_name] = state.chosen.wake
        return initial

    def check(self, form: ExerciseForm) -> bool:
        """A window needs its wake-up time; the length always comes with the page's list."""
        wake, length = form[self.field_name], form[self.length_field_name]
        if wake.errors or wake.data is not None or not length.raw_data:
            return True
        wake.errors = ["Enter the time you will get up every day, like 6:30am or 06:30"]
        return False

    def answer_from(self, form: ExerciseForm, saved: SleepWindow | None) -> SleepWindow | None:
        """The window chosen; the day it was set stays the same when it has not changed, so its
        weekly review keeps its date."""
        wake = form[self.field_name].data
        minutes = form[self.length_field_name].data
        if wake is None or not minutes:
            return None
        chosen = SleepWindow(wake, timedelta(minutes=int(minutes)), today_in_london())
        if saved is not None and (saved.wake, saved.length) == (chosen.wake, chosen.length):
            return saved
        return chosen

    # The step page ---------------------------------------------------------------------------

    def page_state(
        self,
        db_session: Session,
        user_id: uuid.UUID | None,
        saved: SleepWindow | None,
        today: date,
    ) -> SleepWindowState:
        """The person's diary figures (one more query, only on such a step)."""
        return state_for(db_session, user_id, saved, today)

    def can_answer(self, state: object | None) -> bool:
        """Only once the diary has enough nights in it to set a window from."""
        return isinstance(state, SleepWindowState) and state.can_choose

    def result_button(self, signed_in: bool) -> str:
        return "Save my sleep window"

    # Words -------------------------------------------------------------------------------------

    def plan_entry(self, answer: SleepWindow, answers: AnswersInGuide) -> PlanEntry:
        return PlanEntry(self, QUESTION, answer.lines_without_question)

    def download_words(self, answer: SleepWindow, answers: AnswersInGuide) -> AnswerWords:
        return AnswerWords(QUESTION, answer.lines_without_question)
