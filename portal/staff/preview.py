"""The editor's preview: a guide's text checked as `flask guides check` checks it, one step drawn
exactly as its public page draws it for a visitor (the same parser, sanitiser, forms and block
macros), and how easy each step is to read."""

from __future__ import annotations

from dataclasses import dataclass

from flask import get_template_attribute
from markupsafe import Markup

from portal.dates import today_in_london
from portal.extensions import db
from portal.guides.blocks import AnswersInGuide
from portal.guides.format import STEP_HEADING, ParsedGuide, Step
from portal.guides.forms import form_for
from portal.guides.library import check_source, questionnaires
from portal.guides.problems import GuideProblem
from portal.guides.views import StepPage
from portal.staff.forms import MAX_GUIDE_CHARACTERS, TOO_LONG
from portal.staff.readability import Readability, prose_of, readability

INTRODUCTION = ""  # the id the step chooser gives the guide's introduction


@dataclass(frozen=True)
class StepChoice:
    id: str
    title: str


@dataclass(frozen=True)
class StepReadability:
    number: int
    title: str
    figures: Readability


@dataclass(frozen=True)
class Preview:
    """What the editor shows beside the text: its problems, or one step as people will see it."""

    problems: list[GuideProblem]
    choices: list[StepChoice]
    shown: str  # the id of the step shown, or INTRODUCTION
    guide: ParsedGuide | None
    body: Markup | None
    readability: list[StepReadability]

    @property
    def step(self) -> Step | None:
        return self.guide.step(self.shown) if self.guide and self.shown else None


def step_choices(source: str) -> list[StepChoice]:
    """The steps the text has, read from their headings, so the chooser works while the text
    still has problems."""
    found = [StepChoice(INTRODUCTION, "Introduction")]
    for line in source.split("\n"):
        heading = STEP_HEADING.match(line)
        if heading and heading.group("id"):
            found.append(StepChoice(heading.group("id"), heading.group("title")))
    return found


def step_body(guide: ParsedGuide, step: Step) -> Markup:
    """The step's content as its public page shows it to a visitor with nothing saved."""
    answers = AnswersInGuide({}, questionnaires())
    today = today_in_london()
    states: dict[str, object] = {}
    for block in step.answerable_blocks:
        state = block.page_state(db.session, None, None, today)
        if state is not None:
            states[block.exercise_id] = state
    form = form_for(step, answers, None, states)
    draw = get_template_attribute("staff/preview.html", "step_body")
    return Markup(draw(step, StepPage(guide, form, answers, states)))  # noqa: S704 (a template's output)


def preview_guide(source: str, slug: str, step_id: str | None) -> Preview:
    """Check the text and draw the step asked for (the introduction, at the top of the text,
    if none is)."""
    if len(source) > MAX_GUIDE_CHARACTERS:  # the editor refuses to save it, so never parse it
        too_long = GuideProblem(f"{slug}.md", 1, TOO_LONG)
        return Preview(
            [too_long], [StepChoice(INTRODUCTION, "Introduction")], INTRODUCTION, None, None, []
        )
    choices = step_choices(source)
    guide, problems = check_source(source, f"{slug}.md", questionnaires(), slug=slug)
    if guide is None:
        return Preview(problems, choices, step_id or INTRODUCTION, None, None, [])
    bodies = {step.id: step_body(guide, step) for step in guide.steps}
    shown = step_id if step_id in bodies else INTRODUCTION
    return Preview(
        problems=[],
        choices=[StepChoice(INTRODUCTION, "Introduction")]
        + [StepChoice(step.id, step.title) for step in guide.steps],
        shown=shown,
        guide=guide,
        body=guide.intro if shown == INTRODUCTION else bodies[shown],
        readability=[
            StepReadability(
                step.number, step.title, readability(prose_of(bodies[step.id], step.title))
            )
            for step in guide.steps
        ],
    )
