"""Guide pages: the library, a guide's overview, its steps, the finished page with the person's
plan, and reviewing or deleting answers. Anyone can read; saving needs an account, and what
someone types before making one is kept for them in the meantime."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.dates import today_in_london
from portal.extensions import db
from portal.forms import PortalForm
from portal.guides import start_here
from portal.guides.answers import AnswerStore, answer_store, first_unfinished_step
from portal.guides.blocks import AnswersInGuide, Block
from portal.guides.format import TOPICS, ParsedGuide, Step
from portal.guides.forms import StartHereForm, StepForm, answers_from, form_for
from portal.guides.library import (
    GuideNotFound,
    PublishedGuide,
    parsed_version,
    published_guide,
    published_guides,
    questionnaires,
)
from portal.guides.plan import PlanSection, orphan_answers, plan_sections
from portal.guides.questionnaires import Questionnaires
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.security.headers import public_page
from portal.security.sessions import current_session

bp = Blueprint("guides", __name__, url_prefix="/guides")


@dataclass
class GuideInUse:
    """A published guide as one person (signed in or not) is using it."""

    published: PublishedGuide
    guide: ParsedGuide
    user_id: uuid.UUID | None
    store: AnswerStore

    @cached_property
    def answers(self) -> AnswersInGuide:
        return AnswersInGuide(self.store.payloads(), questionnaires())

    @property
    def done(self) -> list[str]:
        return self.store.done

    @property
    def resume_step(self) -> str | None:
        return first_unfinished_step(self.guide, self.done)

    @property
    def completed(self) -> bool:
        return self.published.completed_at is not None or self.resume_step is None


def guide_in_use(slug: str) -> GuideInUse:
    user_id = current_user.id if current_user.is_authenticated else None
    try:
        published = published_guide(db.session, slug, user_id)
    except GuideNotFound:
        abort(404)
    return GuideInUse(
        published,
        parsed_version(db.session, published.version_id),
        user_id,
        answer_store(db.session, current_session(), user_id, published),
    )


def step_or_404(in_use: GuideInUse, step_id: str) -> Step:
    step = in_use.guide.step(step_id)
    if step is None:
        abort(404)
    return step


@dataclass(frozen=True)
class LibraryEntry:
    guide: PublishedGuide
    status: str  # "not-started", "in-progress" or "completed"
    status_text: str


def _library_entry(guide: PublishedGuide) -> LibraryEntry:
    done = guide.completed_steps
    if not done:
        return LibraryEntry(guide, "not-started", "Not started")
    if guide.completed_at is not None:
        return LibraryEntry(guide, "completed", "Completed")
    resume = next(
        (i for i, step in enumerate(guide.step_ids, start=1) if step not in done),
        len(guide.step_ids),
    )
    return LibraryEntry(guide, "in-progress", f"Step {resume} of {len(guide.step_ids)}")


@bp.get("")
@public_page
def library() -> str:
    """Every guide, grouped by topic; a signed-in person sees how far they have got in each."""
    user_id = current_user.id if current_user.is_authenticated else None
    entries = [_library_entry(guide) for guide in published_guides(db.session, user_id)]
    order = list(TOPICS)
    entries.sort(key=lambda e: (order.index(e.guide.topic), e.guide.title))
    topics = [
        (TOPICS[topic], list(group))
        for topic, group in groupby(entries, key=lambda e: e.guide.topic)
    ]
    asked = "troubling" in request.args
    form = StartHereForm(formdata=request.args if asked else None)
    trouble, suggestions = None, None
    if asked and form.validate():
        by_slug = {entry.guide.slug: entry for entry in entries}
        trouble = start_here.BY_KEY[form.troubling.data]
        suggestions = [by_slug[slug] for slug in start_here.suggested(trouble, by_slug)]
    return render_template(
        "guides/library.html", topics=topics, form=form, trouble=trouble, suggestions=suggestions
    )


@bp.get("/<slug>")
@public_page
def overview(slug: str) -> str:
    in_use = guide_in_use(slug)
    return render_template("guides/overview.html", in_use=in_use, guide=in_use.guide)


@dataclass(frozen=True)
class StepPage:
    """What the block macros (templates/guides/blocks.html) draw from: each is called as
    macro(block, page). Passed in rather than read from the page's context, blocks.html is
    imported without context, so Jinja evaluates it once instead of on every render."""

    guide: ParsedGuide
    form: StepForm
    answers: AnswersInGuide
    # Each exercise's page_state() (like a sleep window's diary figures), by exercise id.
    states: Mapping[str, object] = field(default_factory=dict)

    @property
    def definitions(self) -> Questionnaires:
        return self.answers.definitions

    def state(self, block: Block) -> object | None:
        return self.states.get(block.id or "")

    def plan(self, include: tuple[str, ...] = ()) -> list[PlanSection]:
        return plan_sections(self.guide, self.answers, include)


@bp.route("/<slug>/steps/<step_id>", methods=["GET", "POST"])
@public_page
@keeps_form_on_csrf_failure
def step(slug: str, step_id: str) -> str | BaseResponse:
    """One step: read it, do its exercises, save and go on."""
    in_use = guide_in_use(slug)
    guide = in_use.guide
    current = step_or_404(in_use, step_id)
    answers = in_use.answers
    formdata = request.form if request.method == "POST" else None
    states = _page_states(in_use, current)
    form = form_for(current, answers, formdata, states)
    # Some can be answered only once the person has what they need (a sleep window, the nights
    # of sleep diary to set it from).
    exercises_here = [
        block
        for block in current.answerable_blocks
        if block.can_answer(states.get(block.exercise_id))
    ]
    if request.method == "POST" and form.validate():
        in_use.store.save_step(guide, current.id, answers_from(form))
        return redirect(_after_saving(guide, current, shows_result=bool(exercises_here)))
    return render_template(
        "guides/step.html",
        in_use=in_use,
        guide=guide,
        step=current,
        form=form,
        page=StepPage(guide, form, answers, states),
        previous_step=guide.previous_step(current),
        next_step=guide.next_step(current),
        # A page sent back with errors opens there; saving goes to #result instead.
        urgent_help_anchor=current.error_anchor(answers.definitions),
        exercises_here=exercises_here,
    )


def _page_states(in_use: GuideInUse, current: Step) -> dict[str, object]:
    """What the step's exercises show besides their answers (a sleep window's diary figures:
    one more query, only on such a step)."""
    states: dict[str, object] = {}
    for block in current.answerable_blocks:
        saved = in_use.answers.of(block)
        state = block.page_state(db.session, in_use.user_id, saved, today_in_london())
        if state is not None:
            states[block.exercise_id] = state
    return states


def _after_saving(guide: ParsedGuide, current: Step, *, shows_result: bool) -> str:
    if current.shows_result and shows_result:
        return url_for("guides.step", slug=guide.slug, step_id=current.id, _anchor="result")
    following = guide.next_step(current)
    if following is None:
        return url_for("guides.finished", slug=guide.slug)
    return url_for("guides.step", slug=guide.slug, step_id=following.id)


@bp.get("/<slug>/finished")
@public_page
def finished(slug: str) -> str:
    """The end of a guide: the person's own answers on one printable page."""
    in_use = guide_in_use(slug)
    sections = plan_sections(in_use.guide, in_use.answers)
    return render_template(
        "guides/finished.html", in_use=in_use, guide=in_use.guide, sections=sections
    )


@bp.get("/<slug>/answers")
def answers(slug: str) -> str:
    """Everything saved in this guide, each with a way to delete it."""
    in_use = guide_in_use(slug)
    return render_template(
        "guides/answers.html",
        in_use=in_use,
        guide=in_use.guide,
        sections=plan_sections(in_use.guide, in_use.answers),
        orphans=orphan_answers(in_use.guide, in_use.answers),
        form=PortalForm(),
    )


@bp.post("/<slug>/answers/<block_id>/delete")
def delete_one_answer(slug: str, block_id: str) -> BaseResponse:
    if guide_in_use(slug).store.delete(block_id):
        flash("That answer has been deleted.")
    return redirect(url_for("guides.answers", slug=slug))


@bp.route("/<slug>/start-again", methods=["GET", "POST"])
@keeps_form_on_csrf_failure
def start_over(slug: str) -> str | BaseResponse:
    """Delete every answer and all progress in this guide, after asking."""
    in_use = guide_in_use(slug)
    form = PortalForm()
    if form.validate_on_submit():
        in_use.store.start_again()
        flash(
            "Your answers in this guide have been deleted. You can start again whenever you like."
        )
        return redirect(url_for("guides.overview", slug=slug))
    return render_template("guides/start_again.html", guide=in_use.guide, form=form)
