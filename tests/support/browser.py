"""Browser journeys: the app on a live server in a thread, Debian's Chromium driven by Playwright,
no request allowed off the site, and axe-core for accessibility."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CHROMIUM = "/usr/bin/chromium"
# Quiet flags: this machine has no network, and Chromium must not try to reach any.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Moderate findings we hold every page to as well: everything inside a landmark, so nothing is
# missed by someone moving landmark to landmark; headings that never skip a level.
MODERATE_RULES_KEPT = frozenset({"region", "heading-order"})
PHONE = ViewportSize(width=375, height=740)
# The narrowest phone screen in common use (many Android phones).
SMALL_PHONE = ViewportSize(width=360, height=740)
NEUTRAL_SITE_HTML = "<!doctype html><title>Weather</title><h1>Weather</h1>"


def _whole_responses(app: Flask) -> WSGIApplication:
    """Read each response whole (closing any file) before the server sends it.

    Werkzeug's development server can skip closing a response when the browser hangs up
    part-way, which happens whenever a page navigates away (quick exit); the open file then
    shows up as a ResourceWarning in some later test.
    """

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return application


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, _whole_responses(app), threaded=True)
    # Request threads are joined at shutdown, so none is left mid-response (holding a file
    # open) when the test ends.
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class OffSiteRequests:
    """Every request a page tried to make to anywhere but our server."""

    base_url: str
    attempted: list[str] = field(default_factory=list)

    def handle(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(self.base_url):
            route.continue_()
            return
        self.attempted.append(url)
        if route.request.is_navigation_request():
            # Quick exit's destination: answer it locally so the journey can be checked offline.
            route.fulfill(status=200, content_type="text/html", body=NEUTRAL_SITE_HTML)
        else:
            route.abort()

    def assert_only_navigations_to(self, *hosts: str) -> None:
        unexpected = [url for url in self.attempted if urlsplit(url).hostname not in hosts]
        assert unexpected == [], f"the page tried to reach other sites: {unexpected}"


@contextmanager
def browser_page(
    browser: Browser,
    base_url: str,
    *,
    javascript: bool = True,
    viewport: ViewportSize = PHONE,
    touch_only: bool = False,
    throwaway_certificate: bool = False,
) -> Iterator[tuple[Page, OffSiteRequests]]:
    """A fresh browser profile (no cookies) with one page, phone-sized. `touch_only` makes it a
    phone with a touch screen and no mouse or keyboard (CSS sees `hover: none`, `pointer:
    coarse`); otherwise it has a mouse and keyboard, as a computer does.
    `throwaway_certificate` accepts the self-signed one of `make stack` (deploy/stack.py)."""
    context: BrowserContext = browser.new_context(
        java_script_enabled=javascript,
        # As the people the site is for see it: in British English.
        locale="en-GB",
        viewport=viewport,
        has_touch=touch_only,
        is_mobile=touch_only,
        base_url=base_url,
        ignore_https_errors=throwaway_certificate,
    )
    off_site = OffSiteRequests(base_url)
    # Only requests that leave the site come to Python: passing each of the site's own through
    # a handler here made every page load a fifth slower.
    context.route(re.compile(f"^(?!{re.escape(base_url)}/)"), off_site.handle)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page, off_site
    finally:
        context.close()


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG 2.2 AA violations on the page as it is now, and its
    moderate ones in MODERATE_RULES_KEPT, once the page has loaded whole: a page reached by a
    click may still be fetching its stylesheets, and axe would then judge sizes and colours
    without them."""
    page.wait_for_load_state("load")
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]},
    )
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical") or violation["id"] in MODERATE_RULES_KEPT:
            targets = [node["target"] for node in violation["nodes"]]
            problems.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"
            )
    return problems


# Enough of an element showing to read its heading and first line.
FIRST_LINES_PX = 120


@dataclass(frozen=True)
class PlaceOnScreen:
    """Where an element is, seen on the screen: its top in pixels from the top of the viewport
    (None when it is not shown at all), with the part the sticky quick exit bar covers."""

    top: float | None
    bottom: float | None
    viewport_height: int
    covered_to: float

    @property
    def in_view(self) -> bool:
        """Its top is on screen below the quick exit bar, with room to read its first lines."""
        return (
            self.top is not None
            and self.covered_to - 1 <= self.top <= self.viewport_height - FIRST_LINES_PX
        )

    def __str__(self) -> str:
        if self.top is None or self.bottom is None:
            return "hidden"
        if self.bottom <= self.covered_to:
            return f"{self.covered_to - self.bottom:.0f} px above the screen (scrolled past)"
        if self.top >= self.viewport_height:
            return f"{self.top - self.viewport_height:.0f} px below the screen"
        where = "in view" if self.in_view else "partly in view"
        return f"{where}, top at {self.top:.0f} px of {self.viewport_height}"


def place_on_screen(page: Page, selector: str, *, settle: bool = True) -> PlaceOnScreen:
    """Where the element is: once any scrolling (smooth or not) has stopped, or `settle=False`
    at this very moment. Read through the browser's own protocol, not page script, so it works
    with JavaScript off."""
    element = page.locator(selector)
    box = element.bounding_box()
    while settle:
        page.wait_for_timeout(150)
        settled, box = box, element.bounding_box()
        settle = box != settled
    bar = page.locator(".quick-exit-bar").bounding_box()
    viewport = page.viewport_size or {"height": 0}
    return PlaceOnScreen(
        top=box["y"] if box else None,
        bottom=box["y"] + box["height"] if box else None,
        viewport_height=viewport["height"],
        covered_to=bar["y"] + bar["height"] if bar else 0,
    )
