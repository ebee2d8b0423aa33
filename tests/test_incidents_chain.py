"""Tamper evidence: the chain verifies after every kind of change the site makes, and breaks at
the right incident after every kind of change it does not: a changed row, a removed row,
reordered rows, and history rebuilt by someone holding the person's own key."""

from __future__ import annotations

import base64
import re
import threading
import uuid
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select, update

from portal.dates import today_in_london
from portal.extensions import db, keystore_db
from portal.incidents.chain import (
    LINK_KIND,
    SUBJECT_FIELD,
    content_digest,
    link_hash,
    revision_content,
)
from portal.incidents.log import INCIDENT_KIND, REVISION_KIND, check_log
from portal.models import (
    ChainCheckpoint,
    ChainLink,
    ChainMark,
    Incident,
    IncidentRevision,
    User,
)
from portal.security.data_keys import cipher_for
from tests.support.browser import live_server
from tests.support.client import PASSWORD, AccountHelper, CheckingClient, page_text
from tests.support.incidents import change_incident, full_form, quick_form, record_quickly
from tests.support.servers import HttpVisitor

DAY = today_in_london() - timedelta(days=3)
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def owner_id(app: Flask, username: str) -> uuid.UUID:
    with app.app_context():
        return db.session.scalars(select(User.id).where(User.username == username)).one()


def three_incidents(client: CheckingClient) -> list[str]:
    first = record_quickly(client, "First: shouting in the street", DAY)
    second = record_quickly(client, "Second: bins set on fire", DAY + timedelta(days=1))
    change_incident(client, second, full_form("Second: bins set on fire by two men", DAY))
    third = record_quickly(client, "Third: car alarm all night", DAY + timedelta(days=2))
    return [first, second, third]


def check_page(client: CheckingClient) -> str:
    return page_text(client.get("/incidents/check"))


def test_the_log_verifies_after_every_change_the_site_makes(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    first, _, _ = three_incidents(client)
    client.get(f"/incidents/{first}/delete")
    client.post_with_token(f"/incidents/{first}/delete")
    text = check_page(client)
    assert "Your log is unchanged" in text
    assert "All 5 records" in text  # 3 recorded, 1 amended, 1 deleted


def test_a_changed_revision_breaks_the_chain_at_its_incident(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    first, second, _ = three_incidents(client)
    with app.app_context():
        # Someone with the database but not the key swaps in another row's sealed text.
        donor = db.session.scalars(
            select(IncidentRevision.payload_sealed).where(
                IncidentRevision.incident_id == uuid.UUID(first)
            )
        ).one()
        db.session.execute(
            update(IncidentRevision)
            .where(IncidentRevision.incident_id == uuid.UUID(second), IncidentRevision.number == 1)
            .values(payload_sealed=donor)
        )
        db.session.commit()
    text = check_page(client)
    assert "Part of your log has changed since it was saved" in text
    assert "this record has been changed since it was saved" in text
    assert f"/incidents/{second}" in client.get("/incidents/check").get_data(as_text=True)


def test_a_removed_revision_breaks_the_chain_at_its_incident(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    _, second, _ = three_incidents(client)
    with app.app_context():
        db.session.execute(
            IncidentRevision.__table__.delete().where(
                IncidentRevision.incident_id == uuid.UUID(second), IncidentRevision.number == 2
            )
        )
        db.session.commit()
    page = client.get("/incidents/check").get_data(as_text=True)
    assert "a saved version of this incident is missing" in page
    assert f"/incidents/{second}" in page


def test_a_removed_link_breaks_the_chain(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    three_incidents(client)
    with app.app_context():
        db.session.execute(ChainLink.__table__.delete().where(ChainLink.sequence == 2))
        db.session.commit()
    assert "a record before this one has been removed" in check_page(client)


def test_the_newest_records_removed_with_their_links_and_checkpoints_are_found(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    """No gap is left in the chain, but the keystore's mark says how long it had been."""
    accounts.register(client)
    _, _, third = three_incidents(client)
    assert "Your log is unchanged" in check_page(client)
    with app.app_context():
        newest = db.session.scalar(select(func.max(ChainLink.sequence)))
        assert newest is not None
        third_id = uuid.UUID(third)
        for table, where in (
            (IncidentRevision, IncidentRevision.incident_id == third_id),
            (Incident, Incident.id == third_id),
            (ChainCheckpoint, ChainCheckpoint.sequence == newest),
            (ChainLink, ChainLink.sequence == newest),
        ):
            db.session.execute(table.__table__.delete().where(where))
        db.session.commit()
    text = check_page(client)
    assert "Part of your log has changed since it was saved" in text
    assert (
        f"this site saved {newest} changes to your log, and only the first {newest - 1} are there"
    ) in text


def test_the_mark_goes_with_the_account(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    three_incidents(client)
    with app.app_context():
        user_id = db.session.scalars(select(User.id)).one()
        assert keystore_db.session.get(ChainMark, user_id) is not None
    deleted = client.submit("/account/delete", {"current_password": PASSWORD})
    assert deleted.status_code == 303
    with app.app_context():
        assert keystore_db.session.get(ChainMark, user_id) is None


def test_reordered_rows_break_the_chain(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    _, second, _ = three_incidents(client)
    with app.app_context():
        # Swap the first two links' places (their sequence numbers) through a spare number.
        for old, new in ((1, 100), (2, 1), (100, 2)):
            db.session.execute(
                update(ChainLink).where(ChainLink.sequence == old).values(sequence=new)
            )
        db.session.commit()
    page = client.get("/incidents/check").get_data(as_text=True)
    assert "Part of your log has changed" in page
    # The second incident's record now stands first, where it does not belong.
    assert "the records around this one have been moved or changed" in page
    assert f"/incidents/{second}" in page


def test_history_rebuilt_with_the_persons_own_key_no_longer_matches_the_sites_checkpoints(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    """The person holds their key, so they could re-seal an old revision and recompute every
    link after it; what the site signed at the time still gives it away."""
    account = accounts.register(client)
    first, _, _ = three_incidents(client)
    owner = owner_id(app, account.username)
    with app.app_context():
        cipher = cipher_for(owner)
        revision = db.session.scalars(
            select(IncidentRevision).where(IncidentRevision.incident_id == uuid.UUID(first))
        ).one()
        payload = cipher.open_json(
            revision.payload_sealed, kind=REVISION_KIND, record_id=revision.id, field="payload"
        )
        payload["what_happened"] = "First: nothing much happened"
        revision.payload_sealed = cipher.seal_json(
            payload, kind=REVISION_KIND, record_id=revision.id, field="payload"
        )
        shown = db.session.get(Incident, uuid.UUID(first))
        shown.payload_sealed = cipher.seal_json(
            payload, kind=INCIDENT_KIND, record_id=shown.id, field="payload"
        )
        # Recompute the link for it and every link after, as a careful forger would.
        previous = bytes(32)
        for link in db.session.scalars(
            select(ChainLink).where(ChainLink.user_id == owner).order_by(ChainLink.sequence)
        ):
            body = cipher.open_json(
                link.subject_sealed,
                kind=LINK_KIND,
                record_id=link.link_id,
                field=SUBJECT_FIELD,
            )
            if body["subject"]["incident"] == first and body["event"] == "recorded":
                salt = base64.b64decode(body["salt"])
                digest = content_digest(salt, revision_content(uuid.UUID(first), 1, payload))
                body["digest"] = digest.hex()
                link.subject_sealed = cipher.seal_json(
                    body, kind=LINK_KIND, record_id=link.link_id, field=SUBJECT_FIELD
                )
            link.link_hash = link_hash(
                previous, body["event"], link.recorded_at, bytes.fromhex(body["digest"])
            )
            previous = link.link_hash
        db.session.commit()
        report = check_log(db.session, owner)
    assert not report.verified
    assert report.problem is not None
    assert report.problem.reason == (
        "the log no longer matches what this site signed when it was saved"
    )


def test_nothing_in_the_clear_tells_two_identical_incidents_apart_or_reveals_them(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    record_quickly(client, "The same words twice", DAY)
    record_quickly(client, "The same words twice", DAY)
    with app.app_context():
        links = db.session.scalars(
            select(ChainLink).where(ChainLink.user_id == owner_id(app, account.username))
        ).all()
    hashes = {link.link_hash for link in links}
    assert len(hashes) == 2
    for link in links:
        assert b"same words" not in link.subject_sealed


def test_an_older_version_copied_back_over_the_shown_one_is_found(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    _, second, _ = three_incidents(client)
    with app.app_context():
        first_revision = db.session.scalars(
            select(IncidentRevision).where(
                IncidentRevision.incident_id == uuid.UUID(second), IncidentRevision.number == 1
            )
        ).one()
        owner = first_revision.user_id
        cipher = cipher_for(owner)
        older = cipher.open_json(
            first_revision.payload_sealed,
            kind=REVISION_KIND,
            record_id=first_revision.id,
            field="payload",
        )
        # As a restore from an old backup would: the row as it was before the amendment.
        shown = db.session.get(Incident, uuid.UUID(second))
        shown.payload_sealed = cipher.seal_json(
            older, kind=INCIDENT_KIND, record_id=shown.id, field="payload"
        )
        shown.version = 1
        db.session.commit()
    page = client.get("/incidents/check").get_data(as_text=True)
    assert "the version shown of this incident is not its latest saved one" in page
    assert f"/incidents/{second}" in page


def test_a_deleted_incident_restored_from_a_backup_is_found(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    first, _, _ = three_incidents(client)
    with app.app_context():
        backup = [
            dict(row._mapping)
            for row in db.session.execute(
                select(Incident.__table__).where(Incident.id == uuid.UUID(first))
            )
        ]
        backed_up_revisions = [
            dict(row._mapping)
            for row in db.session.execute(
                select(IncidentRevision.__table__).where(
                    IncidentRevision.incident_id == uuid.UUID(first)
                )
            )
        ]
    client.get(f"/incidents/{first}/delete")
    client.post_with_token(f"/incidents/{first}/delete")
    with app.app_context():
        db.session.execute(Incident.__table__.insert(), backup)
        db.session.execute(IncidentRevision.__table__.insert(), backed_up_revisions)
        db.session.commit()
    assert "an incident that was deleted has come back" in check_page(client)


def test_a_missing_checkpoint_is_found(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    three_incidents(client)
    with app.app_context():
        db.session.execute(ChainCheckpoint.__table__.delete().where(ChainCheckpoint.sequence == 3))
        db.session.commit()
    assert "the site's signature for this record is missing" in check_page(client)


def test_a_deletion_is_listed_without_what_was_deleted(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    gone = record_quickly(client, "Something I no longer want here", DAY)
    client.get(f"/incidents/{gone}/delete")
    client.post_with_token(f"/incidents/{gone}/delete")
    text = check_page(client)
    assert "An incident, deleted" in text
    assert "Something I no longer want here" not in text


def test_six_saves_at_once_from_one_account_all_land_in_one_unbroken_chain(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    """Two tabs, or a double-tapped Save: each write waits its turn for the next link."""
    account = accounts.register(client)
    visitor = HttpVisitor()
    with live_server(app) as base_url:
        _, page = visitor.request(base_url + "/sign-in")
        token = CSRF_INPUT.search(page).group(1)
        visitor.request(
            base_url + "/sign-in",
            {"csrf_token": token, "username": account.username, "password": account.password},
        )
        _, page = visitor.request(base_url + "/incidents/quick")
        token = CSRF_INPUT.search(page).group(1)
        start = threading.Barrier(6)
        statuses: list[int] = []

        def save(number: int) -> None:
            start.wait()
            status, _ = visitor.request(
                base_url + "/incidents/quick",
                {"csrf_token": token, **quick_form(f"Save number {number}", DAY)},
            )
            statuses.append(status)

        threads = [threading.Thread(target=save, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert statuses == [302] * 6
    text = check_page(client)
    assert "Your log is unchanged" in text
    assert "All 6 records" in text
