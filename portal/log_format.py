"""Log lines as JSON, one object per line, for a log collector (PORTAL_LOG_FORMAT=json); plain
text otherwise. Either way a line holds no query string, no client address and no exception
message (messages can carry what someone typed): an error is named by its class alone."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from gunicorn import glogging  # type: ignore[import-untyped]  # gunicorn ships no types

from portal.log_privacy import loggable_path

LOG_FORMAT_SETTING = "PORTAL_LOG_FORMAT"


def _timestamp(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


class JsonLines(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, and an error's class."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


class _ToStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record comes (a test may have replaced it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def send_logs_to_stderr(log_format: str, level: str) -> None:
    """Every log record at `level` or above (ours, Flask's, Flask-Limiter's, the development
    server's) to stderr, as text or as JSON lines. Without a handler of our own, Flask-Limiter's
    "falling back to in-memory storage" reached no log at all (it has a NullHandler)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _ToStderr)]:
        root.removeHandler(handler)
    handler = _ToStderr()
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)


def json_logs_wanted() -> bool:
    return os.environ.get(LOG_FORMAT_SETTING, "text").lower() == "json"


class GunicornLogger(glogging.Logger):
    """gunicorn's logger (gunicorn.conf.py), its request lines as text or JSON, with the path
    made safe to log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if json_logs_wanted():
            for handler in self.error_log.handlers:
                handler.setFormatter(JsonLines())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        path = loggable_path(environ.get("PATH_INFO", ""))
        if not json_logs_wanted():
            super().access(resp, req, {**environ, "PATH_INFO": path}, request_time)
            return
        status = str(resp.status).split(None, 1)[0]
        line = {
            "time": _timestamp(datetime.now(UTC).timestamp()),
            "method": environ.get("REQUEST_METHOD"),
            "path": path,
            "status": int(status) if status.isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "ms": request_time.seconds * 1000 + request_time.microseconds // 1000,
        }
        self.access_log.info(json.dumps(line, ensure_ascii=False))
