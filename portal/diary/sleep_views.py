"""The sleep diary: a night at a time, with time in bed, time asleep and sleep efficiency worked
out, and weekly averages as CBT for insomnia uses them. Signed-in people only."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from portal.dates import date_in_words, now_in_london, today_in_london
from portal.diary.nights import TIME_FIELDS, NightContent, night_in_words, nights, totals_of
from portal.diary.sleep import SleepTimesProblem, resolve_night, weekly_averages
from portal.diary.sleep_forms import NightForm
from portal.extensions import db
from portal.forms import ButtonForm, how_a_time_was_read, required_answer
from portal.held_writing import form_with_held_writing, keeps_writing_through_sign_in
from portal.record_pages import own_record_or_404, page_number
from portal.records import (
    DayTaken,
    OpenedRecord,
    RecordNotFound,
    StaleEdit,
)
from portal.security.csrf import keeps_form_on_csrf_failure

bp = Blueprint("sleep", __name__, url_prefix="/diary/sleep")

WEEKS_SHOWN = 8  # this week and the seven before it
STALE_NIGHT_MESSAGE = (
    "This night was changed in another tab or window after you opened it. Your changes have not "
    "been saved yet: check both versions below"
)


def _content_from(form: NightForm) -> NightContent:
    return NightContent(
        bed_time=required_answer(form.bed_time.data),
        lights_out=required_answer(form.lights_out.data),
        minutes_to_fall_asleep=required_answer(form.minutes_to_fall_asleep.data),
        awakenings=required_answer(form.awakenings.data),
        awake_minutes=required_answer(form.awake_minutes.data),
        final_wake=required_answer(form.final_wake.data),
        out_of_bed=required_answer(form.out_of_bed.data),
        quality=int(form.quality.data),
        notes=(form.notes.data or "").strip(),
    )


def _fill_form(form: NightForm, night: OpenedRecord[NightContent]) -> None:
    form.night_of.process(None, night.day)
    content = night.content
    for name in (*TIME_FIELDS, "minutes_to_fall_asleep", "awakenings", "awake_minutes"):
        getattr(form, name).data = getattr(content, name)
    form.quality.data = str(content.quality)
    form.notes.data = content.notes
    form.version.data = night.version


def _checked_content(form: NightForm) -> NightContent | None:
    """The night from a valid form, if its times can have happened; else messages on the form."""
    if not form.validate_on_submit():
        return None
    content = _content_from(form)
    try:
        totals = resolve_night(content.times(required_answer(form.night_of.data)))
    except SleepTimesProblem as problem:
        form.add_error(problem.field, problem.message)
        return None
    if totals.out_of_bed_at > now_in_london():
        form.add_error("out_of_bed", "The time you got out of bed must not be in the future")
        return None
    return content


@bp.get("")
@login_required
def home() -> str | BaseResponse:
    """Recent weeks' averages, then every night, newest first."""
    listed = nights.page(db.session, current_user.id, page_number())
    if listed.number > listed.pages:
        return redirect(url_for("sleep.home", page=listed.pages))
    today = today_in_london()
    recent = nights.between(
        db.session,
        current_user.id,
        today - timedelta(weeks=WEEKS_SHOWN - 1, days=today.weekday()),
        today,
    )
    weeks = weekly_averages(
        (night.day, totals, night.content.quality)
        for night in recent
        if (totals := totals_of(night)) is not None
    )
    return render_template(
        "sleep/home.html",
        listed=listed,
        totals={night.id: totals_of(night) for night in listed.items},
        weeks=weeks,
    )


def _night_form_page(
    form: NightForm,
    *,
    night: OpenedRecord[NightContent] | None = None,
    changing: uuid.UUID | None = None,
    taken: uuid.UUID | None = None,
    conflict: OpenedRecord[NightContent] | None = None,
    restored: bool = False,
    not_saved: bool = False,
) -> str:
    return render_template(
        "sleep/night_form.html",
        form=form,
        night=night,
        changing=changing,
        taken=taken,
        conflict=conflict,
        conflict_totals=totals_of(conflict) if conflict else None,
        restored=restored,
        not_saved=not_saved,
    )


def _night_not_saved() -> str:
    """The night form as it was sent, when the database could not take it (nothing is read)."""
    changing = (request.view_args or {}).get("night_id")
    return _night_form_page(NightForm(), changing=changing, not_saved=True)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
@keeps_writing_through_sign_in(_night_not_saved)
def new_night() -> str | BaseResponse:
    form, restored = form_with_held_writing(NightForm, current_user.id)
    taken = None
    content = _checked_content(form)
    if content is not None:
        night_of = required_answer(form.night_of.data)
        try:
            night = nights.add(db.session, current_user.id, night_of, content)
        except DayTaken as day_taken:
            taken = day_taken.record_id
            form.add_error(
                "night_of",
                f"You already have the night of {date_in_words(night_of)} in your "
                "sleep diary. Change that night instead, or choose another date",
            )
        else:
            flash(f"The night of {date_in_words(night.day)} has been saved.")
            return redirect(url_for("sleep.night", night_id=night.id))
    return _night_form_page(form, taken=taken, restored=restored)


@bp.post("/read-time")
@login_required
def read_time() -> BaseResponse:
    """How a time typed into the night form is read, for the line beside its box as the person
    leaves it (static/js/portal.js): the line the form itself shows when it comes back, so the
    rules live in one place. A POST, so what was typed stays out of addresses and logs."""
    return jsonify(read_as=how_a_time_was_read(request.form.get("typed", "")))


@bp.get("/nights/<uuid:night_id>")
@login_required
def night(night_id: uuid.UUID) -> str:
    saved = own_record_or_404(nights, night_id)
    return render_template(
        "sleep/night.html", night=saved, facts=night_in_words(saved, totals_of(saved))
    )


@bp.route("/nights/<uuid:night_id>/edit", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
@keeps_writing_through_sign_in(_night_not_saved)
def edit_night(night_id: uuid.UUID) -> str | BaseResponse:
    saved = own_record_or_404(nights, night_id)
    form, restored = form_with_held_writing(NightForm, current_user.id)
    taken = conflict = None
    if request.method == "GET" and not restored:
        _fill_form(form, saved)
    elif (content := _checked_content(form)) is not None:
        night_of = required_answer(form.night_of.data)
        try:
            nights.update(
                db.session,
                current_user.id,
                night_id,
                based_on_version=form.version.data,
                day=night_of,
                content=content,
            )
        except StaleEdit as stale:
            conflict = stale.current
            form.version.data = conflict.version
            form.form_errors.append(STALE_NIGHT_MESSAGE)
        except DayTaken as day_taken:
            taken = day_taken.record_id
            form.add_error(
                "night_of",
                f"You already have the night of {date_in_words(night_of)} in your "
                "sleep diary. Choose another date",
            )
        except RecordNotFound:
            abort(404)
        else:
            flash("Your changes have been saved.")
            return redirect(url_for("sleep.night", night_id=night_id))
    return _night_form_page(form, night=saved, taken=taken, conflict=conflict, restored=restored)


@bp.route("/nights/<uuid:night_id>/delete", methods=["GET", "POST"])
@login_required
def delete_night(night_id: uuid.UUID) -> str | BaseResponse:
    saved = own_record_or_404(nights, night_id)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            nights.delete(db.session, current_user.id, night_id)
        except RecordNotFound:
            abort(404)
        flash(f"The night of {date_in_words(saved.day)} has been deleted.")
        return redirect(url_for("sleep.home"))
    return render_template("sleep/delete.html", night=saved, form=form)
