"""The person's side of sharing: choose what to share, see exactly what the recipient will see,
confirm, pass on the link and the code; then the list of shares, each time one was opened, a new
code, and revoking. Signed-in people only."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

from portal.dates import today_in_london
from portal.extensions import db, limiter
from portal.forms import ButtonForm, required_answer
from portal.guides.export import GuideAnswered, guides_answered
from portal.incidents.content import Category
from portal.incidents.log import incidents
from portal.incidents.pack import PackSite, StoredFileChanged
from portal.incidents.signing import current_signer
from portal.incidents.uploads import describe_size
from portal.models.base import utcnow
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.security.sessions import current_session
from portal.sharing.forms import ShareForm
from portal.sharing.selection import (
    ShareChoice,
    SharedFilesTooLarge,
    as_shared,
    build_snapshot,
    is_photo,
    plans_left_out,
)
from portal.sharing.services import (
    MadeShare,
    ShareNotFound,
    create_share,
    issue_new_code,
    list_shares,
    revoke_share,
)
from portal.sharing.snapshot import SharedFile, grouped

bp = Blueprint("sharing", __name__, url_prefix="/shares")

# What the person is about to share, between choosing and confirming (the sealed session).
PENDING_CHOICE = "sharing.pending"
# The link and code just made, shown once.
JUST_MADE = "sharing.just-made"
# Making a share opens every record and file chosen, as a pack does. Counted per account.
SHARE_LIMIT = "10 per hour"


@bp.get("")
@login_required
def home() -> str:
    """The person's shares: who each is for, what is in it, when it ends and when it was opened."""
    return render_template(
        "sharing/home.html", shares=list_shares(db.session, current_user.id), form=ButtonForm()
    )


def _offer_plans(form: ShareForm) -> list[GuideAnswered]:
    """The guides the person has answers in become the plans they can tick."""
    answered = guides_answered(db.session, current_user.id)
    form.plans.choices = [SelectChoice(guide.slug, guide.title) for guide in answered]
    return answered


def _choice_from(form: ShareForm, answered: list[GuideAnswered]) -> ShareChoice:
    ticked = set(form.plans.data or [])
    return ShareChoice(
        first_day=required_answer(form.first_day.data),
        last_day=required_answer(form.last_day.data),
        categories=frozenset(Category(value) for value in form.categories.data or []),
        with_files="yes" in (form.include_files.data or []),
        with_diary="yes" in (form.include_diary.data or []),
        label=(form.label.data or "").strip(),
        shared_by=" ".join((form.shared_by.data or "").split()),
        days=required_answer(form.days.data),
        plans=tuple(guide for guide in answered if guide.slug in ticked),
    )


def _fill(form: ShareForm, choice: ShareChoice) -> None:
    """The form as the person filled it in, when they come back to change something."""
    form.first_day.process(None, choice.first_day)
    form.last_day.process(None, choice.last_day)
    form.categories.data = sorted(category.value for category in choice.categories)
    form.include_files.data = ["yes"] if choice.with_files else []
    form.include_diary.data = ["yes"] if choice.with_diary else []
    form.label.data = choice.label
    form.shared_by.data = choice.shared_by
    form.days.data = choice.days
    form.plans.data = [plan.slug for plan in choice.plans]


@bp.route("/new", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
def new() -> str | BaseResponse:
    """Choose what to share; the next page shows exactly what they will see."""
    form = ShareForm()
    answered = _offer_plans(form)
    session = current_session()
    if request.method == "GET":
        pending = session.get(PENDING_CHOICE)
        if pending:
            _fill(form, ShareChoice.from_json(pending))
        else:
            oldest = incidents.between(db.session, current_user.id, date.min, today_in_london())
            form.first_day.process(None, oldest[0].day if oldest else today_in_london())
    if form.validate_on_submit():
        session[PENDING_CHOICE] = _choice_from(form, answered).to_json()
        return redirect(url_for("sharing.check"))
    return render_template("sharing/new.html", form=form)


def _preview_file_url(item: SharedFile, thumbnail: bool) -> str:
    """In the preview, the person's own copy of the file (the snapshot holds the same bytes)."""
    endpoint = "incidents.file_thumbnail" if thumbnail else "incidents.file_display"
    return url_for(endpoint, file_id=item.source_id)


@bp.route("/new/check", methods=["GET", "POST"])
@login_required
@limiter.limit(SHARE_LIMIT, methods=["POST"], key_func=lambda: str(current_user.id))
def check() -> str | BaseResponse:
    """Exactly what the recipient will see, then a button to share it."""
    session = current_session()
    pending = session.get(PENDING_CHOICE)
    if not pending:
        return redirect(url_for("sharing.new"))
    choice = ShareChoice.from_json(pending)
    form = ButtonForm()
    limit = current_app.config["SHARE_FILES_MAX_MB"] * 1024 * 1024
    if form.validate_on_submit():
        try:
            made = create_share(
                db.session,
                current_user.id,
                choice,
                current_signer(),
                PackSite.from_config(current_app.config),
                limit,
            )
        except StoredFileChanged as changed:
            form.form_errors.append(
                f"A file of the incident of {changed.incident.started_on.isoformat()} is not the "
                "file that was added, so this site will not share it. Check your log for more."
            )
        except SharedFilesTooLarge:
            pass  # said below, as on the page before the button
        else:
            session.pop(PENDING_CHOICE, None)
            return _show_once(made)
    built = build_snapshot(db.session, current_user.id, choice, read_files=False)
    too_large = built.files_size > limit
    if too_large:
        form.form_errors.append(
            f"The photos, letters and recordings chosen come to "
            f"{describe_size(built.files_size, round_up=True)}, and a share can hold "
            f"{describe_size(limit)}. Choose fewer dates or kinds of incident, or leave the "
            "files out."
        )
    return render_template(
        "sharing/check.html",
        form=form,
        choice=as_shared(choice, built.snapshot),
        plans_left_out=plans_left_out(choice, built.snapshot),
        snapshot=built.snapshot,
        expires_at=utcnow() + timedelta(days=choice.days),
        too_large=too_large,
        file_url=_preview_file_url,
        is_photo=is_photo,
    )


def _show_once(made: MadeShare) -> BaseResponse:
    current_session()[JUST_MADE] = {
        "share_id": str(made.share_id),
        "token": made.token,
        "code": made.code,
    }
    return redirect(url_for("sharing.made", share_id=made.share_id))


@bp.get("/<uuid:share_id>/made")
@login_required
def made(share_id: uuid.UUID) -> str | BaseResponse:
    """The link and, apart from it, the code: shown this once."""
    shown: dict[str, Any] | None = current_session().pop(JUST_MADE, None)
    if not shown or shown["share_id"] != str(share_id):
        flash("The link and code are shown only once. To give them again, make a new code.")
        return redirect(url_for("sharing.home"))
    # From PORTAL_BASE_URL when it is set, as emailed links are: the Host header is whatever
    # the request said. Without it (development), from the request.
    base = current_app.config["BASE_URL"]
    path = url_for("shared.open_link", token=shown["token"])
    link = (
        base.rstrip("/") + path
        if base
        else url_for("shared.open_link", token=shown["token"], _external=True)
    )
    return render_template("sharing/made.html", link=link, code=grouped(shown["code"]))


@bp.post("/<uuid:share_id>/revoke")
@login_required
def revoke(share_id: uuid.UUID) -> BaseResponse:
    """Stop the share now: the link stops working and the snapshot is destroyed."""
    try:
        revoke_share(db.session, current_user.id, share_id)
    except ShareNotFound:
        abort(404)
    flash("The share has been stopped. The link no longer works.")
    return redirect(url_for("sharing.home"))


@bp.post("/<uuid:share_id>/new-code")
@login_required
def new_code(share_id: uuid.UUID) -> BaseResponse:
    """A new code for the same link; the old code stops working."""
    try:
        made_again = issue_new_code(db.session, current_user.id, share_id)
    except ShareNotFound:
        abort(404)
    return _show_once(made_again)
