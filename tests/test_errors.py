"""Friendly error pages in the site's layout, for anything a person can cause."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.test import TestResponse

from portal.dates import today_in_london
from portal.extensions import db
from portal.models import DiaryEntry, Incident, SleepNight
from portal.security.crypto import new_data_keys_entry
from tests.conftest import POSTGRES_URL, DatabaseUrls, dispose, make_app
from tests.support.client import (
    AccountHelper,
    CheckingClient,
    form_as_sent,
    page_text,
)
from tests.support.diary import entry_form, night_form
from tests.support.incidents import full_form, quick_form, record_quickly
from tests.support.outages import CuttableLink


def test_an_unknown_page_gets_the_friendly_404(client: CheckingClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_the_wrong_method_gets_the_friendly_405(client: CheckingClient) -> None:
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert "Sorry, that did not work" in page_text(response)


@pytest.mark.parametrize(
    "app_settings", [{"PORTAL_MAX_REQUEST_MB": "2", "PORTAL_INCIDENT_FILE_MAX_MB": "1"}]
)
def test_an_oversized_request_gets_the_friendly_413(client: CheckingClient) -> None:
    page = client.get("/register")
    response = client.post(
        "/register",
        data={"csrf_token": client.csrf_token(page), "chosen_name": "x" * (3 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "too big" in page_text(response)
    assert "a file can be up to 1 MB" in page_text(response)


def test_an_unexpected_error_gets_the_friendly_500_and_logs_no_message(
    app: Flask, client: CheckingClient, caplog: pytest.LogCaptureFixture
) -> None:
    def fails_with_private_text() -> str:
        raise RuntimeError("my neighbour Dave threatened me")

    app.add_url_rule("/fails", view_func=fails_with_private_text)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not a traceback
    with caplog.at_level(logging.ERROR):
        response = client.get("/fails")
    assert response.status_code == 500
    assert "there is a problem with the service" in page_text(response)
    assert "RuntimeError" in caplog.text
    assert "test_errors.py" in caplog.text, "where it happened is logged"
    assert "Dave" not in caplog.text
    assert "Dave" not in response.get_data(as_text=True)


def test_error_pages_are_not_cached_and_not_indexed(client: CheckingClient) -> None:
    response = client.get("/missing")
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


# The database down -----------------------------------------------------------------------------
# PostgreSQL restarting or out of reach, through a link the test cuts. (SQLite has no server to
# lose: a file too busy to write raises the same error after 15 seconds, and takes the same path.)

SECRET_WORDS = "The van came back at 2am and parked across my drive"


@pytest.fixture
def link() -> Iterator[CuttableLink]:
    target = urlsplit(POSTGRES_URL or "postgresql://127.0.0.1:5432")
    cuttable = CuttableLink(target.hostname or "127.0.0.1", target.port or 5432)
    yield cuttable
    cuttable.close()


@pytest.fixture
def app_on_a_link(
    database_urls: DatabaseUrls, link: CuttableLink, tmp_path: Path
) -> Iterator[Flask]:
    through = DatabaseUrls(
        "postgresql", link.url_for(database_urls.main), link.url_for(database_urls.keystore)
    )
    app = make_app(through, tmp_path)
    app.test_client_class = CheckingClient
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    yield app
    dispose(app)


def signed_in_person(app: Flask) -> CheckingClient:
    accounts = AccountHelper(app)
    client = accounts.new_client()
    accounts.register(client)
    return client


def assert_the_busy_page(response: object, caplog: pytest.LogCaptureFixture) -> BeautifulSoup:
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response.headers["Retry-After"] == "10"  # type: ignore[attr-defined]
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")  # type: ignore[attr-defined]
    assert soup.select_one("[data-quick-exit], .quick-exit") is not None, (
        "Quick exit is on the page"
    )
    footer = soup.select_one("footer")
    assert footer is not None
    assert "999" in footer.get_text(), "the help lines are on the page"
    # The log says what failed, never a traceback or the driver's message.
    assert "(OperationalError)" in caplog.text
    assert "Traceback" not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
    assert "127.0.0.1" not in caplog.text
    return soup


@pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
def test_a_database_outage_gets_the_busy_page_and_the_site_recovers_by_itself(
    app_on_a_link: Flask, link: CuttableLink, caplog: pytest.LogCaptureFixture
) -> None:
    person = signed_in_person(app_on_a_link)
    visitor = app_on_a_link.test_client()
    with link.cut(), caplog.at_level(logging.WARNING):
        response = person.get("/diary")
        soup = assert_the_busy_page(response, caplog)
        assert soup.h1 is not None
        assert soup.h1.get_text() == "Sorry, the service is busy"
        assert "Set-Cookie" not in response.headers, "the person is not signed out by it"
        # Pages that need no database still open for a visitor: the help lines above all.
        assert visitor.get("/help").status_code == 200
    # Back by itself, still signed in.
    assert person.get("/diary").status_code == 200
    assert "Sign out" in person.get("/account").get_data(as_text=True)


YESTERDAY = today_in_london() - timedelta(days=1)


def a_diary_entry(person: CheckingClient) -> str:
    response = person.submit("/diary/new", entry_form(YESTERDAY, notes="A quiet day"))
    return f"/diary/entries/{response.headers['Location'].rsplit('/', 1)[-1]}/edit"


def a_night(person: CheckingClient) -> str:
    response = person.submit("/diary/sleep/new", night_form(YESTERDAY))
    return f"/diary/sleep/nights/{response.headers['Location'].rsplit('/', 1)[-1]}/edit"


def an_incident(person: CheckingClient) -> str:
    return f"/incidents/{record_quickly(person, 'Shouting outside', YESTERDAY)}/change"


@dataclass(frozen=True)
class FormThatKeepsWriting:
    """Where the form is (made first, for a change), what the person types into it, the heading
    it comes back under, and the records it saves to."""

    where: Callable[[CheckingClient], str]
    typed: dict[str, str]
    heading: str
    model: type[DiaryEntry | SleepNight | Incident]
    changes: bool  # a change adds a version to a record; otherwise a new record

    def saves(self, app: Flask) -> tuple[int, int]:
        """How many records, and versions of them, the person has of this kind."""
        with app.app_context():
            rows, versions = db.session.execute(
                select(func.count(), func.coalesce(func.sum(self.model.version), 0))
            ).one()
        return int(rows), int(versions)

    def saved_once(self, before: tuple[int, int], after: tuple[int, int]) -> bool:
        rows, versions = before
        return after == ((rows, versions + 1) if self.changes else (rows + 1, versions + 1))


FORMS_THAT_KEEP_WRITING = {
    "new diary entry": FormThatKeepsWriting(
        lambda _: "/diary/new",
        entry_form(YESTERDAY, mood=4, notes=SECRET_WORDS, tags="noise"),
        "Write a diary entry",
        DiaryEntry,
        changes=False,
    ),
    "changed diary entry": FormThatKeepsWriting(
        a_diary_entry, {"notes": SECRET_WORDS}, "Change your entry", DiaryEntry, changes=True
    ),
    "new night": FormThatKeepsWriting(
        lambda _: "/diary/sleep/new",
        night_form(YESTERDAY, notes=SECRET_WORDS),
        "Add a night",
        SleepNight,
        changes=False,
    ),
    "changed night": FormThatKeepsWriting(
        a_night, {"notes": SECRET_WORDS}, "Change this night", SleepNight, changes=True
    ),
    "quick incident": FormThatKeepsWriting(
        lambda _: "/incidents/quick",
        quick_form(SECRET_WORDS, YESTERDAY, "23:15"),
        "Quick add an incident",
        Incident,
        changes=False,
    ),
    "new incident": FormThatKeepsWriting(
        lambda _: "/incidents/new",
        full_form(SECRET_WORDS, YESTERDAY),
        "Add an incident",
        Incident,
        changes=False,
    ),
    "changed incident": FormThatKeepsWriting(
        an_incident, {"what_happened": SECRET_WORDS}, "Change this incident", Incident, changes=True
    ),
}


def assert_it_comes_back_and_saves_once_sent_again(
    app: Flask,
    person: CheckingClient,
    form: FormThatKeepsWriting,
    sent: tuple[str, dict[str, list[str]], TestResponse],
    before: tuple[int, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The page a failed save got: the person's own form, under "Not saved yet", with every
    answer as typed and the token it was sent with; nothing saved; and, sent again once the
    database answers, saved once."""
    path, sending, response = sent
    soup = assert_the_busy_page(response, caplog)
    assert SECRET_WORDS not in caplog.text
    assert soup.h1 is not None
    assert soup.h1.get_text() == form.heading
    notice = soup.select_one("main [role=alert]")
    assert notice is not None
    assert "Not saved yet" in notice.get_text()
    assert notice.find_next("form") is not None, "the notice comes before the form"
    shown = form_as_sent(response)
    for name, value in {**form.typed, "csrf_token": sending["csrf_token"][0]}.items():
        assert shown.get(name) == [value], name
    assert form.saves(app) == before, "nothing half-saved"
    saved = person.post(path, data=shown)
    assert saved.status_code == 302, page_text(saved)
    assert form.saved_once(before, form.saves(app)), (before, form.saves(app))
    assert SECRET_WORDS in page_text(person.get(saved.headers["Location"]))


@pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
@pytest.mark.parametrize("which", FORMS_THAT_KEEP_WRITING)
def test_writing_sent_during_an_outage_comes_back_in_its_own_form_and_saves_once_sent_again(
    app_on_a_link: Flask, link: CuttableLink, caplog: pytest.LogCaptureFixture, which: str
) -> None:
    form = FORMS_THAT_KEEP_WRITING[which]
    person = signed_in_person(app_on_a_link)
    path = form.where(person)
    sending = {**form_as_sent(person.get(path)), **{k: [v] for k, v in form.typed.items()}}
    before = form.saves(app_on_a_link)
    with link.cut(), caplog.at_level(logging.WARNING):
        response = person.post(path, data=sending)
        assert "Sign out" not in response.get_data(as_text=True), "the session could not be read"
    assert_it_comes_back_and_saves_once_sent_again(
        app_on_a_link, person, form, (path, sending, response), before, caplog
    )


@pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
def test_signing_out_during_an_outage_still_takes_the_session_out_of_the_browser(
    app_on_a_link: Flask, link: CuttableLink
) -> None:
    person = signed_in_person(app_on_a_link)
    person.get("/account")
    with link.cut():
        response = person.post_with_token("/sign-out")
    assert response.status_code == 303, "sent on to the signed-out page, as at any time"
    assert "Expires=Thu, 01 Jan 1970" in response.headers["Set-Cookie"]
    assert person.get("/account").status_code == 302, "signed out: sent to sign in"


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
@pytest.mark.parametrize("app_settings", [{"PORTAL_SQLITE_BUSY_SECONDS": "1"}])
@pytest.mark.parametrize("which", FORMS_THAT_KEEP_WRITING)
def test_writing_sqlite_is_too_busy_to_save_comes_back_in_its_own_form_signed_in(
    app: Flask, database_urls: DatabaseUrls, caplog: pytest.LogCaptureFixture, which: str
) -> None:
    """The session opens and the save itself fails: the page is drawn for the person, signed
    in, as it is for any form sent while the database cannot be reached."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    form = FORMS_THAT_KEEP_WRITING[which]
    person = signed_in_person(app)
    path = form.where(person)
    sending = {**form_as_sent(person.get(path)), **{k: [v] for k, v in form.typed.items()}}
    before = form.saves(app)
    # Another writer holds the database for longer than a save waits (a long maintenance job).
    other_writer = sqlite3.connect(database_urls.main.removeprefix("sqlite:///"))
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        with caplog.at_level(logging.WARNING):
            response = person.post(path, data=sending)
    finally:
        other_writer.rollback()
        other_writer.close()
    assert "Sign out" in response.get_data(as_text=True), "still shown as signed in"
    assert_it_comes_back_and_saves_once_sent_again(
        app, person, form, (path, sending, response), before, caplog
    )


@pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
def test_with_only_the_keystore_away_a_worker_without_the_key_gives_the_busy_page(
    database_urls: DatabaseUrls,
    link: CuttableLink,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A worker that used the person's key in the last minutes still opens their records; one
    that must fetch it gives the friendly 503, never a 500 (README, "Keys and backups")."""
    same_keys = {"PORTAL_SECRET_KEY": "k" * 48, "PORTAL_DATA_KEYS": new_data_keys_entry("t1")}
    keystore_on_a_link = DatabaseUrls(
        "postgresql", database_urls.main, link.url_for(database_urls.keystore)
    )
    workers = [make_app(keystore_on_a_link, tmp_path, **same_keys) for _ in range(2)]
    try:
        for worker in workers:
            worker.test_client_class = CheckingClient
            worker.config["PROPAGATE_EXCEPTIONS"] = False
        holding, fetching = (AccountHelper(worker) for worker in workers)
        person = holding.new_client()
        account = holding.register(person)
        person.submit("/diary/new", entry_form(YESTERDAY, notes=SECRET_WORDS))
        elsewhere = fetching.new_client()
        assert fetching.sign_in(elsewhere, account).status_code == 302
        with link.cut(), caplog.at_level(logging.WARNING):
            assert SECRET_WORDS in page_text(person.get("/diary"))
            assert_the_busy_page(elsewhere.get("/diary"), caplog)
        assert SECRET_WORDS in page_text(elsewhere.get("/diary")), "back by itself"
    finally:
        for worker in workers:
            dispose(worker)


@pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
def test_quick_exit_without_javascript_still_leaves_and_signs_out_during_an_outage(
    app_on_a_link: Flask, link: CuttableLink
) -> None:
    person = signed_in_person(app_on_a_link)
    with link.cut():
        response = person.get("/exit")
    assert response.status_code == 303
    assert response.headers["Location"] == app_on_a_link.config["QUICK_EXIT_URL"]
    assert "cookies" in response.headers["Clear-Site-Data"]
    assert "Expires=Thu, 01 Jan 1970" in response.headers["Set-Cookie"]
    assert person.get("/account").status_code == 302, "signed out: sent to sign in"


@pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
def test_a_form_sent_from_another_site_during_an_outage_is_not_drawn_back(
    app_on_a_link: Flask, link: CuttableLink, caplog: pytest.LogCaptureFixture
) -> None:
    """With the session unreadable its token cannot be checked, so its words are not shown as
    the person's own form."""
    person = signed_in_person(app_on_a_link)
    with link.cut(), caplog.at_level(logging.WARNING):
        response = person.post(
            "/diary/new",
            data={**entry_form(YESTERDAY, notes=SECRET_WORDS), "csrf_token": "forged"},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        soup = assert_the_busy_page(response, caplog)
    assert soup.h1 is not None
    assert soup.h1.get_text() == "Sorry, the service is busy"
    assert SECRET_WORDS not in response.get_data(as_text=True)


def test_any_driver_error_on_a_lost_connection_gets_the_busy_page_not_a_500(
    app: Flask, client: CheckingClient, caplog: pytest.LogCaptureFixture
) -> None:
    def loses_its_connection() -> str:
        # What SQLAlchemy raises when the driver reports an error it recognises as the
        # connection going, whatever the driver's own class for it.
        raise DBAPIError("SELECT 1", None, Exception(SECRET_WORDS), connection_invalidated=True)

    app.add_url_rule("/loses-its-connection", view_func=loses_its_connection)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.WARNING):
        response = client.get("/loses-its-connection")
    assert response.status_code == 503
    assert "Sorry, the service is busy" in page_text(response)
    assert SECRET_WORDS not in caplog.text


@pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
def test_a_connection_dropped_after_the_page_was_made_does_not_spoil_the_page(
    app_on_a_link: Flask, link: CuttableLink, caplog: pytest.LogCaptureFixture
) -> None:
    def reads_then_loses_the_database() -> tuple[str, dict[str, str]]:
        db.session.execute(text("SELECT 1"))
        with link.cut():  # every open connection dropped, as a restart drops them
            pass
        return "made", {"Content-Type": "text/plain"}

    app_on_a_link.add_url_rule("/reads-then-loses", view_func=reads_then_loses_the_database)
    client = app_on_a_link.test_client()
    with caplog.at_level(logging.WARNING):
        response = client.get("/reads-then-loses")
    # Ending the request rolls back on the dropped connection; that fails, quietly.
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "made"
    assert "Traceback" not in caplog.text
    assert client.get("/reads-then-loses").status_code == 200, "a new connection next time"
