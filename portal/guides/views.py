"""Guide pages: the library, a guide's overview, its steps, the finished page with the person's
plan, and reviewing or deleting answers. Anyone can read; saving needs an account, and what
someone types before making one is kept for them in the meantime."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.dates import today_in_london
from portal.extensions import db
from portal.forms import PortalForm
from portal.guides import sleep_window
from portal.guides.answers import (
    anonymous_work,
    delete_answer,
    first_unfinished_step,
    forget_anonymous_answer,
    forget_anonymous_work,
    keep_anonymous_work,
    load_answers,
    save_step,
    start_again,
)
from portal.guides.blocks import QuestionnaireBlock, SleepWindowBlock
from portal.guides.format import TOPICS, ParsedGuide, Step
from portal.guides.forms import answers_from, form_for, questionnaire_urgent, urgent_choices
from portal.guides.library import (
    GuideNotFound,
    PublishedGuide,
    parsed_version,
    published_guide,
    published_guides,
    questionnaires,
)
from portal.guides.plan import (
    orphan_answers,
    plan_sections,
    questionnaire_result,
    scale_comparison,
)
from portal.guides.questionnaires import Questionnaires
from portal.guides.sleep_window import SleepWindowState, state_for
from portal.models.guides import AnswerValue
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.security.headers import public_page
from portal.security.sessions import current_session

bp = Blueprint("guides", __name__, url_prefix="/guides")


# What the block macros (templates/guides/blocks.html) compute from answers. As globals rather
# than a context processor, blocks.html is imported without the page's context, so Jinja
# evaluates it once instead of on every render.
bp.add_app_template_global(sleep_window.in_words, "sleep_window_words")
bp.add_app_template_global(sleep_window.NIGHTS_NEEDED, "sleep_window_nights_needed")
for _helper in (
    scale_comparison,
    questionnaire_result,
    questionnaire_urgent,
    urgent_choices,
    plan_sections,
):
    bp.add_app_template_global(_helper)


@dataclass
class GuideInUse:
    """A published guide as one person (signed in or not) is using it."""

    published: PublishedGuide
    guide: ParsedGuide
    user_id: uuid.UUID | None

    @cached_property
    def answers(self) -> dict[str, AnswerValue]:
        if self.user_id is None:
            return anonymous_work(current_session(), self.guide.slug).answers
        return load_answers(db.session, self.user_id, self.published.guide_id)

    @property
    def done(self) -> list[str]:
        if self.user_id is None:
            return anonymous_work(current_session(), self.guide.slug).done
        return self.published.completed_steps

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
    return GuideInUse(published, parsed_version(db.session, published.version_id), user_id)


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
    return render_template("guides/library.html", topics=topics)


@bp.get("/<slug>")
@public_page
def overview(slug: str) -> str:
    in_use = guide_in_use(slug)
    return render_template("guides/overview.html", in_use=in_use, guide=in_use.guide)


@bp.route("/<slug>/steps/<step_id>", methods=["GET", "POST"])
@public_page
@keeps_form_on_csrf_failure
def step(slug: str, step_id: str) -> str | BaseResponse:
    """One step: read it, do its exercises, save and go on."""
    in_use = guide_in_use(slug)
    guide = in_use.guide
    current = step_or_404(in_use, step_id)
    definitions = questionnaires()
    formdata = request.form if request.method == "POST" else None
    sleep_windows = _sleep_windows(in_use, current)
    form = form_for(current, definitions, in_use.answers, formdata, sleep_windows)
    # A sleep window can be set only once the diary has enough nights in it.
    exercises_here = [
        block
        for block in current.answerable_blocks
        if block.id not in sleep_windows or sleep_windows[block.id].can_choose
    ]
    if request.method == "POST" and form.validate():
        values = answers_from(form)
        if in_use.user_id is None:
            keep_anonymous_work(current_session(), slug, current.id, values)
        else:
            save_step(
                db.session, in_use.user_id, in_use.published.guide_id, guide, current.id, values
            )
        return redirect(_after_saving(guide, current, shows_result=bool(exercises_here)))
    return render_template(
        "guides/step.html",
        in_use=in_use,
        guide=guide,
        step=current,
        form=form,
        definitions=definitions,
        previous_step=guide.previous_step(current),
        next_step=guide.next_step(current),
        urgent_help_anchor=_urgent_help_anchor(current, definitions),
        sleep_windows=sleep_windows,
        exercises_here=exercises_here,
    )


def _sleep_windows(in_use: GuideInUse, current: Step) -> dict[str, SleepWindowState]:
    """Each sleep window on the step, with the person's diary figures (one more query, only on
    such a step)."""
    return {
        block.id or "": state_for(
            db.session, in_use.user_id, in_use.answers.get(block.id or ""), today_in_london()
        )
        for block in current.answerable_blocks
        if isinstance(block, SleepWindowBlock)
    }


def _urgent_help_anchor(current: Step, definitions: Questionnaires) -> str | None:
    """Where a page sent back with errors opens: on the urgent help, when it shows (a browser
    scrolls to a form's #anchor only if that element is shown, else stays at the top). Without
    JavaScript that page is the first chance to show it. Saving goes to #result instead."""
    for block in current.answerable_blocks:
        if isinstance(block, QuestionnaireBlock) and definitions[block.definition_id].urgent_items:
            return f"{block.id}-urgent"
    return None


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
    sections = plan_sections(in_use.guide, in_use.answers, questionnaires())
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
        sections=plan_sections(in_use.guide, in_use.answers, questionnaires()),
        orphans=orphan_answers(in_use.guide, in_use.answers),
        form=PortalForm(),
    )


@bp.post("/<slug>/answers/<block_id>/delete")
def delete_one_answer(slug: str, block_id: str) -> BaseResponse:
    in_use = guide_in_use(slug)
    if in_use.user_id is None:
        deleted = forget_anonymous_answer(current_session(), slug, block_id)
    else:
        deleted = delete_answer(db.session, in_use.user_id, in_use.published.guide_id, block_id)
    if deleted:
        flash("That answer has been deleted.")
    return redirect(url_for("guides.answers", slug=slug))


@bp.route("/<slug>/start-again", methods=["GET", "POST"])
@keeps_form_on_csrf_failure
def start_over(slug: str) -> str | BaseResponse:
    """Delete every answer and all progress in this guide, after asking."""
    in_use = guide_in_use(slug)
    form = PortalForm()
    if form.validate_on_submit():
        if in_use.user_id is None:
            forget_anonymous_work(current_session(), slug)
        else:
            start_again(db.session, in_use.user_id, in_use.published.guide_id)
        flash(
            "Your answers in this guide have been deleted. You can start again whenever you like."
        )
        return redirect(url_for("guides.overview", slug=slug))
    return render_template("guides/start_again.html", guide=in_use.guide, form=form)
