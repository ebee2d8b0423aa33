"""The bundled guide library against its quality bars: plain English (Flesch Reading Ease and
sentence length, measured), 4 to 8 steps with at least two exercises, sources, every link
resolving; and the library page's "what is troubling you most?" question. The rules every guide
must keep to be published (help at the end, no number or service typed by hand, no link off the
site) are portal/guides/safety_rules.py's, tested in test_guides_safety_rules.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from portal.guides import start_here
from portal.guides.format import TOPICS, ParsedGuide, parse_guide
from portal.guides.kinds import CalloutBlock, MyPlanBlock
from portal.guides.library import GUIDES_FOLDER, guide_files
from portal.guides.questionnaires import load_questionnaires
from portal.guides.safety_rules import step_html
from tests.support.client import AccountHelper, CheckingClient, error_messages, page_text
from tests.support.readability import (
    READING_EASE_AT_LEAST,
    WORDS_PER_SENTENCE_AT_MOST,
    readability,
)

DEFINITIONS, _ = load_questionnaires(GUIDES_FOLDER / "questionnaires")
GUIDE_FILES = guide_files(GUIDES_FOLDER)
SLUGS = [path.stem for path in GUIDE_FILES]


def parsed(path: Path) -> ParsedGuide:
    return parse_guide(path.read_text(encoding="utf-8"), str(path), DEFINITIONS)


def exercises(guide: ParsedGuide) -> list[str]:
    """The blocks a person does something in: not callouts, not the plan."""
    return [
        block.kind
        for step in guide.steps
        for block in step.blocks
        if not isinstance(block, CalloutBlock | MyPlanBlock)
    ]


def test_there_are_at_least_12_guides_covering_every_topic() -> None:
    guides = [parsed(path) for path in GUIDE_FILES]
    assert len(guides) >= 12
    assert {guide.topic for guide in guides} == set(TOPICS)
    assert sum(guide.topic == "asb-evidence" for guide in guides) >= 3


@pytest.mark.parametrize("path", GUIDE_FILES, ids=SLUGS)
def test_each_guide_reads_easily(path: Path) -> None:
    measured = readability(parsed(path))
    assert measured.reading_ease >= READING_EASE_AT_LEAST, measured
    assert measured.words_per_sentence <= WORDS_PER_SENTENCE_AT_MOST, measured


@pytest.mark.parametrize("path", GUIDE_FILES, ids=SLUGS)
def test_each_guide_has_4_to_8_steps_with_at_least_two_exercises(path: Path) -> None:
    guide = parsed(path)
    assert 4 <= len(guide.steps) <= 8
    assert len(exercises(guide)) >= 2, exercises(guide)


@pytest.mark.parametrize("path", GUIDE_FILES, ids=SLUGS)
def test_each_guide_names_its_sources(path: Path) -> None:
    sources = parsed(path).sources
    assert len(sources) >= 2
    assert all(len(source.split()) >= 2 for source in sources)


@pytest.mark.usefixtures("bundled_guides")
def test_every_link_in_every_guide_opens_for_a_signed_in_person(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    links: dict[str, set[str]] = {}
    for path in GUIDE_FILES:
        guide = parsed(path)
        html = str(guide.intro) + "".join(step_html(step) for step in guide.steps)
        for a in BeautifulSoup(html, "html.parser").find_all("a", href=True):
            if a["href"].startswith("/"):
                links.setdefault(a["href"].split("#")[0], set()).add(guide.slug)
    assert links, "the guides link to the diary, the incident log and each other"
    broken = {
        href: sorted(slugs) for href, slugs in links.items() if client.get(href).status_code != 200
    }
    assert broken == {}
    assert {"/diary/sleep", "/incidents", "/incidents/case-review"} <= set(links)


# The library page ------------------------------------------------------------------------------


def test_every_suggestion_names_a_bundled_guide_and_every_guide_is_suggested() -> None:
    suggested = {slug for trouble in start_here.TROUBLES for slug in trouble.slugs}
    assert suggested <= set(SLUGS)
    assert suggested == set(SLUGS)


@pytest.mark.usefixtures("bundled_guides")
def test_the_library_groups_every_guide_under_its_topic(client: CheckingClient) -> None:
    soup = BeautifulSoup(client.get("/guides").get_data(as_text=True), "html.parser")
    groups = {
        heading.get_text(strip=True): [
            a.get_text(strip=True) for a in heading.find_next_sibling("ul").select("h3 a")
        ]
        for heading in soup.select("main h2")
        if heading.get_text(strip=True) in TOPICS.values()
    }
    assert list(groups) == list(TOPICS.values())
    for path in GUIDE_FILES:
        guide = parsed(path)
        assert guide.title in groups[TOPICS[guide.topic]]


@pytest.mark.usefixtures("bundled_guides")
def test_what_is_troubling_you_suggests_where_to_start_without_javascript(
    client: CheckingClient,
) -> None:
    page = client.get("/guides?troubling=sleep")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    result = soup.select_one("#suggestions")
    assert result is not None
    assert [a["href"] for a in result.select("h3 a")] == [
        "/guides/better-sleep",
        "/guides/sleep-window",
    ]
    assert soup.select_one("input[name=troubling][value=sleep]").has_attr("checked")
    # The form's own address brings the answer back to the suggestions.
    assert soup.select_one("form.start-here")["action"] == "/guides#suggestions"


@pytest.mark.usefixtures("bundled_guides")
@pytest.mark.parametrize("answer", ["", "a-made-up-worry"])
def test_no_answer_or_a_made_up_one_gets_a_clear_message(
    client: CheckingClient, answer: str
) -> None:
    page = client.get(f"/guides?troubling={answer}")
    assert page.status_code == 200
    assert error_messages(page) in (
        ["Choose what is troubling you most"],
        ["Choose one of the answers in the list"],
    )
    assert "Where to start" not in page_text(page)
