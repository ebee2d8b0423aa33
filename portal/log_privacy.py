"""Keep secrets and addresses out of the logs.

Request lines are logged without their query strings (one-time tokens for password reset and
email confirmation travel in query strings for exactly this reason), with a share's link cut to
/shared/… (its token is in the path), and without the client's address (it identifies people).
gunicorn's access log is set up the same way in gunicorn.conf.py, through loggable_path().
"""

from __future__ import annotations

import logging
import re

from flask import Flask

# The development server colours request lines by status with ANSI codes, which sit between the
# quote and the method; they are dropped before anything else is looked at.
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")
QUERY_STRING = re.compile(r"(\"[A-Z]+ [^ ?\"]*)\?[^ \"]*")
# A share's link: /shared/<token> and the pages under it.
SHARE_PATH = re.compile(r"(\"[A-Z]+ /shared/)[^ ?\"]+")
# "127.0.0.1 - - [date] ...", "::1 - - ...", or a host name, at the start of a request line.
CLIENT_ADDRESS = re.compile(r"^\S+ - - \[")


class DropQueryStrings(logging.Filter):
    """Rewrites `1.2.3.4 - - [..] "GET /path?token=... HTTP/1.1"` in a log record to
    `- - - [..] "GET /path?… HTTP/1.1"`, and `"GET /shared/<token>/pack ..."` to
    `"GET /shared/… ..."`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = ANSI_CODES.sub("", message)
        cleaned = QUERY_STRING.sub(r"\1?…", cleaned)
        cleaned = SHARE_PATH.sub(r"\1…", cleaned)
        cleaned = CLIENT_ADDRESS.sub("- - - [", cleaned)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


def install_log_filters(app: Flask) -> None:
    """Filter the development server's request log and set our own loggers' level."""
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropQueryStrings) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(DropQueryStrings())
    logging.getLogger("portal").setLevel(app.config["LOG_LEVEL"])


def loggable_path(path: str) -> str:
    """A request's path as logs may show it: a share's link, and the pages under it, as
    /shared/… (callers log the path alone, never its query string)."""
    return "/shared/…" if path.startswith("/shared/") else path
