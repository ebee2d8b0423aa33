"""Fixtures: an app on a fresh database (SQLite, and PostgreSQL when PORTAL_TEST_DATABASE_URL is
set), a test client that checks every page it fetches, an account helper, and a live server with
Debian's Chromium for browser journeys."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine, Table, create_engine, text
from sqlalchemy.engine import make_url

from config import TestingConfig, normalise_database_url
from portal import create_app, migrate
from portal.extensions import db, keystore_db
from portal.guides.library import sync_folder
from portal.models import Base, KeystoreBase
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, live_server
from tests.support.client import AccountHelper, CheckingClient
from tests.support.environment import unavailable
from tests.support.stack import (
    StackModulesTogether,
    production_stack,  # noqa: F401 (a fixture, for *_stack_* tests)
)
from tests.support.templates import CompiledTemplatesInMemory

POSTGRES_URL = normalise_database_url(os.environ.get("PORTAL_TEST_DATABASE_URL"))
BACKENDS = ["sqlite", "postgresql"]
# Each test makes a new app, which would compile every template it renders again; a test
# worker compiles each template once instead (a third of a diary test's time went there).
COMPILED_TEMPLATES = CompiledTemplatesInMemory()


@dataclass(frozen=True)
class DatabaseUrls:
    backend: str
    main: str
    keystore: str


def make_app(urls: DatabaseUrls, tmp_path: Path, **settings: str) -> Flask:
    """An app for tests, on the given databases, with any PORTAL_* settings given."""
    environ = {
        "PORTAL_DATABASE_URL": urls.main,
        "PORTAL_KEYSTORE_URL": urls.keystore,
        "PORTAL_OUTBOX_DIR": str(tmp_path / "outbox"),
        **settings,
    }
    app = create_app(TestingConfig(environ))
    app.config["SERVER_NAME"] = None
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


def dispose(app: Flask) -> None:
    db.dispose(app)
    keystore_db.dispose(app)


# PostgreSQL -----------------------------------------------------------------------------------


def postgres_url_for(database: str) -> str:
    assert POSTGRES_URL is not None
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


def create_postgres_database(name: str) -> str:
    """(Re)create an empty PostgreSQL database and return its URL."""
    engine = create_engine(POSTGRES_URL or "", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return postgres_url_for(name)


def drop_postgres_database(name: str) -> None:
    engine = create_engine(POSTGRES_URL or "", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def empty_database_urls(backend: str, name: str, tmp_path: Path) -> DatabaseUrls:
    """URLs of a brand-new, empty database pair (main and keystore)."""
    if backend == "sqlite":
        return DatabaseUrls(
            backend,
            f"sqlite:///{tmp_path / (name + '.sqlite3')}",
            f"sqlite:///{tmp_path / (name + '-keys.sqlite3')}",
        )
    return DatabaseUrls(
        backend,
        create_postgres_database(name),
        create_postgres_database(name + "_keys"),
    )


def _delete_every_row(engine: Engine, tables: list[Table]) -> None:
    # DELETE, children first: on tables a test leaves nearly empty it takes a few milliseconds
    # where TRUNCATE's new files took a quarter of a second per test.
    with engine.begin() as connection:
        for table in reversed(tables):
            connection.execute(table.delete())


# Migrated templates, once per worker ------------------------------------------------------------


@pytest.fixture(scope="session")
def worker_name(worker_id: str, testrun_uid: str) -> str:
    """Database names for this worker of this run, so two runs at once never share (or drop)
    each other's PostgreSQL databases."""
    return f"support_space_test_{testrun_uid[:8]}_{worker_id}"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory, worker_name: str) -> DatabaseUrls:
    """A SQLite database pair at the newest revision, copied for each test."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    urls = empty_database_urls("sqlite", worker_name, folder)
    app = make_app(urls, folder)
    migrate.upgrade(app)
    dispose(app)  # the last connection closing folds SQLite's WAL into the file
    return urls


@pytest.fixture(scope="session")
def migrated_postgres(
    tmp_path_factory: pytest.TempPathFactory, worker_name: str
) -> Iterator[DatabaseUrls]:
    """A PostgreSQL database pair for this worker at the newest revision, emptied for each test."""
    if POSTGRES_URL is None:
        unavailable("PostgreSQL tests need PORTAL_TEST_DATABASE_URL (.ci/run sets it)")
    folder = tmp_path_factory.mktemp("postgres")
    urls = empty_database_urls("postgresql", worker_name, folder)
    app = make_app(urls, folder)
    migrate.upgrade(app)
    dispose(app)
    yield urls
    drop_postgres_database(worker_name)
    drop_postgres_database(worker_name + "_keys")


@pytest.fixture(scope="session")
def empty_postgres(migrated_postgres: DatabaseUrls) -> Iterator[Callable[[], None]]:
    """Empties this worker's PostgreSQL pair for the next test, over connections it keeps."""
    main = create_engine(migrated_postgres.main)
    keystore = create_engine(migrated_postgres.keystore)

    def empty() -> None:
        _delete_every_row(main, Base.metadata.sorted_tables)
        _delete_every_row(keystore, KeystoreBase.metadata.sorted_tables)

    yield empty
    main.dispose()
    keystore.dispose()


@pytest.fixture(params=BACKENDS)
def database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseUrls:
    """A fresh, migrated database pair: a copy of the SQLite template, or emptied PostgreSQL."""
    if request.param == "sqlite":
        template: DatabaseUrls = request.getfixturevalue("migrated_sqlite")
        copies = []
        for url in (template.main, template.keystore):
            source = Path(url.removeprefix("sqlite:///"))
            target = tmp_path / source.name
            shutil.copyfile(source, target)
            copies.append(f"sqlite:///{target}")
        return DatabaseUrls("sqlite", copies[0], copies[1])
    urls: DatabaseUrls = request.getfixturevalue("migrated_postgres")
    request.getfixturevalue("empty_postgres")()
    return urls


# App, client, accounts ------------------------------------------------------------------------


@pytest.fixture
def app_settings() -> dict[str, str]:
    """PORTAL_* settings for the `app` fixture; a test module may override this fixture."""
    return {}


@pytest.fixture
def app(
    database_urls: DatabaseUrls, tmp_path: Path, app_settings: dict[str, str]
) -> Iterator[Flask]:
    app = make_app(database_urls, tmp_path, **app_settings)
    app.test_client_class = CheckingClient
    yield app
    dispose(app)


@pytest.fixture
def client(app: Flask) -> CheckingClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def accounts(app: Flask) -> AccountHelper:
    return AccountHelper(app)


@pytest.fixture
def bundled_guides(app: Flask) -> None:
    """The guides in guides/, published, as `make run` loads them."""
    with app.app_context():
        sync_folder(db.session)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> StackModulesTogether | None:
    """With -n and no --dist of another kind: the production stack's tests on one worker."""
    if config.getvalue("dist") != "load":
        return None  # xdist's own
    return StackModulesTogether(config, log)


# Browser journeys -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, once per worker. Playwright never downloads a browser of its own."""
    if not Path(CHROMIUM).exists():
        unavailable(f"browser journeys need Debian's Chromium at {CHROMIUM} (apt install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(app: Flask) -> Iterator[str]:
    """The app served on loopback for the browser; yields its base URL."""
    with live_server(app) as base_url:
        yield base_url
