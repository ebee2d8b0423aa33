"""Sharing records as a person would: choose, check the preview, confirm, and read the link and
code off the page; then open the link as the recipient."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bs4 import BeautifulSoup

from tests.support.client import CheckingClient, error_messages
from tests.support.diary import date_fields

SHARE_LINK = re.compile(r"https?://[^/]+(/shared/[A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class MadeShare:
    path: str  # /shared/<token>
    code: str  # as shown, grouped: "ABCD EFGH"
    link: str = ""  # the whole link, as shown

    @property
    def token(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def share_form(first: date, last: date, **changes: Any) -> dict[str, Any]:
    """The share form: every kind of incident in the dates, with files, for 7 days."""
    form: dict[str, Any] = {
        **date_fields("first_day", first),
        **date_fields("last_day", last),
        "include_files": "yes",
        "label": "PC Smith, ASB team",
        "shared_by": "",
        "days": "7",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def link_and_code(page: Any) -> MadeShare:
    """The link and code as the page shows them, once."""
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    link = soup.select_one(".share-link code").get_text()
    match = SHARE_LINK.fullmatch(link)
    assert match, link
    return MadeShare(match.group(1), soup.select_one(".share-code code").get_text(), link)


def make_share(client: CheckingClient, first: date, last: date, **changes: Any) -> MadeShare:
    """Choose what to share, look at the preview, share it; returns the link and code shown."""
    chosen = client.submit("/shares/new", share_form(first, last, **changes))
    assert chosen.status_code == 302, error_messages(client.last_page) if client.last_page else ""
    preview = client.get("/shares/new/check")
    assert preview.status_code == 200
    confirmed = client.post_with_token("/shares/new/check")
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)[:3000]
    return link_and_code(client.get(confirmed.headers["Location"]))


def give_code(client: CheckingClient, share: MadeShare, code: str | None = None) -> Any:
    """Open the link and enter the code (the right one unless given)."""
    return client.submit(share.path, {"code": code if code is not None else share.code})


def share_ids(client: CheckingClient) -> list[str]:
    """The ids of the shares on the person's list, newest first."""
    html = client.get("/shares").get_data(as_text=True)
    return list(dict.fromkeys(re.findall(r"/shares/([0-9a-f-]{36})/revoke", html)))
