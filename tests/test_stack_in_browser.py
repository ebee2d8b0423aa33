"""The site as it runs for real: nginx over TLS, round robin over two gunicorn hosts with two
workers each, PostgreSQL and Redis (deploy/stack.py, `make stack`). A person's journey crosses
hosts request by request and nothing notices: their session, answers, diary and rate limits are
shared, signing out on one host ends the session on the other, and a guide synced once is served
by both."""

from __future__ import annotations

import itertools
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import APIRequestContext, Browser, Page, expect

from config import ProductionConfig
from deploy.stack import Stack
from portal import create_app
from portal.extensions import db, keystore_db
from portal.guides.library import GUIDES_FOLDER, sync_folder
from tests.support.browser import browser_page
from tests.support.client import PASSWORD
from tests.support.guides import next_version
from tests.test_diary_in_browser import write_entry

# One worker runs every test here (tests/support/stack.py, StackModulesTogether): one stack.
pytestmark = pytest.mark.browser

SESSION_COOKIE = "__Host-session"
WORRY_TIME = "/guides/calming-anxious-feelings/steps/worry-time"
DOWNLOADS_AN_HOUR = 10  # portal.account.views.DOWNLOAD_LIMIT


@contextmanager
def person(browser: Browser, stack: Stack) -> Iterator[Page]:
    """A phone's browser that accepts the stack's throwaway certificate, and nothing else."""
    with browser_page(browser, stack.url, throwaway_certificate=True) as (page, _):
        yield page


@contextmanager
def another_browser(browser: Browser, stack: Stack) -> Iterator[APIRequestContext]:
    """Requests from a browser of its own, with no cookies but the ones a test sends."""
    context = browser.new_context(base_url=stack.url, ignore_https_errors=True)
    try:
        yield context.request
    finally:
        context.close()


def register(page: Page, chosen: str) -> None:
    page.goto("/register")
    page.get_by_label("Choose a username").fill(chosen)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("button", name="I have saved my codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What would you like to do?")


def session_cookie(page: Page) -> dict[str, object]:
    return next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)  # type: ignore[return-value]


def hosts_answering(stack: Stack, since: int, path: str, count: int) -> list[str]:
    """Which host answered each of the `count` requests for `path` that nginx logged since the
    offset, in order. nginx writes a line just after answering, so it may take a moment."""
    deadline = time.monotonic() + 5
    while True:
        answered = [r.upstream for r in stack.requests_after(since) if r.path == path]
        if len(answered) >= count or time.monotonic() > deadline:
            return answered
        time.sleep(0.05)


def test_consecutive_requests_go_to_each_host_in_turn(
    browser: Browser, production_stack: Stack
) -> None:
    stack = production_stack
    served_before = [host.access_log.read_text().count("GET /health") for host in stack.hosts]
    since = stack.proxy_log_size()
    with another_browser(browser, stack) as requests:
        for _ in range(4):
            assert requests.get("/health").status == 200

    answered_by = hosts_answering(stack, since, "/health", 4)
    assert len(answered_by) == 4
    assert all(first != second for first, second in itertools.pairwise(answered_by))
    # And each host's own gunicorn log has them (a line may still be on its way from startup).
    served_after = [host.access_log.read_text().count("GET /health") for host in stack.hosts]
    assert all(
        after - before >= 2 for after, before in zip(served_after, served_before, strict=True)
    )


def test_a_journey_crosses_hosts_and_signing_out_on_one_ends_the_session_on_both(
    browser: Browser, production_stack: Stack
) -> None:
    stack = production_stack
    since = stack.proxy_log_size()
    with person(browser, stack) as page:
        register(page, "heron")
        page.goto(WORRY_TIME)
        page.get_by_role("textbox").first.fill("That they will find out where I work")
        page.get_by_role("button", name="Save and continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Noticing anxious thoughts")
        write_entry(page, date(2026, 3, 2), "Low", notes="Shouting on the stairs again")
        entry_page = page.url.removeprefix(stack.url)

        # Round robin: each saved form's redirect is answered by the other host, which reads
        # at once what the first one wrote.
        journey = stack.requests_after(since)
        saves = [
            i for i, r in enumerate(journey[:-1]) if r.method == "POST" and r.status in (302, 303)
        ]
        assert len(saves) >= 4
        assert all(journey[i].upstream != journey[i + 1].upstream for i in saves)
        assert {r.upstream for r in journey} == {host.address for host in stack.hosts}

        cookie = session_cookie(page)
        assert (cookie["secure"], cookie["httpOnly"]) == (True, True)
        assert (cookie["path"], cookie["sameSite"]) == ("/", "Lax")
        headers = page.request.get(entry_page).headers
        assert headers["strict-transport-security"].startswith("max-age=")
        signed_in = {"Cookie": f"{SESSION_COOKIE}={cookie['value']}"}

        with another_browser(browser, stack) as copied_cookie:
            since = stack.proxy_log_size()
            for path in (entry_page, entry_page, WORRY_TIME, WORRY_TIME):
                response = copied_cookie.get(path, headers=signed_in, max_redirects=0)
                assert response.status == 200
                expected = "Shouting on the stairs" if path == entry_page else "find out where I"
                assert expected in response.text()
            assert len(set(hosts_answering(stack, since, entry_page, 2))) == 2
            assert len(set(hosts_answering(stack, since, WORRY_TIME, 2))) == 2

            page.goto("/account")
            page.get_by_role("button", name="Sign out", exact=True).click()
            page.wait_for_load_state("networkidle")
            since = stack.proxy_log_size()
            for _ in range(4):
                response = copied_cookie.get("/account", headers=signed_in, max_redirects=0)
                assert response.status == 302
                assert "/sign-in" in response.headers["location"]
            assert len(set(hosts_answering(stack, since, "/account", 4))) == 2


def test_rate_limits_count_requests_to_both_hosts_together(
    browser: Browser, production_stack: Stack
) -> None:
    stack = production_stack
    with person(browser, stack) as page:
        register(page, "kestrel")
        page.goto("/account/download")
        form = {
            field.get_attribute("name") or "": field.get_attribute("value") or ""
            for field in page.locator("main form input[type=hidden]").all()
        }
        since = stack.proxy_log_size()
        statuses = [
            page.request.post("/account/download", form=form, max_redirects=0).status
            for _ in range(DOWNLOADS_AN_HOUR + 1)
        ]

    assert statuses == [200] * DOWNLOADS_AN_HOUR + [429]
    answered_by = hosts_answering(stack, since, "/account/download", DOWNLOADS_AN_HOUR + 1)
    # Each host (and each of its two workers) saw about half: counted alone, none would stop.
    assert sorted(answered_by.count(host) for host in set(answered_by)) == [5, 6]


def test_a_guide_synced_once_is_served_by_both_hosts(
    browser: Browser, production_stack: Stack, tmp_path: Path
) -> None:
    stack = production_stack
    folder = shutil.copytree(GUIDES_FOLDER, tmp_path / "guides")
    guide = folder / "worry-and-fear.md"
    new_summary = "Sort real problems from what-if worries, one small step at a time."
    guide.write_text(
        re.sub(
            r"^summary: .*$",
            f"summary: {new_summary}",
            next_version(guide.read_text()),
            count=1,
            flags=re.M,
        )
    )
    app = create_app(ProductionConfig(stack.settings))
    with app.app_context():
        assert sync_folder(db.session, folder).saved == ["worry-and-fear.md (version 2)"]
    db.dispose(app)
    keystore_db.dispose(app)

    since = stack.proxy_log_size()
    with another_browser(browser, stack) as requests:
        for _ in range(2):
            assert new_summary in requests.get("/guides").text()
    assert len(set(hosts_answering(stack, since, "/guides", 2))) == 2


def test_a_shares_link_reaches_no_log_of_the_stack_with_its_token(
    browser: Browser, production_stack: Stack
) -> None:
    stack = production_stack
    token = "NotARealShareToken_" + "x" * 24
    since = stack.proxy_log_size()
    with another_browser(browser, stack) as requests:
        assert requests.get(f"/shared/{token}").status == 404
        assert requests.get(f"/shared/{token}/pack").status == 404
    logged = stack.requests_after(since)
    assert [r.path for r in logged if r.path.startswith("/shared")] == ["/shared/..."] * 2
    every_log = [stack.proxy_log, *(host.access_log for host in stack.hosts)]
    assert all(token not in log.read_text() for log in every_log)
