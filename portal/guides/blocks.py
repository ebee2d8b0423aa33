"""Interactive blocks in guide Markdown (`::: kind {#id ...}` ... `:::`), as data.

`parse_block()` turns one block's header and body into one of the dataclasses below, or raises
BlockProblem with the line at fault. guides/README.md is the authors' description of the syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from portal.guides.markdown import render_guide_markdown
from portal.security.sanitise import render_inline_markdown

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HEADER = re.compile(r"^:::\s*([a-z][a-z-]*)\s*(?:\{(.*)\})?\s*$")
ATTRIBUTE = re.compile(
    r'\s*(?:#(?P<id>[^\s}]+)|(?P<name>[a-z-]+)=(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"]+)))'
)
CHECKLIST_ITEM = re.compile(r"^[-*] \[ \] (?P<label>.+?)(?:\s*\{#(?P<id>[^}]*)\})?\s*$")
NUMBERED_LINE = re.compile(r"^\d+\. ")
MAX_ID_LENGTH = 64
NO_TEXT = Markup("")  # a default for blocks built in tests or by hand


class BlockProblem(Exception):
    """Something wrong in a block, with the line (1-based, in the whole file) to point at."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Block:
    kind: str
    id: str | None
    line: int

    answerable = False


@dataclass(frozen=True)
class ReflectionBlock(Block):
    prompt: Markup = NO_TEXT
    hint: str | None = None
    rows: int = 5

    answerable = True


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    label: Markup


@dataclass(frozen=True)
class ChecklistBlock(Block):
    prompt: Markup = NO_TEXT
    hint: Markup | None = None
    items: tuple[ChecklistItem, ...] = ()

    answerable = True

    def label_of(self, item_id: str) -> Markup | None:
        return next((item.label for item in self.items if item.id == item_id), None)


@dataclass(frozen=True)
class ScaleBlock(Block):
    prompt: Markup = NO_TEXT
    low: str = ""
    high: str = ""
    compare: str | None = None

    answerable = True
    minimum = 0
    maximum = 10


@dataclass(frozen=True)
class QuestionnaireBlock(Block):
    definition_id: str = ""
    prompt: Markup | None = None

    answerable = True


@dataclass(frozen=True)
class SleepWindowBlock(Block):
    """A sleep window set from the person's sleep diary (portal/guides/sleep_window.py)."""

    prompt: Markup = NO_TEXT

    answerable = True


@dataclass(frozen=True)
class BreathingBlock(Block):
    steps: Markup = NO_TEXT
    pattern: tuple[int, ...] = (4, 4, 4, 4)
    rounds: int = 4


@dataclass(frozen=True)
class GroundingBlock(Block):
    steps: Markup = NO_TEXT
    seconds: int = 30


@dataclass(frozen=True)
class CalloutBlock(Block):
    body: Markup = NO_TEXT


@dataclass(frozen=True)
class MyPlanBlock(Block):
    intro: Markup = NO_TEXT
    include: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Header:
    kind: str
    id: str | None
    attributes: dict[str, str]
    line: int


# kind -> (id required?, attributes allowed)
BLOCK_KINDS: dict[str, tuple[bool, frozenset[str]]] = {
    "reflection": (True, frozenset({"rows", "hint"})),
    "checklist": (True, frozenset()),
    "scale": (True, frozenset({"low", "high", "compare"})),
    "questionnaire": (True, frozenset({"use"})),
    "breathing": (True, frozenset({"pattern", "rounds"})),
    "grounding": (True, frozenset({"seconds"})),
    "tip": (False, frozenset()),
    "note": (False, frozenset()),
    "danger": (False, frozenset()),
    "my-plan": (True, frozenset({"include"})),
    "sleep-window": (True, frozenset()),
}


def check_id(value: str, line: int, what: str) -> str:
    if not ID_PATTERN.match(value) or len(value) > MAX_ID_LENGTH:
        raise BlockProblem(
            line,
            f"{what} id {value!r} must be lower-case letters, digits and single hyphens "
            f"(like worry-time-plan), {MAX_ID_LENGTH} characters at most",
        )
    return value


def read_header(text: str, line: int) -> _Header:
    match = HEADER.match(text)
    if not match:
        raise BlockProblem(line, f"cannot read this block's first line: {text.strip()!r}")
    kind, attribute_text = match.group(1), match.group(2) or ""
    if kind not in BLOCK_KINDS:
        known = ", ".join(BLOCK_KINDS)
        raise BlockProblem(line, f"unknown block {kind!r}; the kinds are: {known}")
    block_id: str | None = None
    attributes: dict[str, str] = {}
    position = 0
    while position < len(attribute_text.rstrip()):
        token = ATTRIBUTE.match(attribute_text, position)
        if not token or token.end() == position:
            rest = attribute_text[position:].strip()
            raise BlockProblem(
                line, f'cannot read {rest!r} in the braces: use #id and name="value"'
            )
        if token.group("id") is not None:
            block_id = check_id(token.group("id"), line, "the block's")
        else:
            name = token.group("name")
            allowed = BLOCK_KINDS[kind][1]
            if name not in allowed:
                known = ", ".join(sorted(allowed)) or "none"
                raise BlockProblem(
                    line, f"a {kind} block has no {name!r} setting (it has: {known})"
                )
            attributes[name] = (
                token.group("quoted") if token.group("quoted") is not None else token.group("bare")
            )
        position = token.end()
    id_required = BLOCK_KINDS[kind][0]
    if id_required and block_id is None:
        raise BlockProblem(line, f"a {kind} block needs an id: ::: {kind} {{#an-id}}")
    return _Header(kind, block_id, attributes, line)


def _whole_number(header: _Header, name: str, default: int, low: int, high: int) -> int:
    raw = header.attributes.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BlockProblem(
            header.line, f"{name} must be a whole number from {low} to {high}, not {raw!r}"
        )
    return int(raw)


def _paragraphs(body: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    groups: list[list[tuple[int, str]]] = [[]]
    for number, text in body:
        if text.strip():
            groups[-1].append((number, text))
        elif groups[-1]:
            groups.append([])
    return [group for group in groups if group]


def _prompt_and_rest(header: _Header, body: list[tuple[int, str]]) -> tuple[Markup, Markup | None]:
    """The first paragraph is the question (one line of inline Markdown); the rest is help."""
    paragraphs = _paragraphs(body)
    if not paragraphs:
        raise BlockProblem(header.line, f"a {header.kind} block needs a question in it")
    prompt = render_inline_markdown(" ".join(text.strip() for _, text in paragraphs[0]))
    rest = [text for group in paragraphs[1:] for _, text in [*group, (0, "")]]
    hint = render_guide_markdown("\n".join(rest)) if rest else None
    return prompt, hint


def _numbered_steps(header: _Header, body: list[tuple[int, str]]) -> Markup:
    if not any(NUMBERED_LINE.match(text) for _, text in body):
        raise BlockProblem(
            header.line, f"a {header.kind} block's text must be a numbered list (1. ...)"
        )
    return render_guide_markdown("\n".join(text for _, text in body))


def parse_block(header_text: str, header_line: int, body: list[tuple[int, str]]) -> Block:
    """One block from its first line and its body lines (each with its line number)."""
    header = read_header(header_text, header_line)
    kind, block_id, line = header.kind, header.id, header.line
    if kind == "reflection":
        prompt, extra = _prompt_and_rest(header, body)
        if extra is not None:
            raise BlockProblem(
                line, 'keep a reflection to one question; put extra help in hint="..."'
            )
        rows = _whole_number(header, "rows", 5, 2, 20)
        return ReflectionBlock(kind, block_id, line, prompt, header.attributes.get("hint"), rows)
    if kind == "checklist":
        return _checklist(header, body)
    if kind == "scale":
        prompt, _ = _prompt_and_rest(header, body)
        for end in ("low", "high"):
            if not header.attributes.get(end):
                raise BlockProblem(
                    line,
                    f'a scale needs labels for both ends: low="..." high="..." ({end} is missing)',
                )
        compare = header.attributes.get("compare")
        if compare is not None:
            check_id(compare, line, "compare's")
        return ScaleBlock(
            kind,
            block_id,
            line,
            prompt,
            header.attributes["low"],
            header.attributes["high"],
            compare,
        )
    if kind == "questionnaire":
        definition = header.attributes.get("use")
        if not definition:
            raise BlockProblem(
                line, 'a questionnaire needs use="..." naming its definition, like use="gad-7"'
            )
        paragraphs = _paragraphs(body)
        prompt = (
            render_inline_markdown(" ".join(t.strip() for _, t in paragraphs[0]))
            if paragraphs
            else None
        )
        return QuestionnaireBlock(kind, block_id, line, definition, prompt)
    if kind == "breathing":
        raw = header.attributes.get("pattern", "4-4-4-4")
        parts = raw.split("-")
        if not 3 <= len(parts) <= 4 or not all(p.isdigit() and 1 <= int(p) <= 20 for p in parts):
            raise BlockProblem(
                line,
                "pattern must be 3 or 4 numbers of seconds from 1 to 20, "
                f'like "4-4-4-4", not {raw!r}',
            )
        rounds = _whole_number(header, "rounds", 4, 1, 20)
        return BreathingBlock(
            kind,
            block_id,
            line,
            _numbered_steps(header, body),
            tuple(int(p) for p in parts),
            rounds,
        )
    if kind == "grounding":
        seconds = _whole_number(header, "seconds", 30, 5, 300)
        return GroundingBlock(kind, block_id, line, _numbered_steps(header, body), seconds)
    if kind == "sleep-window":
        prompt, extra = _prompt_and_rest(header, body)
        if extra is not None:
            raise BlockProblem(line, "keep a sleep window's text to one paragraph")
        return SleepWindowBlock(kind, block_id, line, prompt)
    if kind == "my-plan":
        include = tuple(header.attributes.get("include", "").split())
        for item in include:
            check_id(item, line, "an included block's")
        return MyPlanBlock(
            kind, block_id, line, render_guide_markdown("\n".join(t for _, t in body)), include
        )
    if not any(text.strip() for _, text in body):
        raise BlockProblem(line, f"a {kind} block needs some text in it")
    return CalloutBlock(kind, block_id, line, render_guide_markdown("\n".join(t for _, t in body)))


def _checklist(header: _Header, body: list[tuple[int, str]]) -> ChecklistBlock:
    before: list[tuple[int, str]] = []
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for number, text in body:
        stripped = text.strip()
        if stripped.startswith(("- [", "* [")):
            match = CHECKLIST_ITEM.match(stripped)
            if not match:
                raise BlockProblem(
                    number, "a checklist item looks like: - [ ] What to tick {#an-id}"
                )
            if match.group("id") is None:
                raise BlockProblem(number, f"a checklist item needs an id: {stripped} {{#an-id}}")
            item_id = check_id(match.group("id"), number, "the item's")
            if item_id in seen:
                raise BlockProblem(
                    number, f"the item id {item_id!r} is used twice in this checklist"
                )
            seen.add(item_id)
            items.append(ChecklistItem(item_id, render_inline_markdown(match.group("label"))))
        elif items and stripped:
            raise BlockProblem(number, "nothing may follow a checklist's items inside the block")
        elif not items:
            before.append((number, text))
    if not items:
        raise BlockProblem(
            header.line, "a checklist needs at least one item: - [ ] What to tick {#an-id}"
        )
    prompt, hint = _prompt_and_rest(header, before)
    return ChecklistBlock(header.kind, header.id, header.line, prompt, hint, tuple(items))
