"""Load and faults on the production stack (deploy/stack.py: nginx over TLS, two gunicorn hosts of
two workers, PostgreSQL, Redis), each scenario bounded and stopping by itself:

    python -m bench.stack                 # soak (64 people, 10 minutes), then the three faults
    python -m bench.stack --quick         # 16 people, 1 minute of soak: to try it out

- soak: people reading guide steps and their diary, writing entries, signing out and in;
- PostgreSQL restarted mid-load (pg_ctlcluster restart: the machine's own server);
- Redis stopped mid-load for 20 seconds, then started again;
- a worker killed with SIGKILL mid-load.
After each, every person downloads everything kept for them, and each diary entry they were told
was saved must be in it exactly once; an entry whose save failed may be there only whole.

The faults restart the machine's PostgreSQL and Redis: run this where nothing else uses them.
Figures go to docs/performance.md, between the markers below (`make bench` keeps them).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.people import Person, Tally, check_every_word_kept, keep_busy
from deploy.stack import Stack, running_stack

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
BEGIN, END = "<!-- bench.stack begins -->", "<!-- bench.stack ends -->"
FAULT_PEOPLE = 16
FAULT_SECONDS = 60
FAULT_AT_SECONDS = 15
REDIS_AWAY_SECONDS = 20
MEMORY_GROWTH_LIMIT = 0.10
FALLBACK_LOGGED = "falling back to in-memory storage"


def worker_memory_kib(stack: Stack) -> dict[int, int]:
    """Resident memory of every gunicorn worker of every host, by process id."""
    sizes = {}
    for host in stack.hosts:
        children = Path(f"/proc/{host.process.pid}/task/{host.process.pid}/children")
        for pid in map(int, children.read_text().split()):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[pid] = int(line.split()[1])
    return sizes


@dataclass
class Outcome:
    name: str
    people: int
    seconds: float
    tally: Tally
    confirmed: int
    kept: int
    turned_up: int
    note: str = ""

    @property
    def rate(self) -> float:
        return self.tally.total / self.seconds

    def row(self) -> str:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.tally.statuses.items()))
        return (
            f"| {self.name} | {self.people} | {self.seconds:.0f} s | {self.tally.total} | "
            f"{self.rate:.0f} | {self.tally.percentile_ms(0.5):.0f} ms | "
            f"{self.tally.percentile_ms(0.99):.0f} ms | {self.tally.failed} | {statuses}; "
            f"no answer: {self.tally.lost} | {self.kept} of {self.confirmed} | {self.turned_up} | "
            f"{self.note} |"
        )


def run_load(
    name: str, people: list[Person], seconds: float, fault: Callable[[], str] | None = None
) -> Outcome:
    """People busy for `seconds`; `fault`, if any, runs FAULT_AT_SECONDS in and returns a note."""
    tally = Tally()
    for person in people:
        person.tally, person.saved_notes, person.unsaved_notes = tally, [], []
    notes: list[str] = []

    def inject() -> None:
        time.sleep(FAULT_AT_SECONDS)
        if fault is not None:
            notes.append(fault())

    injector = threading.Thread(target=inject, daemon=True)
    started = time.monotonic()
    injector.start()
    keep_busy(people, started + seconds)
    injector.join()
    elapsed = time.monotonic() - started
    confirmed, kept, turned_up = check_every_word_kept(people)
    return Outcome(name, len(people), elapsed, tally, confirmed, kept, turned_up, "; ".join(notes))


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


def _first_answer_after(tally: Tally, moment: float) -> float | None:
    """Seconds from `moment` to the first request answered without a 5xx after it."""
    with tally.lock:
        good = [at for at, status in tally.events if at > moment and 0 < status < 500]
    return min(good) - moment if good else None


def restart_postgres(tally: Tally) -> str:
    version = next(Path("/etc/postgresql").iterdir()).name
    began = time.monotonic()
    _run("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart")
    back = time.monotonic()
    time.sleep(10)
    recovered = _first_answer_after(tally, back)
    return f"restart took {back - began:.1f} s; first good answer " + (
        f"{recovered:.1f} s after it" if recovered is not None else "never"
    )


def stop_redis() -> str:
    _run("redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave")
    time.sleep(REDIS_AWAY_SECONDS)
    _run(
        *("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379"),
        *("--save", "", "--appendonly", "no"),
    )
    return f"Redis away for {REDIS_AWAY_SECONDS} s"


def kill_a_worker(stack: Stack) -> str:
    victim = min(worker_memory_kib(stack))
    _run("kill", "-KILL", str(victim))
    return "one of four workers killed with SIGKILL; its master started another"


def logged_in_hosts(stack: Stack, words: str) -> int:
    return sum(
        (stack.folder / f"{host.name}-error.log").read_text(errors="replace").count(words)
        for host in stack.hosts
    )


def keep_logs(stack: Stack) -> Path:
    """Copy the hosts' error logs out of the stack's folder, which goes when it stops."""
    kept = Path(tempfile.mkdtemp(prefix="support-space-bench-logs-"))
    for log in stack.folder.glob("*-error.log"):
        shutil.copy(log, kept / log.name)
    return kept


def write_section(markdown: str) -> None:
    """Put the figures between the markers in docs/performance.md, leaving the rest."""
    current = OUTPUT.read_text() if OUTPUT.exists() else "# Performance\n"
    block = f"{BEGIN}\n{markdown}\n{END}"
    if BEGIN in current and END in current:
        before, rest = current.split(BEGIN, 1)
        current = before + block + rest.split(END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    OUTPUT.write_text(current)


def register_everyone(people: list[Person]) -> bool:
    """Register every person through the pages, eight at a time (each costs a password hash)."""
    registered: list[bool] = []
    for batch in range(0, len(people), 8):
        threads = [
            threading.Thread(target=lambda p=p: registered.append(p.register()))
            for p in people[batch : batch + 8]
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return all(registered) and len(registered) == len(people)


def soak_with_memory(stack: Stack, people: list[Person], seconds: float) -> tuple[Outcome, float]:
    """The soak, and the largest growth of a worker's memory over it, after a warm-up."""
    keep_busy(people, time.monotonic() + 30)  # warm: every worker has loaded everything
    before = worker_memory_kib(stack)
    soak = run_load("soak", people, seconds)
    after = worker_memory_kib(stack)
    growth = max((after[pid] - size) / size for pid, size in before.items() if pid in after)
    smallest, largest = min(before.values()) // 1024, max(before.values()) // 1024
    soak.note = f"workers {smallest}–{largest} MiB after warming; largest growth {growth:+.1%}"
    return soak, growth


def main(arguments: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    options.add_argument("--people", type=int, default=64)
    options.add_argument("--minutes", type=float, default=10)
    options.add_argument("--quick", action="store_true", help="16 people, 1 minute; writes nothing")
    chosen = options.parse_args(arguments)
    people_count, soak_seconds = chosen.people, chosen.minutes * 60
    if chosen.quick:
        people_count, soak_seconds = 16, 60
    with running_stack() as stack:
        people = [Person(stack.url, number, Tally()) for number in range(people_count)]
        if not register_everyone(people):
            print("Some people could not register; see the stack's logs.")
            return 1
        print(f"{len(people)} people registered; soak for {soak_seconds:.0f} s", flush=True)
        soak, growth = soak_with_memory(stack, people, soak_seconds)
        print(soak.row(), flush=True)
        few = people[:FAULT_PEOPLE]
        outcomes = [soak]
        fallback_before = logged_in_hosts(stack, FALLBACK_LOGGED)
        for name, fault in (
            ("PostgreSQL restarted", lambda: restart_postgres(few[0].tally)),
            ("Redis stopped", stop_redis),
            ("worker killed", lambda: kill_a_worker(stack)),
        ):
            outcome = run_load(name, few, FAULT_SECONDS, fault)
            if 500 in outcome.tally.statuses:
                outcome.note += f"; the hosts' logs are kept in {keep_logs(stack)}"
            print(outcome.row(), flush=True)
            outcomes.append(outcome)
        fallbacks = logged_in_hosts(stack, FALLBACK_LOGGED) - fallback_before
    report = render(outcomes, growth, fallbacks, chosen)
    print(report)
    if chosen.quick:
        print(f"A quick run; {OUTPUT} was left as it was.")
    else:
        write_section(report)
        print(f"Wrote the stack's figures into {OUTPUT}")
    return 0 if checks_pass(outcomes, growth) else 1


def targets(outcomes: list[Outcome], growth: float) -> list[tuple[str, bool]]:
    soak, postgres, redis_stop, killed = outcomes
    return [
        ("soak: 0 failed responses", soak.tally.failed == 0),
        (f"soak: worker memory growth < 10% ({growth:+.1%})", growth < MEMORY_GROWTH_LIMIT),
        (
            "every diary entry confirmed saved is kept, in every scenario",
            all(o.kept == o.confirmed for o in outcomes),
        ),
        ("PostgreSQL restart: the friendly 503, never a 500", 500 not in postgres.tally.statuses),
        ("Redis stopped: no failed response", redis_stop.tally.failed == 0),
        ("worker killed: the others keep serving (no 500)", 500 not in killed.tally.statuses),
    ]


def checks_pass(outcomes: list[Outcome], growth: float) -> bool:
    return all(met for _, met in targets(outcomes, growth))


HEADER = [
    "## The production stack under load and faults",
    "",
    "Written by `{command}` (bench/stack.py): nginx over TLS, two gunicorn hosts of two",
    "workers each, PostgreSQL and Redis, all on this machine's two cores together with the",
    "people, who are Python threads, each with its own loopback address and keep-alive",
    'connection. A failure is a 5xx answer or none at all. "Kept": diary entries the person',
    'was told were saved that their own download holds exactly once; "turned up": entries',
    "whose save failed that are in the download anyway (whole: a save is one transaction).",
    "",
    "| scenario | people | time | requests | requests/s | p50 | p99 | failed | answers "
    "| kept | turned up | notes |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
]


def render(
    outcomes: list[Outcome], growth: float, fallbacks: int, chosen: argparse.Namespace
) -> str:
    command = "python -m bench.stack"
    if chosen.people != 64 or chosen.minutes != 10:
        command += f" --people {chosen.people} --minutes {chosen.minutes:g}"
    lines = [line.replace("{command}", command) for line in HEADER]
    lines += [outcome.row() for outcome in outcomes]
    lines += [
        "",
        f'Redis: the hosts logged "falling back to in-memory storage" {fallbacks} times '
        "(once for each worker that noticed).",
        "",
        "| target | met |",
        "| --- | --- |",
    ]
    lines += [
        f"| {text} | {'yes' if met else '**no**'} |" for text, met in targets(outcomes, growth)
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
