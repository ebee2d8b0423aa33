"""Keep secrets out of the logs: request lines are logged without their query strings.

One-time tokens (password reset, email confirmation) travel in query strings for exactly this
reason. gunicorn's access log is set up the same way in gunicorn.conf.py.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

QUERY_STRING = re.compile(r"(\"[A-Z]+ [^ ?\"]*)\?[^ \"]*")


class DropQueryStrings(logging.Filter):
    """Rewrites `"GET /path?token=... HTTP/1.1"` in a log record to `"GET /path?… HTTP/1.1"`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = QUERY_STRING.sub(r"\1?…", message)
            record.args = ()
        return True


def install_log_filters(app: Flask) -> None:
    """Filter the development server's request log and set our own loggers' level."""
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropQueryStrings) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(DropQueryStrings())
    logging.getLogger("portal").setLevel(app.config["LOG_LEVEL"])
