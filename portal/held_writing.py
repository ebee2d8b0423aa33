"""Writing kept through a sign-in, and through a database that cannot take it.

Someone writing a long diary entry without JavaScript has nothing telling the server they are
still there, so after the idle time their session ends, and the form they then send would be
lost on the way to the sign-in page. Instead, a form sent from a session that has just ended is
held (in the new session, which is sealed on the server like every session), and once the same
person has signed in again the form opens filled in with what they typed.

Only views marked with `keeps_writing_through_sign_in` hold their forms; password fields and the
CSRF token are never held, nor anything larger than HELD_MAX_BYTES. A held form is given back
only to the account whose session ended, only on the page it was sent to, and only once.

Each such view also names how to draw its form page again, filled in with what was sent, without
reading the database: when the database cannot be reached (or is too busy) to save it, the person
gets their own form back with a calm message, not a page of what they typed (portal.errors).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from portal.security.sessions import current_session

HELD_FORM = "held_form"
# Far more than any diary or sleep form holds (10,000 characters of notes at most).
HELD_MAX_BYTES = 64 * 1024
NEVER_HELD = ("csrf_token", "password")

log = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable[..., object])
Form = TypeVar("Form", bound=FlaskForm)
# Draws a view's form page from the request's form, saying it is not saved yet; it must not
# touch the database.
NotSavedPage = Callable[[], str]


def keeps_writing_through_sign_in(not_saved_page: NotSavedPage) -> Callable[[View], View]:
    """Mark a form view whose unsaved writing is kept: held through a sign-in after a timeout,
    and given back in its own form by `not_saved_page` when the database cannot take it."""

    def mark(view: View) -> View:
        view.keeps_writing_through_sign_in = True  # type: ignore[attr-defined]
        view.not_saved_page = not_saved_page  # type: ignore[attr-defined]
        return view

    return mark


def form_page_not_saved() -> str | None:
    """For a form sent to a view that keeps writing, that view's form page, filled in with what
    was sent and saying it is not saved yet; None for any other request, and for a form sent
    from another site (its token was never checked: the session could not be read)."""
    view = current_app.view_functions.get(request.endpoint or "")
    draw: NotSavedPage | None = getattr(view, "not_saved_page", None)
    if request.method != "POST" or draw is None:
        return None
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return None
    # The page carries the token the form was sent with, which holds for this session once the
    # database answers again; a new one could not be kept, as the session cannot be saved now.
    field_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    setattr(g, field_name, request.form.get(field_name, ""))
    try:
        return draw()
    except Exception as error:  # whatever failed, the plain 503 page still comes
        # Its name only: a message could carry what was typed.
        log.error("The form could not be drawn again (%s).", type(error).__name__)
        return None


def posted_writing() -> dict[str, list[str]] | None:
    """What was typed into a form sent to a view that keeps writing, without its secrets; None
    for any other request, or when it is too large to hold."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method != "POST" or not getattr(view, "keeps_writing_through_sign_in", False):
        return None
    fields = {
        name: values
        for name, values in request.form.to_dict(flat=False).items()
        if not any(secret in name for secret in NEVER_HELD)
    }
    if sum(len(value.encode()) for values in fields.values() for value in values) > HELD_MAX_BYTES:
        return None
    return fields


def hold_posted_form() -> bool:
    """On a POST from a session that has just timed out, to a view that keeps writing, hold the
    form for its owner; True if it was held."""
    session = current_session()
    fields = posted_writing() if session.ended_user_id is not None else None
    if fields is None:
        return False
    session[HELD_FORM] = {
        "path": request.path,
        "owner": str(session.ended_user_id),
        "fields": fields,
    }
    return True


def take_held_form(owner_id: uuid.UUID) -> MultiDict[str, str] | None:
    """The form held for this person on this page, if there is one; it is given back once."""
    session = current_session()
    held = session.get(HELD_FORM)
    if not held or held["path"] != request.path:
        return None
    del session[HELD_FORM]
    if held["owner"] != str(owner_id):
        return None  # someone else signed in on this device: it is not theirs to see
    return MultiDict([(name, value) for name, values in held["fields"].items() for value in values])


def form_with_held_writing(form_class: type[Form], owner_id: uuid.UUID) -> tuple[Form, bool]:
    """The page's form, and whether it was filled with writing held through a sign-in (only
    when the page is opened, never when a form is sent)."""
    held = take_held_form(owner_id) if request.method == "GET" else None
    if held is None:
        return form_class(), False
    return form_class(formdata=held), True
