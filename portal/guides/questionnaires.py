"""Scored self-checks (GAD-7, PHQ-9...): definitions in guides/questionnaires/*.toml, and scoring.

An answer is a list with one entry per item: the index of the option chosen, or None.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from portal.contacts import Contacts, bundled_contacts, expand_mentions, mention_problems
from portal.guides.problems import GuideProblem
from portal.security.sanitise import render_inline_markdown

REQUIRED_KEYS = ("id", "title", "source", "question", "items", "options", "bands")


@dataclass(frozen=True)
class Option:
    label: str
    score: int


@dataclass(frozen=True)
class Band:
    minimum: int
    maximum: int
    label: str
    # Inline Markdown in the file, services named as [[id]] (portal.contacts), rendered once.
    message: Markup


@dataclass(frozen=True)
class QuestionnaireResult:
    total: int
    maximum: int
    band: Band
    # Set when an urgent item (PHQ-9 item 9) is answered above the lowest option: it takes the
    # place of the band and its message, whatever the total ("minimal" would reassure wrongly).
    urgent_message: str | None = None

    @property
    def urgent(self) -> bool:
        return self.urgent_message is not None

    @property
    def message(self) -> Markup:
        """What the result says: the urgent message if there is one, else the band's."""
        return Markup.escape(self.urgent_message) if self.urgent_message else self.band.message

    @property
    def score_in_words(self) -> str:
        """ "Score 7 out of 27: Mild low mood", without the band when the result is urgent."""
        score = f"Score {self.total} out of {self.maximum}"
        return score if self.urgent else f"{score}: {self.band.label}"


@dataclass(frozen=True)
class Questionnaire:
    id: str
    title: str
    source: str
    question: str
    items: tuple[str, ...]
    options: tuple[Option, ...]
    bands: tuple[Band, ...]
    urgent_items: frozenset[int]  # 1-based item numbers
    # Replaces the band's message when an urgent item is answered (required if there are any).
    urgent_message: str | None = None

    @property
    def maximum(self) -> int:
        return len(self.items) * max(option.score for option in self.options)

    @property
    def urgent_options(self) -> frozenset[int]:
        """The options (by index) that make an urgent item urgent: any scoring above the lowest.
        The one rule: the server, the page's script and every summary of the result follow it."""
        lowest = min(option.score for option in self.options)
        return frozenset(i for i, option in enumerate(self.options) if option.score > lowest)

    def is_urgent(self, answer: Sequence[int | None]) -> bool:
        """True if any urgent item has an urgent answer, answered or not the rest: this is shown
        at once, whatever the total."""
        return any(
            number - 1 < len(answer) and answer[number - 1] in self.urgent_options
            for number in self.urgent_items
        )

    def result(self, answer: Sequence[int | None]) -> QuestionnaireResult | None:
        """Score and band of a complete answer; None until every item is answered."""
        if len(answer) != len(self.items) or any(chosen is None for chosen in answer):
            return None
        total = sum(self.options[chosen].score for chosen in answer if chosen is not None)
        band = next(b for b in self.bands if b.minimum <= total <= b.maximum)
        urgent_message = self.urgent_message if self.is_urgent(answer) else None
        return QuestionnaireResult(total, self.maximum, band, urgent_message)


def _line_of(text: str, needle: str, occurrence: int = 0) -> int:
    """The line of the nth `needle` in the file, to point an author at the right place."""
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return lines[occurrence] if occurrence < len(lines) else 1


@dataclass
class _Problems:
    """Problems in one definition file, each at the line of the key it is about."""

    path: str
    text: str
    found: list[GuideProblem] = field(default_factory=list)

    def add(self, needle: str, message: str, occurrence: int = 0) -> None:
        self.found.append(GuideProblem(self.path, _line_of(self.text, needle, occurrence), message))


def _problems_in(
    definition: dict[str, Any], path: str, text: str, contacts: Contacts
) -> list[GuideProblem]:
    problems = _Problems(path, text)
    missing = [key for key in REQUIRED_KEYS if key not in definition]
    if missing:
        problems.add("id", f"missing {', '.join(missing)} (see guides/README.md)")
        return problems.found
    if definition["id"] != Path(path).stem:
        problems.add("id", f"id {definition['id']!r} must match the file name {Path(path).stem!r}")
    items, options = definition["items"], definition["options"]
    if not items or not all(isinstance(item, str) and item.strip() for item in items):
        problems.add("items", "items must be a list of questions")
    scores = [option.get("score") for option in options]
    if len(options) < 2 or not all(isinstance(s, int) and s >= 0 for s in scores):
        problems.add(
            "[[options]]", "at least two options, each with a label and a whole-number score"
        )
        return problems.found
    if scores != sorted(scores):
        problems.add("[[options]]", "options must go from the lowest score to the highest")
    _check_bands(definition["bands"], len(items) * max(scores), contacts, problems)
    _check_urgent_items(definition, len(items), problems)
    return problems.found


def _check_bands(
    bands: list[dict[str, Any]], maximum: int, contacts: Contacts, problems: _Problems
) -> None:
    """Every band well formed, and every total from 0 to `maximum` in exactly one band."""
    covered: list[int] = []
    for index, band in enumerate(bands):
        low, high = band.get("min"), band.get("max")
        if not (isinstance(low, int) and isinstance(high, int) and low <= high):
            problems.add("[[bands]]", "each band needs whole numbers min <= max", index)
            continue
        if not band.get("label") or not band.get("message"):
            problems.add("[[bands]]", "each band needs a label and a message", index)
        for unknown in mention_problems(str(band.get("message", "")), contacts):
            problems.add("[[bands]]", unknown.message, index)
        covered.extend(range(low, high + 1))
    gaps = sorted(set(range(maximum + 1)) - set(covered))
    overlaps = sorted({score for score in covered if covered.count(score) > 1})
    if gaps:
        problems.add(
            "[[bands]]", f"no band covers the score(s) {gaps} (totals go from 0 to {maximum})"
        )
    if overlaps:
        problems.add("[[bands]]", f"more than one band covers {overlaps}")
    if any(score > maximum for score in covered):
        problems.add("[[bands]]", f"bands go above the highest possible total, {maximum}")


def _check_urgent_items(definition: dict[str, Any], item_count: int, problems: _Problems) -> None:
    for number in definition.get("urgent_items", []):
        if not isinstance(number, int) or not 1 <= number <= item_count:
            problems.add(
                "urgent_items",
                f"urgent item {number!r} is not an item number from 1 to {item_count}",
            )
    if definition.get("urgent_items") and not str(definition.get("urgent_message", "")).strip():
        problems.add(
            "urgent_items",
            "urgent items need an urgent_message, shown in place of the band's message",
        )


def load_questionnaire(
    path: Path, contacts: Contacts | None = None
) -> tuple[Questionnaire | None, list[GuideProblem]]:
    """A definition from its TOML file, or the problems that stop it being used. Services named
    in messages come from `contacts` (the bundled ones unless given)."""
    contacts = contacts or bundled_contacts()
    text = path.read_text(encoding="utf-8")
    try:
        definition = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        return None, [
            GuideProblem(str(path), int(match.group(1)) if match else 1, f"not valid TOML: {error}")
        ]
    problems = _problems_in(definition, str(path), text, contacts)
    if problems:
        return None, problems
    return (
        Questionnaire(
            id=definition["id"],
            title=definition["title"],
            source=definition["source"],
            question=definition["question"],
            items=tuple(definition["items"]),
            options=tuple(Option(o["label"], o["score"]) for o in definition["options"]),
            bands=tuple(
                Band(
                    b["min"],
                    b["max"],
                    b["label"],
                    render_inline_markdown(expand_mentions(b["message"], contacts)),
                )
                for b in definition["bands"]
            ),
            urgent_items=frozenset(definition.get("urgent_items", [])),
            urgent_message=definition.get("urgent_message"),
        ),
        [],
    )


def load_questionnaires(
    folder: Path, contacts: Contacts | None = None
) -> tuple[dict[str, Questionnaire], list[GuideProblem]]:
    """Every definition in a folder, with any problems found."""
    found: dict[str, Questionnaire] = {}
    problems: list[GuideProblem] = []
    for path in sorted(folder.glob("*.toml")):
        questionnaire, file_problems = load_questionnaire(path, contacts)
        problems.extend(file_problems)
        if questionnaire is not None:
            found[questionnaire.id] = questionnaire
    return found, problems


Questionnaires = Mapping[str, Questionnaire]
