"""The services the site points people to come from one file, which a charity elsewhere replaces
with its own: the footer, the help page, the urgent help and the guides all follow it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from config import ConfigurationError
from portal.contacts import (
    BUNDLED_CONTACTS_FILE,
    REQUIRED_IDS,
    bundled_contacts,
    expand_mentions,
)
from portal.extensions import db
from portal.guides.format import parse_guide
from portal.guides.library import sync_folder
from portal.guides.problems import GuideInvalid
from portal.guides.questionnaires import load_questionnaire
from tests.conftest import DatabaseUrls, dispose, make_app
from tests.support.client import CheckingClient, page_text

ELSEWHERE = "Northtown Neighbour Help"
ELSEWHERE_NUMBER = "0161 496 0000"


def charity_elsewhere(folder: Path) -> Path:
    """A copy of the bundled file with another area's ASB service in place of Harmony's."""
    text = BUNDLED_CONTACTS_FILE.read_text(encoding="utf-8")
    text = text.replace('name = "Harmony ASB service"', f'name = "{ELSEWHERE}"')
    text = text.replace('number = "0330 1757 258"', f'number = "{ELSEWHERE_NUMBER}"')
    text = text.replace('dial = "+443301757258"', 'dial = "+441614960000"')
    text = text.replace('area = "Staffordshire and Stoke-on-Trent"', 'area = "Northtown"')
    path = folder / "contacts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_file_has_every_service_pages_and_guides_name() -> None:
    contacts = bundled_contacts()
    assert set(REQUIRED_IDS) <= set(contacts.by_id)
    assert [service.id for service in contacts.footer] == ["emergency", "local-asb", "supportline"]


def test_the_local_service_says_where_it_serves(client: CheckingClient) -> None:
    footer = client.get("/").get_data(as_text=True)
    assert "Harmony ASB service (Staffordshire and Stoke-on-Trent)" in footer


def test_the_help_page_lists_national_lines_and_notes_scotland_and_northern_ireland(
    client: CheckingClient,
) -> None:
    text = page_text(client.get("/help"))
    for words in ("Samaritans", "116 123", "Text SHOUT to 85258", "NHS 111", "101", "999"):
        assert words in text
    assert "Scotland or Northern Ireland" in text
    assert "Breathing Space (Scotland)" in text
    assert "Lifeline (Northern Ireland)" in text


@pytest.fixture
def elsewhere_app(database_urls: DatabaseUrls, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_urls, tmp_path, PORTAL_CONTACTS_FILE=str(charity_elsewhere(tmp_path)))
    app.test_client_class = CheckingClient
    yield app
    dispose(app)


def test_a_charity_elsewhere_shows_its_own_service_on_every_page(elsewhere_app: Flask) -> None:
    client: CheckingClient = elsewhere_app.test_client()  # type: ignore[assignment]
    for path in ("/", "/help", "/sign-in", "/privacy"):
        html = client.get(path).get_data(as_text=True)
        assert f"{ELSEWHERE} (Northtown)" in html
        assert 'href="tel:+441614960000"' in html
        assert "Harmony" not in html
        assert "0330 1757 258" not in html


def test_a_charity_elsewhere_shows_its_own_service_in_the_guides(elsewhere_app: Flask) -> None:
    with elsewhere_app.app_context():
        sync_folder(db.session)
    client: CheckingClient = elsewhere_app.test_client()  # type: ignore[assignment]
    text = page_text(client.get("/guides/better-sleep/steps/noise-at-night"))
    assert f"{ELSEWHERE} (Northtown) on {ELSEWHERE_NUMBER}" in text
    assert "Harmony" not in text


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("[contacts.shout]", "[contacts.shouting]"), "need shout"),
        (('dial = "116123"', 'dial = "116 123"'), "dial must be digits"),
        (('footer = ["emergency",', 'footer = ["nobody",'), "footer names ['nobody']"),
        (('name = "Samaritans"', 'name = ""'), "needs name"),
        (('name = "Samaritans"', 'nmae = "Samaritans"'), "unknown ['nmae']"),
        (("[contacts.police]", "[contacts.police"), "not valid TOML"),
    ],
)
def test_a_broken_contacts_file_stops_the_site_starting_and_says_why(
    database_urls: DatabaseUrls, tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    text = BUNDLED_CONTACTS_FILE.read_text(encoding="utf-8")
    assert change[0] in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="PORTAL_CONTACTS_FILE") as refused:
        make_app(database_urls, tmp_path, PORTAL_CONTACTS_FILE=str(path))
    assert problem in str(refused.value)


def test_a_missing_contacts_file_is_named(database_urls: DatabaseUrls, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigurationError, match=r"nowhere\.toml: cannot be read"):
        make_app(database_urls, tmp_path, PORTAL_CONTACTS_FILE=str(missing))


@pytest.mark.parametrize(
    ("mention", "markdown"),
    [
        ("[[samaritans]]", "**Samaritans** on [116 123](tel:116123)"),
        ("[[samaritans.number]]", "[116 123](tel:116123)"),
        ("[[samaritans.name]]", "Samaritans"),
        ("[[samaritans.hours]]", "free, any time, day or night"),
        ("[[shout]]", "**Shout** (text SHOUT to [85258](sms:85258?body=SHOUT))"),
        ("[[nobody]]", "[[nobody]]"),
    ],
)
def test_guides_name_a_service_by_its_id(mention: str, markdown: str) -> None:
    assert expand_mentions(f"Call {mention} now.", bundled_contacts()) == f"Call {markdown} now."


GUIDE = """---
slug: test-guide
title: A test guide
summary: For tests.
topic: anxiety
minutes: 5
audience: Anyone
version: 1
---

## The only step {#only-step}

Text [[shout]] if talking is hard.

Or call [[nobody]] or [[samaritans.fax]].
"""


def test_a_guide_naming_an_unknown_service_is_refused_at_its_line() -> None:
    with pytest.raises(GuideInvalid) as invalid:
        parse_guide(GUIDE, "test-guide.md", {})
    problems = sorted((p.line, p.message[:26]) for p in invalid.value.problems)
    assert problems == [
        (15, "[[samaritans.fax]]: the pa"),
        (15, "no service called 'nobody'"),
    ]


def test_a_guide_mention_becomes_a_link_that_texts_or_calls() -> None:
    source = GUIDE.replace("\nOr call [[nobody]] or [[samaritans.fax]].\n", "")
    guide = parse_guide(source, "test-guide.md", {})
    html = str(guide.steps[0].parts[0].html)
    assert '<a href="sms:85258?body=SHOUT">85258</a>' in html


def test_questionnaire_messages_name_services_by_id(tmp_path: Path) -> None:
    source = Path("guides/questionnaires/phq-9.toml").read_text(encoding="utf-8")
    assert "[[supportline]]" in source
    questionnaire, problems = load_questionnaire(Path("guides/questionnaires/phq-9.toml"))
    assert problems == []
    assert questionnaire is not None
    message = str(questionnaire.bands[-1].message)
    assert '<a href="tel:+448081689111">08 08 16 89 111</a>' in message
    assert "[[" not in message
    broken = tmp_path / "phq-9.toml"
    broken.write_text(source.replace("[[supportline]]", "[[helpline]]", 1), encoding="utf-8")
    _, problems = load_questionnaire(broken)
    assert any("no service called 'helpline'" in p.message for p in problems)


def test_a_charity_file_without_other_nations_services_still_has_a_help_page(
    database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    text = charity_elsewhere(tmp_path).read_text(encoding="utf-8")
    for service in ("nhs-24", "breathing-space", "lifeline"):
        start = text.index(f"[contacts.{service}]")
        end = text.find("\n[", start + 1)
        text = text[:start] + (text[end + 1 :] if end != -1 else "")
    path = tmp_path / "england-only.toml"
    path.write_text(text, encoding="utf-8")
    app = make_app(database_urls, tmp_path, PORTAL_CONTACTS_FILE=str(path))
    app.test_client_class = CheckingClient
    try:
        page = app.test_client().get("/help")
        assert page.status_code == 200
        assert "Breathing Space" not in page_text(page)
        assert "Samaritans" in page_text(page)
    finally:
        dispose(app)
