"""The private diary: write an entry, read your entries newest first, by day or by month, search
them, change or delete one, and see your mood and sleep as charts. Signed-in people only; a visitor
gets a page saying what the diary is."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from portal.dates import WEEKDAYS, date_in_words, month_start, next_month, today_in_london
from portal.diary.calendar import month_weeks
from portal.diary.entries import EntryContent, entries
from portal.diary.forms import EARLIEST_DATE, EntryForm, SearchForm
from portal.diary.trends import CHART_PERIODS, DEFAULT_PERIOD, diary_charts
from portal.extensions import db
from portal.forms import ButtonForm, required_answer
from portal.held_writing import form_with_held_writing, keeps_writing_through_sign_in
from portal.record_pages import own_record_or_404, page_number
from portal.records import (
    OpenedRecord,
    RecordNotFound,
    StaleEdit,
)
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.security.sessions import current_session

bp = Blueprint("diary", __name__, url_prefix="/diary")

SEARCH_WORDS = "diary_search"  # session key: the words of the person's latest search
# Months shown go up to the end of this year, so "next month" is always a real date.
LAST_MONTH_YEAR = 9998

STALE_ENTRY_MESSAGE = (
    "This entry was changed in another tab or window after you opened it. Your changes have not "
    "been saved yet: check both versions below"
)


def _content_from(form: EntryForm) -> EntryContent:
    return EntryContent(
        mood=int(form.mood.data), tags=form.tags.tags, notes=(form.notes.data or "").strip()
    )


def _fill_form(form: EntryForm, entry: OpenedRecord[EntryContent]) -> None:
    """Show a saved entry in the form, with the version it was read at."""
    form.entry_date.process(None, entry.day)
    form.mood.data = str(entry.content.mood)
    form.tags.data = ", ".join(entry.content.tags)
    form.notes.data = entry.content.notes
    form.version.data = entry.version


def _entry_form_page(
    form: EntryForm,
    *,
    entry: OpenedRecord[EntryContent] | None = None,
    changing: uuid.UUID | None = None,
    conflict: OpenedRecord[EntryContent] | None = None,
    restored: bool = False,
    not_saved: bool = False,
) -> str:
    return render_template(
        "diary/entry_form.html",
        form=form,
        entry=entry,
        changing=changing,
        conflict=conflict,
        restored=restored,
        not_saved=not_saved,
    )


def _entry_not_saved() -> str:
    """The entry form as it was sent, when the database could not take it (nothing is read)."""
    changing = (request.view_args or {}).get("entry_id")
    return _entry_form_page(EntryForm(), changing=changing, not_saved=True)


@bp.get("")
def home() -> str | BaseResponse:
    """Your entries, newest first, a page at a time; for a visitor, what the diary is."""
    if not current_user.is_authenticated:
        return render_template("diary/about.html")
    listed = entries.page(db.session, current_user.id, page_number())
    if listed.number > listed.pages:
        return redirect(url_for("diary.home", page=listed.pages))
    return render_template("diary/home.html", listed=listed, search_form=SearchForm(formdata=None))


@bp.route("/new", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
@keeps_writing_through_sign_in(_entry_not_saved)
def new_entry() -> str | BaseResponse:
    form, restored = form_with_held_writing(EntryForm, current_user.id)
    if form.validate_on_submit():
        entry = entries.add(
            db.session, current_user.id, required_answer(form.entry_date.data), _content_from(form)
        )
        flash("Your diary entry has been saved.")
        return redirect(url_for("diary.entry", entry_id=entry.id))
    return _entry_form_page(form, restored=restored)


@bp.get("/entries/<uuid:entry_id>")
@login_required
def entry(entry_id: uuid.UUID) -> str:
    return render_template("diary/entry.html", entry=own_record_or_404(entries, entry_id))


@bp.route("/entries/<uuid:entry_id>/edit", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
@keeps_writing_through_sign_in(_entry_not_saved)
def edit_entry(entry_id: uuid.UUID) -> str | BaseResponse:
    """Change an entry. Saving from a tab opened before a later save shows both versions."""
    saved = own_record_or_404(entries, entry_id)
    form, restored = form_with_held_writing(EntryForm, current_user.id)
    conflict: OpenedRecord[EntryContent] | None = None
    if request.method == "GET" and not restored:
        _fill_form(form, saved)
    elif form.validate_on_submit():
        try:
            entries.update(
                db.session,
                current_user.id,
                entry_id,
                based_on_version=form.version.data,
                day=required_answer(form.entry_date.data),
                content=_content_from(form),
            )
        except StaleEdit as stale:
            conflict = stale.current
            # Saving this form again is now a choice made with both versions in view.
            form.version.data = conflict.version
            form.form_errors.append(STALE_ENTRY_MESSAGE)
        except RecordNotFound:
            abort(404)  # deleted in another tab meanwhile
        else:
            flash("Your changes have been saved.")
            return redirect(url_for("diary.entry", entry_id=entry_id))
    return _entry_form_page(form, entry=saved, conflict=conflict, restored=restored)


@bp.route("/entries/<uuid:entry_id>/delete", methods=["GET", "POST"])
@login_required
def delete_entry(entry_id: uuid.UUID) -> str | BaseResponse:
    """Ask first; then delete for good."""
    saved = own_record_or_404(entries, entry_id)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            entries.delete(db.session, current_user.id, entry_id)
        except RecordNotFound:
            abort(404)
        flash(f"Your entry for {date_in_words(saved.day)} has been deleted.")
        return redirect(url_for("diary.home"))
    return render_template("diary/delete.html", entry=saved, form=form)


@bp.get("/days/<int(fixed_digits=4):year>-<int(fixed_digits=2):month>-<int(fixed_digits=2):day>")
@login_required
def day(year: int, month: int, day: int) -> str:
    """Every entry of one day (the month view links here)."""
    try:
        chosen = date(year, month, day)
    except ValueError:
        abort(404)
    found = entries.between(db.session, current_user.id, chosen, chosen)
    return render_template("diary/day.html", day=chosen, found=found)


@bp.get("/months")
@login_required
def this_month() -> BaseResponse:
    today = today_in_london()
    return redirect(url_for("diary.month", year=today.year, month=today.month))


@bp.get("/months/<int(fixed_digits=4):year>-<int(fixed_digits=2):month>")
@login_required
def month(year: int, month: int) -> str:
    """A calendar of one month: each day with entries links to them and shows the mood."""
    if not 1 <= month <= 12 or not EARLIEST_DATE.year <= year <= LAST_MONTH_YEAR:
        abort(404)
    first = date(year, month, 1)
    found = entries.between(
        db.session, current_user.id, first, next_month(first) - timedelta(days=1)
    )
    today = today_in_london()
    return render_template(
        "diary/month.html",
        first=first,
        weeks=month_weeks(first, found, today),
        weekdays=WEEKDAYS,
        entry_count=len(found),
        has_previous=first > EARLIEST_DATE,
        has_next=first < month_start(today),  # up to this month: later ones hold nothing yet
    )


@bp.route("/search", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
def search() -> str | BaseResponse:
    """Entries whose notes or tags hold the words, newest first, each opened on the server to
    look in it. The words are sent by POST and kept in the (sealed, server-side) session, so they
    never appear in an address that browser history would keep."""
    session = current_session()
    form = SearchForm()
    if form.validate_on_submit():
        session[SEARCH_WORDS] = form.q.data.strip()
        return redirect(url_for("diary.search", _anchor="results"))
    results = None
    words = session.get(SEARCH_WORDS)
    if request.method == "GET" and words:
        form.q.data = words
        results = entries.search(db.session, current_user.id, words, page_number())
        if results.number > results.pages:
            return redirect(url_for("diary.search", page=results.pages, _anchor="results"))
    return render_template("diary/search.html", form=form, results=results)


@bp.post("/search/clear")
@login_required
def clear_search() -> BaseResponse:
    current_session().pop(SEARCH_WORDS, None)
    return redirect(url_for("diary.search"))


@bp.get("/charts")
@login_required
def charts() -> str:
    """Mood and sleep over the last 7, 30 or 90 days, as pictures with tables of their numbers."""
    asked = request.args.get("days", "")
    period = next((days for days in CHART_PERIODS if str(days) == asked), DEFAULT_PERIOD)
    return render_template(
        "diary/charts.html",
        period=period,
        periods=CHART_PERIODS,
        charts=diary_charts(db.session, current_user.id, today_in_london(), period),
    )
