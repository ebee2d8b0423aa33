"""How a benchmark hands back its figures: a Report of markdown lines and the targets met, and
the Section that names it for `python -m bench <name>`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.harness import BenchDatabases, LoadResult


@dataclass
class Report:
    title: str
    lines: list[str] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)

    def check(self, description: str, passed: bool) -> None:
        self.checks.append((description, passed))

    @property
    def passed(self) -> bool:
        return all(ok for _, ok in self.checks)

    @property
    def markdown(self) -> str:
        parts = [f"## {self.title}", "", *self.lines, ""]
        if self.checks:
            parts += ["| target | met |", "| --- | --- |"]
            parts += [f"| {text} | {'yes' if ok else '**no**'} |" for text, ok in self.checks]
            parts.append("")
        return "\n".join(parts)


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    run: Callable[[Sequence[BenchDatabases]], Report]


def load_row(name: str, result: LoadResult, baseline: LoadResult) -> str:
    """A table row: requests/s, as a ratio to the baseline, p50, p99 and failed responses."""
    ratio = result.requests_per_second / baseline.requests_per_second
    return (
        f"| {name} | {result.requests_per_second:.0f} | {ratio:.2f}× | {result.p50_ms:.1f} ms "
        f"| {result.p99_ms:.1f} ms | {result.errors} |"
    )
