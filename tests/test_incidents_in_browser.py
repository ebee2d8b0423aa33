"""Browser journeys through the incident log on a small phone, with JavaScript on and off: quick
add, complete it later, the history of versions, and axe-core on every kind of log page."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support import evidence_files as files
from tests.support.browser import SMALL_PHONE, accessibility_problems, browser_page
from tests.test_pages_in_browser import register_in_browser

pytestmark = pytest.mark.browser

WITH_AND_WITHOUT_JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [True, False], ids=["with-js", "without-js"]
)
ONE_DATABASE = pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)


def quick_add(page: Page, what: str, time_typed: str = "2245") -> None:
    """Quick add from the log's home: ends on the saved incident."""
    page.goto("/incidents")
    page.get_by_role("link", name="Quick add an incident").click()
    page.get_by_label("What happened?").fill(what)
    page.get_by_label("What time did it start? (optional)").fill(time_typed)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The incident has been saved.")).to_be_visible()


@WITH_AND_WITHOUT_JAVASCRIPT
def test_quick_add_on_a_phone_then_complete_it(
    browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (
        page,
        off_site,
    ):
        register_in_browser(page)
        quick_add(page, "Two men shouting threats at my window")
        expect(page.get_by_text("Still to add:")).to_be_visible()
        page.get_by_role("link", name="Add the details").click()
        page.get_by_role("group", name="What kind of incident was it?").get_by_label(
            "Threats or intimidation"
        ).check()
        page.get_by_label("Where did it happen?").fill("Outside my front window")
        page.get_by_label("How did it affect you and your household?").fill(
            "My daughter would not sleep in her room."
        )
        page.get_by_role("button", name="Save changes").click()
        expect(page.get_by_text("Still to add:")).to_have_count(0)
        page.get_by_role("link", name="See every version").click()
        expect(page.get_by_role("heading", name=re.compile("First recorded"))).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile("Version 2"))).to_be_visible()
        page.goto("/incidents")
        expect(page.get_by_text("Two men shouting threats at my window")).to_be_visible()
        expect(page.get_by_text("Details to add", exact=True)).to_have_count(0)
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        off_site.assert_only_navigations_to()


@WITH_AND_WITHOUT_JAVASCRIPT
def test_attach_a_photo_and_a_recording_see_them_listed_and_download_a_pack(
    browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (
        page,
        off_site,
    ):
        register_in_browser(page)
        quick_add(page, "Car tyres slashed outside my house")
        chooser = page.get_by_label("Add a photo, letter or sound recording")
        chooser.set_input_files(
            files=[{"name": "tyres.jpg", "mimeType": "image/jpeg", "buffer": files.photo("JPEG")}]
        )
        page.get_by_role("button", name="Add the file").click()
        expect(page.get_by_text("“tyres.jpg” has been added to this incident.")).to_be_visible()
        chooser.set_input_files(
            files=[{"name": "Voice 001.wav", "mimeType": "audio/wav", "buffer": files.wav()}]
        )
        page.get_by_role("button", name="Add the file").click()
        expect(page.locator("audio")).to_have_count(1)
        page.goto("/incidents")
        expect(page.get_by_role("img", name="Photo: tyres.jpg")).to_be_visible()
        expect(page.get_by_text("Sound: Voice 001.wav")).to_be_visible()
        page.get_by_role("link", name="Evidence pack").click()
        with page.expect_download() as made:
            page.get_by_role("button", name="Download the evidence pack").click()
        pack = made.value
        assert pack.suggested_filename.startswith("records-")
        with zipfile.ZipFile(pack.path()) as opened:
            names = opened.namelist()
        assert "evidence.pdf" in names
        assert sum(name.startswith("files/") for name in names) == 2
        off_site.assert_only_navigations_to()


@ONE_DATABASE
def test_the_log_pages_have_no_accessibility_problems(browser: Browser, site: str) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        register_in_browser(page)
        page.goto("/incidents")
        found = accessibility_problems(page)
        quick_add(page, "Loud music at 3am")
        found += accessibility_problems(page)
        incident_url = page.url
        for path in (
            "/incidents",
            "/incidents/quick",
            "/incidents/new",
            f"{incident_url}/history",
            f"{incident_url}/change",
            f"{incident_url}/delete",
            "/incidents/summary",
            "/incidents/case-review",
            "/incidents/pack",
            "/incidents/check",
        ):
            page.goto(path)
            found += [f"{path}: {problem}" for problem in accessibility_problems(page)]
        assert found == []
