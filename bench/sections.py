"""The benchmarks, one function per section; each returns a Report of figures and targets."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.harness import BenchDatabases, gunicorn, register, timed_sign_in

SIGN_INS = 20
SIGN_IN_TARGET_MS = 250


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
    run: Callable[[BenchDatabases], Report]


def sign_in(databases: BenchDatabases) -> Report:
    """Median time of one sign-in POST (argon2id verify, session rotation), 20 in a row."""
    report = Report("Sign-in")
    with gunicorn(databases) as base_url:
        _, username = register(base_url, "signin")
        timings = [timed_sign_in(base_url, username) * 1000 for _ in range(SIGN_INS)]
    median = statistics.median(timings)
    report.lines += [
        f"{SIGN_INS} sign-ins in a row, each from a fresh browser, one gunicorn worker;",
        "argon2id with RFC 9106's low-memory parameters (64 MiB, 3 passes, 4 lanes).",
        "",
        "| median | fastest | slowest |",
        "| --- | --- | --- |",
        f"| {median:.0f} ms | {min(timings):.0f} ms | {max(timings):.0f} ms |",
    ]
    report.check(
        f"median sign-in ≤ {SIGN_IN_TARGET_MS} ms ({median:.0f} ms)", median <= SIGN_IN_TARGET_MS
    )
    return report


SECTIONS: list[Section] = [
    Section("sign_in", "Sign-in", sign_in),
]
