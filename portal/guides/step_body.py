"""A step's Markdown as sanitised HTML, with each interactive block (`:::` ... `:::`) taken out
and kept as data (portal/guides/kinds), for the step page to draw with the person's answers."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import ClassVar

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markupsafe import Markup

from portal.guides.blocks import Block, BlockProblem
from portal.guides.kinds import parse_block
from portal.guides.markdown import render_guide_markdown
from portal.guides.problems import GuideProblem


@dataclass(frozen=True)
class HtmlPart:
    """Sanitised HTML between interactive blocks."""

    html: Markup

    kind: ClassVar[str] = "html"
    macro: ClassVar[str] = "html"  # in templates/guides/blocks.html, like a block's


StepPart = HtmlPart | Block


class _BlockCollector:
    """Gathers a step's blocks and problems while Python-Markdown converts it."""

    def __init__(self, path: str, first_line: int) -> None:
        self.path = path
        self.first_line = first_line
        self.nonce = secrets.token_hex(8)
        self.blocks: list[Block] = []
        self.problems: list[GuideProblem] = []

    def placeholder(self, index: int) -> str:
        return f'<div data-guide-block="{self.nonce}-{index}"></div>'


class _BlocksPreprocessor(Preprocessor):
    """Replaces each `:::` block with a placeholder and keeps the block as data."""

    def __init__(self, md: Markdown, collector: _BlockCollector) -> None:
        super().__init__(md)
        self.collector = collector

    def run(self, lines: list[str]) -> list[str]:
        output: list[str] = []
        index = 0
        while index < len(lines):
            text = lines[index]
            if not text.startswith(":::"):
                output.append(text)
                index += 1
                continue
            start = self.collector.first_line + index
            end = index + 1
            while end < len(lines) and lines[end].strip() != ":::":
                if lines[end].startswith(":::"):
                    self.collector.problems.append(
                        GuideProblem(
                            self.collector.path,
                            self.collector.first_line + end,
                            "blocks cannot go inside other blocks; "
                            "close the one above first with :::",
                        )
                    )
                    break
                end += 1
            if end >= len(lines) or lines[end].strip() != ":::":
                self.collector.problems.append(
                    GuideProblem(self.collector.path, start, "this block has no closing ::: line")
                )
                return output
            body = [(self.collector.first_line + n, lines[n]) for n in range(index + 1, end)]
            try:
                block = parse_block(text, start, body)
            except BlockProblem as problem:
                self.collector.problems.append(
                    GuideProblem(self.collector.path, problem.line, problem.message)
                )
            else:
                stashed = self.md.htmlStash.store(
                    self.collector.placeholder(len(self.collector.blocks))
                )
                self.collector.blocks.append(block)
                output.extend(["", stashed, ""])
            index = end + 1
        return output


class _BlocksExtension(Extension):
    def __init__(self, collector: _BlockCollector) -> None:
        super().__init__()
        self.collector = collector

    def extendMarkdown(self, md: Markdown) -> None:
        # After whitespace is normalised (30), before raw HTML is stashed (20).
        md.preprocessors.register(_BlocksPreprocessor(md, self.collector), "guide_blocks", 25)


def render_step_body(
    lines: list[str], first_line: int, path: str
) -> tuple[tuple[StepPart, ...], list[GuideProblem]]:
    collector = _BlockCollector(path, first_line)
    html = render_guide_markdown("\n".join(lines), extensions=[_BlocksExtension(collector)])
    parts: list[StepPart] = []
    pattern = re.compile(re.escape(f'<div data-guide-block="{collector.nonce}-') + r'(\d+)"></div>')
    position = 0
    for match in pattern.finditer(html):
        if html[position : match.start()].strip():
            parts.append(HtmlPart(Markup(html[position : match.start()])))  # noqa: S704 (sanitised)
        parts.append(collector.blocks[int(match.group(1))])
        position = match.end()
    if html[position:].strip():
        parts.append(HtmlPart(Markup(html[position:])))  # noqa: S704 (sanitised)
    return tuple(parts), collector.problems
