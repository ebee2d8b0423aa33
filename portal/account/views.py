"""The account pages: what we keep, password, email, recovery codes, devices, downloading
everything, deletion."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response as BaseResponse

from portal.account.export import build_download
from portal.account.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    EmailForm,
    PasswordCheckForm,
)
from portal.account.services import (
    NewPasswordRefused,
    WrongPassword,
    change_password,
    confirm_email_address,
    delete_account,
    renew_recovery_codes,
    set_email,
)
from portal.auth.current import current_account
from portal.auth.recovery import (
    LinkInvalid,
    email_links_available,
    email_of,
    find_link_token,
    unused_code_count,
)
from portal.auth.slowdowns import SlowedDown
from portal.auth.views import clear_site_data, show_recovery_codes
from portal.extensions import db, limiter
from portal.forms import ButtonForm
from portal.journeys import exported_records, kept_records
from portal.models.accounts import TokenPurpose
from portal.security.csrf import ends_session_whatever_the_token, keeps_form_on_csrf_failure
from portal.security.sessions import count_other_sessions, current_session, end_sessions_of

bp = Blueprint("account", __name__, url_prefix="/account")

# Making a download opens every record the person has; nobody needs more than a few an hour.
# Counted per account, not per address: a refuge's wifi is shared by everyone in it.
DOWNLOAD_LIMIT = "10 per hour"
WRONG_PASSWORD_MESSAGE = "That is not your current password. Check it and try again."  # noqa: S105 (a message)


def slowed_down_message(slowed: SlowedDown) -> str:
    return (
        "That password has been wrong several times. For your safety, wait "
        f"{slowed.wait_seconds} seconds, then try again."
    )


@bp.get("")
@login_required
def overview() -> str:
    """The account page: settings, and a plain statement of what is kept and how to delete it."""
    user = current_account()
    return render_template(
        "account/overview.html",
        user=user,
        email=email_of(user),
        codes_left=unused_code_count(db.session, user.id),
        other_sessions=count_other_sessions(db.session, user.id, current_session().session_id),
        sign_out_others_form=ButtonForm(),
        kept_records=kept_records(),
        keystore_backup_days=current_app.config["KEYSTORE_BACKUP_DAYS"],
        email_available=email_links_available(),
    )


@bp.route("/password", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
def password() -> str | BaseResponse:
    """Change the password; every other device is signed out and this one gets a new session."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        session = current_session()
        try:
            change_password(
                db.session,
                current_account(),
                form.current_password.data,
                form.new_password.data,
                keep_session_id=session.session_id,
            )
        except WrongPassword:
            form.add_error("current_password", WRONG_PASSWORD_MESSAGE)
        except SlowedDown as slowed:
            form.add_error("current_password", slowed_down_message(slowed))
        except NewPasswordRefused as refused:
            form.add_error("new_password", str(refused))
        else:
            session.regenerate()
            flash("Your password has been changed. Any other devices have been signed out.")
            return redirect(url_for("account.overview"))
    return render_template("account/password.html", form=form)


@bp.route("/email", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
def email() -> str | BaseResponse:
    """Add, change or remove the optional recovery email."""
    user = current_account()
    if not email_links_available():
        return render_template("account/email_unavailable.html")
    form = EmailForm()
    if request.method == "GET":
        form.email.data = email_of(user)
    if form.validate_on_submit():
        address = (form.email.data or "").strip() or None
        try:
            set_email(db.session, user, form.current_password.data, address)
        except WrongPassword:
            form.add_error("current_password", WRONG_PASSWORD_MESSAGE)
        except SlowedDown as slowed:
            form.add_error("current_password", slowed_down_message(slowed))
        else:
            if address:
                flash(
                    "We have sent a link to your email address. Open it to confirm the address; "
                    "until then we will not send password reset links to it."
                )
            else:
                flash("Your email address has been removed.")
            return redirect(url_for("account.overview"))
    return render_template("account/email.html", form=form)


@bp.route("/confirm-email", methods=["GET", "POST"])
@keeps_form_on_csrf_failure
def confirm_email() -> str | BaseResponse | tuple[str, int]:
    """Confirm an address from its emailed link: the link shows a button, the button confirms."""
    token = request.values.get("token", "")
    try:
        find_link_token(db.session, token, TokenPurpose.CONFIRM_EMAIL)
    except LinkInvalid:
        return render_template("auth/link_invalid.html"), 404
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            confirm_email_address(db.session, token)
        except LinkInvalid:
            return render_template("auth/link_invalid.html"), 404
        flash("Your email address is confirmed.")
        target = "account.overview" if current_user.is_authenticated else "pages.home"
        return redirect(url_for(target))
    return render_template("account/confirm_email.html", form=form, token=token)


@bp.route("/recovery-codes", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
def new_recovery_codes() -> str | BaseResponse:
    """Make ten new recovery codes; the old ones stop working."""
    form = PasswordCheckForm()
    if form.validate_on_submit():
        try:
            codes = renew_recovery_codes(db.session, current_account(), form.current_password.data)
        except WrongPassword:
            form.add_error("current_password", WRONG_PASSWORD_MESSAGE)
        except SlowedDown as slowed:
            form.add_error("current_password", slowed_down_message(slowed))
        else:
            return show_recovery_codes(codes, url_for("account.overview"))
    return render_template("account/new_recovery_codes.html", form=form)


@bp.post("/sign-out-other-devices")
@login_required
@ends_session_whatever_the_token
def sign_out_other_devices() -> BaseResponse:
    """End every session of this account except the one making the request (whatever the
    form's token: someone hiding their account from another device must never be refused)."""
    ended = end_sessions_of(
        db.session, current_user.id, except_session_id=current_session().session_id
    )
    db.session.commit()
    flash(
        "You have been signed out on every other device."
        if ended
        else "You were not signed in on any other device."
    )
    return redirect(url_for("account.overview"))


@bp.route("/download", methods=["GET", "POST"])
@login_required
@limiter.limit(DOWNLOAD_LIMIT, methods=["POST"], key_func=lambda: str(current_user.id))
@keeps_form_on_csrf_failure
def download() -> str | BaseResponse:
    """What the download holds, a warning about the device, and a button that sends it.

    A form button, not a link, so only the person's own click makes a file: never a browser's
    prefetch, or another site (CSRF). Not a state change, so the file is the response itself.
    """
    form = ButtonForm()
    if form.validate_on_submit():
        made = build_download(db.session, current_account())
        return send_file(
            made.content,
            mimetype="application/zip",
            as_attachment=True,
            download_name=made.filename,
        )
    return render_template("account/download.html", form=form, records=exported_records())


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
def delete() -> str | BaseResponse:
    """Delete the account and everything in it, after the password."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            delete_account(db.session, current_account(), form.current_password.data)
        except WrongPassword:
            form.add_error("current_password", WRONG_PASSWORD_MESSAGE)
        except SlowedDown as slowed:
            form.add_error("current_password", slowed_down_message(slowed))
        else:
            logout_user()
            current_session().end()
            return clear_site_data(redirect(url_for("account.deleted"), code=303))
    return render_template("account/delete.html", form=form)


@bp.get("/deleted")
def deleted() -> str:
    return render_template("account/deleted.html")
