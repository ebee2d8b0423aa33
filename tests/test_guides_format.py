"""The guide format (portal.guides.format, blocks, questionnaires) and `flask guides check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskCliRunner

from portal.guides.format import HtmlPart, ParsedGuide, parse_guide
from portal.guides.kinds import BLOCK_KINDS, CalloutBlock
from portal.guides.library import GUIDES_FOLDER, guide_files
from portal.guides.problems import GuideInvalid
from portal.guides.questionnaires import load_questionnaires
from portal.security.sanitise import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown

DATA = Path(__file__).parent / "data"
BROKEN_GUIDES = DATA / "broken_guides"
ALL_BLOCK_KINDS = {
    "reflection", "checklist", "scale", "questionnaire", "breathing", "grounding",
    "tip", "note", "danger", "my-plan", "sleep-window",
}  # fmt: skip

DEFINITIONS, DEFINITION_PROBLEMS = load_questionnaires(GUIDES_FOLDER / "questionnaires")


def bundled(name: str) -> ParsedGuide:
    path = GUIDES_FOLDER / f"{name}.md"
    return parse_guide(path.read_text(), str(path), DEFINITIONS)


def test_the_bundled_questionnaires_have_no_problems() -> None:
    assert DEFINITION_PROBLEMS == []
    assert set(DEFINITIONS) == {"gad-7", "phq-9"}


def test_the_bundled_guides_between_them_use_every_kind_of_block() -> None:
    """So every kind is exercised on a real page (and listed here when one is added)."""
    assert set(BLOCK_KINDS) == ALL_BLOCK_KINDS
    kinds = {
        block.kind
        for path in guide_files(GUIDES_FOLDER)
        for step in bundled(path.stem).steps
        for block in step.blocks
    }
    assert kinds == ALL_BLOCK_KINDS


def test_a_guide_is_split_into_steps_with_their_own_ids() -> None:
    guide = bundled("calming-anxious-feelings")
    assert guide.step_ids[0] == "body-alarm-system"
    assert guide.steps[0].title == "Your body's alarm system"
    assert [s.number for s in guide.steps] == list(range(1, len(guide.steps) + 1))
    assert guide.topic == "anxiety"
    assert guide.minutes == 20


def test_a_steps_subheadings_come_one_level_below_its_title_on_the_page() -> None:
    # The step's ## title is the page's h1, so its ### subheadings are h2 and its #### are h3.
    guide = parse_guide(
        "---\nslug: s\ntitle: T\nsummary: S.\ntopic: sleep\nminutes: 5\naudience: A.\n"
        "version: 1\n---\n\n### About this guide\n\n## Step {#step}\n\n### Part\n\n"
        "#### Detail\n\n::: tip\n### In a tip\n:::\n",
        "inline.md",
        DEFINITIONS,
    )
    [text, tip] = guide.steps[0].parts
    assert isinstance(text, HtmlPart)
    assert isinstance(tip, CalloutBlock)
    page = BeautifulSoup(text.html + tip.body, "html.parser")
    assert [(h.name, h.get_text()) for h in page.find_all(["h2", "h3", "h4"])] == [
        ("h2", "Part"),
        ("h3", "Detail"),
        ("h2", "In a tip"),
    ]
    assert "<h2>About this guide</h2>" in guide.intro


@pytest.mark.parametrize(
    ("fixture", "line", "message"),
    [
        ("unknown-block.md", 15, "unknown block 'poem'"),
        ("missing-id.md", 15, "a reflection block needs an id"),
        ("unclosed-block.md", 17, "this block has no closing ::: line"),
        ("nested-block.md", 17, "blocks cannot go inside other blocks"),
        ("checklist-item-without-id.md", 19, "a checklist item needs an id"),
        ("scale-without-labels.md", 15, "a scale needs labels for both ends"),
        ("unknown-questionnaire.md", 15, "no questionnaire called 'gad-99'"),
        ("compare-to-nothing.md", 15, "compare='before' must name a scale earlier"),
        ("duplicate-id.md", 21, "the id 'same' is used twice"),
        ("duplicate-step-id.md", 21, "the id 'first' is used twice in this guide"),
        ("step-without-id.md", 17, "a step needs an id"),
        ("missing-title.md", 1, "the front matter needs title"),
        ("bad-topic.md", 5, "topic must be one of"),
        ("raw-html.md", 17, "HTML is not allowed in guides"),
        ("split-html-tag.md", 18, "HTML is not allowed in guides"),
        ("skipped-heading-level.md", 15, "a #### heading must come under a ### one: use ###"),
        ("bad-breathing-pattern.md", 15, "pattern must be 3 or 4 numbers"),
        ("plan-includes-unknown.md", 15, "include names 'nowhere'"),
        ("bad-attribute.md", 15, "a reflection block has no 'colour' setting"),
        ("block-in-introduction.md", 12, "blocks go inside steps"),
        ("two-results-in-a-step.md", 17, "a step can hold one questionnaire or sleep window"),
    ],
)
def test_a_broken_guide_is_reported_with_file_and_line(
    fixture: str, line: int, message: str
) -> None:
    path = BROKEN_GUIDES / fixture
    with pytest.raises(GuideInvalid) as invalid:
        parse_guide(path.read_text(), str(path), DEFINITIONS)
    reported = [str(problem) for problem in invalid.value.problems]
    assert any(text.startswith(f"{path}:{line}: {message}") for text in reported), reported


def test_guides_check_passes_on_the_bundled_guides(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["guides", "check"])
    assert result.exit_code == 0, result.output
    assert f"{len(guide_files(GUIDES_FOLDER))} guides checked: no problems." in result.output


@pytest.mark.parametrize("fixture", sorted(p.name for p in BROKEN_GUIDES.glob("*.md")))
def test_guides_check_fails_on_each_broken_fixture(runner: FlaskCliRunner, fixture: str) -> None:
    path = BROKEN_GUIDES / fixture
    result = runner.invoke(args=["guides", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:" in result.output


@pytest.mark.parametrize(
    ("fixture", "line", "message"),
    [
        ("gap-in-bands.toml", 16, "no band covers the score(s) [2]"),
        ("urgent-out-of-range.toml", 6, "urgent item 5 is not an item number from 1 to 2"),
        ("urgent-without-message.toml", 6, "urgent items need an urgent_message"),
        ("not-toml.toml", 2, "not valid TOML"),
    ],
)
def test_a_broken_questionnaire_is_reported_with_file_and_line(
    fixture: str, line: int, message: str
) -> None:
    _, problems = load_questionnaires(DATA / "broken_questionnaires")
    path = DATA / "broken_questionnaires" / fixture
    reported = [str(p) for p in problems]
    assert any(text.startswith(f"{path}:{line}: {message}") for text in reported), reported


# Scoring, worked by hand from the published scoring rules ---------------------------------------

NOT_AT_ALL, SEVERAL_DAYS, MORE_THAN_HALF, NEARLY_EVERY_DAY = 0, 1, 2, 3  # option indexes


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([NOT_AT_ALL] * 7, 0, "Minimal anxiety"),
        # 4 x "several days" (1) = 4: the top of minimal.
        ([SEVERAL_DAYS] * 4 + [NOT_AT_ALL] * 3, 4, "Minimal anxiety"),
        # 7 x 1 = 7: mild (5-9).
        ([SEVERAL_DAYS] * 7, 7, "Mild anxiety"),
        # 5 x 2 = 10: the bottom of moderate (10-14).
        ([MORE_THAN_HALF] * 5 + [NOT_AT_ALL] * 2, 10, "Moderate anxiety"),
        # 3+3+3+3+3+0+0 = 15: severe (15-21).
        ([NEARLY_EVERY_DAY] * 5 + [NOT_AT_ALL] * 2, 15, "Severe anxiety"),
        ([NEARLY_EVERY_DAY] * 7, 21, "Severe anxiety"),
    ],
)
def test_gad7_scores_match_hand_worked_examples(answers: list[int], total: int, band: str) -> None:
    result = DEFINITIONS["gad-7"].result(answers)
    assert result is not None
    assert result.total == total
    assert result.maximum == 21
    assert result.band.label == band


@pytest.mark.parametrize(
    ("answers", "total", "band", "urgent"),
    [
        ([NOT_AT_ALL] * 9, 0, "Minimal low mood", False),
        # Item 9 "several days" alone: total 1, still minimal, but urgent support at once.
        ([NOT_AT_ALL] * 8 + [SEVERAL_DAYS], 1, "Minimal low mood", True),
        # 2+2+2+2+2+2+2+0+0 = 14: moderate (10-14), item 9 "not at all".
        ([MORE_THAN_HALF] * 7 + [NOT_AT_ALL] * 2, 14, "Moderate low mood", False),
        # 8 x 2 + 3 = 19: moderately severe (15-19), urgent.
        ([MORE_THAN_HALF] * 8 + [NEARLY_EVERY_DAY], 19, "Moderately severe low mood", True),
        ([NEARLY_EVERY_DAY] * 9, 27, "Severe low mood", True),
    ],
)
def test_phq9_scores_and_the_item_9_rule(
    answers: list[int], total: int, band: str, urgent: bool
) -> None:
    result = DEFINITIONS["phq-9"].result(answers)
    assert result is not None
    assert (result.total, result.band.label, result.urgent) == (total, band, urgent)


def test_item_9_is_urgent_before_the_rest_is_answered() -> None:
    partial = [None] * 8 + [SEVERAL_DAYS]
    assert DEFINITIONS["phq-9"].result(partial) is None
    assert DEFINITIONS["phq-9"].is_urgent(partial)


def test_an_urgent_result_replaces_the_band_and_its_reassurance_whatever_the_total() -> None:
    result = DEFINITIONS["phq-9"].result([NOT_AT_ALL] * 8 + [SEVERAL_DAYS])
    assert result is not None
    assert str(result.message) == (
        "You told us you have had thoughts of being better off dead or of hurting yourself. "
        "Whatever your score, please talk to someone today."
    )
    assert result.score_in_words == "Score 1 out of 27"
    calm = DEFINITIONS["phq-9"].result([NOT_AT_ALL] * 9)
    assert calm is not None
    assert "not been bothering you much" in calm.message
    assert calm.score_in_words == "Score 0 out of 27: Minimal low mood"


@pytest.mark.parametrize(
    ("item_9", "urgent"),
    [
        (None, False),
        (NOT_AT_ALL, False),
        (SEVERAL_DAYS, True),
        (NEARLY_EVERY_DAY, True),
        (9, False),
    ],
)
def test_only_an_answer_scoring_above_the_lowest_on_item_9_is_urgent(
    item_9: int | None, urgent: bool
) -> None:
    phq9 = DEFINITIONS["phq-9"]
    assert phq9.urgent_options == {SEVERAL_DAYS, MORE_THAN_HALF, NEARLY_EVERY_DAY}
    assert phq9.is_urgent([NEARLY_EVERY_DAY] * 8 + [item_9]) is urgent


# Sanitising, against a corpus of XSS payloads ----------------------------------------------------


def xss_payloads() -> list[str]:
    lines = (DATA / "xss_payloads.txt").read_text().split("\n")
    return [
        line.replace("\\n", "\n") for line in lines if line.strip() and not line.startswith("#")
    ]


FORBIDDEN_SCHEMES = ("javascript:", "data:", "vbscript:", "livescript:")


def assert_safe(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name in ALLOWED_TAGS, f"<{tag.name}> survived: {html}"
        allowed = set(ALLOWED_ATTRIBUTES.get(tag.name, [])) | (
            {"rel"} if tag.name == "a" else set()
        )
        assert set(tag.attrs) <= allowed, (
            f"attributes {set(tag.attrs) - allowed} on <{tag.name}>: {html}"
        )
        for name in ("href", "src"):
            value = "".join(str(tag.get(name, "")).split()).lower()
            assert not value.startswith(FORBIDDEN_SCHEMES), f"{name}={tag.get(name)!r}: {html}"


def test_the_corpus_holds_at_least_fifty_payloads() -> None:
    assert len(set(xss_payloads())) >= 50


@pytest.mark.parametrize("payload", xss_payloads())
def test_render_markdown_strips_every_payload(payload: str) -> None:
    assert_safe(render_markdown(payload))


def test_guide_markdown_strips_every_payload_too() -> None:
    """The same payloads inside a step and inside blocks (which go through the same function)."""
    for payload in xss_payloads():
        source = (
            "---\nslug: x\ntitle: X\nsummary: X\ntopic: anxiety\nminutes: 1\naudience: X\n"
            "version: 1\n---\n"
            f"## Step {{#step}}\n\n{payload}\n\n::: note\n{payload}\n:::\n"
        )
        try:
            guide = parse_guide(source, "payload.md", DEFINITIONS)
        except GuideInvalid:
            continue  # refused outright (raw HTML): nothing to render
        for part in guide.steps[0].parts:
            assert_safe(str(getattr(part, "html", None) or getattr(part, "body", "")))


@pytest.mark.parametrize(
    ("markdown", "kept"),
    [
        ("**bold** and _emphasis_", "<strong>bold</strong>"),
        (
            "[Victim Support](https://www.victimsupport.org.uk)",
            'rel="noopener noreferrer nofollow"',
        ),
        ("Call [Supportline](tel:+448081689111)", 'href="tel:+448081689111"'),
        ("| a | b |\n| --- | --- |\n| 1 | 2 |", "<table>"),
    ],
)
def test_ordinary_markdown_survives_sanitising(markdown: str, kept: str) -> None:
    assert kept in render_markdown(markdown)


def test_the_app_refuses_to_start_with_a_broken_questionnaire(app: Flask) -> None:
    # create_app() loads the definitions; the bundled ones are fine, so the app is here at all.
    assert set(app.extensions["portal.questionnaires"]) == {"gad-7", "phq-9"}
