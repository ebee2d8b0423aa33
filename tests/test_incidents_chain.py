"""Tamper evidence: the chain verifies after every kind of change the site makes, and breaks at
the right incident after every kind of change it does not: a changed row, a removed row,
reordered rows, and history rebuilt by someone holding the person's own key."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from portal.dates import today_in_london
from portal.extensions import db
from portal.incidents.chain import (
    LINK_KIND,
    SUBJECT_FIELD,
    content_digest,
    link_hash,
    revision_content,
)
from portal.incidents.log import REVISION_KIND, check_log
from portal.models import ChainLink, IncidentRevision, User
from portal.security.data_keys import cipher_for
from tests.support.client import AccountHelper, CheckingClient, page_text
from tests.support.incidents import change_incident, full_form, record_quickly

DAY = today_in_london() - timedelta(days=3)


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
            if body["subject"]["incident"] == first and link.event == "recorded":
                salt = (
                    bytes.fromhex(body["salt"])
                    if False
                    else __import__("base64").b64decode(body["salt"])
                )
                digest = content_digest(salt, revision_content(uuid.UUID(first), 1, payload))
                body["digest"] = digest.hex()
                link.subject_sealed = cipher.seal_json(
                    body, kind=LINK_KIND, record_id=link.link_id, field=SUBJECT_FIELD
                )
            link.link_hash = link_hash(
                previous, link.event, link.recorded_at, bytes.fromhex(body["digest"])
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
