"""What people type as a username is made plain rather than refused, at registration and at
sign-in alike."""

from __future__ import annotations

import re

import pytest

from portal.auth.usernames import canonical_username, chosen_name_problem
from tests.support.client import PASSWORD, AccountHelper, CheckingClient


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("Bluebird", "bluebird"),
        ("Blue Bird", "blue-bird"),
        ("  blue   bird  ", "blue-bird"),
        ("José", "jose"),
        ("Zoë Brontë", "zoe-bronte"),
        ("o'brien", "obrien"),
        ("anne--marie", "anne--marie"),  # as names made under the earlier rule may be
        ("_quiet.fox_", "quiet.fox"),
        ("ＷＩＤＥ", "wide"),
        ("bluebird-4821", "bluebird-4821"),
    ],
)
def test_usernames_are_made_plain(typed: str, plain: str) -> None:
    assert canonical_username(typed) == plain
    assert chosen_name_problem(typed) is None


@pytest.mark.parametrize("typed", ["ab", "!!", "🙂🙂🙂", "—", "a."])
def test_a_name_with_too_little_left_is_refused_kindly(typed: str) -> None:
    assert "at least 3 letters or numbers" in (chosen_name_problem(typed) or "")


def test_a_name_with_spaces_and_capitals_registers_and_signs_in_however_typed(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client, "Blue Bird")
    assert re.fullmatch(r"blue-bird-\d{4}", account.username)
    accounts.sign_out(client)
    typed = account.username.replace("blue-bird", "Blue Bird")
    response = client.submit("/sign-in", {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
