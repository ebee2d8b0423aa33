"""Pages for registering, signing in and out, and recovering an account."""

from __future__ import annotations

import time
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

from portal.auth.current import SESSION_ROLE, SESSION_SECOND_FACTOR, SESSION_USERNAME
from portal.auth.devices import known_device, remember_device
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
    email_links_available,
    find_link_token,
    holds_an_unused_code,
    request_reset_link,
    set_new_password,
    unused_code_count,
    use_link_token,
    use_recovery_code,
)
from portal.auth.second_factor import needs_second_factor
from portal.auth.services import (
    RegistrationRefused,
    SignInFailed,
    announce_sign_in,
    authenticate,
    password_hashing,
    register,
)
from portal.auth.slowdowns import SlowedDown
from portal.extensions import db, limiter
from portal.forms import PortalForm
from portal.models.accounts import TokenPurpose, User
from portal.security.addresses import hashed_client_address
from portal.security.csrf import ends_session_whatever_the_token, keeps_form_on_csrf_failure
from portal.security.sessions import current_session, end_sessions_of

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED_MESSAGE = "The username or password is not right. Check them and try again."
RECOVERY_FAILED_MESSAGE = (
    "The username or recovery code is not right, or that code has been used. "
    "Check them and try again."
)
CODES_TO_SHOW = "recovery_codes_to_show"
# Codes just shown, for the text download: once, within CODES_DOWNLOAD_SECONDS of being shown.
CODES_FOR_DOWNLOAD = "recovery_codes_for_download"
CODES_DOWNLOAD_SECONDS = 60
# Where to go once new codes are saved: back to what the person was doing.
AFTER_CODES = "after_recovery_codes"
# How often one address may try, counted under a keyed hash of the address (never the address).
# Generous, because a family or a hostel shares one address; a browser that has signed in to the
# account before is counted on its own (portal.auth.devices), so nobody failing on the same
# wifi can use these up for the owner. Per-account slowdowns are in portal.auth.slowdowns.
SIGN_IN_LIMIT = "30 per minute; 300 per hour"
REGISTER_LIMIT = "10 per hour"
RECOVERY_LIMIT = "20 per 10 minutes"
UNSAFE_IN_NEXT = frozenset("\\\r\n\t\x00")


def limit_key_for_sign_in() -> str:
    """Rate-limit key for sign-in and recovery: this browser if it is known for the account
    named in the form, otherwise the (hashed) address."""
    device = known_device(request, request.form.get("username", ""))
    return f"device:{device}" if device else hashed_client_address()


def holds_a_right_recovery_code() -> bool:
    """A right, unused recovery code is never refused by the per-address limit. Each code is
    79 random bits, so the limit cannot be what stops guessing; it must not let someone failing
    on the same wifi use it up and keep the owner out."""
    return holds_an_unused_code(
        db.session, request.form.get("username", ""), request.form.get("code", "")
    )


def safe_next_url(target: str | None, default: str) -> str:
    """Follow `next` only to a path on this site, never to another site or a broken header."""
    if not target or any(ch in UNSAFE_IN_NEXT or ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def where_to_go_next(default_endpoint: str = "pages.start") -> str:
    """The page someone was on before signing in or registering, or a calm place to choose."""
    return safe_next_url(request.args.get("next"), url_for(default_endpoint))


def start_session_for(user: User) -> None:
    """Sign the person in under a new session id, bringing along what they did before.

    Work from before signing in (a visitor's guide answers) comes along; anything from another
    account signed in on this browser (search words, codes on show) does not, and the CSRF token
    is renewed, so nothing seen before the sign-in is any use after it.
    """
    session = current_session()
    if session.user_id is not None and session.user_id != user.id:
        session.clear()
    session.pop("csrf_token", None)
    # A second factor counts for the sign-in it was given in, never a later one.
    session.pop(SESSION_SECOND_FACTOR, None)
    login_user(user)
    session[SESSION_USERNAME] = user.username
    session[SESSION_ROLE] = user.role
    session.regenerate()
    announce_sign_in(user.id, session)


def after_signing_in(user: User) -> BaseResponse:
    """Where a browser goes once the password (or a recovery code or emailed link) is right:
    staff and admins on to their second factor (`next` goes along, checked at the end), people
    straight back to what they were doing."""
    if needs_second_factor(user):
        return redirect(url_for("second_factor.enter_code", next=request.args.get("next")))
    return redirect(where_to_go_next())


def end_session() -> None:
    logout_user()
    current_session().end()


def clear_site_data(response: BaseResponse, *, cookies: bool = True) -> BaseResponse:
    """Ask the browser to drop its cache and storage for this site, and its cookies unless the
    person is only signing out (this browser then stays known for their account)."""
    kinds = '"cache", "cookies", "storage"' if cookies else '"cache", "storage"'
    response.headers["Clear-Site-Data"] = kinds
    return response


def show_recovery_codes(codes: list[str], then: str) -> BaseResponse:
    """Put new codes on show (once), and say where to go when they are saved."""
    session = current_session()
    session[CODES_TO_SHOW] = codes
    session[AFTER_CODES] = then
    return redirect(url_for("auth.recovery_codes"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
@keeps_form_on_csrf_failure
def register_page() -> str | BaseResponse:
    """Create a free account."""
    if current_user.is_authenticated:
        return redirect(where_to_go_next())
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            account = register(db.session, form.chosen_name.data, form.password.data)
        except RegistrationRefused as refused:
            form.add_error("chosen_name", str(refused))
        else:
            start_session_for(account.user)
            response = show_recovery_codes(account.recovery_codes, where_to_go_next())
            remember_device(response, account.user.username)
            return response
    return render_template("auth/register.html", form=form)


@bp.route("/register/recovery-codes", methods=["GET", "POST"])
@keeps_form_on_csrf_failure
def recovery_codes() -> str | BaseResponse:
    """Show new recovery codes once: a reload, or anyone picking up the phone later, sees only
    that they were shown, with a way to make new ones."""
    if not current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    session = current_session()
    form = PortalForm()
    if form.validate_on_submit():
        session.pop(CODES_FOR_DOWNLOAD, None)
        flash("Your recovery codes are ready to use. What you save here is private to you.")
        then = session.pop(AFTER_CODES, None)
        return redirect(safe_next_url(then, url_for("pages.start")))
    codes = session.pop(CODES_TO_SHOW, None) if request.method == "GET" else None
    if not codes:
        return render_template("auth/recovery_codes_shown.html", form=form)
    session[CODES_FOR_DOWNLOAD] = {"codes": codes, "until": time.time() + CODES_DOWNLOAD_SECONDS}
    return render_template(
        "auth/recovery_codes.html",
        codes=codes,
        username=current_user.username,
        form=form,
        download_seconds=CODES_DOWNLOAD_SECONDS,
    )


@bp.get("/register/recovery-codes.txt")
def recovery_codes_download() -> BaseResponse:
    """The codes just shown, as a text file to keep: once, within a minute of showing them."""
    kept = current_session().pop(CODES_FOR_DOWNLOAD, None)
    if not current_user.is_authenticated or not kept or kept["until"] < time.time():
        abort(404)
    body = render_template(
        "auth/recovery_codes.txt", codes=kept["codes"], username=current_user.username
    )
    return Response(
        body,
        mimetype="text/plain",
        headers={"Content-Disposition": 'attachment; filename="support-space-recovery-codes.txt"'},
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"], key_func=limit_key_for_sign_in)
@keeps_form_on_csrf_failure
def sign_in() -> str | BaseResponse:
    """Sign in with a username and password."""
    next_url = where_to_go_next()
    if current_user.is_authenticated:
        return redirect(next_url)
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = authenticate(
                db.session,
                form.username.data,
                form.password.data,
                request.remote_addr,
                device=known_device(request, form.username.data),
            )
        except SlowedDown as slowed:
            form.form_errors.append(
                "There have been too many attempts to sign in to this account from here. "
                f"Wait {slowed.wait_seconds} seconds, then try again. If you have forgotten your "
                "password, you can use a recovery code instead: that is never slowed down."
            )
        except SignInFailed:
            form.form_errors.append(SIGN_IN_FAILED_MESSAGE)
        else:
            start_session_for(user)
            response = after_signing_in(user)
            remember_device(response, user.username)
            return response
    timed_out = request.args.get("reason") == "timeout"
    return render_template("auth/sign_in.html", form=form, timed_out=timed_out)


@bp.post("/sign-out")
@ends_session_whatever_the_token
def sign_out() -> BaseResponse:
    """End the session on the server and in the browser, whatever the form's token: a button
    pressed on a page left open in another tab must still sign out."""
    end_session()
    return clear_site_data(redirect(url_for("auth.signed_out"), code=303), cookies=False)


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
@limiter.limit(
    RECOVERY_LIMIT,
    methods=["POST"],
    key_func=limit_key_for_sign_in,
    exempt_when=holds_a_right_recovery_code,
)
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
                "recovery codes left; you can make new ones on your account page."
            )
            response = after_signing_in(user)
            remember_device(response, user.username)
            return response
    return render_template("auth/recover_code.html", form=form)


@bp.route("/recover/email", methods=["GET", "POST"])
@limiter.limit(RECOVERY_LIMIT, methods=["POST"], key_func=limit_key_for_sign_in)
@keeps_form_on_csrf_failure
def recover_with_email() -> str | BaseResponse:
    """Ask for a reset link; the answer is the same whether or not the account exists."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        request_reset_link(form.username.data)
        return redirect(url_for("auth.reset_link_sent"))
    return render_template("auth/recover_email.html", form=form, available=email_links_available())


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
        find_link_token(db.session, token, TokenPurpose.RESET_PASSWORD)
    except LinkInvalid:
        return render_template("auth/link_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = db.session.get(
                User, use_link_token(db.session, token, TokenPurpose.RESET_PASSWORD)
            )
        except LinkInvalid:
            user = None
        if user is None:  # used by another request in the meantime, or the account went
            db.session.rollback()
            return render_template("auth/link_invalid.html"), 404
        set_new_password(password_hashing(), user, form.password.data)
        end_sessions_of(db.session, user.id)
        db.session.commit()
        start_session_for(user)
        flash("Your password has been changed and you are signed in.")
        response = after_signing_in(user)
        remember_device(response, user.username)
        return response
    return render_template("auth/reset_password.html", form=form, token=token)
