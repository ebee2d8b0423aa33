"""Security and privacy headers, set on every response in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request
from flask.wrappers import Response

# No inline script or style anywhere; everything comes from our own origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
HSTS = "max-age=63072000; includeSubDomains"
# Assets are public and named by their content hash, so browsers may keep them.
STATIC_CACHE_CONTROL = "public, max-age=31536000, immutable"

View = TypeVar("View", bound=Callable[..., object])


def public_page(view: View) -> View:
    """Mark a page search engines may index (guides, help). Everything else says noindex."""
    view.public_page = True  # type: ignore[attr-defined]
    return view


def _is_public_page() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(view is not None and getattr(view, "public_page", False))


def set_security_headers(response: Response) -> Response:
    """after_request: the same protective headers on every response, error pages included."""
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if current_app.config["HSTS_ENABLED"]:
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint == "static" and response.status_code == 200:
        headers["Cache-Control"] = STATIC_CACHE_CONTROL
        return response
    # Nothing a page shows is kept by the browser or anything between: a shared phone's cache,
    # history snapshots and proxies must not hold what someone read or wrote here.
    headers["Cache-Control"] = "no-store, max-age=0"
    headers["Pragma"] = "no-cache"
    headers["Expires"] = "0"
    if not _is_public_page() or response.status_code >= 400:
        headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
