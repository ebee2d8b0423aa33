"""Measurements made inside the process: SQL statements per page as the data grows."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from bench.harness import PASSWORD, BenchDatabases, bench_databases
from config import TestingConfig
from portal import create_app
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
