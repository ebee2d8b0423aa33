"""Checklist: items to tick, each with its own id (`- [ ] Go to bed {#an-id}`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from portal.forms import CheckboxesField
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
    check_id,
    plain,
    prompt_and_rest,
)
from portal.guides.questionnaires import Questionnaires
from portal.models.guides import AnswerValue
from portal.security.sanitise import render_inline_markdown

ITEM = re.compile(r"^[-*] \[ \] (?P<label>.+?)(?:\s*\{#(?P<id>[^}]*)\})?\s*$")


@dataclass(frozen=True)
class TickedAnswer:
    """The ids of the items ticked, in the checklist's order."""

    ticked: tuple[str, ...]

    def to_payload(self) -> AnswerValue:
        return {"ticked": list(self.ticked)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self | None:
        ticked = payload.get("ticked")
        if not isinstance(ticked, list) or not all(isinstance(item, str) for item in ticked):
            return None
        return cls(tuple(ticked))

    @property
    def lines_without_question(self) -> tuple[str, ...]:
        return self.ticked or ("Nothing ticked",)

    @property
    def summary_without_question(self) -> str:
        return f"{len(self.ticked)} items ticked"


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    label: Markup


@dataclass(frozen=True)
class ChecklistBlock(Exercise[TickedAnswer]):
    prompt: Markup = NO_TEXT
    hint: Markup | None = None
    items: tuple[ChecklistItem, ...] = ()

    names = ("checklist",)
    macro = "checklist"
    answer_type = TickedAnswer

    def label_of(self, item_id: str) -> Markup | None:
        return next((item.label for item in self.items if item.id == item_id), None)

    @classmethod
    def parse(cls, header: Header, body: Body) -> Self:
        before: Body = []
        items: list[ChecklistItem] = []
        seen: set[str] = set()
        for number, text in body:
            stripped = text.strip()
            if stripped.startswith(("- [", "* [")):
                item = _item(number, stripped)
                if item.id in seen:
                    raise BlockProblem(
                        number, f"the item id {item.id!r} is used twice in this checklist"
                    )
                seen.add(item.id)
                items.append(item)
            elif items and stripped:
                raise BlockProblem(
                    number, "nothing may follow a checklist's items inside the block"
                )
            elif not items:
                before.append((number, text))
        if not items:
            raise BlockProblem(
                header.line, "a checklist needs at least one item: - [ ] What to tick {#an-id}"
            )
        prompt, hint = prompt_and_rest(header, before)
        return cls(header.kind, header.id, header.line, prompt, hint, tuple(items))

    def fields(self, definitions: Questionnaires) -> dict[str, Any]:
        choices = [SelectChoice(item.id, item.label) for item in self.items]
        return {self.field_name: CheckboxesField(self.prompt, choices=choices)}

    def initial(self, answer: TickedAnswer | None, state: object | None) -> dict[str, Any]:
        return {self.field_name: list(answer.ticked)} if answer else {}

    def answer_from(self, form: ExerciseForm, saved: TickedAnswer | None) -> TickedAnswer | None:
        sent = form[self.field_name].data or []
        ticked = tuple(item.id for item in self.items if item.id in sent)
        return TickedAnswer(ticked) if ticked else None

    def plan_entry(self, answer: TickedAnswer, answers: AnswersInGuide) -> PlanEntry | None:
        ticked = tuple(str(label) for item in answer.ticked if (label := self.label_of(item)))
        return PlanEntry(self, self.prompt, ticked) if ticked else None

    def download_words(self, answer: TickedAnswer, answers: AnswersInGuide) -> AnswerWords:
        ticked = tuple(
            plain(label) if (label := self.label_of(item)) else item for item in answer.ticked
        )
        return AnswerWords(plain(self.prompt), ticked or ("Nothing ticked",))


def _item(number: int, stripped: str) -> ChecklistItem:
    match = ITEM.match(stripped)
    if not match:
        raise BlockProblem(number, "a checklist item looks like: - [ ] What to tick {#an-id}")
    if match.group("id") is None:
        raise BlockProblem(number, f"a checklist item needs an id: {stripped} {{#an-id}}")
    item_id = check_id(match.group("id"), number, "the item's")
    return ChecklistItem(item_id, render_inline_markdown(match.group("label")))
