"""The verify page in Chromium on a small phone: an officer chooses the ZIP, presses the button
and reads the result, with JavaScript off; and each page passes axe-core (which needs it on)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from portal.incidents.signing import current_signer
from tests.support.browser import SMALL_PHONE, accessibility_problems, browser_page
from tests.support.evidence import packed, rezipped, sample_pack

pytestmark = pytest.mark.browser
WITH_AND_WITHOUT_JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [True, False], ids=["with-js", "without-js"]
)


@pytest.fixture
def packs(app: Flask, tmp_path: Path) -> tuple[Path, Path]:
    """An unchanged pack and one whose spreadsheet was edited, saved as an officer would."""
    with app.app_context():
        pack_zip = packed(sample_pack(), current_signer())
    unchanged = tmp_path / "records-2026-11-29.zip"
    unchanged.write_bytes(pack_zip)
    changed = tmp_path / "records-changed.zip"
    changed.write_bytes(rezipped(pack_zip, {"incidents.csv": b"Incident\n1\n"}))
    return unchanged, changed


def check(page: Page, pack: Path | None) -> None:
    page.goto("/verify")
    if pack is not None:
        page.get_by_label("The evidence pack").set_input_files(pack)
    page.get_by_role("button", name="Check the pack").click()


@WITH_AND_WITHOUT_JAVASCRIPT
def test_an_officer_checks_a_pack_and_reads_the_result(
    browser: Browser, site: str, packs: tuple[Path, Path], javascript: bool
) -> None:
    unchanged, changed = packs
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        check(page, unchanged)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "This pack is unchanged since it was exported"
        )
        page.get_by_role("link", name="Check another pack").click()
        page.get_by_label("The evidence pack").set_input_files(changed)
        page.get_by_role("button", name="Check the pack").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "This pack has been changed since it was exported"
        )
        expect(page.get_by_text("In incidents.csv, incident 1")).to_be_visible()


def test_the_verify_pages_have_no_accessibility_problems(
    browser: Browser, site: str, packs: tuple[Path, Path]
) -> None:
    unchanged, changed = packs
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, off_site):
        page.goto("/verify")
        assert accessibility_problems(page) == [], "the form"
        for pack in (unchanged, changed):
            check(page, pack)
            expect(page.get_by_role("link", name="Check another pack")).to_be_visible()
            assert accessibility_problems(page) == [], pack.name
        check(page, None)
        expect(page).to_have_title("Error: Check an evidence pack – Support Space")
        assert accessibility_problems(page) == [], "the error"
        off_site.assert_only_navigations_to()
