"""Alembic is the only way a database gets its schema: head must equal the models, both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import Engine, create_engine, inspect

from portal import migrate
from portal.models import Base, KeystoreBase
from tests.conftest import (
    BACKENDS,
    POSTGRES_URL,
    DatabaseUrls,
    dispose,
    drop_postgres_database,
    empty_database_urls,
    make_app,
)
from tests.support.environment import unavailable


@pytest.fixture(params=BACKENDS)
def empty_app(request: pytest.FixtureRequest, tmp_path: Path, worker_name: str) -> Iterator[Flask]:
    """An app on brand-new, empty databases (not the suite's migrated template)."""
    backend = request.param
    if backend == "postgresql" and POSTGRES_URL is None:
        unavailable("PostgreSQL tests need PORTAL_TEST_DATABASE_URL (.ci/run sets it)")
    name = f"{worker_name}_migrations"
    urls: DatabaseUrls = empty_database_urls(backend, name, tmp_path)
    app = make_app(urls, tmp_path)
    yield app
    dispose(app)
    if backend == "postgresql":
        drop_postgres_database(name)
        drop_postgres_database(name + "_keys")


def differences(engine: Engine, metadata: object, version_table: str) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": version_table}
        )
        return compare_metadata(context, metadata)  # type: ignore[arg-type]


def own_tables(engine: Engine) -> set[str]:
    return {name for name in inspect(engine).get_table_names() if not name.startswith("alembic_")}


def test_upgrading_an_empty_database_gives_exactly_the_models(empty_app: Flask) -> None:
    migrate.upgrade(empty_app)
    databases = (
        ("DATABASE_URL", Base.metadata, "alembic_version"),
        ("KEYSTORE_URL", KeystoreBase.metadata, "alembic_version_keystore"),
    )
    for url_setting, metadata, version_table in databases:
        engine = create_engine(empty_app.config[url_setting])
        try:
            assert differences(engine, metadata, version_table) == []
            assert own_tables(engine) == set(metadata.tables)
        finally:
            engine.dispose()


def test_downgrading_to_base_removes_every_table(empty_app: Flask) -> None:
    migrate.upgrade(empty_app)
    migrate.downgrade(empty_app, "base")
    for url_setting in ("DATABASE_URL", "KEYSTORE_URL"):
        engine = create_engine(empty_app.config[url_setting])
        try:
            assert own_tables(engine) == set()
        finally:
            engine.dispose()


def test_the_keystore_and_the_records_never_share_tables() -> None:
    assert set(Base.metadata.tables).isdisjoint(KeystoreBase.metadata.tables)


def test_every_revision_has_a_downgrade_for_both_databases() -> None:
    versions = Path(__file__).parent.parent / "migrations" / "versions"
    for revision in versions.glob("*.py"):
        text = revision.read_text()
        for function in (
            "upgrade_main",
            "downgrade_main",
            "upgrade_keystore",
            "downgrade_keystore",
        ):
            assert f"def {function}()" in text, f"{revision.name} has no {function}()"
