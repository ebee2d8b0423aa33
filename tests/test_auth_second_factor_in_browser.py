"""A new admin on a phone: sign in, set up an authenticator app from the QR code page, save the new
recovery codes, sign out and back in with a code; with and without JavaScript, and nothing for
axe to find on the way."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from portal.auth.roles import Role
from tests.support.browser import SMALL_PHONE, accessibility_problems, browser_page
from tests.support.staff import STAFF_PASSWORD, make_staff_account, wait_for_a_fresh_step

pytestmark = pytest.mark.browser


def check_accessibility(page: Page, javascript: bool) -> None:
    if javascript:  # axe runs as a script: the page itself is the same either way
        assert accessibility_problems(page) == []


def sign_in_with_password(page: Page, username: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_an_admin_sets_up_an_app_and_signs_in_with_a_code_on_a_phone(
    browser: Browser, site: str, app: Flask, javascript: bool
) -> None:
    username = make_staff_account(app, Role.ADMIN, name="boss")
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, off):
        sign_in_with_password(page, username)
        expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
        qr_code = page.locator(".qr-code svg")
        expect(qr_code).to_be_visible()
        box = qr_code.bounding_box()
        assert box is not None
        assert box["width"] >= 180  # big enough to scan from the screen
        assert abs(box["width"] - box["height"]) < 1
        assert box["x"] + box["width"] <= SMALL_PHONE["width"]
        check_accessibility(page, javascript)

        secret = re.sub(r"\s+", "", page.get_by_test_id("secret-key").inner_text())
        wait_for_a_fresh_step()
        page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Save your username and recovery codes"
        )
        check_accessibility(page, javascript)
        page.get_by_role("button", name="I have saved my codes").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")
        check_accessibility(page, javascript)

        page.get_by_role("button", name="Sign out", exact=True).click()
        sign_in_with_password(page, username)
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
        check_accessibility(page, javascript)
        wrong = f"{(int(pyotp.TOTP(secret).now()) + 500_000) % 1_000_000:06d}"
        page.get_by_label("Code from your authenticator app").fill(wrong)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
        expect(page).to_have_title(re.compile(r"^Error: "))
        check_accessibility(page, javascript)
        # The next step's code (a phone a little fast): the one that set the app up is used.
        page.get_by_label("Code from your authenticator app").fill(
            pyotp.TOTP(secret).at(time.time() + 30)
        )
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")
    off.assert_only_navigations_to()
