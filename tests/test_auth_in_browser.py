"""Where people land, on a small phone, with and without JavaScript: back to what they were
doing, or a calm choice, never in front of the button that deletes their account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import SMALL_PHONE, accessibility_problems, browser_page
from tests.support.client import PASSWORD

pytestmark = pytest.mark.browser

WITH_AND_WITHOUT_JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [True, False], ids=["with-js", "without-js"]
)
GUIDE_STEP = "/guides/better-sleep/steps/how-you-sleep"


def nothing_alarming_on_screen(page: Page) -> None:
    expect(page.get_by_role("button", name="Delete your account")).to_have_count(0)
    expect(page.get_by_role("link", name="Delete your account")).to_have_count(0)


@WITH_AND_WITHOUT_JAVASCRIPT
def test_making_an_account_from_a_guide_step_returns_to_that_step(
    browser: Browser, site: str, bundled_guides: None, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        page.goto(GUIDE_STEP)
        page.get_by_role("link", name="Create a free account").click()
        page.get_by_label("Choose a username").fill("Blue Bird")
        page.get_by_label("Create a password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_test_id("username")).to_have_text(re.compile(r"blue-bird-\d{4}"))
        page.get_by_role("button", name="I have saved my codes").click()
        page.wait_for_url(f"**{GUIDE_STEP}")
        expect(page.get_by_role("heading", level=1)).to_have_text("How you are sleeping")
        nothing_alarming_on_screen(page)


@WITH_AND_WITHOUT_JAVASCRIPT
def test_signing_in_with_nowhere_to_go_back_to_offers_a_calm_choice(
    browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        page.goto("/register")
        page.get_by_label("Choose a username").fill("wren")
        page.get_by_label("Create a password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        username = page.get_by_test_id("username").inner_text()
        page.get_by_role("button", name="I have saved my codes").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("What would you like to do?")
        page.get_by_role("button", name="Sign out", exact=True).click()
        page.goto("/sign-in")
        page.get_by_label("Username").fill(username.upper())
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("What would you like to do?")
        nothing_alarming_on_screen(page)
        if javascript:  # axe runs as a script: the page itself is the same either way
            assert accessibility_problems(page) == []


def test_reloading_the_recovery_codes_never_shows_them_again(browser: Browser, site: str) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        page.goto("/register")
        page.get_by_label("Choose a username").fill("robin")
        page.get_by_label("Create a password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        codes = page.locator(".recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes were shown")
        for code in codes:
            expect(page.get_by_text(code)).to_have_count(0)
        assert accessibility_problems(page) == []
