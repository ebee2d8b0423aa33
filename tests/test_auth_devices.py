"""Nobody on the same network can keep the owner out: a browser that has signed in before is
counted on its own, and recovery codes are never slowed by sign-in failures."""

from __future__ import annotations

from flask import Flask

from portal.auth.views import RECOVERY_LIMIT, SIGN_IN_LIMIT
from tests.support.client import (
    OTHER_PASSWORD,
    PASSWORD,
    AccountHelper,
    CheckingClient,
    error_messages,
)

NEW_PASSWORD = "lighthouse marmalade bicycle"
# More than the per-minute limit for one address, and far past the free attempts.
ATTACKS = int(SIGN_IN_LIMIT.split()[0]) + 10


def attack(attacker: CheckingClient, username: str, attempts: int = ATTACKS) -> list[str]:
    """Wrong passwords for someone else's username, from the same address as the owner; what
    each attempt was told (its status, or its error messages)."""
    token = attacker.csrf_token(attacker.get("/sign-in"))
    answers = []
    for _ in range(attempts):
        response = attacker.post(
            "/sign-in",
            data={"csrf_token": token, "username": username, "password": OTHER_PASSWORD},
        )
        answers.append(" ".join(error_messages(response)) or str(response.status_code))
    return answers


def test_a_housemate_failing_on_the_same_wifi_does_not_stop_the_owners_own_browser(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    accounts.sign_out(client)
    housemate = accounts.new_client()
    answers = attack(housemate, account.username)
    assert "429" in answers, "the housemate's address was limited"
    assert any("Wait" in answer for answer in answers), "and their guesses slowed"

    signed_in = accounts.sign_in(client, account)
    assert signed_in.status_code == 302
    assert client.get("/account").status_code == 200


def test_the_housemate_keeps_failing_while_the_owner_signs_in_and_out(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    housemate = accounts.new_client()
    for _ in range(3):
        accounts.sign_out(client)
        attack(housemate, account.username, attempts=8)
        assert accounts.sign_in(client, account).status_code == 302


def test_the_owner_with_a_recovery_code_is_never_slowed_by_sign_in_failures(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    accounts.sign_out(client)
    attack(accounts.new_client(), account.username)
    new_phone = accounts.new_client()  # no device cookie: a phone the owner has never used
    response = new_phone.submit(
        "/recover/code",
        {"username": account.username, "code": account.recovery_codes[0], "password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert new_phone.get("/account").status_code == 200


def test_wrong_recovery_codes_from_the_same_wifi_never_keep_the_owner_out(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    accounts.sign_out(client)
    housemate = accounts.new_client()
    page = housemate.get("/recover/code")
    guesses = [
        housemate.post(
            "/recover/code",
            data={
                "csrf_token": housemate.csrf_token(page),
                "username": account.username,
                "code": f"guess-{number}",
                "password": NEW_PASSWORD,
            },
        ).status_code
        for number in range(int(RECOVERY_LIMIT.split()[0]) + 1)
    ]
    assert guesses[-1] == 429, "the address has used up its tries"
    new_phone = accounts.new_client()  # the same address, a browser never used for the account
    response = new_phone.submit(
        "/recover/code",
        {"username": account.username, "code": account.recovery_codes[1], "password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert new_phone.get("/account").status_code == 200


def test_a_stranger_on_an_unknown_browser_is_slowed(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    stranger = accounts.new_client()
    attack(stranger, account.username, attempts=6)
    right_password = stranger.submit(
        "/sign-in", {"username": account.username, "password": PASSWORD}
    )
    assert right_password.status_code == 200, "even the right password waits on that browser"
    assert "Wait" in " ".join(error_messages(right_password))


def test_a_device_cookie_for_one_account_does_not_help_with_another(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    victim = accounts.register(client, "victim")
    attacker = accounts.new_client()
    accounts.register(attacker, "attacker")  # the attacker's browser is known, for their own
    accounts.sign_out(attacker)
    attack(attacker, victim.username, attempts=6)
    assert "Wait" in " ".join(error_messages(attacker.last_page))


def test_failures_on_the_owners_browser_slow_only_that_browser(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    accounts.sign_out(client)
    other_browser = accounts.new_client()
    accounts.sign_in(other_browser, account)
    accounts.sign_out(other_browser)
    attack(client, account.username, attempts=6)
    assert "Wait" in " ".join(error_messages(client.last_page))
    assert accounts.sign_in(other_browser, account).status_code == 302


def test_the_device_cookie_names_nobody_and_is_kept_by_sign_out_but_not_quick_exit(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    response = client.submit("/register", {"chosen_name": "bluebird", "password": PASSWORD})
    device = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("device="))
    assert "bluebird" not in device
    assert "HttpOnly" in device
    assert "SameSite=Lax" in device
    assert "Max-Age=34560000" in device  # 400 days, the most a browser keeps a cookie

    client.get("/account")
    signed_out = client.post_with_token("/sign-out")
    assert signed_out.headers["Clear-Site-Data"] == '"cache", "storage"'
    left = client.get("/exit")
    assert '"cookies"' in left.headers["Clear-Site-Data"]
