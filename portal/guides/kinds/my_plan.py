"""My plan: the person's answers in this guide, step by step, ready to print
(`::: my-plan {#id include="one-exercise another"}`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Self

from markupsafe import Markup

from portal.guides.blocks import (
    NO_TEXT,
    Block,
    BlockProblem,
    Body,
    Exercise,
    Header,
    check_id,
    markdown_of,
)
from portal.guides.questionnaires import Questionnaires


@dataclass(frozen=True)
class MyPlanBlock(Block):
    intro: Markup = NO_TEXT
    include: tuple[str, ...] = field(default=())  # only these exercises, if any are named

    names = ("my-plan",)
    macro = "my_plan"
    settings = frozenset({"include"})

    @classmethod
    def parse(cls, header: Header, body: Body) -> Self:
        include = tuple(header.attributes.get("include", "").split())
        for item in include:
            check_id(item, header.line, "an included block's")
        return cls(header.kind, header.id, header.line, markdown_of(body), include)

    def cross_check(
        self, blocks_by_id: Mapping[str, Block], definitions: Questionnaires
    ) -> list[BlockProblem]:
        return [
            BlockProblem(
                self.line, f"include names {included!r}, which is not an exercise in this guide"
            )
            for included in self.include
            if not isinstance(blocks_by_id.get(included), Exercise)
        ]
