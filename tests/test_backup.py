"""Backups, as README "Keys and backups" tells the people running the site to take them: the main
database, then the keystore, each to its own file with `flask backup save`, and `flask backup
restore` into new, empty databases. Restored, every record reads back as it was; an account
deleted after the backup stays unreadable, because its key is gone from the keystore."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.journeys import export_sections
from portal.models import DiaryEntry, User
from portal.security.crypto import DataKeyMissing, DecryptionFailed, new_data_keys_entry
from tests.conftest import (
    DatabaseUrls,
    dispose,
    drop_postgres_database,
    empty_database_urls,
    make_app,
)
from tests.support.client import PASSWORD, AccountHelper, CheckingClient
from tests.support.evidence_files import wav
from tests.support.incidents import record_quickly
from tests.test_account_export import download, everything_written
from tests.test_incidents_files import upload

pytestmark = pytest.mark.usefixtures("bundled_guides")

SECRETS = {"DATA_KEYS": "PORTAL_DATA_KEYS", "SECRET_KEY": "PORTAL_SECRET_KEY"}


@pytest.fixture
def empty_databases(
    database_urls: DatabaseUrls, tmp_path: Path, worker_name: str
) -> Iterator[DatabaseUrls]:
    """A new, empty database pair beside the test's own, to restore into."""
    name = f"{worker_name}_restored"
    folder = tmp_path / "restored"
    folder.mkdir()
    yield empty_database_urls(database_urls.backend, name, folder)
    if database_urls.backend == "postgresql":
        drop_postgres_database(name)
        drop_postgres_database(name + "_keys")


@pytest.fixture
def backups(tmp_path: Path) -> Path:
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


def flask_command(app: Flask, *arguments: str) -> str:
    """Run `flask --app portal ...` on the app; what it printed. It must succeed."""
    result = app.test_cli_runner().invoke(args=list(arguments))
    assert result.exit_code == 0, result.output
    return result.output


def same_site_restored(
    app: Flask, databases: DatabaseUrls, tmp_path: Path, **other_settings: str
) -> Flask:
    """The site on other databases, with the original's keys (kept apart from any backup)."""
    settings = {env: app.config[name] for name, env in SECRETS.items()}
    settings["PORTAL_SIGNING_KEY"] = app.config["SIGNING_KEY"]
    restored = make_app(databases, tmp_path, **(settings | other_settings))
    restored.test_client_class = CheckingClient
    return restored


def person_writes_everything(client: CheckingClient, accounts: AccountHelper, mark: str) -> str:
    """A diary entry, a night, a guide answer, and an incident with a recording. The username."""
    username = everything_written(client, accounts, mark)
    incident = record_quickly(client, f"{mark}'s neighbour shouting", date(2026, 3, 2))
    upload(client, incident, wav(), f"{mark}.wav")
    return username


def everything_downloaded(app: Flask, username: str) -> dict[str, object]:
    """What the person's own download holds, signed in on this site, but for when it was made."""
    client: CheckingClient = app.test_client()  # type: ignore[assignment]
    client.submit("/sign-in", {"username": username, "password": PASSWORD})
    with zipfile.ZipFile(io.BytesIO(download(client).get_data())) as archive:
        held: dict[str, object] = {}
        for name in archive.namelist():
            if name.endswith(".json"):
                document = json.loads(archive.read(name))
                document.pop("exported_at")
                held["document"] = document
            elif not name.endswith(".html"):  # the web page says when it was made
                held[name] = archive.read(name)
    return held


def test_a_backup_restored_into_new_databases_reads_back_every_record_of_two_people(
    app: Flask,
    client: CheckingClient,
    accounts: AccountHelper,
    empty_databases: DatabaseUrls,
    backups: Path,
    tmp_path: Path,
) -> None:
    people = [
        person_writes_everything(client, accounts, "Wren"),
        person_writes_everything(accounts.new_client(), accounts, "Heron"),
    ]
    before = {person: everything_downloaded(app, person) for person in people}
    assert all(len(held) >= 2 for held in before.values())  # the document and the recording

    flask_command(app, "backup", "save", "main", str(backups / "main.backup"))
    flask_command(app, "backup", "save", "keystore", str(backups / "keystore.backup"))
    restored = same_site_restored(app, empty_databases, tmp_path)
    flask_command(restored, "backup", "restore", "main", str(backups / "main.backup"))
    flask_command(restored, "backup", "restore", "keystore", str(backups / "keystore.backup"))

    assert {person: everything_downloaded(restored, person) for person in people} == before
    dispose(restored)


def test_an_account_deleted_after_the_backup_cannot_be_read_from_the_restored_main_database(
    app: Flask,
    client: CheckingClient,
    accounts: AccountHelper,
    empty_databases: DatabaseUrls,
    backups: Path,
    tmp_path: Path,
) -> None:
    kept = person_writes_everything(client, accounts, "Wren")
    leaving = accounts.new_client()
    deleted = person_writes_everything(leaving, accounts, "Heron")
    kept_before = everything_downloaded(app, kept)
    flask_command(app, "backup", "save", "main", str(backups / "main.backup"))
    leaving.get("/account/delete")
    assert leaving.submit("/account/delete", {"current_password": PASSWORD}).status_code == 303

    # The main database comes back from the backup; the keystore is today's.
    restored = same_site_restored(
        app,
        DatabaseUrls(empty_databases.backend, empty_databases.main, app.config["KEYSTORE_URL"]),
        tmp_path,
    )
    flask_command(restored, "backup", "restore", "main", str(backups / "main.backup"))

    assert everything_downloaded(restored, kept) == kept_before
    with restored.test_request_context():
        deleted_id = db.session.scalar(select(User.id).where(User.username == deleted))
        assert deleted_id is not None
        assert db.session.scalar(
            select(func.count()).select_from(DiaryEntry).where(DiaryEntry.user_id == deleted_id)
        )
        with pytest.raises(DataKeyMissing):
            export_sections(db.session, deleted_id)
    dispose(restored)


def test_nothing_restored_opens_without_the_same_data_keys(
    app: Flask,
    client: CheckingClient,
    accounts: AccountHelper,
    empty_databases: DatabaseUrls,
    backups: Path,
    tmp_path: Path,
) -> None:
    person = person_writes_everything(client, accounts, "Wren")
    flask_command(app, "backup", "save", "main", str(backups / "main.backup"))
    flask_command(app, "backup", "save", "keystore", str(backups / "keystore.backup"))
    other_keys = new_data_keys_entry(app.config["DATA_KEYS"].split(":")[0])
    restored = same_site_restored(app, empty_databases, tmp_path, PORTAL_DATA_KEYS=other_keys)
    flask_command(restored, "backup", "restore", "main", str(backups / "main.backup"))
    flask_command(restored, "backup", "restore", "keystore", str(backups / "keystore.backup"))

    with restored.test_request_context():
        person_id = db.session.scalar(select(User.id).where(User.username == person))
        assert person_id is not None
        with pytest.raises(DecryptionFailed):
            export_sections(db.session, person_id)
    dispose(restored)


def test_a_restore_never_writes_over_a_database_that_has_tables(app: Flask, backups: Path) -> None:
    flask_command(app, "backup", "save", "main", str(backups / "main.backup"))
    result = app.test_cli_runner().invoke(
        args=["backup", "restore", "main", str(backups / "main.backup")]
    )
    assert result.exit_code == 1
    assert "already has tables" in result.output


def test_a_backup_never_replaces_an_earlier_one(app: Flask, backups: Path) -> None:
    flask_command(app, "backup", "save", "keystore", str(backups / "keystore.backup"))
    result = app.test_cli_runner().invoke(
        args=["backup", "save", "keystore", str(backups / "keystore.backup")]
    )
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert (backups / "keystore.backup").stat().st_mode & 0o077 == 0  # the site's user alone


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_a_sqlite_backup_taken_during_a_write_holds_only_what_was_saved(
    app: Flask, client: CheckingClient, accounts: AccountHelper, backups: Path
) -> None:
    everything_written(client, accounts, "Wren")
    main_file = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    writer = sqlite3.connect(main_file, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE half_written (note TEXT)")
    writer.execute("INSERT INTO half_written VALUES ('not saved yet')")

    flask_command(app, "backup", "save", "main", str(backups / "main.backup"))
    writer.execute("COMMIT")
    writer.close()

    backup = sqlite3.connect(backups / "main.backup")
    tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    entries = backup.execute("SELECT count(*) FROM diary_entries").fetchone()[0]
    backup.close()
    assert "half_written" not in tables
    assert entries == 1
