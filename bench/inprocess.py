"""Measurements made inside the process: SQL statements per page as the data grows, and what
one request allocates."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from bench.diary_data import ENTRIES, NIGHTS, SEARCH_WORDS, add_to_diary, diary_plan, user_id_of
from bench.harness import PASSWORD, BenchDatabases, bench_databases
from config import TestingConfig
from portal import create_app
from portal.dates import today_in_london
from portal.extensions import db, keystore_db
from portal.guides.library import GUIDES_FOLDER, save_version
from tests.support.client import AccountHelper, CheckingClient
from tests.support.queries import counting_queries

GUIDE = "/guides/calming-anxious-feelings"
STEPS = ["body-alarm-system", "worry-time", "noticing-thoughts", "calm-plan"]


@dataclass(frozen=True)
class QueryRow:
    guides: int
    answers: int
    library: int
    overview: int
    step: int
    finished: int


def seed_extra_guides(app: Flask, count: int) -> None:
    """Publish `count` more guides (copies of a bundled one under other slugs)."""
    source = (GUIDES_FOLDER / "better-sleep.md").read_text()
    with app.app_context():
        for number in range(count):
            copy = source.replace("slug: better-sleep", f"slug: copy-{number}", 1)
            save_version(db.session, copy, f"copy-{number}.md", "staff", publish=True)
        db.session.commit()


def _count(app: Flask, client: CheckingClient, path: str) -> int:
    client.get(path)  # parse and cache first, as any second visitor finds it
    with counting_queries(app) as log:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(log)


def _answers_for(step: str, round_number: int) -> dict[str, object]:
    text = f"Answer {round_number}: footsteps on the stairs"
    return {
        "body-alarm-system": {
            "answer-anxiety-before": str(round_number % 11),
            "answer-signs-of-anxiety": ["racing-heart"],
        },
        "worry-time": {"answer-worry-list": text, "answer-worry-time-plan": text},
        "noticing-thoughts": {
            "answer-thinking-traps": ["blaming-yourself"],
            "answer-balanced-thought": text,
        },
        "calm-plan": {"answer-things-to-try": ["try-grounding"], "answer-anxiety-after": "3"},
    }[step]


def guide_step_queries(_databases: BenchDatabases) -> list[QueryRow]:
    """Statements per page for 2 and 22 guides, with no answers and with every exercise answered."""
    rows: list[QueryRow] = []
    with bench_databases(_databases.backend) as fresh:
        app = create_app(
            TestingConfig(
                {"PORTAL_DATABASE_URL": fresh.main, "PORTAL_KEYSTORE_URL": fresh.keystore}
            )
        )
        app.config["RATELIMIT_ENABLED"] = False
        app.test_client_class = CheckingClient
        client: CheckingClient = app.test_client()  # type: ignore[assignment]
        AccountHelper(app).register(client, "counter", PASSWORD)
        guides = 2
        for extra, answer in ((0, False), (0, True), (20, True)):
            if extra:
                seed_extra_guides(app, extra)
                guides += extra
            if answer:
                for step in STEPS:
                    saved = client.submit(f"{GUIDE}/steps/{step}", _answers_for(step, guides))
                    if saved.status_code != 302:
                        raise RuntimeError(f"saving {step} answered {saved.status_code}")
            answered = 8 if answer else 0
            rows.append(
                QueryRow(
                    guides,
                    answered,
                    _count(app, client, "/guides"),
                    _count(app, client, GUIDE),
                    _count(app, client, f"{GUIDE}/steps/worry-time"),
                    _count(app, client, f"{GUIDE}/finished"),
                )
            )
        db.dispose(app)
        keystore_db.dispose(app)
    return rows


DIARY_SIZES = ((20, 20), (ENTRIES, NIGHTS))  # (entries, nights): a new diary, then a long one
SEARCH_PATH = "/diary/search"
MIB = 1024 * 1024


@dataclass(frozen=True)
class DiaryQueryRow:
    entries: int
    nights: int
    statements: dict[str, int]  # page: SQL statements


@dataclass(frozen=True)
class DiaryInProcess:
    """Statements per diary page at each size, and the Python allocation peak (MiB) of one
    request for each of ALLOCATION_PAGES with the largest diary."""

    rows: list[DiaryQueryRow]
    allocation_peaks: dict[str, float]


def diary_pages_counted() -> list[str]:
    """The diary pages whose statements are counted (the month is this month)."""
    return [
        "/diary",
        SEARCH_PATH,
        f"/diary/months/{today_in_london():%Y-%m}",
        "/diary/charts?days=90",
        "/diary/sleep",
    ]


ALLOCATION_PAGES = ["/health", "/diary", SEARCH_PATH]


def allocation_peak(app: Flask, client: CheckingClient, path: str) -> float:
    """The most memory Python held at once (tracemalloc, MiB) while the app answered one GET of
    `path`, after a first GET has compiled templates and unwrapped the data key. Only the app is
    traced, not the test client reading the page afterwards."""
    client.get(path)
    peaks: list[int] = []
    answer = app.wsgi_app

    def traced(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        tracemalloc.start()
        try:
            body = answer(environ, start_response)
            try:
                whole = b"".join(body)
            finally:
                getattr(body, "close", lambda: None)()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        return [whole]

    app.wsgi_app = traced  # type: ignore[method-assign]
    try:
        response = client.get(path)
    finally:
        app.wsgi_app = answer  # type: ignore[method-assign]
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return peaks[0] / MIB


def diary_in_process(databases: BenchDatabases) -> DiaryInProcess:
    """Statements per diary page for a new diary (20 entries and nights) and for 2,000 entries
    and a year of nights, searching for SEARCH_WORDS; then the allocation peaks."""
    rows: list[DiaryQueryRow] = []
    with bench_databases(databases.backend) as fresh:
        app = create_app(
            TestingConfig(
                {"PORTAL_DATABASE_URL": fresh.main, "PORTAL_KEYSTORE_URL": fresh.keystore}
            )
        )
        app.config["RATELIMIT_ENABLED"] = False
        app.test_client_class = CheckingClient
        client: CheckingClient = app.test_client()  # type: ignore[assignment]
        account = AccountHelper(app).register(client, "counter", PASSWORD)
        owner_id = user_id_of(app, account.username)
        largest = DIARY_SIZES[-1]
        plan = diary_plan(today_in_london(), *largest)
        searched = client.submit(SEARCH_PATH, {"q": SEARCH_WORDS})
        if searched.status_code != 302:
            raise RuntimeError(f"searching answered {searched.status_code}")
        added = (0, 0)
        for size in DIARY_SIZES:
            add_to_diary(
                app,
                owner_id,
                plan.entries[added[0] : size[0]],
                plan.nights[added[1] : size[1]],
            )
            added = size
            counted = {path: _count(app, client, path) for path in diary_pages_counted()}
            rows.append(DiaryQueryRow(*size, counted))
        peaks = {path: allocation_peak(app, client, path) for path in ALLOCATION_PAGES}
        db.dispose(app)
        keystore_db.dispose(app)
    return DiaryInProcess(rows, peaks)
