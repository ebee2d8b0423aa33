"""Friendly error pages in the site's layout, with the help footer and quick exit like any page."""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db, limiter

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


def handle_http_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    # A view that failed part-way must not leave a transaction open under the error page.
    db.session.rollback()
    return render_error(error.code or 500)


def handle_csrf_error(_error: CSRFError) -> tuple[str, int, dict[str, str]]:
    db.session.rollback()
    return render_error(400)


def handle_unexpected_error(_error: InternalServerError) -> tuple[str, int, dict[str, str]]:
    db.session.rollback()
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
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(HTTPException, handle_http_error)
