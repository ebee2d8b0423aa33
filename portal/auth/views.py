"""Pages for registering, signing in and out, and recovering an account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.current import SESSION_USERNAME
from portal.auth.forms import (
    RecoveryCodeForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
)
from portal.auth.recovery import (
    LinkInvalid,
    RecoveryFailed,
    find_link_token,
    send_reset_link,
    set_new_password,
    unused_code_count,
    use_recovery_code,
)
from portal.auth.services import (
    RegistrationRefused,
    SignInFailed,
    SignInSlowedDown,
    announce_sign_in,
    authenticate,
    password_hashing,
    register,
)
from portal.extensions import db, limiter
from portal.forms import PortalForm
from portal.models.accounts import TokenPurpose, User
from portal.models.base import utcnow
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.security.sessions import current_session, end_sessions_of

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED_MESSAGE = "The username or password is not right. Check them and try again."
RECOVERY_FAILED_MESSAGE = (
    "The username or recovery code is not right, or that code has been used. "
    "Check them and try again."
)
CODES_TO_SHOW = "recovery_codes_to_show"
# A session can only do these so often from one address; people sharing a refuge's wifi
# stay well inside them. Per-account slowdowns are in portal.auth.services.
SIGN_IN_LIMIT = "20 per minute; 200 per day"
REGISTER_LIMIT = "10 per hour"
RECOVERY_LIMIT = "10 per hour"


def safe_next_url(target: str | None, default: str) -> str:
    """Follow `next` only to a path on this site, never to another site."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def start_session_for(user: User) -> None:
    """Sign the person in under a new session id, bringing along what they did before."""
    session = current_session()
    login_user(user)
    session[SESSION_USERNAME] = user.username
    session.regenerate()
    announce_sign_in(user.id, session)


def end_session() -> None:
    logout_user()
    current_session().end()


def clear_site_data(response: BaseResponse) -> BaseResponse:
    """Ask the browser to drop its cookies, cache and storage for this site."""
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
@keeps_form_on_csrf_failure
def register_page() -> str | BaseResponse:
    """Create a free account."""
    if current_user.is_authenticated:
        return redirect(url_for("account.overview"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            account = register(db.session, form.chosen_name.data, form.password.data)
        except RegistrationRefused as refused:
            form.add_error("chosen_name", str(refused))
        else:
            start_session_for(account.user)
            current_session()[CODES_TO_SHOW] = account.recovery_codes
            return redirect(url_for("auth.recovery_codes"))
    return render_template("auth/register.html", form=form)


@bp.route("/register/recovery-codes", methods=["GET", "POST"])
@keeps_form_on_csrf_failure
def recovery_codes() -> str | BaseResponse:
    """Show new recovery codes once; they leave the session when the person goes on."""
    session = current_session()
    codes = session.get(CODES_TO_SHOW)
    if not current_user.is_authenticated or not codes:
        return redirect(url_for("pages.home"))
    form = PortalForm()
    if form.validate_on_submit():
        session.pop(CODES_TO_SHOW, None)
        flash("Your account is ready. What you save here is private to you.")
        return redirect(url_for("account.overview"))
    return render_template(
        "auth/recovery_codes.html", codes=codes, username=current_user.username, form=form
    )


@bp.get("/register/recovery-codes.txt")
def recovery_codes_download() -> BaseResponse:
    """The same codes as a text file to keep; only while they are still on show."""
    codes = current_session().get(CODES_TO_SHOW)
    if not current_user.is_authenticated or not codes:
        abort(404)
    body = render_template("auth/recovery_codes.txt", codes=codes, username=current_user.username)
    return Response(
        body,
        mimetype="text/plain",
        headers={"Content-Disposition": 'attachment; filename="support-space-recovery-codes.txt"'},
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@keeps_form_on_csrf_failure
def sign_in() -> str | BaseResponse:
    """Sign in with a username and password."""
    next_url = safe_next_url(request.args.get("next"), url_for("account.overview"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = authenticate(
                db.session, form.username.data, form.password.data, request.remote_addr
            )
        except SignInSlowedDown as slowed:
            form.form_errors.append(
                "There have been too many attempts to sign in to this account from here. "
                f"Wait {slowed.wait_seconds} seconds, then try again. If you have forgotten your "
                "password, you can reset it instead."
            )
        except SignInFailed:
            form.form_errors.append(SIGN_IN_FAILED_MESSAGE)
        else:
            start_session_for(user)
            return redirect(next_url)
    timed_out = request.args.get("reason") == "timeout"
    return render_template("auth/sign_in.html", form=form, timed_out=timed_out)


@bp.post("/sign-out")
def sign_out() -> BaseResponse:
    """End the session on the server and in the browser."""
    end_session()
    return clear_site_data(redirect(url_for("auth.signed_out"), code=303))


@bp.post("/session/keep-alive")
def keep_alive() -> Response:
    """Someone is still using the page (typing, scrolling): keep their session from timing out."""
    current_session().modified = True  # saving the session moves its last-seen time on
    return Response(status=204)


@bp.get("/signed-out")
def signed_out() -> str:
    return render_template("auth/signed_out.html", reason=request.args.get("reason"))


@bp.get("/recover")
def recover() -> str:
    """Choose how to get back in: a recovery code, or an emailed link."""
    return render_template("auth/recover.html")


@bp.route("/recover/code", methods=["GET", "POST"])
@limiter.limit(RECOVERY_LIMIT, methods=["POST"])
@keeps_form_on_csrf_failure
def recover_with_code() -> str | BaseResponse:
    """Set a new password with a username and one recovery code."""
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        try:
            user = use_recovery_code(db.session, form.username.data, form.code.data)
        except RecoveryFailed:
            db.session.rollback()
            form.form_errors.append(RECOVERY_FAILED_MESSAGE)
        else:
            set_new_password(password_hashing(), user, form.password.data)
            end_sessions_of(db.session, user.id)
            db.session.commit()
            start_session_for(user)
            remaining = unused_code_count(db.session, user.id)
            flash(
                f"Your password has been changed and you are signed in. You have {remaining} "
                "recovery codes left; you can make new ones on this page."
            )
            return redirect(url_for("account.overview"))
    return render_template("auth/recover_code.html", form=form)


@bp.route("/recover/email", methods=["GET", "POST"])
@limiter.limit(RECOVERY_LIMIT, methods=["POST"])
@keeps_form_on_csrf_failure
def recover_with_email() -> str | BaseResponse:
    """Ask for a reset link; the answer is the same whether or not the account exists."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        send_reset_link(db.session, form.username.data)
        return redirect(url_for("auth.reset_link_sent"))
    return render_template("auth/recover_email.html", form=form)


@bp.get("/recover/email/sent")
def reset_link_sent() -> str:
    minutes = current_app.config["RESET_LINK_MINUTES"]
    return render_template("auth/reset_link_sent.html", minutes=minutes)


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(RECOVERY_LIMIT, methods=["POST"])
@keeps_form_on_csrf_failure
def reset_password() -> str | BaseResponse | tuple[str, int]:
    """Choose a new password from an emailed link (the token travels in the query string,
    which our logs leave out)."""
    token = request.values.get("token", "")
    try:
        link = find_link_token(db.session, token, TokenPurpose.RESET_PASSWORD)
    except LinkInvalid:
        return render_template("auth/link_invalid.html"), 404
    user = db.session.get(User, link.user_id)
    if user is None:
        return render_template("auth/link_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        link.used_at = utcnow()
        set_new_password(password_hashing(), user, form.password.data)
        end_sessions_of(db.session, user.id)
        db.session.commit()
        start_session_for(user)
        flash("Your password has been changed and you are signed in.")
        return redirect(url_for("account.overview"))
    return render_template("auth/reset_password.html", form=form, token=token)
