"""Reading a guide's Markdown file: its front matter (front_matter.py), its steps, each rendered
with its interactive blocks kept as data (step_body.py, kinds/), and checks across the guide.

`parse_guide()` returns a ParsedGuide whose HTML is rendered and sanitised once, with each
interactive block kept as data for the step page to draw with the person's answers. Every problem
is collected with its file and line and raised together as GuideInvalid (`flask guides check`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from portal.contacts import Contacts, bundled_contacts, expand_mentions, mention_problems
from portal.guides.blocks import Block, BlockProblem, Exercise, check_id
from portal.guides.front_matter import TOPICS, check_front_matter, split_front_matter
from portal.guides.kinds import results_in_words
from portal.guides.markdown import render_guide_markdown
from portal.guides.problems import GuideInvalid, GuideProblem
from portal.guides.questionnaires import Questionnaires
from portal.guides.step_body import HtmlPart, StepPart, render_step_body

# What pages and tests use; TOPICS and HtmlPart live in the modules named above.
__all__ = ["TOPICS", "HtmlPart", "ParsedGuide", "Step", "StepPart", "parse_guide"]

STEP_HEADING = re.compile(r"^## (?P<title>.+?)\s*(?:\{#(?P<id>[^}]*)\})?\s*$")
FENCE = re.compile(r"^(```|~~~)")
BLOCK_START = re.compile(r"^:::\s*[a-z]")  # an interactive block opening (not its closing :::)
RAW_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^>]*)?/?>|<!--")
INLINE_CODE = re.compile(r"`[^`]*`")
SUBHEADING = re.compile(r"^(?P<marks>#{3,6})\s")


@dataclass
class StepSource:
    """A step's lines as they are in the file, before they are rendered."""

    line: int  # of its ## heading
    id: str
    title: str
    body: list[str] = field(default_factory=list)

    @property
    def body_line(self) -> int:
        """The line in the file of the body's first line."""
        return self.line + 1


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    number: int
    parts: tuple[StepPart, ...]
    line: int  # of its ## heading in the file

    @property
    def blocks(self) -> tuple[Block, ...]:
        return tuple(part for part in self.parts if isinstance(part, Block))

    @property
    def answerable_blocks(self) -> tuple[Exercise[Any], ...]:
        return tuple(block for block in self.blocks if isinstance(block, Exercise))

    @property
    def result_block(self) -> Exercise[Any] | None:
        """The exercise whose result the step comes back to show after saving (a self-check, a
        sleep window), if it has one."""
        return next((block for block in self.answerable_blocks if block.shows_result), None)

    @property
    def shows_result(self) -> bool:
        return self.result_block is not None

    def error_anchor(self, definitions: Questionnaires) -> str | None:
        """Where the page opens when it is sent back with errors (saving goes to #result)."""
        anchors = (block.error_anchor(definitions) for block in self.answerable_blocks)
        return next((anchor for anchor in anchors if anchor), None)


@dataclass(frozen=True)
class ParsedGuide:
    slug: str
    title: str
    summary: str
    topic: str
    minutes: int
    audience: str
    version: int
    intro: Markup
    steps: tuple[Step, ...]
    sources: tuple[str, ...] = ()
    _blocks_by_id: dict[str, tuple[Step, Block]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def topic_name(self) -> str:
        return TOPICS[self.topic]

    @property
    def step_ids(self) -> list[str]:
        return [step.id for step in self.steps]

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)

    def next_step(self, step: Step) -> Step | None:
        return self.steps[step.number] if step.number < len(self.steps) else None

    def previous_step(self, step: Step) -> Step | None:
        return self.steps[step.number - 2] if step.number > 1 else None

    def block(self, block_id: str) -> Block | None:
        found = self._blocks_by_id.get(block_id)
        return found[1] if found else None

    def step_of(self, block_id: str) -> Step | None:
        found = self._blocks_by_id.get(block_id)
        return found[0] if found else None

    def answerable_blocks(self) -> Iterator[tuple[Step, Exercise[Any]]]:
        for step in self.steps:
            for block in step.answerable_blocks:
                yield step, block


def _raw_html_problems(lines: list[str], first_line: int, path: str) -> list[GuideProblem]:
    """Each line where HTML starts, even a tag whose attributes run on over several lines
    (sanitising would strip it, garbling the page), outside code."""
    outside_code = []
    in_fence = False
    for text in lines:
        if FENCE.match(text.strip()):
            in_fence = not in_fence
            outside_code.append("")
            continue
        outside_code.append("" if in_fence else INLINE_CODE.sub("", text))
    body = "\n".join(outside_code)
    starts = sorted({body.count("\n", 0, found.start()) for found in RAW_HTML.finditer(body)})
    return [
        GuideProblem(
            path,
            first_line + offset,
            "HTML is not allowed in guides (it would be removed); use Markdown",
        )
        for offset in starts
    ]


BLOCK_IN_INTRODUCTION = (
    "blocks go inside steps: the introduction is plain text, so move this block into a step"
)


def _subheading_problem(marks: str, level: int, number: int, path: str) -> GuideProblem | None:
    """A ### or #### that skips a level under the heading above it."""
    if len(marks) <= level + 1:
        return None
    return GuideProblem(
        path,
        number,
        f"a {marks} heading must come under a {marks[:-1]} one: use {'#' * (level + 1)} here",
    )


def _step_heading(
    heading: re.Match[str], number: int, path: str
) -> tuple[StepSource, GuideProblem | None]:
    """A step from its ## heading, with the problem in its id if there is one."""
    step_id = heading.group("id")
    problem = None
    if step_id is None:
        problem = GuideProblem(
            path, number, f"a step needs an id: ## {heading.group('title')} {{#an-id}}"
        )
        step_id = f"missing-id-{number}"
    else:
        try:
            check_id(step_id, number, "the step's")
        except BlockProblem as wrong:
            problem = GuideProblem(path, number, wrong.message)
    return StepSource(number, step_id, heading.group("title")), problem


def _steps(
    lines: list[str], start: int, path: str
) -> tuple[list[StepSource], list[str], list[GuideProblem]]:
    """Each step's lines, the introduction's, and problems."""
    found: list[GuideProblem | None] = []
    intro: list[str] = []
    steps: list[StepSource] = []
    in_fence = False
    # The level of the heading above: a step's ## is its page's h1, so ### comes next, not ####.
    level = 2
    for index in range(start, len(lines)):
        text, number = lines[index], index + 1
        if FENCE.match(text.strip()):
            in_fence = not in_fence
        heading = STEP_HEADING.match(text) if not in_fence else None
        subheading = SUBHEADING.match(text) if not in_fence else None
        if subheading:
            found.append(_subheading_problem(subheading.group("marks"), level, number, path))
            level = len(subheading.group("marks"))
        if heading:
            level = 2
            step, problem = _step_heading(heading, number, path)
            steps.append(step)
            found.append(problem)
        elif text.startswith("# "):
            found.append(
                GuideProblem(
                    path,
                    number,
                    "use ## for steps and ### inside them: the title is the page's only #",
                )
            )
        elif steps:
            steps[-1].body.append(text)
        else:
            if not in_fence and BLOCK_START.match(text.strip()):
                found.append(GuideProblem(path, number, BLOCK_IN_INTRODUCTION))
            intro.append(text)
    if not steps:
        found.append(
            GuideProblem(
                path, start + 1, "a guide needs at least one step: ## Step title {#step-id}"
            )
        )
    return steps, intro, [problem for problem in found if problem is not None]


def _cross_check(
    parsed_steps: list[Step], path: str, questionnaires: Questionnaires
) -> tuple[dict[str, tuple[Step, Block]], list[GuideProblem]]:
    """Problems seen only across the whole guide: ids used twice (reported where the second
    use is), and each block's own checks against the rest (portal/guides/kinds)."""
    problems: list[GuideProblem] = []
    seen: set[str] = set()
    by_id: dict[str, tuple[Step, Block]] = {}
    for step in parsed_steps:
        if step.id in seen:
            problems.append(
                GuideProblem(path, step.line, f"the id {step.id!r} is used twice in this guide")
            )
        seen.add(step.id)
        for block in step.blocks:
            if block.id is None:
                continue
            if block.id in seen:
                problems.append(
                    GuideProblem(
                        path, block.line, f"the id {block.id!r} is used twice in this guide"
                    )
                )
            seen.add(block.id)
            by_id[block.id] = (step, block)
    blocks_by_id = {block_id: block for block_id, (_, block) in by_id.items()}
    for step in parsed_steps:
        # Saving such a step comes back to its one result (#result), so it may hold only one.
        with_results = [block for block in step.blocks if block.shows_result]
        for extra in with_results[1:]:
            problems.append(
                GuideProblem(
                    path,
                    extra.line,
                    f"a step can hold one {results_in_words()}: put this one in a step of its own",
                )
            )
        for block in step.blocks:
            problems += [
                GuideProblem(path, problem.line, problem.message)
                for problem in block.cross_check(blocks_by_id, questionnaires)
            ]
    return by_id, problems


def _mention_problems(lines: list[str], contacts: Contacts, path: str) -> list[GuideProblem]:
    return [
        GuideProblem(path, unknown.line, unknown.message)
        for unknown in mention_problems("\n".join(lines), contacts)
    ]


def parse_guide(
    source: str, path: str, questionnaires: Questionnaires, contacts: Contacts | None = None
) -> ParsedGuide:
    """Read one guide; GuideInvalid lists every problem with its line. Services named as [[id]]
    are written out from `contacts` (the bundled ones unless given)."""
    contacts = contacts or bundled_contacts()
    problems = _mention_problems(source.splitlines(), contacts, path)
    # Written out line by line, so every line keeps its number for the problems below.
    lines = [expand_mentions(line, contacts) for line in source.splitlines()]
    values, body_start, more_problems = split_front_matter(lines, path)
    problems += more_problems
    meta, meta_problems = check_front_matter(values, path) if values else ({}, [])
    problems += meta_problems
    raw_steps, intro_lines, step_problems = _steps(lines, body_start, path)
    problems += step_problems
    problems += _raw_html_problems(lines[body_start:], body_start + 1, path)
    steps: list[Step] = []
    for number, step_source in enumerate(raw_steps, start=1):
        parts, block_problems = render_step_body(step_source.body, step_source.body_line, path)
        problems += block_problems
        steps.append(Step(step_source.id, step_source.title, number, parts, step_source.line))
    by_id, cross_problems = _cross_check(steps, path, questionnaires)
    problems += cross_problems
    if problems:
        raise GuideInvalid(sorted(set(problems), key=lambda p: (p.line, p.message)))
    return ParsedGuide(
        slug=str(meta["slug"]),
        title=str(meta["title"]),
        summary=str(meta["summary"]),
        topic=str(meta["topic"]),
        minutes=int(meta["minutes"]),
        audience=str(meta["audience"]),
        version=int(meta["version"]),
        sources=tuple(
            source.strip() for source in str(meta.get("sources", "")).split(";") if source.strip()
        ),
        intro=render_guide_markdown("\n".join(intro_lines)),
        steps=tuple(steps),
        _blocks_by_id=by_id,
    )
