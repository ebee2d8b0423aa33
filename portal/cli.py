"""`flask --app portal ...` commands for people running the portal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app, render_template
from flask.cli import AppGroup, with_appcontext

from portal import migrate
from portal.account.services import delete_unused_accounts
from portal.admin.services import StaffAccountNotFound, staff_user_named
from portal.auth.roles import Role, give_role
from portal.auth.second_factor import forget_second_factor
from portal.auth.services import RegistrationRefused
from portal.auth.services import register as register_account
from portal.auth.slowdowns import forget_old_slowdowns
from portal.backup import BackupFailed, RestoreRefused, back_up, restore
from portal.contacts import current_contacts
from portal.database import SQLITE_BUSY_SECONDS, empty_write_ahead_log, is_sqlite
from portal.extensions import db, keystore_db
from portal.guides.library import (
    GUIDES_FOLDER,
    check_files,
    check_folder,
    export_published,
    guide_files,
    sync_folder,
)
from portal.guides.problems import GuideInvalid
from portal.guides.questionnaires import load_questionnaires
from portal.incidents.signing import current_signer, new_signing_key, public_key_setting
from portal.security.crypto import new_data_keys_entry
from portal.security.data_keys import keyring, keys_to_rewrap, rewrap_all, shred_destroyed_keys
from portal.security.sessions import purge_ended_sessions
from portal.sharing.services import destroy_expired_shares

db_cli = AppGroup("db", help="Database migrations (Alembic).")
keys_cli = AppGroup(
    "keys",
    help="Data keys: make a new one, rewrap accounts with the newest. The signing key: make one.",
)
sessions_cli = AppGroup("sessions", help="Signed-in sessions.")
staff_cli = AppGroup("staff", help="Staff and admin accounts.")
backup_cli = AppGroup(
    "backup",
    help="Back up the main database and the keystore, each to its own file (main first), and "
    "restore a backup into a new, empty database.",
)
# Which setting names each database, by the name an operator types.
DATABASE_SETTINGS = {"main": "DATABASE_URL", "keystore": "KEYSTORE_URL"}
WHICH_DATABASE = click.Choice(list(DATABASE_SETTINGS))
BACKUP_FILE = click.Path(dir_okay=False, path_type=Path)

guides_cli = AppGroup(
    "guides",
    help="Guides: check the Markdown files, load them into the site, and write the ones "
    "published in the browser back.",
)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the database and keystore up to date (safe to run at every deploy)."""
    migrate.upgrade(current_app._get_current_object(), revision)  # type: ignore[attr-defined]


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION ('-1' for one step, 'base' for empty)."""
    migrate.downgrade(current_app._get_current_object(), revision)  # type: ignore[attr-defined]


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the change is for.")
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    migrate.new_revision(current_app._get_current_object(), message)  # type: ignore[attr-defined]


@db_cli.command("current")
def db_current() -> None:
    """Show the revision each database is at."""
    migrate.current(current_app._get_current_object())  # type: ignore[attr-defined]


@keys_cli.command("new")
@click.option("--name", default=None, help="A short name for the key (letters, digits, - or _).")
def keys_new(name: str | None) -> None:
    """Print a new key entry for PORTAL_DATA_KEYS (put it first; keep the old ones after it)."""
    click.echo(new_data_keys_entry(name))


@keys_cli.command("signing-new")
def keys_signing_new() -> None:
    """Print a new Ed25519 key for PORTAL_SIGNING_KEY, which signs evidence packs."""
    click.echo(new_signing_key())
    click.echo(
        "Keep it as safe as PORTAL_DATA_KEYS. To replace a key in use, first add the old one's "
        "public key (keys signing-public) to PORTAL_RETIRED_SIGNING_KEYS, so what it signed "
        "still checks.",
        err=True,
    )


@keys_cli.command("signing-public")
def keys_signing_public() -> None:
    """Print the public key of PORTAL_SIGNING_KEY, as PORTAL_RETIRED_SIGNING_KEYS takes it."""
    signer = current_signer()
    click.echo(public_key_setting(signer.public_key))
    click.echo(f"Fingerprint (SHA-256): {signer.fingerprint}", err=True)


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Rewrap every account's data key with the newest key in PORTAL_DATA_KEYS."""
    ring = keyring()
    total = keys_to_rewrap(keystore_db.session, ring)
    click.echo(f"{total} data keys to rewrap with {ring.newest.key_id}.")
    with click.progressbar(length=total, label="Rewrapping", show_pos=True) as bar:
        done_before = 0

        def advance(done: int) -> None:
            nonlocal done_before
            bar.update(done - done_before)
            done_before = done

        changed = rewrap_all(keystore_db.session, ring, progress=advance)
    click.echo(f"Rewrapped {changed} data keys with {ring.newest.key_id}.")
    click.echo("Once every server uses the new settings, older keys can be removed.")


def _purge_sessions_and_failures() -> None:
    config = current_app.config
    ended = purge_ended_sessions(
        db.session,
        timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        timedelta(hours=config["SESSION_MAX_HOURS"]),
    )
    forgotten = forget_old_slowdowns(db.session)
    click.echo(f"Deleted {ended} ended sessions and {forgotten} old sign-in failure records.")


@sessions_cli.command("purge")
def sessions_purge() -> None:
    """Delete ended sessions and old sign-in failures (`housekeeping` does this and more)."""
    _purge_sessions_and_failures()


@click.command("housekeeping")
@with_appcontext
def housekeeping() -> None:
    """Delete ended sessions, old sign-in failures, expired shares and accounts unused for
    PORTAL_UNUSED_ACCOUNT_MONTHS, and clear deleted accounts' keys (and on SQLite their records)
    from the databases' storage. Run it from cron every 5 to 15 minutes."""
    _purge_sessions_and_failures()
    click.echo(f"Destroyed {destroy_expired_shares(db.session)} shares that had ended.")
    months = current_app.config["UNUSED_ACCOUNT_MONTHS"]
    deleted = delete_unused_accounts(db.session, months)
    if months:
        click.echo(f"Deleted {deleted} accounts nobody had signed in to for {months} months.")
    unfinished = []
    if shred_destroyed_keys():
        click.echo("Cleared the keys of deleted accounts from the keystore's storage.")
    else:
        unfinished.append("the keys of deleted accounts may still be in the keystore's storage")
    if is_sqlite(db.engine):
        if empty_write_ahead_log(db.engine, SQLITE_BUSY_SECONDS):
            click.echo("Emptied the main database's write-ahead log.")
        else:
            unfinished.append("the main database's write-ahead log is not empty")
    if unfinished:
        click.echo(f"Busy, so {' and '.join(unfinished)}: the next run will try again.", err=True)
        raise click.exceptions.Exit(1)


@guides_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def guides_check(paths: tuple[Path, ...]) -> None:
    """Check guide files (all of guides/ by default); each problem is shown as file:line."""
    if paths:
        definitions, problems = load_questionnaires(
            GUIDES_FOLDER / "questionnaires", current_contacts()
        )
        problems += check_files(list(paths), definitions)
        checked = len(paths)
    else:
        problems = check_folder(GUIDES_FOLDER)
        checked = len(guide_files(GUIDES_FOLDER))
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.exceptions.Exit(1)
    click.echo(f"{checked} guide{'s' if checked != 1 else ''} checked: no problems.")


@guides_cli.command("sync")
def guides_sync() -> None:
    """Save and publish each guide in guides/ whose text has changed. A guide changed in the
    staff area since is skipped, with the reason: this never overwrites staff work."""
    try:
        report = sync_folder(db.session)
    except GuideInvalid as invalid:
        for problem in invalid.problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(1) from None
    for name in report.saved:
        click.echo(f"Published {name}")
    for reason in report.skipped:
        click.echo(f"Skipped {reason}")
    summary = f"{len(report.saved)} published, {len(report.unchanged)} unchanged"
    if report.skipped:
        summary += f", {len(report.skipped)} skipped (changed in the staff area)"
    click.echo(f"{summary}.")


@guides_cli.command("export")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=GUIDES_FOLDER,
    show_default="guides/",
    help="The folder to write <slug>.md files into.",
)
def guides_export(out: Path) -> None:
    """Write each published guide, as published (in the browser or from a file), to
    <slug>.md, so revisions made in the staff area go into version control."""
    report = export_published(db.session, out)
    for name in report.written:
        click.echo(f"Wrote {out / name}")
    for slug in report.not_published:
        click.echo(f"Left out {slug}: not published")
    click.echo(f"{len(report.written)} written, {len(report.unchanged)} unchanged.")


@staff_cli.command("create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice([Role.ADMIN, Role.STAFF]),
    default=Role.ADMIN,
    show_default=True,
    help="admin manages staff; staff edit and publish guides.",
)
@click.password_option(help="15 characters or more; asked for when not given.")
def staff_create(name: str, role: str, password: str) -> None:
    """Make a staff or admin account (the first admin is made this way). It must add a second
    factor at its first sign-in before it can open any staff page."""
    try:
        account = register_account(db.session, name, password)
    except RegistrationRefused as refused:
        raise click.ClickException(str(refused)) from None
    give_role(db.session, account.user, Role(role))
    click.echo(f"Made {role} account {account.user.username}. Its recovery codes, shown once:")
    for code in account.recovery_codes:
        click.echo(f"  {code}")


@staff_cli.command("reset-code")
@click.argument("username")
def staff_reset_code(username: str) -> None:
    """Forget a staff or admin account's authenticator app, for an admin who has lost both the
    phone and the recovery codes and has no other admin to do it from the Staff accounts page.
    Its sessions end; it sets up a new app at its next sign-in."""
    try:
        user = staff_user_named(db.session, username)
    except StaffAccountNotFound:
        raise click.ClickException(f"No staff or admin account is called {username}") from None
    forget_second_factor(db.session, user)
    db.session.commit()
    click.echo(f"{username} sets up a new authenticator app at its next sign-in.")


@backup_cli.command("save")
@click.argument("database", type=WHICH_DATABASE)
@click.argument("backup_file", type=BACKUP_FILE)
def backup_save(database: str, backup_file: Path) -> None:
    """Back up DATABASE (main or keystore) to BACKUP_FILE, a new file, while the site runs.
    Back up main first, then keystore, and keep the two apart."""
    try:
        back_up(current_app.config[DATABASE_SETTINGS[database]], backup_file)
    except BackupFailed as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(f"Backed up the {database} database to {backup_file}.")
    if database == "main":
        click.echo("Now back up the keystore (flask backup save keystore FILE).")


@backup_cli.command("restore")
@click.argument("database", type=WHICH_DATABASE)
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def backup_restore(database: str, backup_file: Path) -> None:
    """Restore BACKUP_FILE into DATABASE (main or keystore), as the settings name it, which
    must be new and empty. Nothing opens without the same PORTAL_DATA_KEYS."""
    try:
        restore(current_app.config[DATABASE_SETTINGS[database]], backup_file)
    except (BackupFailed, RestoreRefused) as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(f"Restored the {database} database from {backup_file}.")


@click.command("offline-page")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def offline_page(out: Path) -> None:
    """Write the page the proxy shows when no host answers (deploy/nginx.conf's error_page):
    Quick exit and the help lines, with nothing to fetch. Write it again when contacts change."""
    with current_app.test_request_context():
        page = render_template(
            "errors/offline.html", quick_exit_url=current_app.config["QUICK_EXIT_URL"]
        )
    out.write_text(page)
    click.echo(f"Wrote {out}")


def register(app: Flask) -> None:
    commands = (
        *(db_cli, keys_cli, sessions_cli, guides_cli, staff_cli, backup_cli),
        *(housekeeping, offline_page),
    )
    for command in commands:
        app.cli.add_command(command)
