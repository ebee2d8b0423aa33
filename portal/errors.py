"""Friendly error pages in the site's layout, with the help footer and quick exit like any page."""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from portal.database import DATABASE_UNAVAILABLE, is_database_unavailable, rollback_quietly
from portal.extensions import db, keystore_db, limiter, login_manager
from portal.held_writing import form_page_not_saved
from portal.security.sessions import ServerSessionInterface, current_session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorPage:
    title: str
    message: str


ERROR_PAGES: dict[int, ErrorPage] = {
    400: ErrorPage(
        "Sorry, something went wrong with that request",
        "The page may have been open for a long time. Go back, reload the page and try again.",
    ),
    403: ErrorPage(
        "You cannot do that from here",
        "If you followed a link from another website, open Support Space directly and try again.",
    ),
    404: ErrorPage(
        "Page not found",
        "If you typed the web address, check it is correct. The page may also have been removed.",
    ),
    405: ErrorPage(
        "Sorry, that did not work",
        "That page cannot be used in this way. Go back and use the buttons on the page.",
    ),
    413: ErrorPage(
        "That was too big to send",
        "What you sent was larger than we can take: a file can be up to {file_mb} MB. Nothing "
        "was saved. Go back and choose a smaller file, or a shorter recording.",
    ),
    429: ErrorPage(
        "Too many attempts",
        "To keep accounts safe, there is a limit on how often this can be tried. "
        "Wait a few minutes, then try again.",
    ),
    503: ErrorPage(
        "Sorry, the service is busy",
        "We could not reach our records just now. Nothing you saved before has been lost. "
        "Wait a few seconds, then try again.",
    ),
    500: ErrorPage(
        "Sorry, there is a problem with the service",
        "Nothing you saved before this has been lost. Try again later.",
    ),
}


def _retry_after_seconds() -> int:
    """Seconds until the limit that was hit lets the next attempt through."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, current.reset_at - int(time.time()))


def render_error(status: int) -> tuple[str, int, dict[str, str]]:
    page = ERROR_PAGES.get(status, ERROR_PAGES[500 if status >= 500 else 400])
    if status == 413:
        limit = current_app.config["INCIDENT_FILE_MAX_MB"]
        page = ErrorPage(page.title, page.message.format(file_mb=limit))
    headers: dict[str, str] = {}
    if status == 429:
        headers["Retry-After"] = str(_retry_after_seconds())
    return render_template("errors/error.html", page=page, status=status), status, headers


# How long the "try again" page asks a browser or proxy to wait: about a database restart.
RETRY_UNAVAILABLE_SECONDS = 10


def refuse_without_sessions() -> None:
    """before_request: a request whose session could not be read (the database is down) gets
    the "try again" page rather than being served as if signed out. Visitors without a session
    still get every page that needs no database: the help lines, the privacy page. The ways out
    (Quick exit, Sign out) still run: they take the session out of the browser and leave."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "ends_session_whatever_the_token", False):
        return
    if current_session().unavailable:
        raise ServiceUnavailable


def render_unavailable() -> Response:
    """The 503 page, drawn without the database: in the site's layout with Quick exit and the
    help lines; for a form that keeps writing, that form again, filled in, saying so."""
    # Keep the signed-in account as it was loaded (the rollback would expire it, and reloading
    # it needs the database); if it never loaded, draw the page as for a visitor.
    db.session.expunge_all()
    rollback_quietly(db.session)
    rollback_quietly(keystore_db.session)
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()
    body = form_page_not_saved() or render_template(
        "errors/error.html", page=ERROR_PAGES[503], status=503
    )
    response = make_response(body, 503, {"Retry-After": str(RETRY_UNAVAILABLE_SECONDS)})
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "ends_session_whatever_the_token", False):
        # Sign out and Quick exit always take the session out of the browser, whatever the
        # database is doing; the row ends with the idle time.
        interface = current_app.session_interface
        assert isinstance(interface, ServerSessionInterface)  # noqa: S101 (create_app sets it)
        interface.forget_cookie(current_app, response)
    return response


def handle_database_unavailable(error: BaseException) -> Response:
    log.warning("The database did not answer (%s): sent the try-again page.", type(error).__name__)
    return render_unavailable()


def handle_http_error(error: HTTPException) -> tuple[str, int, dict[str, str]] | Response:
    if error.code == 503:
        return render_unavailable()
    # A view that failed part-way must not leave a transaction open under the error page.
    rollback_quietly(db.session)
    return render_error(error.code or 500)


def handle_csrf_error(_error: CSRFError) -> tuple[str, int, dict[str, str]]:
    rollback_quietly(db.session)
    return render_error(400)


def handle_unexpected_error(
    error: InternalServerError,
) -> tuple[str, int, dict[str, str]] | Response:
    # A database failure while the response was being finished (saving the session) arrives
    # here rather than at its own handler.
    if error.original_exception is not None and is_database_unavailable(error.original_exception):
        return handle_database_unavailable(error.original_exception)
    rollback_quietly(db.session)
    return render_error(500)


def log_exception_without_message(exc_info: tuple[type[BaseException], BaseException, Any]) -> None:
    """Log where an unexpected error happened, never its message: messages can carry what
    someone typed or read (SQL parameters, form values)."""
    error_type, _error, trace = exc_info
    frames = "\n".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(trace)
    )
    log.error("Unhandled %s at:\n%s", error_type.__name__, frames)


def register_error_pages(app: Flask) -> None:
    for unavailable in DATABASE_UNAVAILABLE:
        app.register_error_handler(unavailable, handle_database_unavailable)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(HTTPException, handle_http_error)
