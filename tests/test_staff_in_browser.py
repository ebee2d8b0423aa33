"""A member of staff on a laptop: signs in with a code from their authenticator app, rewords a
step of a guide while the preview follows the text, publishes it, and a visitor reads the new
words. With JavaScript the preview refreshes as they type; without it the Preview button does the
same. Axe checks every staff page on the way."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from portal.auth.roles import Role
from portal.guides.library import GUIDES_FOLDER
from tests.support.browser import accessibility_problems, browser_page
from tests.support.guides import next_version
from tests.support.staff import (
    StaffMember,
    make_staff_account,
    set_up_app_and_sign_in,
    wait_for_a_fresh_step,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("bundled_guides")]

SLEEP = "better-sleep"
STEP = "bed-is-for-sleep"
OLD_WORDS = "Before you start, take a moment to notice how you feel about sleep."
NEW_WORDS = "Most people sleep better after a week of getting up at the same time."
LAPTOP = {"width": 1280, "height": 800}


def check_accessibility(page: Page, javascript: bool) -> None:
    if javascript:  # axe runs as a script: the page itself is the same either way
        assert accessibility_problems(page) == []


def staff_member_with_an_app(app: Flask) -> StaffMember:
    """A staff account whose authenticator app was set up at its first sign-in."""
    username = make_staff_account(app, name="editor")
    return set_up_app_and_sign_in(app.test_client(), username)  # type: ignore[arg-type]


def sign_in_with_a_code(page: Page, member: StaffMember) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password", exact=True).fill(member.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    # The code that set the app up has been used; the next step's is still accepted.
    page.get_by_label("Code from your authenticator app").fill(member.code(steps_from_now=1))
    page.get_by_role("button", name="Continue").click()


def reworded(source: str) -> str:
    assert OLD_WORDS in source
    return next_version(source.replace(OLD_WORDS, NEW_WORDS))


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_staff_reword_a_guide_with_a_preview_and_publish_it_for_people_to_read(
    browser: Browser, site: str, app: Flask, javascript: bool
) -> None:
    member = staff_member_with_an_app(app)
    source = (GUIDES_FOLDER / f"{SLEEP}.md").read_text()
    with browser_page(browser, site, javascript=javascript, viewport=LAPTOP) as (page, off):
        wait_for_a_fresh_step()
        sign_in_with_a_code(page, member)
        expect(page.get_by_role("heading", level=1)).to_have_text("Guides")
        check_accessibility(page, javascript)

        page.get_by_role("link", name="Better sleep").first.click()
        check_accessibility(page, javascript)
        page.goto(f"/staff/guides/{SLEEP}/edit")
        check_accessibility(page, javascript)
        preview = page.locator("[data-preview]")
        expect(preview).not_to_contain_text(NEW_WORDS)

        chooser = page.get_by_label("Step to preview")
        last_step = chooser.locator("option").last.get_attribute("value")
        chooser.select_option("how-you-sleep")
        page.locator("textarea[name=source]").fill(reworded(source))
        if javascript:
            # The preview follows the text, and the caret, at the end, into the last step. (The
            # status alone would not show it: it already said "updated" for the choice above.)
            expect(chooser).to_have_value(str(last_step))
            expect(page.locator("[data-preview-status]")).to_have_text("Preview updated.")
            chooser.select_option("how-you-sleep")

        else:
            page.get_by_role("button", name="Preview").click()
        expect(preview).to_contain_text(NEW_WORDS)
        expect(preview).not_to_contain_text(OLD_WORDS)
        check_accessibility(page, javascript)

        page.get_by_role("button", name="Save and publish").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Publish the draft")
        check_accessibility(page, javascript)
        page.get_by_label("What has changed").fill("A plainer first line")
        page.get_by_role("button", name=re.compile(r"^Publish revision \d+$")).click()
        expect(page.locator("main")).to_contain_text(
            re.compile(r"Revision \d+ is published\. People see it now\.")
        )

        check_accessibility(page, javascript)
    off.assert_only_navigations_to()

    with browser_page(browser, site, javascript=javascript) as (visitor, _):
        visitor.goto(f"/guides/{SLEEP}/steps/how-you-sleep")
        expect(visitor.locator("main")).to_contain_text(NEW_WORDS)
        expect(visitor.locator("main")).not_to_contain_text(OLD_WORDS)


def test_a_step_picked_before_typing_pauses_stays_in_the_preview(
    browser: Browser, site: str, app: Flask
) -> None:
    member = staff_member_with_an_app(app)
    source = (GUIDES_FOLDER / f"{SLEEP}.md").read_text()
    with browser_page(browser, site, viewport=LAPTOP) as (page, _):
        wait_for_a_fresh_step()
        sign_in_with_a_code(page, member)
        expect(page.get_by_role("heading", level=1)).to_have_text("Guides")
        page.clock.install()  # the page's wait for typing to pause runs only when told
        page.goto(f"/staff/guides/{SLEEP}/edit")
        previews_asked: list[str] = []
        page.on("request", lambda request: previews_asked.append(request.url))
        chooser = page.get_by_label("Step to preview")

        page.locator("textarea[name=source]").fill(reworded(source))  # the caret at the end
        chooser.select_option("how-you-sleep")
        expect(page.locator("[data-preview]")).to_contain_text(NEW_WORDS)
        asked_for_the_choice = len(previews_asked)
        page.clock.run_for(5_000)  # long past the pause that would follow the caret
        page.evaluate("() => fetch('/health')")  # a request after any the timer made
        expect(page.locator("[data-preview-status]")).to_have_text("Preview updated.")

        assert previews_asked[asked_for_the_choice:] == [f"{site}/health"]
        expect(chooser).to_have_value("how-you-sleep")
        expect(page.locator("[data-preview]")).to_contain_text(NEW_WORDS)


STAFF_AND_ADMIN_PAGES = [
    "/staff",
    "/staff/guides/new",
    f"/staff/guides/{SLEEP}",
    f"/staff/guides/{SLEEP}/edit",
    f"/staff/guides/{SLEEP}/history",
    f"/staff/guides/{SLEEP}/unpublish",
    "/staff/audit-log",
    "/admin/",
    "/admin/staff/new",
]


def test_axe_finds_nothing_serious_on_the_staff_and_admin_pages(
    browser: Browser, site: str, app: Flask
) -> None:
    username = make_staff_account(app, Role.ADMIN, name="boss")
    member = set_up_app_and_sign_in(app.test_client(), username)  # type: ignore[arg-type]
    source = (GUIDES_FOLDER / f"{SLEEP}.md").read_text()
    with browser_page(browser, site, viewport=LAPTOP) as (page, _):
        wait_for_a_fresh_step()
        sign_in_with_a_code(page, member)
        expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")
        # A second revision, so the history has two to compare.
        page.goto(f"/staff/guides/{SLEEP}/edit")
        page.locator("textarea[name=source]").fill(reworded(source))
        page.get_by_role("button", name="Save and publish").click()
        page.get_by_label("What has changed").fill("A plainer first line")
        page.get_by_role("button", name=re.compile(r"^Publish revision \d+$")).click()
        for path in STAFF_AND_ADMIN_PAGES:
            response = page.goto(path)
            assert response is not None, path
            assert response.status == 200, path
            assert accessibility_problems(page) == [], path
        # The pages reached from the history: a comparison, and publishing an older revision.
        page.goto(f"/staff/guides/{SLEEP}/history")
        page.get_by_role("button", name="Compare").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Revision"))
        assert accessibility_problems(page) == []
        page.goto(f"/staff/guides/{SLEEP}/history")
        page.get_by_role("link", name=re.compile(r"^Publish again")).first.click()
        expect(page.get_by_role("button", name=re.compile("^Publish"))).to_be_visible()
        assert accessibility_problems(page) == []
