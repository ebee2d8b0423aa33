"""The rules every guide must keep before it is published (portal.guides.safety_rules): each
broken on purpose in a copy of a bundled guide is reported at its line, by the same checker
`flask guides check` and the staff editor use, and publishing from the staff area refuses it."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from portal.contacts import bundled_contacts
from portal.guides.library import GUIDES_FOLDER, check_source, guide_files, load_questionnaires
from tests.support.client import AccountHelper, CheckingClient, page_text
from tests.support.guides import next_version
from tests.support.staff_area import save_draft, staff_signed_in

DEFINITIONS, _ = load_questionnaires(GUIDES_FOLDER / "questionnaires")
SLEEP = "better-sleep"
SLEEP_SOURCE = (GUIDES_FOLDER / f"{SLEEP}.md").read_text(encoding="utf-8")
# A line of the first step, found by its words, so the expected line number is worked out.
ANCHOR = "## How you are sleeping {#how-you-sleep}"


def line_of(source: str, text: str) -> int:
    return source.split("\n").index(text) + 1


def problems_of(source: str) -> list[str]:
    guide, problems = check_source(source, f"{SLEEP}.md", DEFINITIONS)
    assert guide is None or not problems
    return [str(problem) for problem in problems]


def with_line_after_anchor(line: str) -> tuple[str, int]:
    source = SLEEP_SOURCE.replace(ANCHOR, f"{ANCHOR}\n\n{line}", 1)
    return source, line_of(source, line)


@pytest.mark.parametrize("path", guide_files(GUIDES_FOLDER), ids=lambda path: path.stem)
def test_every_bundled_guide_keeps_the_rules(path: object) -> None:
    source = path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert check_source(source, str(path), DEFINITIONS)[1] == []


@pytest.mark.parametrize(
    ("added", "says", "at"),
    [
        ("Ring 0808 168 9111 any time.", "the number '0808 168 9111' is typed by hand", "Ring"),
        ("Call 116 123 for free.", "the number '116 123' is typed by hand", "Call"),
        ("Or text 85258.", "the number '85258' is typed by hand", "Or text"),
        ("The Samaritans are there.", "“Samaritans” is typed by hand", "The Samaritans"),
        ("Read [advice](https://example.org/asb).", "leaves this site", "Read"),
        ("Read [advice][a].\n\n[a]: http://example.org", "leaves this site", "[a]:"),
        ("Read <https://example.org/asb>.", "leaves this site", "Read"),
    ],
)
def test_a_typed_number_or_name_or_a_link_off_the_site_is_refused_at_its_line(
    added: str, says: str, at: str
) -> None:
    source = SLEEP_SOURCE.replace(ANCHOR, f"{ANCHOR}\n\n{added}", 1)
    line = next(n for n, text in enumerate(source.split("\n"), 1) if text.startswith(at))
    problems = problems_of(source)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{SLEEP}.md:{line}: ")
    assert says in problems[0]


def test_the_services_as_mentions_and_links_on_this_site_are_allowed() -> None:
    source, _ = with_line_after_anchor(
        "Talk to [[samaritans]] ([[samaritans.hours]]), or see [your diary](/diary/sleep)."
    )
    assert problems_of(source) == []
    assert "Samaritans" in bundled_contacts()["samaritans"].name


def test_a_guide_must_end_with_where_to_get_help_and_who_to_see() -> None:
    last = SLEEP_SOURCE.index("\n## Where to get help")
    without_help = SLEEP_SOURCE[:last] + "\n"
    problems = problems_of(without_help)
    assert len(problems) == 1
    assert "the last step must say where to get help" in problems[0]
    unnamed = SLEEP_SOURCE[:last] + "\n## Where to get help {#get-help}\n\nCall [[samaritans]].\n"
    problems = problems_of(unnamed)
    assert problems == [
        f"{SLEEP}.md:{line_of(unnamed, '## Where to get help {#get-help}')}: the last step must "
        "say when to see someone: a GP, the police, Victim Support or an ASB team"
    ]


@pytest.mark.usefixtures("bundled_guides")
def test_staff_cannot_publish_a_guide_that_types_a_number(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    source, number = with_line_after_anchor("Ring 0808 168 9111 any time.")
    save_draft(client, SLEEP, next_version(source))
    page = client.get(f"/staff/guides/{SLEEP}/publish")
    assert f"{SLEEP}.md:{number} the number '0808 168 9111' is typed by hand" in page_text(page)
    assert 'name="change_note"' not in page.get_data(as_text=True)


def test_a_self_check_about_self_harm_must_come_after_a_warning_in_its_step() -> None:
    warning = SLEEP_SOURCE.index("::: note\nThe last question asks about thoughts")
    end = SLEEP_SOURCE.index(":::\n", warning + 4) + 4
    unwarned = SLEEP_SOURCE[:warning] + SLEEP_SOURCE[end:]
    problems = problems_of(unwarned)
    line = line_of(unwarned, '::: questionnaire {#mood-check use="phq-9"}')
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{SLEEP}.md:{line}: the self-check 'phq-9' asks about self-harm")
    # A self-check without such a question (the GAD-7) needs no warning.
    anxiety = (GUIDES_FOLDER / "calming-anxious-feelings.md").read_text(encoding="utf-8")
    without_notes = re.sub(r"::: note\n.*?\n:::\n", "", anxiety, flags=re.DOTALL)
    assert "::: note" in anxiety
    assert "::: note" not in without_notes
    assert check_source(without_notes, "calming-anxious-feelings.md", DEFINITIONS)[1] == []
