"""Exercise kinds, each in one place (portal/guides/kinds): every registered kind has every part
(reading, the macro that draws it, and for an exercise its fields, its answer and its words),
and every answer keeps exactly the shape stored under earlier versions, so saved answers open."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, Self

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from portal.dates import today_in_london
from portal.extensions import db
from portal.guides.blocks import (
    Answer,
    AnswersInGuide,
    Block,
    Body,
    Exercise,
    Header,
    PlanEntry,
)
from portal.guides.format import HtmlPart, ParsedGuide, parse_guide
from portal.guides.forms import answers_from, form_for
from portal.guides.kinds import (
    BLOCK_KINDS,
    KINDS,
    ChosenAnswer,
    ScaleAnswer,
    TextAnswer,
    TickedAnswer,
    answer_alone,
)
from portal.guides.library import GUIDES_FOLDER, save_version
from portal.guides.questionnaires import load_questionnaires
from portal.guides.sleep_window import SleepWindow
from portal.models.guides import AnswerValue
from tests.support.client import AccountHelper, CheckingClient, page_text

DEFINITIONS, _ = load_questionnaires(GUIDES_FOLDER / "questionnaires")
FRONT_MATTER = (
    "---\nslug: every-kind\ntitle: Every kind\nsummary: One step for each kind of block.\n"
    "topic: anxiety\nminutes: 5\naudience: Tests.\nversion: 1\n---\n\nBefore the steps.\n"
)
TODAY = "today"  # in a payload below: the day the test runs (a sleep window is set "today")


@dataclass(frozen=True)
class Sample:
    """One block of a kind as a guide has it (SAMPLE stands for its id), and for an exercise,
    what a person sends in its fields and what is stored from that."""

    markdown: str
    sent: dict[str, str | list[str]] = field(default_factory=dict)
    stored: AnswerValue | None = None

    def in_guide(self, block_id: str) -> str:
        return self.markdown.replace("SAMPLE", block_id)

    def sent_for(self, block_id: str) -> MultiDict[str, str]:
        return MultiDict(
            [
                (name.replace("SAMPLE", block_id), value)
                for name, sent in self.sent.items()
                for value in ([sent] if isinstance(sent, str) else sent)
            ]
        )

    def stored_on(self, day: date) -> AnswerValue:
        assert self.stored is not None
        return {
            name: day.isoformat() if value == TODAY else value
            for name, value in self.stored.items()
        }


GAD7_CHOSEN = [1, 0, 2, 3, 0, 1, 2]
# One for every name a guide can give a block: a kind added to the registry fails
# test_every_kind_a_guide_can_name_has_a_sample_here until it has one, and so every test below.
SAMPLES: dict[str, Sample] = {
    "reflection": Sample(
        "::: reflection {#SAMPLE}\nWhat worries you most?\n:::",
        {"answer-SAMPLE": "  The noise at night\nand the shouting  "},
        {"text": "The noise at night\nand the shouting"},
    ),
    "checklist": Sample(
        "::: checklist {#SAMPLE}\nWhich have you noticed?\n\n- [ ] A racing heart {#heart}\n"
        "- [ ] Bad dreams {#dreams}\n- [ ] Feeling on edge {#on-edge}\n:::",
        {"answer-SAMPLE": ["on-edge", "heart"]},
        {"ticked": ["heart", "on-edge"]},
    ),
    "scale": Sample(
        '::: scale {#SAMPLE low="Calm" high="Very anxious"}\nHow anxious do you feel?\n:::',
        {"answer-SAMPLE": "7"},
        {"value": 7},
    ),
    "questionnaire": Sample(
        '::: questionnaire {#SAMPLE use="gad-7"}\n:::',
        {f"answer-SAMPLE--{n}": str(chosen) for n, chosen in enumerate(GAD7_CHOSEN, start=1)},
        {"chosen": GAD7_CHOSEN},
    ),
    "sleep-window": Sample(
        "::: sleep-window {#SAMPLE}\nHere is your sleep window.\n:::",
        {"answer-SAMPLE": "6:30am", "answer-SAMPLE--1": "420"},
        {"wake": "06:30", "minutes": 420, "set_on": TODAY},
    ),
    "breathing": Sample(
        '::: breathing {#SAMPLE pattern="4-7-8" rounds=3}\n1. In.\n2. Hold.\n3. Out.\n:::'
    ),
    "grounding": Sample("::: grounding {#SAMPLE seconds=20}\n1. Look.\n2. Listen.\n:::"),
    "tip": Sample("::: tip\nTry this at the same time each day.\n:::"),
    "note": Sample("::: note\nThis is not a diagnosis.\n:::"),
    "danger": Sample("::: danger\nIf you are in danger now, get out.\n:::"),
    "my-plan": Sample("::: my-plan {#SAMPLE}\nHere is what you wrote.\n:::"),
}
NAMES = sorted(BLOCK_KINDS)
EXERCISE_NAMES = [name for name in NAMES if issubclass(BLOCK_KINDS[name], Exercise)]


def sample_id(name: str) -> str:
    return f"sample-{name}"


def guide_of_every_kind() -> str:
    """A guide with one step for each sample (a step holds one result, so each its own)."""
    steps = [
        f"## The {name} step {{#step-{name}}}\n\n{SAMPLES[name].in_guide(sample_id(name))}\n"
        for name in NAMES
    ]
    return FRONT_MATTER + "\n" + "\n".join(steps)


def sample_block(name: str) -> tuple[ParsedGuide, Block]:
    guide = parse_guide(guide_of_every_kind(), "every-kind.md", DEFINITIONS)
    step = guide.step(f"step-{name}")
    assert step is not None
    [block] = step.blocks
    return guide, block


def sample_exercise(name: str) -> tuple[ParsedGuide, Exercise[Any]]:
    guide, block = sample_block(name)
    assert isinstance(block, Exercise)
    return guide, block


def macros(app: Flask) -> object:
    """templates/guides/blocks.html as step.html imports it: without the page's context."""
    return app.jinja_env.get_template("guides/blocks.html").module


def missing_parts(kind: type[Block], template: object) -> list[str]:
    """What a kind of block lacks of what every kind must have (portal/guides/blocks.py)."""
    missing = [f"{name}()" for name in sorted(getattr(kind, "__abstractmethods__", ()))]
    if not getattr(kind, "names", ()):
        missing.append("names")
    macro = getattr(kind, "macro", None)
    if not isinstance(macro, str) or not callable(getattr(template, macro, None)):
        missing.append(f"macro {macro!r} in templates/guides/blocks.html")
    if issubclass(kind, Exercise):
        answer_type = getattr(kind, "answer_type", None)
        needed = ("to_payload", "from_payload", "lines_without_question")
        missing += [
            f"answer_type.{part}"
            for part in (*needed, "summary_without_question")
            if not hasattr(answer_type, part)
        ]
    return missing


# Every kind has every part ----------------------------------------------------------------------


def test_every_kind_a_guide_can_name_has_a_sample_here() -> None:
    assert set(SAMPLES) == set(BLOCK_KINDS), "give each kind in the registry a Sample above"


def test_every_registered_kind_has_every_part(app: Flask) -> None:
    template = macros(app)
    assert {kind: missing_parts(kind, template) for kind in KINDS} == {kind: [] for kind in KINDS}
    assert callable(getattr(template, HtmlPart.macro))


def test_a_kind_without_its_parts_is_caught(app: Flask) -> None:
    """The check above fails for a kind that only reads its block."""

    class HalfAKind(Exercise[TextAnswer]):
        names = ("half",)

        @classmethod
        def parse(cls, header: Header, body: Body) -> Self:
            return cls(header.kind, header.id, header.line)

    assert missing_parts(HalfAKind, macros(app)) == [
        "answer_from()",
        "download_words()",
        "fields()",
        "initial()",
        "plan_entry()",
        "macro None in templates/guides/blocks.html",
        "answer_type.to_payload",
        "answer_type.from_payload",
        "answer_type.lines_without_question",
        "answer_type.summary_without_question",
    ]


def test_no_two_kinds_share_a_name_or_a_macro() -> None:
    names = [name for kind in KINDS for name in kind.names]
    assert len(names) == len(set(names))
    macro_names = [kind.macro for kind in KINDS]
    assert len(macro_names) == len(set(macro_names))
    assert HtmlPart.macro not in macro_names


@pytest.mark.parametrize("name", NAMES)
def test_each_kind_is_read_by_its_registered_class(name: str) -> None:
    _, block = sample_block(name)
    assert type(block) is BLOCK_KINDS[name]
    assert block.kind == name
    assert block.line > 1
    assert not inspect.isabstract(type(block))


# Exercises: fields, answers and words ----------------------------------------------------------


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_what_a_person_sends_is_stored_in_the_shape_earlier_versions_stored(
    app: Flask, name: str
) -> None:
    guide, block = sample_exercise(name)
    step = guide.step_of(block.exercise_id)
    assert step is not None
    assert all(name.startswith(block.field_name) for name in block.fields(DEFINITIONS))
    with app.test_request_context(method="POST"):
        sent = SAMPLES[name].sent_for(block.exercise_id)
        form = form_for(step, AnswersInGuide({}, DEFINITIONS), sent)
        assert form.validate(), form.errors
        answer = answers_from(form)[block.exercise_id]
    assert answer is not None
    assert repr(answer.to_payload()) == repr(SAMPLES[name].stored_on(today_in_london()))


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_an_exercise_left_blank_stores_nothing(app: Flask, name: str) -> None:
    guide, block = sample_exercise(name)
    step = guide.step_of(block.exercise_id)
    assert step is not None
    with app.test_request_context(method="POST"):
        form = form_for(step, AnswersInGuide({}, DEFINITIONS), MultiDict())
        assert form.validate(), form.errors
        assert answers_from(form) == {block.exercise_id: None}


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_a_stored_answer_opens_and_fills_its_fields_again(app: Flask, name: str) -> None:
    guide, block = sample_exercise(name)
    step = guide.step_of(block.exercise_id)
    assert step is not None
    stored = SAMPLES[name].stored_on(date(2026, 11, 30))
    answer = block.read(stored)
    assert answer is not None
    assert repr(answer.to_payload()) == repr(stored)
    answers = AnswersInGuide({block.exercise_id: stored}, DEFINITIONS)
    assert answers.of(block) == answer
    with app.test_request_context():
        # As a visitor sees it (a sleep window's diary figures are for the signed-in).
        state = block.page_state(db.session, None, answer, date(2026, 12, 1))
        form = form_for(step, answers, None, {block.exercise_id: state} if state else {})
        assert block.answer_from(form, answer) == answer


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_each_answer_has_words_for_the_plan_and_the_download(name: str) -> None:
    _, block = sample_exercise(name)
    stored = SAMPLES[name].stored_on(date(2026, 11, 30))
    answer = block.read(stored)
    answers = AnswersInGuide({block.exercise_id: stored}, DEFINITIONS)
    entry = block.plan_entry(answer, answers)
    assert isinstance(entry, PlanEntry)
    assert entry.block is block
    assert str(entry.question).strip()
    assert entry.lines or entry.result
    words = block.download_words(answer, answers)
    assert words.question
    assert "<" not in words.question, "the download's words are plain text"
    assert words.lines
    assert all(line.strip() for line in words.lines)
    assert answer.lines_without_question
    assert answer.summary_without_question.strip()


@pytest.mark.parametrize("name", EXERCISE_NAMES)
def test_an_answer_is_known_by_its_shape_alone(name: str) -> None:
    """An answer whose exercise has gone (or changed kind) is still read, as what it is, and no
    other kind mistakes it for its own."""
    _, block = sample_exercise(name)
    stored = SAMPLES[name].stored_on(date(2026, 11, 30))
    assert type(answer_alone(stored)) is block.answer_type
    for other in EXERCISE_NAMES:
        if BLOCK_KINDS[other] is not BLOCK_KINDS[name]:
            _, other_block = sample_exercise(other)
            assert other_block.read(stored) is None, other


# The stored shapes, exactly ----------------------------------------------------------------------

STORED_SHAPES: list[tuple[type[Answer], AnswerValue, Answer]] = [
    (TextAnswer, {"text": "Calmer.\nSlower heart."}, TextAnswer("Calmer.\nSlower heart.")),
    (TickedAnswer, {"ticked": ["heart", "on-edge"]}, TickedAnswer(("heart", "on-edge"))),
    (ScaleAnswer, {"value": 0}, ScaleAnswer(0)),
    (ScaleAnswer, {"value": 10}, ScaleAnswer(10)),
    (ChosenAnswer, {"chosen": [1, 0, 2, 3, 0, 1, 2]}, ChosenAnswer((1, 0, 2, 3, 0, 1, 2))),
    (ChosenAnswer, {"chosen": [None, 2, None]}, ChosenAnswer((None, 2, None))),
    (
        SleepWindow,
        {"wake": "06:30", "minutes": 420, "set_on": "2026-11-30"},
        SleepWindow(time(6, 30), timedelta(minutes=420), date(2026, 11, 30)),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("answer_type", "stored", "typed"), STORED_SHAPES)
def test_each_answer_round_trips_through_its_stored_shape(
    answer_type: type[Answer], stored: AnswerValue, typed: Answer
) -> None:
    assert answer_type.from_payload(stored) == typed
    assert repr(typed.to_payload()) == repr(stored)  # lists stay lists, keys stay as they were


def test_every_kind_of_answer_has_its_shape_checked_here() -> None:
    answer_types = {kind.answer_type for kind in KINDS if issubclass(kind, Exercise)}
    assert answer_types == {answer_type for answer_type, _, _ in STORED_SHAPES}


@pytest.mark.parametrize(
    "stored",
    [
        {},
        {"text": 7},
        {"ticked": "racing-heart"},
        {"value": "seven"},
        {"chosen": [True, "1"]},
        {"wake": "soon", "minutes": 420, "set_on": "2026-11-30"},
    ],
)
def test_a_payload_no_kind_can_read_is_read_as_nothing(stored: AnswerValue) -> None:
    assert answer_alone(stored) is None


# On the page -------------------------------------------------------------------------------------


@pytest.fixture
def guide_of_every_kind_published(app: Flask) -> None:
    with app.app_context():
        save_version(db.session, guide_of_every_kind(), "every-kind.md", "file", publish=True)
        db.session.commit()


@pytest.mark.usefixtures("guide_of_every_kind_published")
def test_every_kind_draws_on_a_step_page_and_its_answer_reaches_the_plan(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    for name in NAMES:
        assert client.get(f"/guides/every-kind/steps/step-{name}").status_code == 200
    accounts.register(client)
    guide = parse_guide(guide_of_every_kind(), "every-kind.md", DEFINITIONS)
    stored: dict[str, AnswerValue] = {}
    for name in EXERCISE_NAMES:
        _, block = sample_exercise(name)
        step = f"/guides/every-kind/steps/step-{name}"
        response = client.submit(step, SAMPLES[name].sent_for(block.exercise_id).to_dict(False))
        assert response.status_code == 302, page_text(response)
        stored[block.exercise_id] = SAMPLES[name].stored_on(today_in_london())
    plan = page_text(client.get("/guides/every-kind/finished"))
    answers = AnswersInGuide(stored, DEFINITIONS)
    for _, block in guide.answerable_blocks():
        entry = block.plan_entry(answers.of(block), answers)
        assert entry is not None
        for words in (*entry.lines, entry.result.score_in_words if entry.result else ""):
            assert " ".join(words.split()) in plan, words
