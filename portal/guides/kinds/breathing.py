"""Breathing: paced breathing, a numbered list that guides.js can pace
(`::: breathing {#id pattern="4-4-4-4" rounds=4}`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from markupsafe import Markup

from portal.guides.blocks import NO_TEXT, Block, BlockProblem, Body, Header, numbered_steps


@dataclass(frozen=True)
class BreathingBlock(Block):
    steps: Markup = NO_TEXT
    pattern: tuple[int, ...] = (4, 4, 4, 4)  # seconds: in, hold, out(, hold)
    rounds: int = 4

    names = ("breathing",)
    macro = "breathing"
    settings = frozenset({"pattern", "rounds"})

    @classmethod
    def parse(cls, header: Header, body: Body) -> Self:
        raw = header.attributes.get("pattern", "4-4-4-4")
        parts = raw.split("-")
        if not 3 <= len(parts) <= 4 or not all(p.isdigit() and 1 <= int(p) <= 20 for p in parts):
            raise BlockProblem(
                header.line,
                "pattern must be 3 or 4 numbers of seconds from 1 to 20, "
                f'like "4-4-4-4", not {raw!r}',
            )
        rounds = header.whole_number("rounds", 4, 1, 20)
        return cls(
            header.kind,
            header.id,
            header.line,
            numbered_steps(header, body),
            tuple(int(p) for p in parts),
            rounds,
        )
