"""The privacy boundary: a person's secret in every kind of private record never reaches any staff
or admin page; the guards refuse a staff request's reach for private data; small counts are
shown only as "fewer than 5"."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from flask import Flask, Response
from sqlalchemy import select, text
from werkzeug.exceptions import NotFound

from portal.auth.roles import Role
from portal.dates import today_in_london
from portal.extensions import db
from portal.guides.library import GUIDES_FOLDER
from portal.models import Base, DiaryEntry, GuideAnswer, GuideProgress, User
from portal.security.data_keys import PrivateRecordsSealedOff, cipher_for
from portal.staff.boundary import (
    ACCOUNT_TABLES,
    SEALED_OFF_COLUMNS,
    SEALED_OFF_TABLES,
    PeopleCount,
    PrivateDataRefused,
)
from tests.support import evidence_files
from tests.support.client import AccountHelper, CheckingClient, page_text
from tests.support.diary import entry_form, night_form
from tests.support.incidents import record_quickly, upload
from tests.support.sharing import make_share
from tests.support.staff_area import publish, save_draft, staff_signed_in

pytestmark = pytest.mark.usefixtures("bundled_guides")

SECRET = "quokkamandolin"
SLEEP = "better-sleep"
BOUNDED_PREFIXES = ("staff.", "admin.")
EXAMPLE_ARGUMENTS = {"slug": SLEEP, "number": 2}


def seed_a_person_with_secrets(client: CheckingClient, accounts: AccountHelper) -> str:
    """A person whose username, diary, sleep notes, incident, evidence file's name, guide
    answer and share all hold SECRET; returns the username."""
    account = accounts.register(client, chosen=SECRET)
    assert SECRET in account.username
    earlier = today_in_london() - timedelta(days=3)
    diary = client.submit("/diary/new", entry_form(earlier, notes=f"{SECRET} diary"))
    night = client.submit("/diary/sleep/new", night_form(earlier, notes=f"{SECRET} night"))
    assert (diary.status_code, night.status_code) == (302, 302)
    incident_id = record_quickly(client, f"{SECRET} incident", earlier)
    uploaded = upload(client, incident_id, evidence_files.pdf(), f"{SECRET}-letter.pdf")
    assert uploaded.status_code == 302, page_text(uploaded)
    make_share(client, earlier, today_in_london(), label=f"{SECRET} share", shared_by=SECRET)
    step = f"/guides/{SLEEP}/steps/sleep-diary"
    saved = client.submit(step, {"answer-sleep-pattern": f"{SECRET} answer"})
    assert saved.status_code == 302
    assert SECRET in page_text(client.get(f"/guides/{SLEEP}/answers"))
    return account.username


def bounded_urls(app: Flask) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(BOUNDED_PREFIXES):
            continue
        path = rule.rule
        for name in rule.arguments:
            value = EXAMPLE_ARGUMENTS.get(name, uuid.uuid4())
            path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_no_staff_or_admin_page_shows_anything_of_a_persons(
    app: Flask, client: CheckingClient, accounts: AccountHelper, role: Role
) -> None:
    person = accounts.new_client()
    username = seed_a_person_with_secrets(person, accounts)
    staff_signed_in(client, app, accounts, role)
    # Something in every part of the staff area: revisions, history, the audit log.
    source = (GUIDES_FOLDER / f"{SLEEP}.md").read_text()
    publish(client, SLEEP, source.replace("## Sleep and mood", "A new line.\n\n## Sleep and mood"))
    urls = bounded_urls(app)
    urls += [("GET", f"/staff/guides/{SLEEP}/compare?old=2&new=3")]
    token = client.csrf_token(client.get("/staff"))
    form = {
        "csrf_token": token,
        "source": source.replace("{#sleep-pattern ", "{#gone "),
        "preview_step": "how-you-sleep",
        "action": "preview",
        "change_note": "x",
    }
    walked = 0
    for method, url in urls:
        response = client.open(url, method=method, data=form if method == "POST" else None)
        assert response.status_code < 500, (method, url)
        body = response.get_data(as_text=True)
        for secret in (SECRET, username):
            assert secret not in body, (method, url)
        walked += 1
    assert walked >= 15
    # A draft dropping the answered exercise: its publishing page counts, without saying whose.
    save_draft(client, SLEEP, form["source"])
    publish_page = client.get(f"/staff/guides/{SLEEP}/publish")
    assert "sleep-pattern An exercise they answered fewer than 5" in page_text(publish_page)
    assert SECRET not in publish_page.get_data(as_text=True)


def test_a_staff_request_can_neither_read_private_records_nor_open_a_key(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    person = accounts.new_client()
    seed_a_person_with_secrets(person, accounts)
    with app.app_context():
        person_id = db.session.scalars(select(User.id).where(User.username.contains(SECRET))).one()
    with app.test_request_context("/staff"):
        # The boundary is entered before anything else runs, so even the not-found answer to
        # someone who is not staff is given inside it.
        with pytest.raises(NotFound):
            app.preprocess_request()
        for statement in (
            select(DiaryEntry),
            select(GuideAnswer.value_sealed),
            select(GuideProgress).where(GuideProgress.guide_id.is_not(None)),
            select(GuideAnswer.block_id).where(GuideAnswer.user_id == person_id),
            text("SELECT payload_sealed FROM incidents"),
        ):
            with pytest.raises(PrivateDataRefused):
                db.session.execute(statement)
            db.session.rollback()
        with pytest.raises(PrivateRecordsSealedOff):
            cipher_for(person_id)
    with app.test_request_context("/guides"):
        app.preprocess_request()
        assert db.session.execute(select(DiaryEntry.id)).all()  # outside the boundary: allowed
        cipher_for(person_id)


def test_every_table_holding_someones_rows_is_sealed_off_or_reviewed() -> None:
    """A new kind of record cannot be forgotten: each table with a user_id is sealed off from
    staff pages, or listed with the reason they may touch it."""
    with_owner = {table.name for table in Base.metadata.tables.values() if "user_id" in table.c}
    assert with_owner == (SEALED_OFF_TABLES | set(ACCOUNT_TABLES)) & with_owner
    assert with_owner - SEALED_OFF_TABLES == set(ACCOUNT_TABLES)
    for table, column in SEALED_OFF_COLUMNS:
        assert column in Base.metadata.tables[table].c


@pytest.mark.parametrize(
    ("number", "shown"),
    [(0, "fewer than 5"), (1, "fewer than 5"), (4, "fewer than 5"), (5, "5"), (1234, "1,234")],
)
def test_a_count_under_5_is_only_ever_fewer_than_5(number: int, shown: str) -> None:
    assert str(PeopleCount.of(number)) == shown


def test_the_guide_page_counts_starts_finishes_and_steps_hiding_small_numbers(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    for number in range(7):
        person = accounts.new_client()
        accounts.register(person, f"reader {number}")
        person.submit(f"/guides/{SLEEP}/steps/how-you-sleep", {})
        if number < 5:
            person.submit(f"/guides/{SLEEP}/steps/sleep-and-mood", {})
        if number < 2:
            person.submit(f"/guides/{SLEEP}/steps/sleep-diary", {})
    staff_signed_in(client, app, accounts)
    shown = page_text(client.get(f"/staff/guides/{SLEEP}"))
    assert "Started 7 Finished fewer than 5" in shown
    assert "1. How you are sleeping 7" in shown
    assert "2. Sleep and mood 5" in shown
    assert "3. Keeping a sleep diary fewer than 5" in shown
    assert "4. Bed is for sleep fewer than 5" in shown


@pytest.mark.parametrize(
    ("mimetype", "headers"),
    [
        ("text/csv", {}),
        ("application/zip", {}),
        ("text/html", {"Content-Disposition": "attachment"}),
    ],
)
def test_a_staff_page_may_not_send_a_file(
    app: Flask, mimetype: str, headers: dict[str, str]
) -> None:
    with app.test_request_context("/staff"):
        with pytest.raises(NotFound):
            app.preprocess_request()
        with pytest.raises(PrivateDataRefused):
            app.process_response(Response(b"a,b", mimetype=mimetype, headers=headers))
    with app.test_request_context("/account"):
        app.preprocess_request()
        app.process_response(Response(b"a,b", mimetype=mimetype, headers=headers))
