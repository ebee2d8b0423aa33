"""Grounding: steps to notice the here and now, a numbered list that guides.js can show one at a
time (`::: grounding {#id seconds=30}`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from markupsafe import Markup

from portal.guides.blocks import NO_TEXT, Block, Body, Header, numbered_steps


@dataclass(frozen=True)
class GroundingBlock(Block):
    steps: Markup = NO_TEXT
    seconds: int = 30  # for each step

    names = ("grounding",)
    macro = "grounding"
    settings = frozenset({"seconds"})

    @classmethod
    def parse(cls, header: Header, body: Body) -> Self:
        seconds = header.whole_number("seconds", 30, 5, 300)
        return cls(header.kind, header.id, header.line, numbered_steps(header, body), seconds)
