"""The diary through its pages: writing, reading, changing and deleting entries; input kept on
every error; a second tab that cannot overwrite unseen; lists, days, months, search and charts;
another person's ids answered with 404 and none of the text; nothing readable at rest."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import create_engine, select, text
from werkzeug.test import TestResponse

from portal.dates import date_in_words, today_in_london, week_day_and_date
from portal.extensions import db, keystore_db
from portal.models import DiaryEntry, User, WrappedDataKey
from portal.records import PAYLOAD_FIELD
from portal.security.crypto import DataKeyMissing, DecryptionFailed, open_with_key
from portal.security.data_keys import cipher_for, keyring
from tests.conftest import DatabaseUrls
from tests.support import diary as diary_forms
from tests.support.client import (
    AccountHelper,
    CheckingClient,
    error_messages,
    field_value,
    page_text,
)
from tests.support.queries import counting_queries

SECRET = "He followed me from the bus stop to my door"


def soup_of(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def entry_form(day: date, mood: int = 2, notes: str = SECRET, tags: str = "") -> dict[str, str]:
    return diary_forms.entry_form(day, mood=mood, notes=notes, tags=tags)


def write_entry(client: CheckingClient, day: date | None = None, **fields: object) -> str:
    """Write an entry through the form; returns its address."""
    response = client.submit("/diary/new", entry_form(day or today_in_london(), **fields))  # type: ignore[arg-type]
    assert response.status_code == 302, error_messages(client.last_page) if client.last_page else ""
    return response.headers["Location"]


@pytest.fixture
def signed_in(client: CheckingClient, accounts: AccountHelper) -> CheckingClient:
    accounts.register(client)
    return client


def user_id_of(app: Flask, username: str | None = None) -> uuid.UUID:
    with app.app_context():
        statement = select(User.id)
        if username:
            statement = statement.where(User.username == username)
        return db.session.scalars(statement).one()


# A visitor ------------------------------------------------------------------------------------


def test_a_visitor_is_told_what_the_diary_is_and_how_to_start_one(client: CheckingClient) -> None:
    response = client.get("/diary")
    assert response.status_code == 200
    assert "People who work for the charity have no way to see it" in page_text(response)
    assert soup_of(response).find("a", string="Create a free account")


@pytest.mark.parametrize(
    "path", ["/diary/new", "/diary/months", "/diary/search", "/diary/charts", "/diary/sleep"]
)
def test_the_diary_itself_needs_an_account(client: CheckingClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


# Writing and reading ----------------------------------------------------------------------------


def test_a_new_entry_is_dated_today_in_london(signed_in: CheckingClient) -> None:
    page = signed_in.get("/diary/new")
    today = today_in_london()
    assert [field_value(page, f"entry_date-{part}") for part in ("day", "month", "year")] == [
        str(today.day),
        str(today.month),
        str(today.year),
    ]


def test_a_person_writes_an_entry_and_reads_it_back(signed_in: CheckingClient) -> None:
    day = today_in_london() - timedelta(days=2)
    address = write_entry(
        signed_in, day, mood=1, notes="Shouting outside.\nI couldn't sleep.", tags="noise, Night"
    )
    page = signed_in.get(address)
    text_shown = page_text(page)
    assert date_in_words(day) in text_shown
    assert "Mood: Very low" in text_shown
    notes = soup_of(page).select_one(".entry-notes")
    assert notes is not None
    assert notes.get_text() == "Shouting outside.\nI couldn't sleep."
    assert "preserve-lines" in notes["class"]  # line breaks kept on screen
    assert [t.get_text(" ", strip=True) for t in soup_of(page).select(".tag-list__tag")] == [
        "Find entries tagged noise",
        "Find entries tagged Night",
    ]
    listed = page_text(signed_in.get("/diary"))
    assert "1 entry, newest first" in listed
    assert "Shouting outside." in listed


def test_what_a_person_writes_is_shown_as_text_never_as_markup(signed_in: CheckingClient) -> None:
    address = write_entry(
        signed_in, notes='<script>alert("x")</script><b>bold</b>', tags="<i>t</i>"
    )
    html = signed_in.get(address).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;i&gt;t&lt;/i&gt;" in html


def test_tags_are_tidied_once_each(signed_in: CheckingClient) -> None:
    address = write_entry(signed_in, tags=" noise ,Noise,, neighbours  at night ,")
    tags = [
        t.get_text(" ", strip=True)
        for t in soup_of(signed_in.get(address)).select(".tag-list__tag")
    ]
    assert tags == ["Find entries tagged noise", "Find entries tagged neighbours at night"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"entry_date-day": "31", "entry_date-month": "2"},
            "entry_date-day",
            "The date must be a real date",
        ),
        ({"entry_date-year": ""}, "entry_date-year", "The date must include a year"),
        ({"mood": ""}, "mood", "Choose how you are feeling"),
        ({"mood": "6"}, "mood", "Choose how you are feeling from the list"),
        ({"notes": "x" * 10_001}, "notes", "Your notes must be 10,000 characters or fewer"),
        ({"tags": ",".join(f"t{n}" for n in range(11))}, "tags", "Use 10 tags or fewer"),
        ({"tags": "a" * 31}, "tags", "Each tag must be 30 characters or fewer"),
    ],
)
def test_a_mistake_is_explained_and_everything_typed_is_kept(
    signed_in: CheckingClient, changes: dict[str, str], field: str, message: str
) -> None:
    typed = entry_form(today_in_london(), mood=4, notes="Keep every word of this", tags="noise")
    typed |= changes
    response = signed_in.submit("/diary/new", typed)
    assert response.status_code == 200
    assert message in error_messages(response)
    assert page_text(response).startswith("There is a problem")
    for name, value in typed.items():
        if name == "mood":
            checked = soup_of(response).select_one('input[name="mood"][checked]')
            assert (checked["value"] if checked else "") == (value if value in "12345" else "")
        else:
            assert field_value(response, name) == value, name
    assert signed_in.get("/diary").get_data(as_text=True).count("entry-card") == 0


def test_a_date_in_the_future_is_refused(signed_in: CheckingClient) -> None:
    response = signed_in.submit("/diary/new", entry_form(today_in_london() + timedelta(days=1)))
    assert error_messages(response) == ["The date must be today or in the past"]
    assert field_value(response, "notes") == SECRET


def test_a_person_changes_an_entry(signed_in: CheckingClient) -> None:
    address = write_entry(signed_in, notes="First thoughts")
    edit = signed_in.get(address + "/edit")
    assert field_value(edit, "notes") == "First thoughts"
    response = signed_in.submit(
        address + "/edit",
        entry_form(today_in_london(), mood=5, notes="Second thoughts")
        | {"version": field_value(edit, "version") or ""},
    )
    assert response.status_code == 302
    shown = page_text(signed_in.get(address))
    assert "Second thoughts" in shown
    assert "Mood: Very good" in shown
    assert "last changed" in shown


def test_saving_from_an_out_of_date_tab_shows_both_versions_and_overwrites_nothing(
    signed_in: CheckingClient,
) -> None:
    address = write_entry(signed_in, notes="The original")
    first_tab = signed_in.get(address + "/edit")
    second_tab = signed_in.get(address + "/edit")
    token = signed_in.csrf_token(first_tab)

    def save(tab: TestResponse, notes: str) -> TestResponse:
        fields = entry_form(today_in_london(), notes=notes)
        fields |= {"version": field_value(tab, "version") or "", "csrf_token": token}
        return signed_in.post(address + "/edit", data=fields)

    assert save(first_tab, "Written in the first tab").status_code == 302
    clash = save(second_tab, "Written in the second tab")
    assert clash.status_code == 200
    assert error_messages(clash)[0].startswith("This entry was changed in another tab")
    conflict = soup_of(clash).select_one(".conflict")
    assert conflict is not None
    assert "Written in the first tab" in conflict.get_text()
    assert field_value(clash, "notes") == "Written in the second tab"
    assert "Written in the first tab" in page_text(signed_in.get(address))  # nothing overwritten
    # Saving again, now knowingly, replaces the saved version.
    again = signed_in.post(
        address + "/edit",
        data=entry_form(today_in_london(), notes="Written in the second tab")
        | {"version": field_value(clash, "version") or "", "csrf_token": token},
    )
    assert again.status_code == 302
    assert "Written in the second tab" in page_text(signed_in.get(address))


def test_an_edit_with_a_tampered_version_is_treated_as_out_of_date(
    signed_in: CheckingClient,
) -> None:
    address = write_entry(signed_in, notes="As saved")
    signed_in.get(address + "/edit")
    for version in ("99999999999999", "nonsense"):
        clash = signed_in.post_with_token(
            address + "/edit",
            entry_form(today_in_london(), notes="Tampered") | {"version": version},
        )
        assert clash.status_code == 200
        assert error_messages(clash)[0].startswith("This entry was changed in another tab")
    assert "As saved" in page_text(signed_in.get(address))


def test_an_edit_sent_without_its_date_asks_for_one_and_keeps_the_old_date(
    signed_in: CheckingClient,
) -> None:
    day = today_in_london() - timedelta(days=40)
    address = write_entry(signed_in, day, notes="Dated long ago")
    edit = signed_in.get(address + "/edit")
    fields = {"mood": "2", "notes": "Changed", "version": field_value(edit, "version") or ""}
    response = signed_in.post_with_token(address + "/edit", fields)
    assert error_messages(response) == ["Enter the date of the entry"]
    assert date_in_words(day) in page_text(signed_in.get(address))


def test_the_first_and_last_months_do_not_lead_beyond_themselves(
    signed_in: CheckingClient,
) -> None:
    first = soup_of(signed_in.get("/diary/months/1900-01"))
    assert first.select_one('.month-nav a[rel="prev"]') is None
    last = soup_of(signed_in.get("/diary/months/9998-12"))
    assert last.select_one('.month-nav a[rel="next"]') is None


def test_a_person_deletes_an_entry_after_confirming(signed_in: CheckingClient) -> None:
    address = write_entry(signed_in)
    confirm = signed_in.get(address + "/delete")
    assert "Deleting it cannot be undone" in page_text(confirm)
    assert signed_in.get(address).status_code == 200  # asking deleted nothing
    done = signed_in.submit(address + "/delete", follow_redirects=True)
    assert "has been deleted" in page_text(done)
    assert signed_in.get(address).status_code == 404


# Lists, days, months, search and charts -----------------------------------------------------


def test_the_list_is_newest_first_a_page_at_a_time(signed_in: CheckingClient) -> None:
    start = today_in_london() - timedelta(days=30)
    for offset in range(21):
        write_entry(signed_in, start + timedelta(days=offset), notes=f"Entry number {offset}")
    first = signed_in.get("/diary")
    headings = [h.get_text(strip=True) for h in soup_of(first).select(".entry-card__heading")]
    assert headings[0] == date_in_words(start + timedelta(days=20))
    assert len(headings) == 20
    assert "Page 1 of 2" in page_text(first)
    second = signed_in.get("/diary?page=2")
    assert "Entry number 0" in page_text(second)
    assert "Entry number 1 " not in page_text(second)
    assert signed_in.get("/diary?page=9").headers["Location"] == "/diary?page=2"
    for nonsense in ("nonsense", "0", "-1", "%C2%B2", "99999999999999999999"):
        assert signed_in.get(f"/diary?page={nonsense}").status_code in (200, 302), nonsense


def test_the_month_shows_each_days_mood_and_leads_to_that_days_entries(
    signed_in: CheckingClient,
) -> None:
    today = today_in_london()
    first = today.replace(day=1)
    write_entry(signed_in, first, mood=1, notes="Morning")
    write_entry(signed_in, first, mood=4, notes="Evening")
    month = signed_in.get(f"/diary/months/{first:%Y-%m}")
    links = soup_of(month).select(".month__link")
    assert len(links) == 1
    assert links[0].get_text(" ", strip=True).startswith("1 Okay")  # (1 + 4) / 2 = 2.5, halves up
    assert "2 entries" in links[0].get_text()
    day_page = signed_in.get(links[0]["href"])
    assert "Morning" in page_text(day_page)
    assert "Evening" in page_text(day_page)
    assert signed_in.get("/diary/months").headers["Location"] == f"/diary/months/{today:%Y-%m}"


@pytest.mark.parametrize(
    "path",
    [
        "/diary/days/2026-02-30",
        "/diary/months/2026-13",
        "/diary/months/1066-10",
        "/diary/months/9999-12",
    ],
)
def test_a_date_that_does_not_exist_is_not_found(signed_in: CheckingClient, path: str) -> None:
    assert signed_in.get(path).status_code == 404


def test_search_finds_entries_and_never_puts_the_words_in_an_address_or_title(
    signed_in: CheckingClient,
) -> None:
    write_entry(signed_in, notes="The dog next door barked all night", tags="noise")
    write_entry(signed_in, notes="A calm day")
    sent = signed_in.submit("/diary/search", {"q": "BARKED"})
    assert sent.status_code == 302
    assert "barked" not in sent.headers["Location"].lower()
    results = signed_in.get(sent.headers["Location"])
    assert "1 entry has “BARKED”" in page_text(results)
    assert "The dog next door" in page_text(results)
    assert "A calm day" not in page_text(results)
    title = soup_of(results).title
    assert title is not None
    assert "barked" not in title.get_text().lower()
    cleared = signed_in.post_with_token("/diary/search/clear", follow_redirects=True)
    assert "The dog next door" not in page_text(cleared)


def test_a_tag_finds_the_entries_that_have_it(signed_in: CheckingClient) -> None:
    address = write_entry(signed_in, notes="Graffiti on the fence", tags="damage")
    write_entry(signed_in, notes="Nothing happened")
    entry = signed_in.get(address)
    tag_form = soup_of(entry).select_one(".tag-list__form")
    assert tag_form is not None
    results = signed_in.post_with_token("/diary/search", {"q": "damage"}, follow_redirects=True)
    assert "Graffiti on the fence" in page_text(results)
    assert "Nothing happened" not in page_text(results)


def test_an_empty_search_asks_for_words(signed_in: CheckingClient) -> None:
    response = signed_in.submit("/diary/search", {"q": "   "})
    assert error_messages(response) == ["Enter a word or words to look for"]


def test_the_charts_show_each_days_mood_as_a_picture_and_a_table(signed_in: CheckingClient) -> None:
    today = today_in_london()
    write_entry(signed_in, today - timedelta(days=1), mood=2)
    write_entry(signed_in, today, mood=5)
    page = signed_in.get("/diary/charts?days=7")
    soup = soup_of(page)
    picture = soup.select_one("figure.chart svg title")
    assert picture is not None
    assert picture.get_text() == "Your mood over the last 7 days"
    rows = [
        [cell.get_text() for cell in row.find_all(["th", "td"])]
        for row in soup.select("table.chart__table tbody tr")
    ]
    # One table for every chart: a day's mood and sleep in one row ("–" where none was given).
    assert rows == [
        [week_day_and_date(today - timedelta(days=1)), "2 (Low)", "–", "–"],
        [week_day_and_date(today), "5 (Very good)", "–", "–"],
    ]
    assert soup.select_one('.period-nav__link[aria-current="page"]').get_text() == "Last 7 days"
    for asked in ("12", "%C2%B2", "-7", "99999999999999999999"):
        assert "Last 30 days" in page_text(signed_in.get(f"/diary/charts?days={asked}")), asked


# Private to the person -------------------------------------------------------------------------


def entry_routes(address: str) -> list[tuple[str, str]]:
    return [
        ("GET", address),
        ("GET", address + "/edit"),
        ("POST", address + "/edit"),
        ("GET", address + "/delete"),
        ("POST", address + "/delete"),
    ]


def test_another_person_asking_for_an_entry_on_every_route_gets_404_and_none_of_the_text(
    app: Flask, signed_in: CheckingClient, accounts: AccountHelper
) -> None:
    address = write_entry(signed_in, notes=SECRET, tags="private-tag")
    intruder = accounts.new_client()
    accounts.register(intruder, "intruder")
    intruder.get("/diary")
    token = intruder.csrf_token()
    for method, path in entry_routes(address):
        data = entry_form(today_in_london(), notes="overwritten") | {
            "csrf_token": token,
            "version": "1",
        }
        response = intruder.open(path, method=method, data=data if method == "POST" else None)
        assert response.status_code == 404, (method, path)
        assert SECRET not in response.get_data(as_text=True)
    for path in ("/diary", f"/diary/months/{today_in_london():%Y-%m}", "/diary/charts"):
        assert SECRET not in intruder.get(path).get_data(as_text=True)
    found = intruder.post_with_token("/diary/search", {"q": "bus stop"}, follow_redirects=True)
    assert SECRET not in found.get_data(as_text=True)
    assert SECRET in page_text(signed_in.get(address))  # still there, unchanged


def test_a_made_up_entry_id_is_not_found(signed_in: CheckingClient) -> None:
    assert signed_in.get(f"/diary/entries/{uuid.uuid4()}").status_code == 404
    assert signed_in.get("/diary/entries/not-a-uuid").status_code == 404


def test_diary_pages_are_never_stored_or_indexed(signed_in: CheckingClient) -> None:
    response = signed_in.get(write_entry(signed_in))
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_the_database_holds_no_readable_diary_text(
    app: Flask, signed_in: CheckingClient, database_urls: DatabaseUrls
) -> None:
    write_entry(signed_in, notes=SECRET, tags="unmistakable-tag")
    needles = [SECRET.encode(), b"unmistakable-tag", b"followed me"]
    if database_urls.backend == "sqlite":
        with app.app_context():
            db.dispose(app)  # fold SQLite's write-ahead log into the file first
        files = Path(database_urls.main.removeprefix("sqlite:///")).parent.glob("*.sqlite3*")
        raw = b"".join(path.read_bytes() for path in files)
        assert raw, "no database files found"
    else:
        engine = create_engine(database_urls.main)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT * FROM diary_entries")).all()
        engine.dispose()
        raw = b"".join(
            bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
            for row in rows
            for value in row
        )
    for needle in needles:
        assert needle not in raw


def test_a_deleted_accounts_entries_cannot_be_read_even_with_the_application_keys(
    app: Flask, signed_in: CheckingClient
) -> None:
    write_entry(signed_in, notes=SECRET)
    user_id = user_id_of(app)
    # A backup taken before the deletion: the rows as they were.
    with app.app_context():
        backup = db.session.execute(select(DiaryEntry.id, DiaryEntry.payload_sealed)).all()
    assert backup

    signed_in.submit("/account/delete", {"current_password": "purple tractor window"})

    with app.app_context():
        assert db.session.scalars(select(DiaryEntry)).all() == []
        assert keystore_db.session.get(WrappedDataKey, user_id) is None
        with pytest.raises(DataKeyMissing):
            cipher_for(user_id)
        # Even the application's own keys open nothing: they only ever wrapped the lost key.
        for record_id, sealed in backup:
            context = f"support-space/diary_entry/{PAYLOAD_FIELD}/{record_id}/{user_id}".encode()
            for kek in keyring()._keys:
                with pytest.raises(DecryptionFailed):
                    open_with_key(kek.secret, sealed, context)


def test_the_list_page_makes_the_same_few_queries_however_many_entries(
    app: Flask, signed_in: CheckingClient
) -> None:
    write_entry(signed_in, notes="one")
    signed_in.get("/diary")
    with counting_queries(app) as few:
        signed_in.get("/diary")
    for offset in range(25):
        write_entry(signed_in, today_in_london() - timedelta(days=offset), notes=f"n{offset}")
    signed_in.get("/diary")  # shows (and so clears) the last "saved" message, as `few` had
    with counting_queries(app) as many:
        signed_in.get("/diary")
    assert len(few) == len(many) <= 5, many.statements


def test_the_payload_cannot_be_moved_to_another_entry(
    app: Flask, signed_in: CheckingClient
) -> None:
    first = write_entry(signed_in, notes="first entry")
    second = write_entry(signed_in, notes="second entry")
    first_id, second_id = (uuid.UUID(address.rsplit("/", 1)[1]) for address in (first, second))
    with app.app_context():
        moved = db.session.get(DiaryEntry, first_id)
        target = db.session.get(DiaryEntry, second_id)
        assert moved is not None
        assert target is not None
        target.payload_sealed = moved.payload_sealed
        db.session.commit()
    # The swapped ciphertext is bound to its own row: it does not open in another.
    with pytest.raises(DecryptionFailed):
        signed_in.get(second)
