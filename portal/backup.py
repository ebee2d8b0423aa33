"""Backing up and restoring one database: the main one or the keystore, each on its own.

`flask backup ...` (portal.cli) calls these with the site's own settings, so a backup is always
of the databases the site uses. On PostgreSQL they run pg_dump and pg_restore, PostgreSQL's own
tools (custom format: compressed, and restorable table by table). On SQLite they use SQLite's
online backup API, which copies a consistent snapshot while the site keeps running, where a
file copy could catch a page half-written or miss what is still in the `-wal` file.

The order matters: back up the main database first, then the keystore (README, "Keys and
backups"), so every account in the main backup has its key in the keystore backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

# Backups hold sealed records (or wrapped keys): readable by the site's user alone.
PRIVATE_FILE_MODE = 0o600


class BackupFailed(Exception):
    """The backup or restore did not finish; the message says why (never any data)."""


class RestoreRefused(Exception):
    """The database to restore into is not empty: a restore never overwrites anything."""


def back_up(database_url: str, backup_file: Path) -> None:
    """Write a backup of one database to `backup_file`, which must not exist yet."""
    url = make_url(database_url)
    partial = backup_file.with_name(backup_file.name + ".partial")
    partial.unlink(missing_ok=True)
    if backup_file.exists():
        raise BackupFailed(f"{backup_file} exists already: choose a new name.")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    try:
        if url.get_backend_name() == "sqlite":
            _copy_sqlite(Path(url.database or ""), partial)
        else:
            _run_postgres_tool("pg_dump", url, ["--format=custom", "--file", str(partial)])
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    # Moved into place whole, so a backup file that exists is a finished one.
    partial.replace(backup_file)


def restore(database_url: str, backup_file: Path) -> None:
    """Load `backup_file` into an empty database (a new PostgreSQL database, or a SQLite file
    that does not exist yet or has no tables)."""
    if not backup_file.is_file():
        raise BackupFailed(f"There is no backup file at {backup_file}.")
    if has_tables(database_url):
        raise RestoreRefused(
            "The database to restore into already has tables. Restore into a new, empty one."
        )
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(backup_file, Path(url.database or ""))
    else:
        _run_postgres_tool(
            "pg_restore",
            url,
            ["--exit-on-error", "--single-transaction", "--no-owner", str(backup_file)],
        )


def has_tables(database_url: str) -> bool:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return False
    engine = create_engine(url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup, in one step: a consistent snapshot, whatever writes meanwhile."""
    if not source.is_file():
        raise BackupFailed(f"There is no SQLite database at {source}.")
    with (
        sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True) as reading,
        sqlite3.connect(target) as writing,
    ):
        reading.backup(writing)
    reading.close()
    writing.close()


def _run_postgres_tool(tool: str, url: URL, arguments: list[str]) -> None:
    """pg_dump or pg_restore on the database `url` names; the password goes in the environment,
    never on a command line others can read."""
    program = shutil.which(tool)
    if program is None:
        raise BackupFailed(f"{tool} is not installed (Debian: apt install postgresql-client).")
    conninfo = url.set(drivername="postgresql", password=None).render_as_string()
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    finished = subprocess.run(  # noqa: S603 (PostgreSQL's own tool, our arguments)
        [program, *arguments, f"--dbname={conninfo}"],
        env=environment,
        capture_output=True,
        check=False,
    )
    if finished.returncode != 0:
        # pg_dump's and pg_restore's messages name tables and settings, never row contents.
        raise BackupFailed(f"{tool} failed: {finished.stderr.decode().strip()[-2000:]}")
