"""The incident log's pages: quick add, the whole record, the list with filters and search, an
incident with its files and history, amending, deleting, and checking the log is unchanged.
Signed-in people only; a visitor gets a page saying what the log is for."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from portal.dates import date_in_words, today_in_london
from portal.extensions import db, limiter
from portal.forms import ButtonForm, required_answer
from portal.held_writing import form_with_held_writing, keeps_writing_through_sign_in
from portal.incidents import listing, log
from portal.incidents.case_review import CaseReviewRules, count_complaints
from portal.incidents.content import FIELD_LABELS, Category, IncidentContent
from portal.incidents.evidence import write_pack
from portal.incidents.forms import (
    EvidenceFileForm,
    FilterForm,
    IncidentForm,
    PackForm,
    QuickAddForm,
)
from portal.incidents.log import FileNotFound, NothingChanged, incidents
from portal.incidents.pack import PackSite, StoredFileChanged, pack_filename
from portal.incidents.pack_input import PackRequest
from portal.incidents.signing import current_signer
from portal.incidents.summary import summarise
from portal.incidents.uploads import (
    UploadRefused,
    content_disposition,
    download_name,
    inspect_upload,
)
from portal.record_pages import own_record_or_404, page_number
from portal.records import OpenedRecord, RecordNotFound, StaleEdit
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.security.sessions import current_session

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

# A pack opens every record and file chosen; nobody needs more than a few an hour. Counted per
# account, not per address (a refuge's wifi is shared).
PACK_LIMIT = "10 per hour"

STALE_MESSAGE = (
    "This incident was changed in another tab or window after you opened it. Your changes have "
    "not been saved yet: check both versions below"
)


def _file_limits() -> tuple[int, int]:
    config = current_app.config
    return config["INCIDENT_FILE_MAX_MB"] * 1024 * 1024, config["INCIDENT_QUOTA_MB"] * 1024 * 1024


@bp.get("")
def home() -> str | BaseResponse:
    """The log, newest first, filtered as the person chose; for a visitor, what it is for."""
    if not current_user.is_authenticated:
        return render_template("incidents/about.html")
    filters = listing.filters_in(current_session())
    listed = listing.list_page(db.session, current_user.id, filters, page_number())
    if listed.number > listed.pages:
        return redirect(url_for("incidents.home", page=listed.pages))
    form = FilterForm(formdata=None)
    listing.fill_filter_form(form, filters)
    return render_template(
        "incidents/home.html",
        listed=listed,
        filters=filters,
        filter_form=form,
        clear_form=ButtonForm(),
        check=listing.last_check(current_session()),
    )


@bp.post("/filter")
@login_required
@keeps_form_on_csrf_failure
def filter_list() -> str | BaseResponse:
    form = FilterForm()
    if form.validate_on_submit():
        listing.keep_filters(current_session(), listing.filters_from(form))
        return redirect(url_for("incidents.home", _anchor="incidents"))
    listed = listing.list_page(db.session, current_user.id, listing.Filters(), 1)
    return render_template(
        "incidents/home.html",
        listed=listed,
        filters=listing.Filters(),
        filter_form=form,
        clear_form=ButtonForm(),
        check=None,
    )


@bp.post("/filter/clear")
@login_required
def clear_filters() -> BaseResponse:
    listing.keep_filters(current_session(), listing.Filters())
    return redirect(url_for("incidents.home"))


def _quick_add_not_saved() -> str:
    """The quick form as it was sent, when the database could not take it (nothing is read)."""
    return render_template(
        "incidents/quick.html", form=QuickAddForm(), restored=False, not_saved=True
    )


def _incident_form_page(
    form: IncidentForm,
    *,
    incident: OpenedRecord[IncidentContent] | None = None,
    changing: uuid.UUID | None = None,
    conflict: OpenedRecord[IncidentContent] | None = None,
    restored: bool = False,
    not_saved: bool = False,
) -> str:
    return render_template(
        "incidents/form.html",
        form=form,
        incident=incident,
        changing=changing,
        conflict=conflict,
        restored=restored,
        not_saved=not_saved,
    )


def _incident_not_saved() -> str:
    """The incident form as it was sent, when the database could not take it (nothing is read)."""
    changing = (request.view_args or {}).get("incident_id")
    return _incident_form_page(IncidentForm(), changing=changing, not_saved=True)


@bp.route("/quick", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
@keeps_writing_through_sign_in(_quick_add_not_saved)
def quick_add() -> str | BaseResponse:
    """What happened and when, in under 30 seconds; the rest can be added later."""
    form, restored = form_with_held_writing(QuickAddForm, current_user.id)
    if form.validate_on_submit():
        saved = log.record_incident(db.session, current_user.id, form.content())
        listing.forget_check(current_session())
        flash("The incident has been saved. You can add details, photos or sound when you can.")
        return redirect(url_for("incidents.incident", incident_id=saved.id))
    return render_template("incidents/quick.html", form=form, restored=restored, not_saved=False)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
@keeps_writing_through_sign_in(_incident_not_saved)
def new_incident() -> str | BaseResponse:
    form, restored = form_with_held_writing(IncidentForm, current_user.id)
    if form.validate_on_submit():
        saved = log.record_incident(db.session, current_user.id, form.content())
        listing.forget_check(current_session())
        flash("The incident has been saved.")
        return redirect(url_for("incidents.incident", incident_id=saved.id))
    return _incident_form_page(form, restored=restored)


@bp.get("/<uuid:incident_id>")
@login_required
def incident(incident_id: uuid.UUID) -> str:
    return _incident_page(own_record_or_404(incidents, incident_id), EvidenceFileForm())


def _incident_page(saved: OpenedRecord[IncidentContent], file_form: EvidenceFileForm) -> str:
    files = log.files_of(db.session, current_user.id, [saved.id])
    return render_template(
        "incidents/incident.html",
        incident=saved,
        files=files,
        form=file_form,
        file_max_mb=current_app.config["INCIDENT_FILE_MAX_MB"],
    )


@bp.route("/<uuid:incident_id>/change", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
@keeps_writing_through_sign_in(_incident_not_saved)
def change(incident_id: uuid.UUID) -> str | BaseResponse:
    """Amend an incident: the change is saved as a new revision, and every earlier one is kept."""
    saved = own_record_or_404(incidents, incident_id)
    form, restored = form_with_held_writing(IncidentForm, current_user.id)
    conflict: OpenedRecord[IncidentContent] | None = None
    if request.method == "GET" and not restored:
        form.fill_from(saved.content, saved.version)
    elif form.validate_on_submit():
        try:
            log.amend_incident(
                db.session,
                current_user.id,
                incident_id,
                based_on_version=form.version.data,
                content=form.content(),
            )
        except StaleEdit as stale:
            conflict = stale.current
            form.version.data = conflict.version
            form.form_errors.append(STALE_MESSAGE)
        except RecordNotFound:
            abort(404)
        except NothingChanged:
            flash("Nothing had changed, so no new version was saved.")
            return redirect(url_for("incidents.incident", incident_id=incident_id))
        else:
            listing.forget_check(current_session())
            flash("Your changes have been saved as a new version. The earlier one is kept.")
            return redirect(url_for("incidents.incident", incident_id=incident_id))
    return _incident_form_page(form, incident=saved, conflict=conflict, restored=restored)


@bp.get("/<uuid:incident_id>/history")
@login_required
def history(incident_id: uuid.UUID) -> str:
    """Every version of an incident, oldest first, each with what it changed."""
    saved = own_record_or_404(incidents, incident_id)
    revisions = log.revisions_of(db.session, current_user.id, incident_id)
    return render_template(
        "incidents/history.html", incident=saved, revisions=revisions, labels=FIELD_LABELS
    )


@bp.route("/<uuid:incident_id>/delete", methods=["GET", "POST"])
@login_required
def delete(incident_id: uuid.UUID) -> str | BaseResponse:
    saved = own_record_or_404(incidents, incident_id)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            log.delete_incident(db.session, current_user.id, incident_id)
            listing.forget_check(current_session())
        except RecordNotFound:
            abort(404)
        flash(f"The incident of {date_in_words(saved.day)} has been deleted.")
        return redirect(url_for("incidents.home"))
    return render_template("incidents/delete.html", incident=saved, form=form)


# Evidence files ------------------------------------------------------------------------------


@bp.post("/<uuid:incident_id>/files")
@login_required
@keeps_form_on_csrf_failure
def add_file(incident_id: uuid.UUID) -> str | BaseResponse:
    """Keep a photo, letter or sound recording with the incident, or say why not by the field."""
    saved = own_record_or_404(incidents, incident_id)
    form = EvidenceFileForm()
    if form.validate_on_submit():
        upload = form.file.data
        max_bytes, quota = _file_limits()
        try:
            data = upload.read(max_bytes + 1)
            checked = inspect_upload(data, upload.filename or "", max_bytes=max_bytes)
            # The quota is checked as the file is kept, so two tabs cannot both squeeze in.
            log.add_file(db.session, current_user.id, incident_id, checked, quota_bytes=quota)
        except UploadRefused as refused:
            form.add_error("file", str(refused))
        else:
            listing.forget_check(current_session())
            flash(f"“{checked.original_name}” has been added to this incident.")
            return redirect(url_for("incidents.incident", incident_id=incident_id, _anchor="files"))
    return _incident_page(saved, form)


def _file_response(file_id: uuid.UUID, part: str, *, download: bool = False) -> Response:
    try:
        facts, data = log.file_part(db.session, current_user.id, file_id, part)
    except FileNotFound:
        abort(404)
    media_type = {
        "original": facts.media_type,
        "display": facts.display_media_type,
        "thumbnail": "image/jpeg",
    }[part]
    response = Response(data, mimetype=media_type)
    disposition = "attachment" if download else "inline"
    name = download_name(facts.original_name, media_type) if download else facts.original_name
    response.headers["Content-Disposition"] = content_disposition(disposition, name)
    # Ranges: phones' audio players (Safari's above all) ask for a recording a part at a time.
    response.make_conditional(request, accept_ranges=True, complete_length=len(data))
    return response  # changed in place: make_conditional returns it typed as Werkzeug's class


@bp.get("/files/<uuid:file_id>")
@login_required
def file_display(file_id: uuid.UUID) -> Response:
    """The copy shown on screen: location and camera details removed from photos."""
    return _file_response(file_id, "display")


@bp.get("/files/<uuid:file_id>/thumbnail")
@login_required
def file_thumbnail(file_id: uuid.UUID) -> Response:
    return _file_response(file_id, "thumbnail")


@bp.get("/files/<uuid:file_id>/original")
@login_required
def file_original(file_id: uuid.UUID) -> Response:
    """The file exactly as it was added, byte for byte, to download."""
    return _file_response(file_id, "original", download=True)


@bp.route("/files/<uuid:file_id>/delete", methods=["GET", "POST"])
@login_required
def delete_file(file_id: uuid.UUID) -> str | BaseResponse:
    try:
        facts = log.file_facts(db.session, current_user.id, file_id)
    except FileNotFound:
        abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            log.remove_file(db.session, current_user.id, file_id)
            listing.forget_check(current_session())
        except FileNotFound:
            abort(404)
        flash(f"“{facts.original_name}” has been deleted.")
        return redirect(
            url_for("incidents.incident", incident_id=facts.incident_id, _anchor="files")
        )
    return render_template("incidents/delete_file.html", facts=facts, form=form)


# Checking ------------------------------------------------------------------------------------


@bp.get("/check")
@login_required
def check() -> str:
    """Check every record against the chain and the site's signed checkpoints, now."""
    report = log.check_log(db.session, current_user.id, read_files=True)
    listing.remember_check(current_session(), report)
    broken: Any = None
    if report.problem and report.problem.incident_id:
        try:
            broken = incidents.get(db.session, current_user.id, report.problem.incident_id)
        except RecordNotFound:
            broken = None
    return render_template("incidents/check.html", report=report, broken=broken)


@bp.route("/pack", methods=["GET", "POST"])
@login_required
@limiter.limit(PACK_LIMIT, methods=["POST"], key_func=lambda: str(current_user.id))
@keeps_form_on_csrf_failure
def pack() -> str | BaseResponse:
    """Choose what goes in an evidence pack, then download it: a button, not a link, so only the
    person's own click makes one."""
    form = PackForm()
    if request.method == "GET":
        oldest = incidents.between(db.session, current_user.id, date.min, today_in_london())[:1]
        form.first_day.process(None, oldest[0].day if oldest else today_in_london())
    if form.validate_on_submit():
        chosen = PackRequest(
            first_day=required_answer(form.first_day.data),
            last_day=required_answer(form.last_day.data),
            categories=frozenset(Category(value) for value in form.categories.data or []),
            include_files="yes" in (form.include_files.data or []),
        )
        try:
            made, spool = write_pack(
                db.session,
                current_user.id,
                chosen,
                current_signer(),
                PackSite.from_config(current_app.config),
            )
        except StoredFileChanged as changed:
            form.form_errors.append(
                f"A file of the incident of {changed.incident.started_on.isoformat()} is not the "
                "file that was added, so this site will not sign a pack holding it. Check your "
                "log for more."
            )
        else:
            return send_file(
                spool,
                mimetype="application/zip",
                as_attachment=True,
                download_name=pack_filename(made.exported_at),
            )
    return render_template("incidents/pack.html", form=form)


@bp.get("/summary")
@login_required
def summary() -> str:
    """The last twelve months at a glance: incidents each month and of each kind."""
    everything = incidents.everything(db.session, current_user.id)
    shown = summarise([record.content for record in everything], today_in_london())
    return render_template("incidents/summary.html", summary=shown)


@bp.get("/case-review")
@login_required
def case_review() -> str:
    """Whether the log shows enough complaints to ask for an ASB Case Review, and the complaints
    an application asks for."""
    config = current_app.config
    rules = CaseReviewRules(
        complaints_needed=config["CASE_REVIEW_COMPLAINTS"],
        within_months=config["CASE_REVIEW_MONTHS"],
        report_within_months=config["CASE_REVIEW_REPORT_WITHIN_MONTHS"],
    )
    everything = incidents.everything(db.session, current_user.id)
    count = count_complaints([record.content for record in everything], today_in_london(), rules)
    return render_template("incidents/case_review.html", count=count, today=today_in_london())
