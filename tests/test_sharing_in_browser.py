"""Browser journeys of sharing, with JavaScript on and off: the person shares a record from a
small phone, and a caseworker, in another browser, opens it with the link and the code; and
axe-core on every sharing page, the person's and the recipient's."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import SMALL_PHONE, accessibility_problems, browser_page
from tests.test_incidents_in_browser import quick_add
from tests.test_pages_in_browser import register_in_browser

pytestmark = pytest.mark.browser

WITH_AND_WITHOUT_JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [True, False], ids=["with-js", "without-js"]
)
ONE_DATABASE = pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
WHAT = "Bins set on fire by the back gate"
WORRIES = "Whether they will be outside again tonight"


@pytest.fixture(autouse=True)
def site_address(app: Flask, site: str) -> None:
    """PORTAL_BASE_URL is where the site is served, as in production: links are made from it."""
    app.config["BASE_URL"] = site


def share_from_the_log(
    page: Page, found: list[str] | None = None, plan: str | None = None
) -> tuple[str, str]:
    """From the log: choose, preview and share (with a guide's `plan` ticked, if named);
    returns the link and the code shown. With `found`, axe-core's problems on each page on the
    way are added to it."""

    def check() -> None:
        if found is not None:
            found.extend(f"{page.url}: {problem}" for problem in accessibility_problems(page))

    page.goto("/incidents")
    page.get_by_role("link", name="Share with a caseworker").click()
    check()
    page.get_by_role("link", name="Share records").click()
    page.get_by_label("Who is it for?").fill("PC Smith, ASB team")
    if plan:
        page.get_by_label(plan).check()
    check()
    page.get_by_role("button", name="See what they will see").click()
    expect(page.get_by_role("heading", name="What they will see", exact=True)).to_be_visible()
    expect(page.get_by_text(WHAT)).to_be_visible()
    if plan:
        expect(page.get_by_text(WORRIES)).to_be_visible()
    check()
    page.get_by_role("button", name="Share this and make the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your link and code")
    check()
    page.wait_for_load_state("load")  # judged with the stylesheets, which wrap the long link
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    link = page.locator(".share-link code").inner_text()
    code = page.locator(".share-code code").inner_text()
    return link, code


@WITH_AND_WITHOUT_JAVASCRIPT
def test_a_person_shares_from_a_phone_and_a_caseworker_opens_it_with_the_code(
    browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (
        page,
        off_site,
    ):
        register_in_browser(page)
        quick_add(page, WHAT)
        link, code = share_from_the_log(page)
        assert re.fullmatch(re.escape(site) + r"/shared/[A-Za-z0-9_-]{43}", link)
        with browser_page(browser, site, javascript=javascript) as (caseworker, elsewhere):
            caseworker.goto(link)
            expect(caseworker.get_by_text(WHAT)).to_have_count(0)
            caseworker.get_by_label("Access code").fill(code)
            caseworker.get_by_role("button", name="Open the records").click()
            expect(caseworker.get_by_text(WHAT)).to_be_visible()
            expect(
                caseworker.get_by_text("Shared by the person who keeps this log")
            ).to_be_visible()
            elsewhere.assert_only_navigations_to()
        page.goto("/shares")
        expect(page.get_by_role("heading", name="PC Smith, ASB team")).to_be_visible()
        expect(page.get_by_text("Not yet")).to_have_count(0)
        page.get_by_role("button", name="Stop sharing now").click()
        expect(page.get_by_text("The link no longer works.")).to_be_visible()
        off_site.assert_only_navigations_to()


def write_worries(page: Page) -> None:
    """Save an answer in a guide, so there is a plan to share."""
    page.goto("/guides/calming-anxious-feelings/steps/worry-time")
    page.get_by_label("What are you worrying about at the moment?").fill(WORRIES)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Worry time")


@ONE_DATABASE
@pytest.mark.usefixtures("bundled_guides")
def test_the_sharing_pages_have_no_accessibility_problems(browser: Browser, site: str) -> None:
    found: list[str] = []
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        register_in_browser(page)
        quick_add(page, WHAT)
        write_worries(page)
        link, code = share_from_the_log(page, found, plan="Calming anxious feelings")
        page.goto("/shares")
        found += [f"/shares: {problem}" for problem in accessibility_problems(page)]
        with browser_page(browser, site, viewport=SMALL_PHONE) as (caseworker, _):
            caseworker.goto(link)
            found += [f"code page: {problem}" for problem in accessibility_problems(caseworker)]
            caseworker.get_by_label("Access code").fill("WRONG")
            caseworker.get_by_role("button", name="Open the records").click()
            found += [f"wrong code: {problem}" for problem in accessibility_problems(caseworker)]
            caseworker.get_by_label("Access code").fill(code)
            caseworker.get_by_role("button", name="Open the records").click()
            expect(caseworker.get_by_text(WHAT)).to_be_visible()
            expect(caseworker.get_by_text(WORRIES)).to_be_visible()
            found += [f"records: {problem}" for problem in accessibility_problems(caseworker)]
            caseworker.goto(site + "/shared/" + "A" * 43)
            found += [f"ended: {problem}" for problem in accessibility_problems(caseworker)]
    assert found == []
