"""A problem in a guide or questionnaire file, pointing at its line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GuideProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class GuideInvalid(Exception):
    """A guide (or questionnaire) cannot be used; `problems` says where and why."""

    def __init__(self, problems: list[GuideProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
