"""Callouts: a tip, a note, or what to do if you are in danger now (`::: tip`, `::: note`,
`::: danger`), which need no id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from markupsafe import Markup

from portal.guides.blocks import NO_TEXT, Block, BlockProblem, Body, Header, markdown_of


@dataclass(frozen=True)
class CalloutBlock(Block):
    body: Markup = NO_TEXT

    names = ("tip", "note", "danger")
    macro = "callout"
    id_required = False
    # Each callout's heading on the page (the macro adds the emergency numbers to "danger").
    titles: ClassVar[dict[str, str]] = {
        "tip": "Tip",
        "note": "Note",
        "danger": "If you are in danger now",
    }

    @property
    def title(self) -> str:
        return self.titles[self.kind]

    @classmethod
    def parse(cls, header: Header, body: Body) -> Self:
        if not any(text.strip() for _, text in body):
            raise BlockProblem(header.line, f"a {header.kind} block needs some text in it")
        return cls(header.kind, header.id, header.line, markdown_of(body))
