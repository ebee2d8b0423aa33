"""One CSRF check for every state-changing request.

Form pages opt in to keeping the person's input when the token has expired: the check then lets
the request through with `g.csrf_failure` set, and the form (portal.forms.PortalForm) fails
validation with a plain message, re-showing everything typed. Anything else gets the 400 page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, g, request
from flask_wtf.csrf import CSRFError

from portal.extensions import csrf

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
View = TypeVar("View", bound=Callable[..., object])


def keeps_form_on_csrf_failure(view: View) -> View:
    """Mark a form view that re-shows its form, input kept, when the CSRF token has expired."""
    view.keeps_form_on_csrf_failure = True  # type: ignore[attr-defined]
    return view


def ends_session_whatever_the_token(view: View) -> View:
    """Mark a way out (sign out, quick exit, signing out other devices) that works with a stale
    or missing token: a person leaving in a hurry must never be told to try again, and a forged
    request can only end someone's sessions."""
    view.ends_session_whatever_the_token = True  # type: ignore[attr-defined]
    return view


def check_csrf() -> None:
    """before_request: refuse cross-site and token-less writes."""
    if request.method in SAFE_METHODS:
        return
    # Browsers say where a request came from even under Referrer-Policy: no-referrer.
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        abort(403)
    try:
        csrf.protect()
    except CSRFError:
        view = current_app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, "ends_session_whatever_the_token", False):
            return
        if view is not None and getattr(view, "keeps_form_on_csrf_failure", False):
            g.csrf_failure = True
            return
        raise


def csrf_failed() -> bool:
    """True when this request's CSRF token was missing, wrong or expired."""
    return bool(g.get("csrf_failure"))
