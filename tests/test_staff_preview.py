"""The editor's preview draws each step exactly as its published page does (every bundled guide,
and every payload of the XSS corpus), gives check problems, and scores each step's readability."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask

from portal.extensions import db
from portal.guides.format import parse_guide
from portal.guides.library import GUIDES_FOLDER, guide_by_slug, guide_files, publish_revision
from portal.guides.problems import GuideInvalid
from portal.guides.questionnaires import load_questionnaires
from portal.staff.forms import MAX_GUIDE_CHARACTERS
from portal.staff.readability import readability
from tests.support.client import AccountHelper, CheckingClient
from tests.support.staff_area import staff_signed_in
from tests.test_guides_format import xss_payloads

pytestmark = pytest.mark.usefixtures("bundled_guides")

DEFINITIONS = load_questionnaires(GUIDES_FOLDER / "questionnaires")[0]
PAYLOAD_GUIDE = """---
slug: payloads
title: Payloads
summary: Every payload.
topic: anxiety
minutes: 1
audience: Tests.
version: 1
---

## A step {{#a-step}}

{payload}

::: note
{payload}
:::

::: reflection {{#answer}}
{payload}
:::

## Where to get help {{#get-help}}

Talk to [[samaritans]], or see your GP.
"""


def preview(client: CheckingClient, slug: str, source: str, step: str) -> dict[str, Any]:
    """What static/js/staff.js gets back as staff type."""
    token = client.csrf_token(client.get("/staff"))
    response = client.post(
        f"/staff/guides/{slug}/preview",
        data={"csrf_token": token, "source": source, "preview_step": step},
    )
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def previewed_parts(answer: dict[str, Any]) -> list[str]:
    body = BeautifulSoup(answer["html"], "html.parser").select_one("[data-preview-step]")
    assert body is not None, answer["html"][:500]
    return [str(part) for part in body.children if isinstance(part, Tag)]


def published_parts(client: CheckingClient, url: str) -> list[str]:
    """A step page's content, as a visitor gets it, without the page around it."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("main .narrow")
    assert page is not None
    container = page.find("form", recursive=False) or page
    parts = []
    for part in container.children:
        if not isinstance(part, Tag) or part.name in ("h1", "nav", "form"):
            continue
        classes = set(part.get("class") or [])
        if classes & {"caption", "step-actions", "save-prompt"} or part.find("progress"):
            continue
        if part.name == "input" and part.get("name") == "csrf_token":
            continue
        parts.append(str(part))
    return parts


@pytest.mark.parametrize("path", guide_files(GUIDES_FOLDER), ids=lambda path: path.stem)
def test_each_steps_preview_is_its_published_page(
    app: Flask, client: CheckingClient, accounts: AccountHelper, path: Any
) -> None:
    staff_signed_in(client, app, accounts)
    visitor = accounts.new_client()
    source = path.read_text()
    guide = parse_guide(source, str(path), DEFINITIONS)
    for step in guide.steps:
        answer = preview(client, guide.slug, source, step.id)
        assert answer["shown"] == step.id
        assert answer["problems"] == 0
        assert previewed_parts(answer) == published_parts(
            visitor, f"/guides/{guide.slug}/steps/{step.id}"
        ), step.id


def test_the_preview_is_the_published_page_for_every_xss_payload(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    """Each payload is previewed, then published, then read as a visitor would; or, when the
    checker refuses it, the preview lists the problem and publishing refuses it too."""
    staff_signed_in(client, app, accounts)
    client.submit(
        "/staff/guides/new", {"title": "Payloads", "slug": "payloads", "topic": "anxiety"}
    )
    visitor = accounts.new_client()
    published = refused = 0
    for payload in xss_payloads():
        source = PAYLOAD_GUIDE.format(payload=payload)
        answer = preview(client, "payloads", source, "a-step")
        with app.test_request_context("/"):
            guide = guide_by_slug(db.session, "payloads")
            assert guide is not None
            try:
                publish_revision(db.session, guide, source, author_id=guide.id, change_note="x")
            except GuideInvalid:
                assert answer["problems"], payload
                assert "data-preview-step" not in answer["html"]
                refused += 1
                continue
            db.session.commit()
        shown = previewed_parts(answer)
        assert shown == published_parts(visitor, "/guides/payloads/steps/a-step"), payload
        soup = BeautifulSoup("".join(shown), "html.parser")
        assert soup.find(["script", "iframe", "object", "embed", "style"]) is None, payload
        assert not [n for tag in soup.find_all(True) for n in tag.attrs if n.startswith("on")]
        published += 1
    # Most carry raw HTML or a link off the site, which the checker refuses outright (their
    # sanitising is tested on every payload in test_guides_format.py); the rest are published.
    assert published + refused == len(xss_payloads())
    assert published >= 10


def test_a_broken_text_lists_its_problems_and_still_offers_its_steps(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    source = (GUIDES_FOLDER / "better-sleep.md").read_text() + "\n::: reflection\nNo id\n:::\n"
    answer = preview(client, "better-sleep", source, "how-you-sleep")
    assert answer["problems"] == 1
    problems = BeautifulSoup(answer["html"], "html.parser").select("[data-preview-problems] li")
    assert "better-sleep.md:" in problems[0].get_text()
    assert [choice[0] for choice in answer["choices"][:2]] == ["", "how-you-sleep"]


def test_the_introduction_is_previewed_when_no_step_is_chosen(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    source = (GUIDES_FOLDER / "better-sleep.md").read_text()
    answer = preview(client, "better-sleep", source, "")
    assert answer["shown"] == ""
    assert "Preview: introduction" in answer["html"]


@pytest.mark.parametrize(
    ("text", "easy", "short"),
    [
        ("You can rest. Sleep will come. Try a warm drink.", True, True),
        (
            "Notwithstanding considerable physiological heterogeneity, chronobiological "
            "interventions demonstrate substantial effectiveness in ameliorating insomnia.",
            False,
            True,
        ),
        (" ".join(["We", "can", "go", "out", "and", "see", "the", "sun"] * 4) + ".", True, False),
    ],
)
def test_readability_says_when_a_step_is_hard_to_read(text: str, easy: bool, short: bool) -> None:
    figures = readability(text)
    assert (figures.easy_to_read, figures.short_sentences) == (easy, short)


def test_the_editor_flags_a_step_that_is_hard_to_read(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    source = (GUIDES_FOLDER / "better-sleep.md").read_text()
    jargon = (
        "Notwithstanding considerable physiological heterogeneity, chronobiological "
        "interventions demonstrate substantial effectiveness in ameliorating multidimensional "
        "insomnia symptomatology, characteristically necessitating individualised, "
        "comprehensive, multidisciplinary consideration. "
    )
    # Enough of it to outweigh the step's self-check, whose nine questions read easily.
    hard = source.replace(
        "## Sleep and mood {#sleep-and-mood}",
        "## Sleep and mood {#sleep-and-mood}\n\n" + jargon * 6,
    )

    rows = BeautifulSoup(preview(client, "better-sleep", hard, "")["html"], "html.parser")
    flagged = [
        row.td.get_text(strip=True)
        for row in rows.select("tbody tr")
        if "hard to read" in row.get_text()
    ]
    assert "2. Sleep and mood" in flagged


def test_a_text_too_long_to_save_is_not_previewed_and_says_why(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    source = (GUIDES_FOLDER / "better-sleep.md").read_text()
    too_long = source + "\n" + "x" * (MAX_GUIDE_CHARACTERS - len(source))
    answer = preview(client, "better-sleep", too_long, "how-you-sleep")
    assert answer["problems"] == 1
    problems = BeautifulSoup(answer["html"], "html.parser").select("[data-preview-problems] li")
    assert f"{MAX_GUIDE_CHARACTERS:,} characters or fewer" in problems[0].get_text()
    # One character fewer is previewed as usual.
    assert preview(client, "better-sleep", too_long[:-1], "how-you-sleep")["problems"] == 0
