"""Staff pages: the guides and their status, a new guide, the editor with its preview, publishing,
history and differences, rolling back, unpublishing, and (for admins) the audit log.

Every page here is for staff and admins only: anyone else finds nothing (404). What they learn
about people comes only from portal.staff.boundary, which also guards these requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

from portal.auth.roles import STAFF_ROLES, admin_required, role_of_current_user
from portal.extensions import db
from portal.guides.library import GuideNotFound, parsed_version
from portal.guides.problems import GuideInvalid
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.staff.audit import StaffMember, events_page
from portal.staff.boundary import guide_activity
from portal.staff.catalogue import staff_guide, staff_guides
from portal.staff.drafts import (
    SlugTaken,
    StaleDraft,
    create_guide,
    discard_draft,
    open_for_editing,
    save_draft,
)
from portal.staff.forms import (
    CompareForm,
    DraftButtonForm,
    EditGuideForm,
    NewGuideForm,
    PublishForm,
    UnpublishForm,
)
from portal.staff.history import RevisionNotFound, difference, revision_sources, revisions
from portal.staff.preview import preview_guide
from portal.staff.publishing import (
    DropsNotConfirmed,
    NothingToPublish,
    NotPublished,
    PublishedMeanwhile,
    PublishPlan,
    plan_publishing_draft,
    plan_republishing,
    publish_draft,
    republish,
    unpublish,
)
from portal.staff.readability import READING_EASE_AT_LEAST, WORDS_PER_SENTENCE_AT_MOST

bp = Blueprint("staff", __name__, url_prefix="/staff")
# Flask keeps any object as a template global; its annotation asks for a callable.
bp.add_app_template_global(READING_EASE_AT_LEAST, "reading_ease_target")  # type: ignore[arg-type]
bp.add_app_template_global(WORDS_PER_SENTENCE_AT_MOST, "sentence_target")  # type: ignore[arg-type]

P = ParamSpec("P")
R = TypeVar("R")

STALE_DRAFT = (
    "Someone else saved this draft after you opened it, so yours has not been saved. Your text "
    "is below, with how it differs from theirs: copy what you need, then open the draft again."
)
DROPS_NOT_CONFIRMED = "Confirm that you want to publish, or go back and keep those ids"


@bp.before_request
def staff_only() -> None:
    """Every staff page, in one place: a person (or a visitor) finds nothing here."""
    if role_of_current_user() not in STAFF_ROLES:
        abort(404)


def _found(find: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """What `find` finds, or the not-found page."""
    try:
        return find(*args, **kwargs)
    except (GuideNotFound, RevisionNotFound):
        abort(404)


@bp.get("")
def home() -> str:
    """Every guide with its status, who changed it last and when."""
    return render_template("staff/home.html", guides=staff_guides(db.session))


@bp.route("/guides/new", methods=["GET", "POST"])
@keeps_form_on_csrf_failure
def new_guide() -> str | BaseResponse:
    """A new guide, begun from the template as a draft."""
    form = NewGuideForm()
    if form.validate_on_submit():
        try:
            create_guide(
                db.session,
                StaffMember.signed_in(),
                form.slug.data or "",
                form.title.data or "",
                form.topic.data or "",
            )
        except SlugTaken:
            form.add_error("slug", "Another guide has that address: choose a different one")
        except GuideInvalid as invalid:
            for problem in invalid.problems:
                field = "slug" if "slug" in problem.message else "title"
                form.add_error(field, _sentence(problem.message))
        else:
            flash("Your new guide is saved as a draft. Nobody sees it until you publish it.")
            return redirect(url_for(".edit", slug=form.slug.data))
    return render_template("staff/new.html", form=form)


@bp.get("/guides/<slug>")
def guide(slug: str) -> str:
    """A guide's status, its draft and revisions, and anonymous figures for it."""
    found = _found(staff_guide, db.session, slug)
    activity, step_figures = None, []
    if found.published_version_id is not None:
        published = parsed_version(db.session, found.published_version_id)
        activity = guide_activity(db.session, found.id, published.step_ids)
        step_figures = [
            (step, people)
            for step, (_, people) in zip(published.steps, activity.steps, strict=True)
        ]
    return render_template(
        "staff/guide.html", guide=found, activity=activity, step_figures=step_figures
    )


@bp.route("/guides/<slug>/edit", methods=["GET", "POST"])
@keeps_form_on_csrf_failure
def edit(slug: str) -> str | BaseResponse:
    """The editor: the text, a preview of one step, its problems and readability. Preview
    re-shows the page; Save draft keeps the text; Save and publish goes on to publishing."""
    editing = _found(open_for_editing, db.session, slug)
    form = EditGuideForm(data={"source": editing.source, "lock_version": editing.lock_version})
    action = request.form.get("action", "preview")
    theirs = None
    if request.method == "POST" and form.validate() and action in ("save", "publish"):
        try:
            save_draft(
                db.session,
                StaffMember.signed_in(),
                slug,
                form.source.data or "",
                form.lock_version.data,
            )
        except StaleDraft as stale:
            form.form_errors.append(STALE_DRAFT)
            theirs = stale.current
        else:
            if action == "publish":
                return redirect(url_for(".publish", slug=slug))
            flash("Your draft is saved. Nobody sees it until you publish it.")
            return redirect(url_for(".edit", slug=slug))
    source = form.source.data or ""
    return render_template(
        "staff/edit.html",
        editing=editing,
        form=form,
        preview=preview_guide(source, slug, _chosen_step()),
        theirs=theirs,
        their_difference=difference(theirs.source, source) if theirs else None,
    )


def _chosen_step() -> str | None:
    chosen = request.values.get("preview_step")
    return chosen if chosen is None or len(chosen) <= 64 else None


@bp.post("/guides/<slug>/preview")
def preview(slug: str) -> Response:
    """The editor's preview for the text sent (static/js/staff.js asks as staff type)."""
    _found(staff_guide, db.session, slug)
    source = request.form.get("source", "").replace("\r\n", "\n")
    shown = preview_guide(source, slug, _chosen_step())
    panel = render_template("staff/preview_panel.html", preview=shown)
    choices = [(choice.id, choice.title) for choice in shown.choices]
    return jsonify(html=panel, shown=shown.shown, choices=choices, problems=len(shown.problems))


@bp.route("/guides/<slug>/discard-draft", methods=["GET", "POST"])
def discard(slug: str) -> str | BaseResponse:
    editing = _found(open_for_editing, db.session, slug)
    if editing.draft is None:
        abort(404)
    form = DraftButtonForm(data={"lock_version": editing.lock_version})
    if form.validate_on_submit():
        try:
            gone = discard_draft(db.session, StaffMember.signed_in(), slug, form.lock_version.data)
        except StaleDraft:
            form.form_errors.append(
                "Someone else saved this draft after you opened this page. Check it first."
            )
        else:
            flash("The draft has been discarded.")
            return redirect(url_for(".home") if gone else url_for(".guide", slug=slug))
    return render_template("staff/discard.html", editing=editing, form=form)


@bp.route("/guides/<slug>/publish", methods=["GET", "POST"])
@keeps_form_on_csrf_failure
def publish(slug: str) -> str | BaseResponse:
    """Check the draft, show what changes and whose work it would hide, then publish it."""
    try:
        editing, plan = plan_publishing_draft(db.session, slug)
    except GuideNotFound:
        abort(404)
    except NothingToPublish:
        flash("There is no draft to publish. Edit the guide and save a draft first.")
        return redirect(url_for(".guide", slug=slug))
    form = PublishForm(data={"lock_version": editing.lock_version})
    if form.validate_on_submit():
        try:
            number = publish_draft(
                db.session,
                StaffMember.signed_in(),
                slug,
                form.lock_version.data,
                form.change_note.data or "",
                form.confirmed_ids(),
            )
        except (StaleDraft, NothingToPublish):
            form.form_errors.append(
                "The draft changed after you opened this page. Check it again below."
            )
            return _publish_page(slug, form)
        except DropsNotConfirmed:
            form.add_error("confirm_dropped", DROPS_NOT_CONFIRMED)
        except GuideInvalid:
            form.form_errors.append("Fix the problems in the draft before publishing it")
        except PublishedMeanwhile:
            form.form_errors.append(_PUBLISHED_MEANWHILE)
        else:
            flash(f"Revision {number} is published. People see it now.")
            return redirect(url_for(".guide", slug=slug))
    return render_template(
        "staff/publish.html", plan=plan, form=_warned(form, plan), editing=editing
    )


def _publish_page(slug: str, form: PublishForm) -> str | BaseResponse:
    """The publishing page again, for the draft as it is now."""
    try:
        editing, plan = plan_publishing_draft(db.session, slug)
    except (GuideNotFound, NothingToPublish):
        return redirect(url_for(".guide", slug=slug))
    form.lock_version.data = editing.lock_version
    return render_template(
        "staff/publish.html", plan=plan, form=_warned(form, plan), editing=editing
    )


_PUBLISHED_MEANWHILE = (
    "Someone else published this guide at the same moment. Check its history, then try again."
)


def _warned(form: PublishForm, plan: PublishPlan) -> PublishForm:
    """The form names exactly the ids this page warns about; a confirmation of others (the
    page was out of date) is not carried over."""
    if (form.dropped_ids.data or "") != plan.dropped_ids:
        form.confirm_dropped.data = False
    form.dropped_ids.data = plan.dropped_ids
    return form


@bp.route("/guides/<slug>/revisions/<int:number>/publish-again", methods=["GET", "POST"])
@keeps_form_on_csrf_failure
def publish_again(slug: str, number: int) -> str | BaseResponse:
    """Roll back: publish an earlier revision's text again, as a new revision."""
    plan = _found(plan_republishing, db.session, slug, number)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            new_number = republish(
                db.session,
                StaffMember.signed_in(),
                slug,
                number,
                form.change_note.data or "",
                form.confirmed_ids(),
            )
        except DropsNotConfirmed:
            form.add_error("confirm_dropped", DROPS_NOT_CONFIRMED)
        except GuideInvalid:
            form.form_errors.append("This revision cannot be published again as it is")
        except PublishedMeanwhile:
            form.form_errors.append(_PUBLISHED_MEANWHILE)
        else:
            flash(f"Revision {number} is published again, as revision {new_number}.")
            return redirect(url_for(".guide", slug=slug))
    return render_template(
        "staff/publish_again.html", plan=plan, form=_warned(form, plan), number=number
    )


@bp.route("/guides/<slug>/unpublish", methods=["GET", "POST"])
@keeps_form_on_csrf_failure
def take_down(slug: str) -> str | BaseResponse:
    found = _found(staff_guide, db.session, slug)
    if found.published_version_id is None:
        abort(404)
    form = UnpublishForm()
    if form.validate_on_submit():
        try:
            unpublish(db.session, StaffMember.signed_in(), slug, form.reason.data or "")
        except NotPublished:
            return redirect(url_for(".guide", slug=slug))
        flash("The guide is unpublished. Nobody can open it until it is published again.")
        return redirect(url_for(".guide", slug=slug))
    return render_template("staff/unpublish.html", guide=found, form=form)


@bp.get("/guides/<slug>/history")
def history(slug: str) -> str:
    """Every revision, with a way to compare any two and to publish an earlier one again."""
    found = _found(staff_guide, db.session, slug)
    listed = revisions(db.session, found)
    form = _compare_form(listed_numbers=[revision.number for revision in listed])
    return render_template("staff/history.html", guide=found, revisions=listed, form=form)


def _compare_form(listed_numbers: list[int]) -> CompareForm:
    choices = [SelectChoice(str(number), f"Revision {number}") for number in listed_numbers]
    form = CompareForm(request.args if "old" in request.args else None)
    form.old.choices = choices
    form.new.choices = choices
    if "old" not in request.args and len(listed_numbers) >= 2:
        form.old.data = str(listed_numbers[1])  # the newest two, older first
        form.new.data = str(listed_numbers[0])

    return form


@bp.get("/guides/<slug>/compare")
def compare(slug: str) -> str:
    """The difference between two revisions, line by line."""
    found = _found(staff_guide, db.session, slug)
    listed = revisions(db.session, found)
    form = _compare_form(listed_numbers=[revision.number for revision in listed])
    # Without a choice, the two newest revisions; a choice made is checked first.
    if "old" in request.args and not form.validate():
        return render_template("staff/history.html", guide=found, revisions=listed, form=form)
    old, new = int(form.old.data or 0), int(form.new.data or 0)
    sources = _found(revision_sources, db.session, found.id, old, new)
    return render_template(
        "staff/compare.html",
        guide=found,
        form=form,
        old=old,
        new=new,
        changes=difference(sources[old], sources[new]),
    )


@bp.get("/audit-log")
@admin_required
def audit_log() -> str:
    """Every staff action, newest first: admins only."""
    page = events_page(db.session, request.args.get("page", 1, type=int) or 1)
    return render_template("staff/audit_log.html", page=page)


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]
