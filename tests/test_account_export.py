"""Download your data: one ZIP holding a JSON file and a readable web page with everything the
portal keeps about the person, opened for them alone, and nothing of anyone else's."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.dates import LONDON
from portal.extensions import db
from portal.forms import EXPIRED_FORM_MESSAGE
from portal.guides.answers import save_answers
from portal.guides.library import GUIDES_FOLDER, guide_by_slug, save_version
from portal.models import User
from tests.support.client import (
    PASSWORD,
    AccountHelper,
    CheckingClient,
    error_messages,
    page_text,
)
from tests.support.diary import entry_form, night_form
from tests.support.guides import next_version
from tests.support.queries import counting_queries

pytestmark = pytest.mark.usefixtures("bundled_guides")

DOWNLOAD = "/account/download"
ANXIETY = "/guides/calming-anxious-feelings"
FIRST_STEP = f"{ANXIETY}/steps/body-alarm-system"
GAD7_STEP = f"{ANXIETY}/steps/anxiety-check-in"
WORRY_STEP = f"{ANXIETY}/steps/worry-time"
LAST_STEP = f"{ANXIETY}/steps/calm-plan"
A_MONDAY = date(2025, 3, 3)
HOSTILE_TEXT = '<script>alert("got you")</script> & <b>bold</b>'


@dataclass(frozen=True)
class Unpacked:
    """A download as the person finds it after opening the ZIP."""

    names: list[str]
    document: dict[str, Any]
    json_text: str
    html: str

    @property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.html, "html.parser")

    @property
    def html_text(self) -> str:
        return self.soup.get_text()


# Acting as a person would ---------------------------------------------------------------------


def write_entry(
    client: CheckingClient, notes: str, day: date = A_MONDAY, mood: int = 2, tags: str = ""
) -> None:
    response = client.submit("/diary/new", entry_form(day, mood=mood, notes=notes, tags=tags))
    assert response.status_code == 302, error_messages(response)


def record_night(client: CheckingClient, notes: str, night_of: date = A_MONDAY) -> None:
    # Bed 22:30, lights out 23:00, 20 minutes to fall asleep, awake 30 minutes over 2 wakings,
    # awake for good 06:30, up 07:00: 8h30 in bed, 450 - 20 - 30 = 400 minutes asleep, 78.4%.
    response = client.submit(
        "/diary/sleep/new",
        night_form(night_of, final_wake="06:30", out_of_bed="07:00", notes=notes),
    )
    assert response.status_code == 302, error_messages(response)


def answer_worry_list(client: CheckingClient, worries: str) -> None:
    response = client.submit(WORRY_STEP, {"answer-worry-list": worries})
    assert response.status_code == 302, error_messages(response)


def download(client: CheckingClient) -> TestResponse:
    """Open the download page and press its button."""
    client.get(DOWNLOAD)
    return client.post_with_token(DOWNLOAD)


def unpack(response: TestResponse) -> Unpacked:
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        names = archive.namelist()
        json_name = next(name for name in names if name.endswith(".json"))
        html_name = next(name for name in names if name.endswith(".html"))
        json_text = archive.read(json_name).decode("utf-8")
        html = archive.read(html_name).decode("utf-8")
    return Unpacked(names, json.loads(json_text), json_text, html)


def everything_written(client: CheckingClient, accounts: AccountHelper, mark: str) -> str:
    """Register and write a diary entry, a night and a guide answer, each with `mark` in it.
    Returns the username."""
    account = accounts.register(client, mark.lower())
    write_entry(client, f"{mark}'s diary notes", tags=f"{mark}-tag")
    record_night(client, f"{mark}'s night notes")
    answer_worry_list(client, f"{mark}'s worries")
    return account.username


# The page and the link --------------------------------------------------------------------------


def test_the_account_page_links_to_the_download(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    soup = BeautifulSoup(client.get("/account").get_data(as_text=True), "html.parser")
    link = soup.find("a", string="Download your data")
    assert link is not None
    assert link["href"] == DOWNLOAD


def test_the_download_page_says_what_is_in_the_file_and_warns_about_the_device(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    page = client.get(DOWNLOAD)
    text = page_text(page)
    for expected in (
        "What is in the file",
        "your username",
        "Your answers and progress in the guides.",
        "Your diary:",
        "Your sleep diary:",
        "Your password is not in it",
        "saved on this device",
        "someone else uses this device, they might find it",
        "delete the file from your Downloads folder",
    ):
        assert expected in text
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    form = soup.find("button", string="Download your data").find_parent("form")
    assert form["method"] == "post"
    assert form.find("input", attrs={"name": "csrf_token"}) is not None


# The file ---------------------------------------------------------------------------------------


def test_the_zip_holds_exactly_a_json_file_and_a_web_page_named_by_the_date(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    response = download(client)
    unpacked = unpack(response)
    exported_on = datetime.fromisoformat(unpacked.document["exported_at"]).astimezone(LONDON)
    stem = f"my-data-{exported_on.date().isoformat()}"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename={stem}.zip"
    assert account.username not in disposition
    assert sorted(unpacked.names) == [f"{stem}.html", f"{stem}.json"]
    assert "no-store" in response.headers["Cache-Control"]


def test_the_download_holds_every_record_in_both_the_json_and_the_web_page(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    client.submit("/account/email", {"email": "me@example.org", "current_password": PASSWORD})
    write_entry(client, "Shouting on the stairs.\nCould not settle.", mood=2, tags="noise, stairs")
    write_entry(client, "A quieter day.", day=date(2025, 3, 5), mood=4)
    record_night(client, "Woke at every door slam.")
    answer_worry_list(client, "That they will find out where I work")

    unpacked = unpack(download(client))
    document = unpacked.document

    assert document["account"] == {
        "username": account.username,
        "created_at": document["account"]["created_at"],
        "password_last_changed_at": document["account"]["password_last_changed_at"],
        "email": "me@example.org",
        "email_confirmed_at": None,
        "recovery_codes_left": 10,
    }
    assert [(e["date"], e["mood"], e["tags"], e["notes"]) for e in document["diary"]] == [
        ("2025-03-03", 2, ["noise", "stairs"], "Shouting on the stairs.\nCould not settle."),
        ("2025-03-05", 4, [], "A quieter day."),
    ]
    [night] = document["sleep_diary"]
    assert night["night_of"] == "2025-03-03"
    assert (night["bed_time"], night["out_of_bed"], night["quality"]) == ("22:30", "07:00", 3)
    assert night["notes"] == "Woke at every door slam."
    assert night["worked_out"]["time_in_bed_minutes"] == 510
    assert night["worked_out"]["time_asleep_minutes"] == 400
    assert night["worked_out"]["sleep_efficiency_percent"] == 78.4
    [guide] = document["guides"]
    assert guide["guide"] == "calming-anxious-feelings"
    assert guide["steps_finished"] == ["worry-time"]
    [answer] = guide["answers"]
    assert answer["exercise"] == "worry-list"
    assert answer["answer"] == {"text": "That they will find out where I work"}
    assert answer["question"]

    text = unpacked.html_text
    for expected in (
        account.username,
        "me@example.org (not confirmed yet)",
        "10 of 10 left",
        "Monday 3 March 2025",
        "Wednesday 5 March 2025",
        "noise, stairs",
        "Shouting on the stairs.\nCould not settle.",  # the line break kept
        "A quieter day.",
        "The night of Monday 3 March 2025",
        "6 hours 40 minutes",
        "78%",
        "Woke at every door slam.",
        "Calming anxious feelings",
        "1 of 8 steps finished",
        answer["question"],
        "That they will find out where I work",
    ):
        assert expected in text


def test_guide_answers_come_with_their_questions_and_results(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit(
        FIRST_STEP,
        {"answer-anxiety-before": "7", "answer-signs-of-anxiety": ["racing-heart"]},
    )
    client.submit(
        GAD7_STEP, {f"answer-anxiety-check--{n}": str(v) for n, v in enumerate([1] * 7, 1)}
    )
    client.submit(LAST_STEP, {"answer-anxiety-after": "4"})

    unpacked = unpack(download(client))
    answers = {a["exercise"]: a for a in unpacked.document["guides"][0]["answers"]}
    assert answers["anxiety-before"]["question"] == "How anxious do you feel right now?"
    assert answers["signs-of-anxiety"]["in_words"] == ["A racing or pounding heart"]
    assert answers["anxiety-check"]["in_words"][0] == "Score 7 out of 21: Mild anxiety"
    assert "Trouble relaxing: Several days" in answers["anxiety-check"]["in_words"]
    assert "Before: 7. Now: 4. That is 3 points lower." in answers["anxiety-after"]["in_words"]
    text = unpacked.html_text
    for expected in (
        "How anxious do you feel right now?",
        "Which of these have you noticed in the last week or so?",
        "A racing or pounding heart",
        "GAD-7 anxiety check",
        "Score 7 out of 21: Mild anxiety",
        "Before: 7. Now: 4. That is 3 points lower.",
    ):
        assert expected in text


def test_an_urgent_mood_check_carries_its_flag_into_the_download(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    chosen = [0] * 8 + [1]  # item 9, thoughts of being better off dead: "several days"
    client.submit(
        "/guides/better-sleep/steps/sleep-and-mood",
        {f"answer-mood-check--{n}": str(v) for n, v in enumerate(chosen, 1)},
    )
    unpacked = unpack(download(client))
    [answer] = unpacked.document["guides"][0]["answers"]
    flag = (
        "You told us you have had thoughts of being better off dead or of hurting yourself. "
        "Whatever your score, please talk to someone today."
    )
    assert answer["in_words"][:2] == [flag, "Score 1 out of 27"]
    assert flag in unpacked.html_text
    assert "Minimal low mood" not in unpacked.html_text


def test_answers_to_an_exercise_a_guide_has_lost_are_still_in_the_download(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    answer_worry_list(client, "Kept even after the guide changed")
    source = (GUIDES_FOLDER / "calming-anxious-feelings.md").read_text()
    start = source.index("\n## Worry time") + 1
    end = source.index("\n## ", start) + 1
    edited = next_version(source[:start]) + source[end:]
    with app.app_context():
        save_version(db.session, edited, "edited.md", "staff", publish=True)
        db.session.commit()

    unpacked = unpack(download(client))
    [answer] = unpacked.document["guides"][0]["answers"]
    assert answer["step"] is None
    assert answer["answer"] == {"text": "Kept even after the guide changed"}
    assert "Kept even after the guide changed" in unpacked.html_text
    assert "no longer in this guide" in unpacked.html_text


def test_an_account_with_nothing_saved_downloads_its_details_alone(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    unpacked = unpack(download(client))
    document = unpacked.document
    assert list(document) == [
        "about",
        "exported_at",
        "account",
        "guides",
        "diary",
        "sleep_diary",
        "incidents",
        "shares",
    ]
    assert document["account"]["username"] == account.username
    assert document["account"]["email"] is None
    assert (document["guides"], document["diary"], document["sleep_diary"]) == ([], [], [])
    assert document["incidents"] == []
    assert document["shares"] == []
    assert unpacked.html_text.count("Nothing saved.") == 5


def test_the_json_is_utf8_and_readable_with_iso_8601_dates(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    write_entry(client, "Café closed — ☂ all day, ünd so on")
    unpacked = unpack(download(client))
    assert "Café closed — ☂ all day, ünd so on" in unpacked.json_text  # not \u escapes
    assert unpacked.json_text.startswith('{\n  "about": ')
    assert "Support Space" in unpacked.document["about"]
    exported_at = datetime.fromisoformat(unpacked.document["exported_at"])
    assert exported_at.utcoffset() is not None
    entry = unpacked.document["diary"][0]
    assert date.fromisoformat(entry["date"]) == A_MONDAY
    assert datetime.fromisoformat(entry["written_at"]).utcoffset() is not None


# Privacy ----------------------------------------------------------------------------------------


def test_the_download_holds_nothing_of_another_persons(accounts: AccountHelper) -> None:
    alice, bob = accounts.new_client(), accounts.new_client()
    alice_name = everything_written(alice, accounts, "Alice")
    bob_name = everything_written(bob, accounts, "Bob")

    for client, own, (other_name, other) in (
        (alice, "Alice", (bob_name, "Bob")),
        (bob, "Bob", (alice_name, "Alice")),
    ):
        unpacked = unpack(download(client))
        for text in (unpacked.json_text, unpacked.html_text):
            for mine in ("diary notes", "night notes", "worries"):
                assert f"{own}'s {mine}" in text
            assert f"{own}-tag" in text
            assert other not in text
            assert other_name not in text
        assert len(unpacked.document["diary"]) == 1
        assert len(unpacked.document["sleep_diary"]) == 1
        assert len(unpacked.document["guides"][0]["answers"]) == 1


def test_private_text_is_escaped_in_the_web_page(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    write_entry(client, HOSTILE_TEXT, tags="<img src=x onerror=alert(1)>")
    record_night(client, HOSTILE_TEXT)
    answer_worry_list(client, HOSTILE_TEXT)

    unpacked = unpack(download(client))
    soup = unpacked.soup
    assert soup.find_all("script") == []
    assert soup.find_all("img") == []
    assert soup.find_all("b") == []
    assert "&lt;script&gt;" in unpacked.html
    assert unpacked.html_text.count(HOSTILE_TEXT) == 3
    assert "<img src=x onerror=alert(1)>" in unpacked.html_text
    assert unpacked.document["diary"][0]["notes"] == HOSTILE_TEXT


def test_the_web_page_stands_alone_and_runs_nothing(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    write_entry(client, "Something to show")
    soup = unpack(download(client)).soup
    assert soup.find("html")["lang"] == "en-GB"
    assert soup.title.get_text() == "Your data"  # it says nothing of where it came from
    assert len(soup.find_all("h1")) == 1
    assert soup.find_all(["script", "link", "img", "iframe", "object", "embed", "form"]) == []
    assert all(a["href"].startswith("#") for a in soup.find_all("a"))
    assert [style.parent.name for style in soup.find_all("style")] == ["head"]
    for tag in soup.find_all(True):
        assert not tag.has_attr("style")
        assert not [name for name in tag.attrs if name.startswith("on")]
    policy = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert "default-src 'none'" in policy["content"]


# Who may download -------------------------------------------------------------------------------


def test_the_download_page_needs_sign_in(client: CheckingClient) -> None:
    response = client.get(DOWNLOAD)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_signed_out_person_gets_no_file_even_with_a_token(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    write_entry(client, "Not for whoever picks up the phone")
    accounts.sign_out(client)
    client.get("/sign-in")
    response = client.post_with_token(DOWNLOAD)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_download_without_a_csrf_token_is_refused(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    write_entry(client, "Only mine")
    for data in ({}, {"csrf_token": "made-up"}):
        response = client.post(DOWNLOAD, data=data)
        assert response.mimetype == "text/html"
        assert "Content-Disposition" not in response.headers
        assert EXPIRED_FORM_MESSAGE in error_messages(response)
        assert "Only mine" not in response.get_data(as_text=True)


def test_a_download_asked_for_by_another_site_is_refused(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.get(DOWNLOAD)
    response = client.post_with_token(DOWNLOAD, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert "Content-Disposition" not in response.headers


# Queries ----------------------------------------------------------------------------------------


def test_the_download_makes_the_same_queries_however_much_is_saved(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    write_entry(client, "One")
    record_night(client, "One")
    answer_worry_list(client, "One")
    download(client)  # the first parses and caches the guide's version
    client.get(DOWNLOAD)
    with counting_queries(app) as few:
        client.post_with_token(DOWNLOAD)

    for day in range(4, 9):
        write_entry(client, "More", day=date(2025, 3, day))
        record_night(client, "More", night_of=date(2025, 3, day))
    client.submit(
        FIRST_STEP, {"answer-anxiety-before": "5", "answer-signs-of-anxiety": ["irritable"]}
    )
    client.get(DOWNLOAD)
    with counting_queries(app) as many:
        client.post_with_token(DOWNLOAD)
    assert len(many) == len(few), many.statements


def test_downloads_are_limited_to_a_few_an_hour_for_each_account(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    answers = [download(client).status_code for _ in range(11)]
    assert answers == [200] * 10 + [429]
    assert page_text(client.last_page).startswith("Too many attempts")
    # Someone else on the same network (a refuge's wifi) is not held back by it.
    neighbour = accounts.new_client()
    accounts.register(neighbour, "neighbour")
    assert download(neighbour).status_code == 200


def test_an_answer_that_no_longer_fits_its_exercise_is_still_in_the_download(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    """Say a later version of a guide reused an exercise's id for another kind of exercise: the
    answer saved under the old kind must not stop the download."""
    accounts.register(client)
    with app.app_context():
        user_id = db.session.scalars(select(User.id)).one()
        guide = guide_by_slug(db.session, "calming-anxious-feelings")
        assert guide is not None
        # anxiety-before is a 0-10 scale; this answer has the shape of a written one.
        save_answers(db.session, user_id, guide.id, {"anxiety-before": {"text": "Saved as words"}})
        db.session.commit()
    unpacked = unpack(download(client))
    [answer] = unpacked.document["guides"][0]["answers"]
    assert answer["answer"] == {"text": "Saved as words"}
    assert "Saved as words" in unpacked.html_text
