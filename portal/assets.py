"""Static asset URLs named by content, so browsers can keep them and never see a stale one."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app, url_for


@cache
def _content_hash(static_folder: str, filename: str) -> str:
    digest = hashlib.sha256((Path(static_folder) / filename).read_bytes()).hexdigest()
    return digest[:12]


def asset_url(filename: str) -> str:
    """The URL of a file in static/, with its content hash as the version."""
    version = _content_hash(current_app.static_folder or "", filename)
    return url_for("static", filename=filename, v=version)
