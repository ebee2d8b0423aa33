"""URLs that never change while the app runs: content-hashed assets and links to fixed pages.

Building a URL costs tens of microseconds and the layout needs about twenty on every page, so each
is built once per app (and mount point) and then looked up.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app, request, url_for

URL_CACHE_EXTENSION = "portal.url_cache"


@cache
def _content_hash(static_folder: str, filename: str) -> str:
    digest = hashlib.sha256((Path(static_folder) / filename).read_bytes()).hexdigest()
    return digest[:12]


def _cached(key: tuple[str, ...], build: object) -> str:
    urls: dict[tuple[str, ...], str] = current_app.extensions.setdefault(URL_CACHE_EXTENSION, {})
    url = urls.get(key)
    if url is None:
        url = build()  # type: ignore[operator]
        urls[key] = url
    return url


def asset_url(filename: str) -> str:
    """The URL of a file in static/, with its content hash as the version, so it can be cached."""

    def build() -> str:
        version = _content_hash(current_app.static_folder or "", filename)
        return url_for("static", filename=filename, v=version)

    return _cached(("asset", request.script_root, filename), build)


def page_url(endpoint: str) -> str:
    """The URL of a page that takes no arguments (home, help, sign-in...)."""
    return _cached(("page", request.script_root, endpoint), lambda: url_for(endpoint))
