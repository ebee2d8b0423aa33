"""Browser journeys for every page: quick exit (with and without JavaScript), the Shift shortcut,
the idle timeout on screen, the header and home page on a small phone, and accessibility checked
by axe-core in Chromium."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from playwright.sync_api import Browser, FloatRect, Locator, Page, expect

from portal.journeys import nav_links
from tests.support.browser import SMALL_PHONE, accessibility_problems, browser_page
from tests.support.client import PASSWORD, CheckingClient

pytestmark = pytest.mark.browser

NEUTRAL_SITE = "https://www.bbc.co.uk/weather"
WITH_AND_WITHOUT_JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [True, False], ids=["with-js", "without-js"]
)
# The smallest target WCAG 2.2 asks for at AAA (2.5.5), which GOV.UK and Apple recommend.
COMFORTABLE_TAP_HEIGHT = 44


def box(target: Locator) -> FloatRect:
    found = target.bounding_box()
    assert found is not None, f"{target} is not on the screen"
    return found


def scrolls_sideways(page: Page) -> bool:
    """Whether the page is wider than the screen (WCAG 2.2, 1.4.10 Reflow)."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def start_registering(page: Page, chosen: str = "bluebird") -> str:
    """Make an account through the pages, up to the page of recovery codes; returns the full
    username."""
    page.goto("/register")
    page.get_by_label("Choose a username").fill(chosen)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    username = page.get_by_test_id("username").inner_text()
    # Judged with the stylesheets: CI once measured the codes' layout before they had loaded.
    page.wait_for_load_state("load")
    return username


def register_in_browser(page: Page, chosen: str = "bluebird") -> str:
    """Make an account through the pages; returns the full username."""
    username = start_registering(page, chosen)
    page.get_by_role("button", name="I have saved my codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What would you like to do?")
    page.wait_for_load_state("load")
    return username


def session_cookie(page: Page) -> str:
    [cookie] = [c for c in page.context.cookies() if c["name"] == "session"]
    return cookie["value"]


def cookie_still_works(app: Flask, value: str) -> bool:
    client: CheckingClient = app.test_client()  # type: ignore[assignment]
    client.set_cookie("session", value)
    return client.get("/account").status_code == 200


def cookie_stops_working(app: Flask, value: str, seconds: float = 5) -> bool:
    """True once the old cookie no longer opens a private page (the beacon may take a moment)."""
    deadline = time.monotonic() + seconds
    while cookie_still_works(app, value):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_quick_exit_leaves_for_a_neutral_site_and_ends_the_session(
    app: Flask, browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site) as (page, _):
        register_in_browser(page)
        cookie = session_cookie(page)
    with browser_page(browser, site, javascript=javascript) as (page, off_site):
        page.context.add_cookies([{"name": "session", "value": cookie, "url": site}])
        page.goto("/account")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
        page.get_by_role("link", name="Quick exit").click()
        page.wait_for_url(NEUTRAL_SITE)
        expect(page.get_by_role("heading", level=1)).to_have_text("Weather")
        off_site.assert_only_navigations_to("www.bbc.co.uk")
        assert cookie_stops_working(app, cookie)
        page.go_back()
        if javascript:
            # location.replace: Back does not come back to the private page.
            assert not page.url.startswith(site + "/account")
        else:
            # The page was never kept (no-store): Back asks again, and it is signed out.
            expect(page.get_by_role("heading", level=1)).not_to_have_text("Your account")


def test_quick_exit_ends_the_session_in_a_browser_without_send_beacon(
    app: Flask, browser: Browser, site: str
) -> None:
    with browser_page(browser, site) as (page, _):
        register_in_browser(page)
        cookie = session_cookie(page)
    with browser_page(browser, site) as (page, off_site):
        page.add_init_script("delete Navigator.prototype.sendBeacon;")
        page.context.add_cookies([{"name": "session", "value": cookie, "url": site}])
        page.goto("/account")
        assert page.evaluate("typeof navigator.sendBeacon") == "undefined"
        page.get_by_role("link", name="Quick exit").click()
        page.wait_for_url(NEUTRAL_SITE)
        off_site.assert_only_navigations_to("www.bbc.co.uk")
        assert cookie_stops_working(app, cookie)


def test_pressing_shift_three_times_leaves_and_is_announced(
    app: Flask, browser: Browser, site: str
) -> None:
    with browser_page(browser, site) as (page, _):
        register_in_browser(page)
        cookie = session_cookie(page)
        expect(page.get_by_text("Or press Shift 3 times")).to_be_visible()
        page.keyboard.press("Shift")
        expect(page.locator("[data-quick-exit-status]")).to_have_text(
            "Shift, press 2 more times to leave this page."
        )
        page.keyboard.press("Shift")
        page.keyboard.press("Shift")
        page.wait_for_url(NEUTRAL_SITE)
    assert cookie_stops_working(app, cookie)


def test_typing_capital_letters_does_not_trigger_the_shortcut(browser: Browser, site: str) -> None:
    with browser_page(browser, site) as (page, _):
        page.goto("/register")
        page.get_by_label("Choose a username").press_sequentially("ABCDEF")
        page.wait_for_timeout(200)
        assert page.url == site + "/register"


@pytest.mark.parametrize(
    ("touch_only", "offered"), [(False, True), (True, False)], ids=["computer", "touch-phone"]
)
def test_the_shortcut_hint_is_offered_only_where_there_may_be_a_keyboard(
    browser: Browser, site: str, touch_only: bool, offered: bool
) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE, touch_only=touch_only) as (page, _):
        page.goto("/")
        page.wait_for_load_state("load")
        hint = page.get_by_text("Or press Shift 3 times")
        if offered:
            expect(hint).to_be_visible()
        else:
            expect(hint).to_be_hidden()
        expect(page.get_by_role("link", name="Quick exit")).to_be_visible()


def test_without_javascript_the_shortcut_hint_is_not_offered(browser: Browser, site: str) -> None:
    with browser_page(browser, site, javascript=False) as (page, _):
        page.goto("/")
        expect(page.get_by_text("Or press Shift 3 times")).to_be_hidden()
        expect(page.get_by_role("link", name="Quick exit")).to_be_visible()


def test_an_idle_signed_in_page_leaves_the_screen_and_signs_out(
    app: Flask, browser: Browser, site: str
) -> None:
    with browser_page(browser, site) as (page, _):
        page.clock.install()
        register_in_browser(page)
        cookie = session_cookie(page)
        page.wait_for_load_state("load")  # the deferred script has set its timer
        page.clock.fast_forward("31:00")
        page.wait_for_url("**/signed-out?reason=timeout")
        expect(page.get_by_role("heading", level=1)).to_have_text("You have been signed out")
    assert cookie_stops_working(app, cookie)


def test_show_password_reveals_what_was_typed(browser: Browser, site: str) -> None:
    with browser_page(browser, site) as (page, _):
        page.goto("/sign-in")
        field = page.get_by_label("Password", exact=True)
        field.fill("my secret words")
        page.get_by_role("button", name="Show password").click()
        expect(field).to_have_attribute("type", "text")
        page.get_by_role("button", name="Hide password").click()
        expect(field).to_have_attribute("type", "password")
        expect(page.get_by_role("button", name="Show password")).to_be_visible()


def test_registering_and_signing_in_work_without_javascript(browser: Browser, site: str) -> None:
    with browser_page(browser, site, javascript=False) as (page, _):
        expect_button_hidden = page.get_by_role("button", name="Show password")
        username = register_in_browser(page)
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
        page.goto("/sign-in")
        expect(expect_button_hidden).to_have_count(0)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("What would you like to do?")


def test_an_error_moves_focus_to_the_summary_which_links_to_the_field(
    browser: Browser, site: str
) -> None:
    with browser_page(browser, site) as (page, _):
        page.goto("/register")
        page.get_by_label("Choose a username").fill("bluebird")
        page.get_by_role("button", name="Create account").click()
        expect(page).to_have_title("Error: Create a free account – Support Space")
        summary = page.get_by_role("alert")
        expect(summary).to_be_focused()
        summary.get_by_role("link", name="Enter a password").click()
        expect(page.get_by_label("Create a password")).to_be_focused()
        expect(page.get_by_label("Choose a username")).to_have_value("bluebird")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/help",
        "/staying-safe-online",
        "/privacy",
        "/accessibility",
        "/sign-in",
        "/register",
        "/recover",
        "/recover/code",
        "/no-such-page",
    ],
)
def test_public_pages_have_no_accessibility_problems(
    browser: Browser, site: str, path: str
) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, off_site):
        page.goto(path)
        assert accessibility_problems(page) == []
        off_site.assert_only_navigations_to()


def test_account_pages_and_errors_have_no_accessibility_problems(
    browser: Browser, site: str
) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        start_registering(page)
        assert accessibility_problems(page) == [], "the recovery codes"
        page.get_by_role("button", name="I have saved my codes").click()
        for path in ("/account", "/account/password", "/account/email", "/account/delete"):
            page.goto(path)
            assert accessibility_problems(page) == [], path
        page.goto("/account/password")
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_role("alert")).to_be_visible()
        assert accessibility_problems(page) == []


@WITH_AND_WITHOUT_JAVASCRIPT
def test_on_a_small_phone_the_menu_and_back_links_are_comfortable_to_tap(
    browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        register_in_browser(page)
        page.goto("/account/password")
        menu = page.get_by_role("navigation", name="Main")
        targets = [
            *menu.get_by_role("link").all(),
            menu.get_by_role("button", name="Sign out"),
            page.get_by_role("link", name="Back to your account"),
        ]
        short = {
            target.inner_text(): box(target)["height"]
            for target in targets
            if box(target)["height"] < COMFORTABLE_TAP_HEIGHT
        }
        assert short == {}


@WITH_AND_WITHOUT_JAVASCRIPT
def test_on_a_small_phone_sign_out_is_not_alone_on_a_line_of_the_menu(
    browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        register_in_browser(page)
        items = page.get_by_role("navigation", name="Main").get_by_role("listitem").all()
        [sign_out] = [item for item in items if item.inner_text() == "Sign out"]
        on_its_line = [item for item in items if box(item)["y"] == box(sign_out)["y"]]
        assert len(on_its_line) > 1, [(item.inner_text(), box(item)["y"]) for item in items]


@WITH_AND_WITHOUT_JAVASCRIPT
def test_on_a_small_phone_each_recovery_code_is_on_one_line_apart_from_its_number(
    browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        start_registering(page)
        items = page.locator(".recovery-codes li").all()
        assert len(items) == 10
        for item in items:
            code = item.locator("code")
            # An inline element broken across lines has a box on each line.
            lines = code.evaluate("element => element.getClientRects().length")
            assert lines == 1, f"{code.inner_text()} is broken over {lines} lines"
            # The number sits just left of the item's box: a gap keeps it apart from the code.
            assert box(code)["x"] - box(item)["x"] >= 8, f"{code.inner_text()} touches its number"
        assert not scrolls_sideways(page)


def test_each_card_on_the_home_page_says_what_it_leads_to(
    app: Flask, browser: Browser, site: str
) -> None:
    with app.test_request_context():
        journeys = [link.label for link in nav_links()]
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        page.goto("/")
        cards = page.locator(".card").all()
        assert [card.get_by_role("heading").inner_text() for card in cards] == journeys
        assert "Incident log" in journeys
        for card in cards:
            description = card.locator("p")
            expect(description).to_have_count(1)
            expect(description).not_to_be_empty()
