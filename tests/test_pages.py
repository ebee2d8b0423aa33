"""Public pages, the help lines, and the quick exit without JavaScript."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.support.client import AccountHelper, CheckingClient, page_text


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


def test_signed_in_pages_carry_the_idle_timeout_for_the_script(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    soup = BeautifulSoup(client.get("/account").get_data(as_text=True), "html.parser")
    assert soup.body["data-idle-minutes"] == "30"
    assert soup.body["data-timeout-url"] == "/signed-out?reason=timeout"
    assert "signed out" in page_text(client.get("/signed-out?reason=timeout"))
