"""The steps after the password for staff and admin accounts: their own password in place of one
an admin handed over, setting up an authenticator app (first time, or after an admin reset it),
and the code from the app. Staff and admin pages open only once every step is done in this
session (portal.auth.roles); people never see these pages.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.current import SESSION_SECOND_FACTOR, current_account
from portal.auth.forms import ChoosePasswordForm, SecondFactorForm, SetUpSecondFactorForm
from portal.auth.roles import Role, second_factor_passed
from portal.auth.second_factor import (
    CodeAlreadyUsed,
    SecondFactorFailed,
    app_link,
    check_second_factor,
    needs_second_factor,
    new_secret,
    qr_code_svg,
    secret_in_groups,
    set_up_second_factor,
)
from portal.auth.services import PasswordRefused, replace_handed_over_password
from portal.auth.slowdowns import SlowedDown
from portal.auth.views import SIGN_IN_LIMIT, safe_next_url, show_recovery_codes
from portal.extensions import db, limiter
from portal.models.accounts import User
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.security.sessions import current_session

bp = Blueprint("second_factor", __name__, url_prefix="/sign-in")

# The secret being set up, until a code from the app confirms it: kept in the session (sealed,
# on the server) so reloading the page shows the same QR code.
SECRET_TO_SET_UP = "second_factor_secret_to_set_up"  # noqa: S105 (a session key, not a secret)
# Where each role lands after signing in when it was not on its way somewhere; a part of the
# site not there (yet) falls back to the start page.
HOME_OF = {Role.ADMIN: "admin.home", Role.STAFF: "staff.home"}
WRONG_CODE = "The code is not right. Check the code in your app and try again."
WRONG_RECOVERY_CODE = "The recovery code is not right, or it has been used. Check it and try again."
USED_CODE = "That code has been used. Wait for your app to show a new code, then enter it."
WRONG_FIRST_CODE = (
    "The code is not right. Check you entered the code your app shows for Support Space."
)


def _next_url(user: User) -> str:
    home = HOME_OF.get(Role(user.role), "pages.start")
    if home not in current_app.view_functions:
        home = "pages.start"
    return safe_next_url(request.args.get("next"), url_for(home))


def _step_left(user: User) -> str | None:
    """The endpoint of the first step this account has still to do in this session."""
    if not needs_second_factor(user):
        return None
    if user.password_must_change:
        return "second_factor.choose_password"
    if not user.has_second_factor:
        return "second_factor.set_up"
    if not second_factor_passed():
        return "second_factor.enter_code"
    return None


def _go_on(user: User) -> BaseResponse:
    """On to the next step, or where the person was going once there is none."""
    step = _step_left(user)
    if step is None:
        return redirect(_next_url(user))
    return redirect(url_for(step, next=request.args.get("next")))


def _elsewhere_unless_at(user: User, endpoint: str) -> BaseResponse | None:
    """A redirect to the step this account is really at, if it is not `endpoint`."""
    return None if _step_left(user) == endpoint else _go_on(user)


def _mark_second_factor_passed() -> None:
    """Staff and admin pages open from now on, under a new session id and CSRF token, so
    nothing seen before the second factor is any use after it."""
    session = current_session()
    session.pop(SECRET_TO_SET_UP, None)
    session.pop("csrf_token", None)
    session[SESSION_SECOND_FACTOR] = True
    session.regenerate()


@bp.route("/new-password", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
def choose_password() -> str | BaseResponse:
    """Replace the password an admin handed over with one of the person's own."""
    user = current_account()
    elsewhere = _elsewhere_unless_at(user, "second_factor.choose_password")
    if elsewhere:
        return elsewhere
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            replace_handed_over_password(
                db.session, user, form.password.data, current_session().session_id
            )
        except PasswordRefused as refused:
            form.add_error("password", str(refused))
        else:
            return _go_on(user)
    return render_template("auth/choose_password.html", form=form)


@bp.route("/set-up-code", methods=["GET", "POST"])
@login_required
@keeps_form_on_csrf_failure
def set_up() -> str | BaseResponse:
    """Set up an authenticator app: scan the QR code (or type the key), then enter a code."""
    user = current_account()
    elsewhere = _elsewhere_unless_at(user, "second_factor.set_up")
    if elsewhere:
        return elsewhere
    session = current_session()
    secret = session.get(SECRET_TO_SET_UP)
    if not secret:
        secret = session[SECRET_TO_SET_UP] = new_secret()
    form = SetUpSecondFactorForm()
    if form.validate_on_submit():
        try:
            codes = set_up_second_factor(db.session, user, secret, form.code.data)
        except SecondFactorFailed:
            form.add_error("code", WRONG_FIRST_CODE)
        else:
            _mark_second_factor_passed()
            return show_recovery_codes(codes, _next_url(user))
    return render_template(
        "auth/second_factor_set_up.html",
        form=form,
        qr_code=qr_code_svg(app_link(secret, user.username)),
        secret_groups=secret_in_groups(secret),
    )


@bp.route("/code", methods=["GET", "POST"])
@login_required
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@keeps_form_on_csrf_failure
def enter_code() -> str | BaseResponse:
    """The second factor: a code from the app, or one of the account's recovery codes."""
    user = current_account()
    elsewhere = _elsewhere_unless_at(user, "second_factor.enter_code")
    if elsewhere:
        return elsewhere
    with_recovery_code = request.args.get("with") == "recovery-code"
    form = SecondFactorForm()
    if with_recovery_code:
        form.code.label.text = "Recovery code"
        form.code.description = "One of the 10 codes you saved, like k7qm-x2pa-9fre-tn4w."
    if form.validate_on_submit():
        try:
            check_second_factor(db.session, user, form.code.data)
        except SlowedDown as slowed:
            form.form_errors.append(
                f"There have been too many wrong codes. Wait {slowed.wait_seconds} seconds, then "
                "try again. You can use one of your recovery codes instead: that is never slowed "
                "down."
            )
        except CodeAlreadyUsed:
            form.add_error("code", USED_CODE)
        except SecondFactorFailed:
            form.add_error("code", WRONG_RECOVERY_CODE if with_recovery_code else WRONG_CODE)
        else:
            _mark_second_factor_passed()
            return _go_on(user)
    return render_template(
        "auth/second_factor_code.html", form=form, with_recovery_code=with_recovery_code
    )
