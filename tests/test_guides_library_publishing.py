"""guides/ and the database as one source of truth: `flask guides sync` never overwrites what
staff published or took down in the browser, `flask guides export` writes published revisions
back as Markdown, and revisions (and the audit log) never change once written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select

from portal.extensions import db
from portal.guides.library import (
    GUIDES_FOLDER,
    guide_by_slug,
    publish_revision,
    sync_folder,
    with_version_number,
)
from portal.models import GuideVersion, StaffAuditEvent
from portal.models.audit import AuditLogAppendOnly
from portal.models.guides import RevisionImmutable
from tests.support.client import AccountHelper, CheckingClient, page_text
from tests.support.guides import next_version
from tests.support.staff_area import publish, staff_signed_in

pytestmark = pytest.mark.usefixtures("bundled_guides")

SLEEP = "better-sleep"
SLEEP_SOURCE = (GUIDES_FOLDER / f"{SLEEP}.md").read_text()
BROWSER_WORDS = "Written in the browser."
FILE_WORDS = "Written in the file."
FIRST_STEP = f"/guides/{SLEEP}/steps/how-you-sleep"  # where added() puts the words


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of guides/ to change, as a developer would."""
    copy = tmp_path / "guides"
    shutil.copytree(GUIDES_FOLDER, copy)
    return copy


def added(source: str, words: str) -> str:
    return source.replace("## Sleep and mood", f"{words}\n\n## Sleep and mood", 1)


def test_sync_skips_a_guide_staff_published_since_and_says_so(
    app: Flask,
    client: CheckingClient,
    accounts: AccountHelper,
    runner: FlaskCliRunner,
) -> None:
    staff_signed_in(client, app, accounts)
    publish(client, SLEEP, added(SLEEP_SOURCE, BROWSER_WORDS))
    result = runner.invoke(args=["guides", "sync"])
    assert result.exit_code == 0, result.output
    assert (
        f"Skipped {SLEEP}.md: revision 3 was published in the staff area, and the file is "
        "version 2: run `flask guides export` to bring it into guides/, then edit from there"
    ) in result.output
    assert "1 skipped (changed in the staff area)" in result.output
    assert BROWSER_WORDS in page_text(client.get(FIRST_STEP))


def test_sync_skips_a_file_raised_to_the_staff_revisions_number_with_other_text(
    app: Flask, client: CheckingClient, accounts: AccountHelper, folder: Path
) -> None:
    staff_signed_in(client, app, accounts)
    publish(client, SLEEP, added(SLEEP_SOURCE, BROWSER_WORDS))
    (folder / f"{SLEEP}.md").write_text(added(next_version(SLEEP_SOURCE), FILE_WORDS))
    with app.app_context():
        report = sync_folder(db.session, folder)
    assert [name.split(":")[0] for name in report.skipped] == [f"{SLEEP}.md"]
    assert BROWSER_WORDS in page_text(client.get(FIRST_STEP))


def test_sync_publishes_a_file_newer_than_the_staff_revision(
    app: Flask, client: CheckingClient, accounts: AccountHelper, folder: Path
) -> None:
    staff_signed_in(client, app, accounts)
    publish(client, SLEEP, added(SLEEP_SOURCE, BROWSER_WORDS))
    newer = with_version_number(added(SLEEP_SOURCE, FILE_WORDS), 4)
    (folder / f"{SLEEP}.md").write_text(newer)
    with app.app_context():
        report = sync_folder(db.session, folder)
    assert report.saved == [f"{SLEEP}.md (version 4)"]
    assert FILE_WORDS in page_text(client.get(FIRST_STEP))


def test_sync_leaves_a_guide_staff_took_down_unpublished(
    app: Flask, client: CheckingClient, accounts: AccountHelper, runner: FlaskCliRunner
) -> None:
    staff_signed_in(client, app, accounts)
    client.submit(f"/staff/guides/{SLEEP}/unpublish", {"reason": "Facts to check"})
    result = runner.invoke(args=["guides", "sync"])
    assert f"Skipped {SLEEP}.md: unpublished in the staff area" in result.output
    assert client.get(f"/guides/{SLEEP}").status_code == 404


def test_sync_leaves_a_guide_being_written_in_the_browser_alone(
    app: Flask, client: CheckingClient, accounts: AccountHelper, folder: Path
) -> None:
    staff_signed_in(client, app, accounts)
    client.submit("/staff/guides/new", {"title": "Noise", "slug": "noise", "topic": "sleep"})
    (folder / "noise.md").write_text(SLEEP_SOURCE.replace(f"slug: {SLEEP}", "slug: noise"))
    with app.app_context():
        report = sync_folder(db.session, folder)
    assert report.skipped == ["noise.md: being written in the staff area"]
    assert client.get("/guides/noise").status_code == 404


def test_export_writes_each_published_revision_and_sync_then_finds_it_unchanged(
    app: Flask,
    client: CheckingClient,
    accounts: AccountHelper,
    runner: FlaskCliRunner,
    folder: Path,
) -> None:
    staff_signed_in(client, app, accounts)
    publish(client, SLEEP, added(SLEEP_SOURCE, BROWSER_WORDS))
    client.submit("/staff/guides/new", {"title": "Noise", "slug": "noise", "topic": "sleep"})
    client.submit("/staff/guides/panic-attacks/unpublish", {"reason": "Checking"})
    result = runner.invoke(args=["guides", "export", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {folder / SLEEP}.md (version 3)" in result.output
    assert "Left out noise: not published" in result.output
    assert "Left out panic-attacks: not published" in result.output
    exported = (folder / f"{SLEEP}.md").read_text()
    assert BROWSER_WORDS in exported
    assert "version: 3" in exported
    assert not (folder / "noise.md").exists()
    with app.app_context():
        report = sync_folder(db.session, folder)
    assert f"{SLEEP}.md (version 3)" in report.unchanged
    assert report.saved == []
    assert BROWSER_WORDS in page_text(client.get(FIRST_STEP))
    again = runner.invoke(args=["guides", "export", "--out", str(folder)])
    assert "0 written" in again.output


def test_staff_revisions_are_numbered_after_every_revision_with_the_version_line_to_match(
    app: Flask,
) -> None:
    with app.test_request_context("/"):
        guide = guide_by_slug(db.session, SLEEP)
        assert guide is not None
        revision = publish_revision(
            db.session, guide, SLEEP_SOURCE, author_id=guide.id, change_note="Again"
        )
        db.session.commit()
        assert revision.number == 3
        assert "\nversion: 3\n" in revision.source
        assert guide.published_version_id == revision.id


@pytest.mark.parametrize(
    ("source", "numbered"),
    [
        ("---\nslug: a\nversion: 2\n---\nText", "---\nslug: a\nversion: 7\n---\nText"),
        ("---\nslug: a\n---\nText", "---\nslug: a\nversion: 7\n---\nText"),
        ("No front matter", "No front matter"),
    ],
)
def test_with_version_number_sets_or_adds_the_front_matters_version(
    source: str, numbered: str
) -> None:
    assert with_version_number(source, 7) == numbered


def test_a_revision_never_changes_once_made(app: Flask) -> None:
    with app.app_context():
        revision = db.session.scalars(select(GuideVersion).limit(1)).one()
        revision.change_note = "rewritten history"
        with pytest.raises(RevisionImmutable):
            db.session.commit()


def test_the_audit_log_is_only_ever_added_to(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    client.submit(f"/staff/guides/{SLEEP}/unpublish", {"reason": "Facts to check"})
    with app.app_context():
        event = db.session.scalars(select(StaffAuditEvent)).one()
        event.detail = "nothing happened"
        with pytest.raises(AuditLogAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(event)
        with pytest.raises(AuditLogAppendOnly):
            db.session.commit()
        db.session.rollback()
        assert db.session.execute(delete(StaffAuditEvent)).rowcount == 1  # only by hand, in SQL
