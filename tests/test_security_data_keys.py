"""Deleting an account destroys its data key in the storage, not only in the table: the raw
files of the SQLite keystore (its write-ahead log included) and the raw pages of the PostgreSQL
keystore table hold no copy of the wrapped key afterwards, and the main SQLite database's files
none of the deleted diary's ciphertext. `flask housekeeping` finishes what a deletion leaves."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, select, text

from portal.dates import today_in_london
from portal.extensions import db, keystore_db
from portal.models import DiaryEntry, WebSession, WrappedDataKey
from tests.conftest import DatabaseUrls
from tests.support import diary as diary_forms
from tests.support.client import PASSWORD, AccountHelper, CheckingClient
from tests.support.sessions import age_sessions

SECRET = "He waits by the bins every night when I come home"
SQLITE_ONLY = pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
POSTGRESQL_ONLY = pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
KEYSTORE_TABLE = WrappedDataKey.__tablename__


def write_an_entry_and_read_back(app: Flask, client: CheckingClient) -> tuple[bytes, bytes]:
    """Write a diary entry through its form; returns the wrapped data key and the sealed entry,
    as the databases store them."""
    response = client.submit("/diary/new", diary_forms.entry_form(today_in_london(), notes=SECRET))
    assert response.status_code == 302
    with app.app_context():
        user_id, sealed = db.session.execute(
            select(DiaryEntry.user_id, DiaryEntry.payload_sealed)
        ).one()
        wrapped = keystore_db.session.get(WrappedDataKey, user_id)
    assert wrapped is not None
    return wrapped.wrapped_key, sealed


@pytest.fixture
def written(app: Flask, client: CheckingClient, accounts: AccountHelper) -> tuple[bytes, bytes]:
    """Someone registered through the pages who has written in the diary: their wrapped data key
    and their sealed entry."""
    accounts.register(client)
    return write_an_entry_and_read_back(app, client)


def delete_account(client: CheckingClient) -> None:
    response = client.submit("/account/delete", {"current_password": PASSWORD})
    assert response.status_code == 303


def sqlite_files_hold(url: str, needle: bytes) -> list[str]:
    """Which of a SQLite database's files (the database and its write-ahead log) hold `needle`."""
    database = Path(url.removeprefix("sqlite:///"))
    files = [database, database.with_name(database.name + "-wal")]
    return [file.name for file in files if file.exists() and needle in file.read_bytes()]


def postgres_pages_hold(url: str, table: str, needle: bytes) -> bool:
    """Whether any page of a PostgreSQL table, as the server stores it, holds `needle`."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        pages = connection.execute(
            text("SELECT pg_relation_size(:table) / current_setting('block_size')::int"),
            {"table": table},
        ).scalar_one()
        held = any(
            needle
            in connection.execute(
                text("SELECT get_raw_page(:table, :page)"), {"table": table, "page": page}
            ).scalar_one()
            for page in range(pages)
        )
    engine.dispose()
    return held


@contextmanager
def reading_the_keystore(urls: DatabaseUrls) -> Iterator[None]:
    """Another connection in the middle of reading the SQLite keystore (a backup, say)."""
    reader = sqlite3.connect(urls.keystore.removeprefix("sqlite:///"), isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM data_keys").fetchone()
        yield
    finally:
        reader.close()


@SQLITE_ONLY
def test_deleting_the_account_leaves_neither_its_key_nor_its_diary_in_the_sqlite_files(
    client: CheckingClient, written: tuple[bytes, bytes], database_urls: DatabaseUrls
) -> None:
    wrapped_key, sealed_entry = written
    assert sqlite_files_hold(database_urls.keystore, wrapped_key), "the search can find it"
    assert sqlite_files_hold(database_urls.main, sealed_entry), "the search can find it"

    delete_account(client)

    assert sqlite_files_hold(database_urls.keystore, wrapped_key) == []
    assert sqlite_files_hold(database_urls.main, sealed_entry) == []


@SQLITE_ONLY
def test_housekeeping_empties_the_keystore_log_that_a_busy_reader_kept_during_deletion(
    client: CheckingClient,
    written: tuple[bytes, bytes],
    runner: FlaskCliRunner,
    database_urls: DatabaseUrls,
) -> None:
    wrapped_key, _ = written

    with reading_the_keystore(database_urls):
        delete_account(client)  # the deletion itself still happens at once
        # The log cannot be emptied while someone reads from it, so the key is still there.
        assert sqlite_files_hold(database_urls.keystore, wrapped_key)

    result = runner.invoke(args=["housekeeping"])

    assert result.exit_code == 0, result.output
    assert sqlite_files_hold(database_urls.keystore, wrapped_key) == []


@POSTGRESQL_ONLY
def test_housekeeping_removes_a_deleted_key_from_the_postgresql_keystore_pages(
    app: Flask,
    client: CheckingClient,
    accounts: AccountHelper,
    runner: FlaskCliRunner,
    database_urls: DatabaseUrls,
) -> None:
    # Someone who stays keeps the page in use: a plain VACUUM would leave the deleted key's bytes
    # in its free space (an empty table it would simply cut off).
    accounts.register(accounts.new_client(), "robin")
    accounts.register(client)
    wrapped_key, _ = write_an_entry_and_read_back(app, client)
    delete_account(client)
    # The row is deleted, but its bytes stay in the page as a dead row until the table is vacuumed.
    assert postgres_pages_hold(database_urls.keystore, KEYSTORE_TABLE, wrapped_key)

    result = runner.invoke(args=["housekeeping"])

    assert result.exit_code == 0, result.output
    assert not postgres_pages_hold(database_urls.keystore, KEYSTORE_TABLE, wrapped_key)
    with app.app_context():
        assert len(keystore_db.session.scalars(select(WrappedDataKey)).all()) == 1


@POSTGRESQL_ONLY
def test_housekeeping_waits_for_a_transaction_older_than_the_deletion_to_end(
    client: CheckingClient,
    written: tuple[bytes, bytes],
    runner: FlaskCliRunner,
    database_urls: DatabaseUrls,
) -> None:
    """While a writing transaction that began before the deletion runs, anywhere on the server,
    PostgreSQL keeps the deleted row for it, even through VACUUM FULL."""
    wrapped_key, _ = written
    engine = create_engine(database_urls.main)
    with engine.connect() as older:
        older.execute(text("SELECT pg_current_xact_id()"))  # a write would take an id like this
        delete_account(client)
        ends_soon = threading.Timer(0.5, older.rollback)
        ends_soon.start()
        result = runner.invoke(args=["housekeeping"])
        ends_soon.join()
    engine.dispose()

    assert result.exit_code == 0, result.output
    assert not postgres_pages_hold(database_urls.keystore, KEYSTORE_TABLE, wrapped_key)


@pytest.mark.parametrize("command", [["housekeeping"], ["sessions", "purge"]])
def test_housekeeping_and_the_older_purge_command_delete_ended_sessions(
    app: Flask,
    client: CheckingClient,
    accounts: AccountHelper,
    runner: FlaskCliRunner,
    command: list[str],
) -> None:
    accounts.register(client)
    age_sessions(app, idle=timedelta(hours=1))

    result = runner.invoke(args=command)

    assert result.exit_code == 0, result.output
    assert "Deleted 1 ended sessions and 0 old sign-in failure records." in result.output
    with app.app_context():
        assert db.session.scalars(select(WebSession)).all() == []


def test_housekeeping_says_it_cleared_deleted_keys(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["housekeeping"])
    assert result.exit_code == 0, result.output
    assert "Cleared the keys of deleted accounts from the keystore's storage." in result.output


@POSTGRESQL_ONLY
def test_housekeeping_gives_way_to_a_long_keystore_query_and_fails_so_cron_says_so(
    client: CheckingClient,
    written: tuple[bytes, bytes],
    runner: FlaskCliRunner,
    database_urls: DatabaseUrls,
) -> None:
    wrapped_key, _ = written
    delete_account(client)
    engine = create_engine(database_urls.keystore)
    with engine.connect() as long_query:
        long_query.execute(text("SELECT count(*) FROM data_keys"))  # holds the table till rollback
        busy = runner.invoke(args=["housekeeping"])
        long_query.rollback()
    engine.dispose()

    assert busy.exit_code == 1
    assert "may still be in the keystore's storage: the next run will try again." in busy.output
    assert runner.invoke(args=["housekeeping"]).exit_code == 0
    assert not postgres_pages_hold(database_urls.keystore, KEYSTORE_TABLE, wrapped_key)
