"""Pages for admins: the list of staff and admin accounts, a new staff account, and removing,
deleting or resetting one. Every page is admin_required (staff are refused, people find nothing),
and nothing here ever names a person's account."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from portal.admin.forms import NewStaffForm
from portal.admin.services import (
    OwnAccount,
    StaffAccount,
    StaffAccountNotFound,
    create_staff_account,
    delete_staff_account,
    remove_staff_role,
    reset_second_factor,
    staff_accounts,
    staff_user,
)
from portal.auth.roles import Role, admin_required
from portal.auth.services import RegistrationRefused
from portal.extensions import db
from portal.forms import ButtonForm
from portal.models.accounts import User
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.security.sessions import current_session

bp = Blueprint("admin", __name__, url_prefix="/admin")

# A new account's username, password and recovery codes, between making it and showing them once.
HAND_OVER = "admin_staff_hand_over"


@dataclass(frozen=True)
class StaffChange:
    """Something an admin can do to a staff account, with the words of its confirmation page."""

    title: str
    explanation: str
    button: str
    done: str  # said once it is done; {username} is the account's
    run: Callable[[Session, User, uuid.UUID], None]
    warning: bool = False


STAFF_CHANGES = {
    "reset-second-factor": StaffChange(
        title="Reset the authenticator app",
        explanation="Do this when someone has lost their phone. They are signed out "
        "everywhere, and set up an authenticator app again the next time they sign in, with "
        "their password.",
        button="Reset the authenticator app",
        done="{username} will set up an authenticator app again when they next sign in.",
        run=reset_second_factor,
    ),
    "remove-role": StaffChange(
        title="Remove staff access",
        explanation="The account becomes an ordinary account, like anyone's who uses the site. "
        "It is signed out everywhere and can no longer open staff or admin pages.",
        button="Remove staff access",
        # Not named: from now on it is a person's account, and admin pages name none.
        done="The account is no longer staff.",
        run=remove_staff_role,
    ),
    "delete": StaffChange(
        title="Delete the account",
        explanation="The account and everything it holds are deleted now. This cannot be undone.",
        button="Delete the account",
        done="{username} has been deleted.",
        run=delete_staff_account,
        warning=True,
    ),
}


def _staff_user_or_404(user_id: uuid.UUID) -> User:
    try:
        return staff_user(db.session, user_id)
    except StaffAccountNotFound:
        abort(404)


@bp.get("/")
@admin_required
def home() -> str:
    """Every staff and admin account."""
    return render_template(
        "admin/home.html", accounts=staff_accounts(db.session), own_id=current_user.id
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_required
@keeps_form_on_csrf_failure
def new_staff() -> str | BaseResponse:
    """Make a staff or admin account to hand over."""
    form = NewStaffForm()
    if form.validate_on_submit():
        try:
            hand_over = create_staff_account(
                db.session, form.chosen_name.data, Role(form.role.data)
            )
        except RegistrationRefused as refused:
            form.add_error("chosen_name", str(refused))
        else:
            current_session()[HAND_OVER] = asdict(hand_over)
            return redirect(url_for("admin.handed_over"))
    return render_template("admin/new_staff.html", form=form)


@bp.get("/staff/new/details")
@admin_required
def handed_over() -> str:
    """A new account's details, once: a reload shows only that they were shown."""
    details = current_session().pop(HAND_OVER, None)
    return render_template("admin/handed_over.html", details=details)


@bp.get("/staff/<uuid:user_id>")
@admin_required
def staff_member(user_id: uuid.UUID) -> str:
    """One staff account, and what can be done to it."""
    account = StaffAccount.of(_staff_user_or_404(user_id))
    return render_template(
        "admin/staff_member.html",
        account=account,
        is_own=account.id == current_user.id,
        changes=STAFF_CHANGES,
    )


@bp.route("/staff/<uuid:user_id>/<change>", methods=["GET", "POST"])
@admin_required
@keeps_form_on_csrf_failure
def change_staff_member(user_id: uuid.UUID, change: str) -> str | BaseResponse:
    """Confirm, then make, one of STAFF_CHANGES."""
    staff_change = STAFF_CHANGES.get(change)
    if staff_change is None:
        abort(404)
    user = _staff_user_or_404(user_id)
    if user.id == current_user.id:
        abort(403)
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        username = user.username
        try:
            staff_change.run(db.session, user, current_user.id)
        except OwnAccount:
            abort(403)
        flash(staff_change.done.format(username=username))
        return redirect(url_for("admin.home"))
    return render_template(
        "admin/change_staff_member.html",
        form=form,
        change=staff_change,
        account=StaffAccount.of(user),
    )
