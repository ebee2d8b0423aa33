"""Public pages, the help lines, and the quick exit without JavaScript."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.conftest import POSTGRES_URL, DatabaseUrls, dispose, make_app
from tests.support.client import AccountHelper, CheckingClient, page_text
from tests.support.environment import unavailable
from tests.support.outages import link_to

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")


@pytest.mark.parametrize(
    "path", ["/", "/help", "/staying-safe-online", "/privacy", "/accessibility"]
)
def test_public_pages_open_without_an_account(client: CheckingClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_every_page_offers_the_crisis_numbers_as_phone_links(client: CheckingClient) -> None:
    soup = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    links = {a["href"] for a in soup.select("footer a[href^='tel:']")}
    assert {"tel:999", "tel:+443301757258", "tel:+448081689111"} <= links


def test_quick_exit_without_javascript_signs_out_and_leaves_for_a_neutral_site(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    response = client.get("/exit")
    assert response.status_code == 303
    assert response.headers["Location"] == "https://www.bbc.co.uk/weather"
    assert "cookies" in response.headers["Clear-Site-Data"]
    assert client.get("/account").status_code == 302


def test_quick_exit_beacon_signs_out(client: CheckingClient, accounts: AccountHelper) -> None:
    accounts.register(client)
    client.get("/account")
    response = client.post_with_token("/exit")
    assert response.status_code == 204
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("app_settings", [{"PORTAL_QUICK_EXIT_URL": "https://www.example.org/"}])
def test_the_quick_exit_destination_is_a_setting(client: CheckingClient) -> None:
    assert client.get("/exit").headers["Location"] == "https://www.example.org/"
    page = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert page.select_one("[data-quick-exit]")["data-exit-url"] == "https://www.example.org/"


def test_the_quick_exit_is_the_first_thing_after_the_skip_link(client: CheckingClient) -> None:
    soup = BeautifulSoup(client.get("/help").get_data(as_text=True), "html.parser")
    focusable = soup.find_all(["a", "button", "input"])
    assert focusable[0]["href"] == "#main"
    assert focusable[1].has_attr("data-quick-exit")


def test_health_answers_without_a_page(client: CheckingClient) -> None:
    response = client.get("/health")
    assert response.get_data(as_text=True) == "ok"


def test_ready_says_so_when_the_databases_answer(client: CheckingClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ready"


@pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
def test_ready_names_the_parts_that_do_not_answer_and_nothing_more(
    database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    if not REDIS_URL:
        unavailable("Redis tests need PORTAL_TEST_REDIS_URL (.ci/run sets it)")
    to_postgres, to_redis = link_to(POSTGRES_URL or "", 5432), link_to(REDIS_URL, 6379)
    through = DatabaseUrls(
        "postgresql",
        to_postgres.url_for(database_urls.main),
        to_postgres.url_for(database_urls.keystore),
    )
    app = make_app(through, tmp_path, PORTAL_REDIS_URL=to_redis.url_for(REDIS_URL))
    client = app.test_client()
    try:
        assert client.get("/ready").status_code == 200
        with to_redis.cut():
            assert client.get("/ready").get_data(as_text=True) == "not ready: redis"
        with to_postgres.cut():
            response = client.get("/ready")
            assert response.status_code == 503
            assert response.get_data(as_text=True) == "not ready: database, keystore"
        assert client.get("/ready").status_code == 200, "ready again by itself"
    finally:
        dispose(app)
        to_postgres.close()
        to_redis.close()


def test_signed_in_pages_carry_the_idle_timeout_for_the_script(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    soup = BeautifulSoup(client.get("/account").get_data(as_text=True), "html.parser")
    assert soup.body["data-idle-minutes"] == "30"
    assert soup.body["data-timeout-url"] == "/signed-out?reason=timeout"
    assert "signed out" in page_text(client.get("/signed-out?reason=timeout"))


def test_signing_in_with_nowhere_to_return_to_lands_on_a_calm_choice(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    accounts.sign_out(client)
    response = accounts.sign_in(client, account)
    assert response.headers["Location"] == "/start"
    start = client.get("/start")
    assert "What would you like to do?" in page_text(start)
    assert "Delete your account" not in page_text(start)


def test_the_start_page_offers_to_carry_on_a_guide_begun(
    client: CheckingClient, accounts: AccountHelper, bundled_guides: None
) -> None:
    accounts.register(client)
    client.submit("/guides/better-sleep/steps/how-you-sleep", {})
    text = page_text(client.get("/start"))
    assert "Carry on where you left off" in text
    assert "Better sleep" in text


def test_visitors_are_sent_home_from_the_start_page(client: CheckingClient) -> None:
    assert client.get("/start").headers["Location"] == "/"


def test_registering_from_a_guide_returns_to_it_after_the_codes(
    client: CheckingClient, accounts: AccountHelper, bundled_guides: None
) -> None:
    step = "/guides/better-sleep/steps/how-you-sleep"
    client.get(step)
    client.submit(
        f"/register?next={step}", {"chosen_name": "wren", "password": "purple tractor window"}
    )
    client.get("/register/recovery-codes")
    done = client.post_with_token("/register/recovery-codes")
    assert done.headers["Location"] == step


@pytest.mark.parametrize(
    "app_settings",
    [
        {
            "PORTAL_ORGANISATION": "Northtown Victim Support",
            "PORTAL_ORGANISATION_CONTACT": "privacy@northtown.example",
            "PORTAL_UNUSED_ACCOUNT_MONTHS": "18",
            "PORTAL_KEYSTORE_BACKUP_DAYS": "5",
            "PORTAL_FEEDBACK": "https://northtown.example/feedback",
        }
    ],
)
def test_the_privacy_page_states_what_the_settings_make_true(client: CheckingClient) -> None:
    text = page_text(client.get("/privacy"))
    assert "This site is run by Northtown Victim Support" in text
    assert "privacy@northtown.example" in text
    assert "If nobody signs in to an account for 18 months, we delete it" in text
    assert "Our backups keep a copy of the keys for 5 days at most" in text
    assert "Information Commissioner's Office" in text
    assert "0303 123 1113" in text
    assert "last updated on" in text
    assert "cannot be read again, even from backups" not in text
    feedback = client.get("/feedback").get_data(as_text=True)
    assert 'href="https://northtown.example/feedback"' in feedback


def test_a_visitors_answers_are_said_to_be_on_the_server_for_a_while_not_on_the_device(
    client: CheckingClient, bundled_guides: None
) -> None:
    text = page_text(client.get("/guides/calming-anxious-feelings/steps/body-alarm-system"))
    assert "on this device" not in text
    assert "We keep them on our server, locked, for 30 minutes after you last use the site" in text
