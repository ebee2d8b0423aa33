"""The current password asked for on account pages is slowed down like sign-in, so someone
holding a signed-in phone cannot guess it quickly."""

from __future__ import annotations

import pytest

from portal.auth.slowdowns import FREE_ATTEMPTS
from tests.support.client import (
    OTHER_PASSWORD,
    PASSWORD,
    AccountHelper,
    CheckingClient,
    error_messages,
)

PAGES = {
    "/account/password": {"new_password": "lighthouse marmalade bicycle"},
    "/account/email": {"email": "me@example.org"},
    "/account/recovery-codes": {},
    "/account/delete": {},
}


@pytest.mark.parametrize("path", PAGES)
def test_wrong_current_passwords_are_slowed_after_a_few(
    client: CheckingClient, accounts: AccountHelper, path: str
) -> None:
    accounts.register(client)
    for _ in range(FREE_ATTEMPTS):
        wrong = client.submit(path, {**PAGES[path], "current_password": OTHER_PASSWORD})
        assert "not your current password" in " ".join(error_messages(wrong))
    client.submit(path, {**PAGES[path], "current_password": OTHER_PASSWORD})
    slowed = client.submit(path, {**PAGES[path], "current_password": PASSWORD})
    assert slowed.status_code == 200
    assert "wait 30 seconds" in " ".join(error_messages(slowed))
    assert client.get("/account").status_code == 200, "nothing was done, not even a deletion"


def test_a_right_password_clears_the_count(client: CheckingClient, accounts: AccountHelper) -> None:
    accounts.register(client)
    for _ in range(FREE_ATTEMPTS):
        client.submit("/account/recovery-codes", {"current_password": OTHER_PASSWORD})
    assert (
        client.submit("/account/recovery-codes", {"current_password": PASSWORD}).status_code == 302
    )
    for _ in range(FREE_ATTEMPTS):
        wrong = client.submit("/account/recovery-codes", {"current_password": OTHER_PASSWORD})
        assert "not your current password" in " ".join(error_messages(wrong))
