"""`make bench`: run every benchmark and write the figures to docs/performance.md.

python -m bench                  # everything
python -m bench sign_in          # one section by name
python -m bench diary            # every section whose name starts diary_
python -m bench --quick diary    # short loads, to try a benchmark out; writes nothing
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import LOAD, bench_databases, postgres_available
from bench.report import Report
from bench.sections import SECTIONS
from bench.stack import BEGIN as STACK_BEGIN
from bench.stack import END as STACK_END

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
QUICK_LOAD_SECONDS = 2
QUICK_WARM_SECONDS = 1


def machine_summary() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = cpu
    cores = len(
        [
            line
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("processor")
        ]
    )
    return f"{model}, {cores} cores, Python {platform.python_version()}"


def is_chosen(section_name: str, names: list[str]) -> bool:
    """Every section when none is named; else those named, or named by their first word."""
    return not names or any(
        name == section_name or section_name.startswith(name + "_") for name in names
    )


def kept_stack_figures() -> str:
    """The production stack's figures (bench/stack.py, run on its own), carried over as they are."""
    current = OUTPUT.read_text() if OUTPUT.exists() else ""
    if STACK_BEGIN not in current or STACK_END not in current:
        return "\n"
    block = current.split(STACK_BEGIN, 1)[1].split(STACK_END, 1)[0]
    return f"\n{STACK_BEGIN}{block}{STACK_END}\n"


def main(arguments: list[str]) -> int:
    if shutil.which("wrk") is None:
        print("make bench needs wrk: apt install wrk", file=sys.stderr)
        return 1
    quick = "--quick" in arguments
    names = [a for a in arguments if a != "--quick"]
    if quick:
        LOAD.load, LOAD.warm = QUICK_LOAD_SECONDS, QUICK_WARM_SECONDS
    chosen = [s for s in SECTIONS if is_chosen(s.name, names)]
    if not chosen:
        print(f"No section is called {' or '.join(names)}", file=sys.stderr)
        return 1
    reports: list[Report] = []
    backends = ["SQLite", "PostgreSQL"] if postgres_available() else ["SQLite"]
    with ExitStack() as stack:
        databases = [stack.enter_context(bench_databases(backend)) for backend in backends]
        for section in chosen:
            print(f"== {section.title}", flush=True)
            report = section.run(databases)
            print(report.markdown, flush=True)
            reports.append(report)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    header = [
        "# Performance",
        "",
        "Written by `make bench` (bench/). Every speed is a ratio to a trivial route (`/health`)",
        "measured in the same run, through gunicorn on loopback with wrk, so the figures compare",
        "across machines.",
        "",
        f"- Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit or 'unknown'}",
        f"- Machine: {machine_summary()}",
        f"- Databases: {' and '.join(backends)} "
        "(SQLite is `make run`'s default, PostgreSQL production's)",
        "",
    ]
    OUTPUT.parent.mkdir(exist_ok=True)
    if quick:
        print(f"A quick run; {OUTPUT} was left as it was.")
        return 0
    if names and OUTPUT.exists():
        print(f"Only some sections ran; {OUTPUT} was left as it was.")
        return 0
    OUTPUT.write_text("\n".join(header + [r.markdown for r in reports]) + kept_stack_figures())
    print(f"Wrote {OUTPUT}")
    return 0 if all(r.passed for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
