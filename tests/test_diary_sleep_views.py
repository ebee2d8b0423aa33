"""The sleep diary through its pages: nights worked out as hand-worked examples say, across
midnight and both clock changes; every mistake explained with the times kept; one night per date;
a second tab that cannot overwrite unseen; and another person's nights not found."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.dates import date_in_words, today_in_london, week_day_and_date
from portal.diary.nights import NightContent, nights
from portal.extensions import db
from portal.models import User
from tests.support.client import (
    AccountHelper,
    CheckingClient,
    error_messages,
    field_value,
    page_text,
)
from tests.support.diary import night_form


def soup_of(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def facts(response: TestResponse) -> dict[str, str]:
    """The night page's summary list, as the person reads it."""
    return {
        row.dt.get_text(strip=True): " ".join(row.dd.get_text().split())
        for row in soup_of(response).select(".summary-list__row")
    }


@pytest.fixture
def signed_in(client: CheckingClient, accounts: AccountHelper) -> CheckingClient:
    accounts.register(client)
    return client


def add_night(client: CheckingClient, night_of: date, **changes: str) -> str:
    response = client.submit("/diary/sleep/new", night_form(night_of, **changes))
    assert response.status_code == 302, error_messages(client.last_page) if client.last_page else ""
    return response.headers["Location"]


def test_last_night_is_offered_by_default(signed_in: CheckingClient) -> None:
    page = signed_in.get("/diary/sleep/new")
    yesterday = today_in_london() - timedelta(days=1)
    assert field_value(page, "night_of-day") == str(yesterday.day)
    assert field_value(page, "night_of-year") == str(yesterday.year)


def test_a_night_is_worked_out_as_by_hand(signed_in: CheckingClient) -> None:
    night_of = today_in_london() - timedelta(days=3)
    address = add_night(signed_in, night_of)
    shown = facts(signed_in.get(address))
    assert shown["Time asleep"] == "6 hours 55 minutes"
    assert shown["Time in bed"] == "8 hours 40 minutes"
    assert shown["Sleep efficiency"] == "80%"
    assert shown["How well you slept"] == "Fairly well"
    assert shown["Got into bed"] == f"10:30pm, {date_in_words(night_of)}"
    assert shown["Woke up for the last time"] == (
        f"6:45am, {date_in_words(night_of + timedelta(days=1))}"
    )
    assert shown["Notes"] == "Music through the wall until midnight"


TIME_BOXES = ("bed_time", "lights_out", "final_wake", "out_of_bed")


def test_time_boxes_take_whatever_is_typed(signed_in: CheckingClient) -> None:
    """A browser's own time box cannot hold "2245" (it stays empty) and may show AM and PM
    against a hint that asks for the 24-hour clock: the times are plain text boxes."""
    soup = soup_of(signed_in.get("/diary/sleep/new"))
    for name in TIME_BOXES:
        box = soup.select_one(f"#{name}")
        assert box is not None
        assert (box["type"], box["autocomplete"], box["spellcheck"]) == ("text", "off", "false")
        hint = soup.select_one(f"#{name}-hint")
        assert hint is not None
        assert hint.get_text() == "For example 22:45, 2245 or 10:45pm"


def test_a_time_typed_as_four_figures_is_saved_as_that_time(signed_in: CheckingClient) -> None:
    night_of = today_in_london() - timedelta(days=3)
    address = add_night(signed_in, night_of, bed_time="2245", final_wake="6.45 am")
    shown = facts(signed_in.get(address))
    assert shown["Got into bed"] == f"10:45pm, {date_in_words(night_of)}"
    assert shown["Woke up for the last time"] == (
        f"6:45am, {date_in_words(night_of + timedelta(days=1))}"
    )
    assert field_value(signed_in.get(address + "/edit"), "bed_time") == "22:45"


def test_a_form_sent_back_shows_each_time_as_it_was_read(signed_in: CheckingClient) -> None:
    typed = night_form(
        today_in_london() - timedelta(days=2), bed_time="10.45 pm", lights_out="23:00", quality=""
    )
    response = signed_in.submit("/diary/sleep/new", typed)
    assert error_messages(response) == ["Choose how well you slept"]
    assert field_value(response, "bed_time") == "22:45"
    line = soup_of(response).select_one("#bed_time-read-as")
    assert line is not None
    assert line.get_text() == "We read “10.45 pm” as 22:45, which is 10:45pm."
    box = soup_of(response).select_one("#bed_time")
    assert box is not None
    assert "bed_time-read-as" in box["aria-describedby"].split()
    # A time typed as the box shows it needs no line.
    assert soup_of(response).select_one("#lights_out-read-as").get_text() == ""


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("945pm", "We read “945pm” as 21:45, which is 9:45pm."),
        ("12am", "We read “12am” as 00:00, which is midnight."),
        ("22:45", ""),
        ("10", ""),
        ("٢٢:٤٥", ""),
    ],
)
def test_the_line_shown_as_a_person_leaves_a_time_box_is_the_forms_own(
    signed_in: CheckingClient, typed: str, line: str
) -> None:
    signed_in.get("/diary/sleep/new")
    response = signed_in.post_with_token("/diary/sleep/read-time", {"typed": typed})
    assert response.status_code == 200
    assert response.get_json() == {"read_as": line}


def test_how_a_time_is_read_is_only_said_to_a_signed_in_person_who_sent_a_token(
    signed_in: CheckingClient, accounts: AccountHelper
) -> None:
    signed_in.get("/diary/sleep/new")
    assert signed_in.post("/diary/sleep/read-time", data={"typed": "2245"}).status_code == 400
    stranger = accounts.new_client()
    stranger.get("/sign-in")
    response = stranger.post_with_token("/diary/sleep/read-time", {"typed": "2245"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("night_of", "in_bed"),
    [
        (date(2026, 10, 24), "9 hours"),  # clocks went back at 2am: an hour longer
        (date(2026, 3, 28), "7 hours"),  # clocks went forward at 1am: an hour shorter
    ],
)
def test_nights_of_the_clock_changes_count_real_time(
    signed_in: CheckingClient, night_of: date, in_bed: str
) -> None:
    address = add_night(
        signed_in,
        night_of,
        bed_time="23:00",
        lights_out="23:00",
        minutes_to_fall_asleep="0",
        awakenings="0",
        awake_minutes="0",
        final_wake="07:00",
        out_of_bed="07:00",
    )
    shown = facts(signed_in.get(address))
    assert shown["Time in bed"] == in_bed
    assert shown["Time asleep"] == in_bed
    assert shown["Sleep efficiency"] == "100%"


def test_weeks_are_averaged_as_cbt_for_insomnia_does(signed_in: CheckingClient) -> None:
    today = today_in_london()
    monday = today - timedelta(days=today.weekday() + 7)  # last week's Monday
    # Monday: 8 h in bed, 7 h asleep. Tuesday: 9 h in bed, 6 h asleep.
    add_night(
        signed_in,
        monday,
        bed_time="23:00",
        lights_out="23:00",
        minutes_to_fall_asleep="60",
        awakenings="0",
        awake_minutes="0",
        final_wake="07:00",
        out_of_bed="07:00",
        quality="3",
    )
    add_night(
        signed_in,
        monday + timedelta(days=1),
        bed_time="22:00",
        lights_out="22:00",
        minutes_to_fall_asleep="120",
        awakenings="2",
        awake_minutes="60",
        final_wake="07:00",
        out_of_bed="07:00",
        quality="4",
    )
    page = signed_in.get("/diary/sleep")
    row = soup_of(page).select_one("table tbody tr")
    assert row is not None
    cells = [cell.get_text(strip=True) for cell in row.find_all(["th", "td"])]
    # 17 h in bed and 13 h asleep over two nights: 8 h 30 and 6 h 30 a night, 13/17 = 76%.
    assert cells[1:] == ["2", "8 hours 30 minutes", "6 hours 30 minutes", "76%", "3.5"]
    assert "2 nights, newest first" in page_text(page)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"final_wake": "07:00", "out_of_bed": "06:00"},
            "out_of_bed",
            "Check your times: that is more than 20 hours in bed.",
        ),
        (
            {"minutes_to_fall_asleep": "600"},
            "minutes_to_fall_asleep",
            "The time it took you to fall asleep must not be longer than the time from lights "
            "out to when you woke up.",
        ),
        (
            {"awakenings": "0", "awake_minutes": "30"},
            "awakenings",
            "You said you were awake for some minutes in the night, so you woke at least once.",
        ),
        (
            {"awake_minutes": "lots"},
            "awake_minutes",
            "Enter how many minutes you were awake in the night as a whole number, like 15",
        ),
        (
            {"bed_time": "late"},
            "bed_time",
            "Enter the time you got into bed as a time, like 22:45 or 10:45pm",
        ),
        ({"lights_out": ""}, "lights_out", "Enter the time you tried to go to sleep"),
        ({"quality": ""}, "quality", "Choose how well you slept"),
        ({"notes": "z" * 2001}, "notes", "Your notes must be 2,000 characters or fewer"),
    ],
)
def test_a_night_that_cannot_be_saved_says_why_and_keeps_every_time_typed(
    signed_in: CheckingClient, changes: dict[str, str], field: str, message: str
) -> None:
    typed = night_form(today_in_london() - timedelta(days=2), **changes)
    response = signed_in.submit("/diary/sleep/new", typed)
    assert response.status_code == 200
    assert error_messages(response) == [message]
    summary_link = soup_of(response).select_one("[data-error-summary] a")
    assert summary_link is not None
    # A set of radios is reached at its first option: a fieldset cannot take focus.
    assert summary_link["href"] == (f"#{field}-0" if field == "quality" else f"#{field}")
    for name, value in typed.items():
        if name != "quality":
            assert field_value(response, name) == value, name


def test_a_night_not_yet_over_is_refused(signed_in: CheckingClient) -> None:
    tonight = signed_in.submit("/diary/sleep/new", night_form(today_in_london()))
    assert error_messages(tonight) == ["The time you got out of bed must not be in the future"]
    tomorrow = signed_in.submit(
        "/diary/sleep/new", night_form(today_in_london() + timedelta(days=1))
    )
    assert error_messages(tomorrow) == ["The night must have begun today or before"]


def test_a_night_already_in_the_diary_is_not_saved_twice(signed_in: CheckingClient) -> None:
    night_of = today_in_london() - timedelta(days=4)
    first = add_night(signed_in, night_of)
    again = signed_in.submit("/diary/sleep/new", night_form(night_of, notes="second go"))
    assert error_messages(again) == [
        f"You already have the night of {date_in_words(night_of)} in your sleep diary. "
        "Change that night instead, or choose another date"
    ]
    assert soup_of(again).find("a", href=first) is not None
    assert field_value(again, "notes") == "second go"


def test_a_person_changes_and_deletes_a_night(signed_in: CheckingClient) -> None:
    address = add_night(signed_in, today_in_london() - timedelta(days=5))
    edit = signed_in.get(address + "/edit")
    assert field_value(edit, "bed_time") == "22:30"
    changed = signed_in.submit(
        address + "/edit",
        night_form(today_in_london() - timedelta(days=5), quality="5")
        | {"version": field_value(edit, "version") or ""},
    )
    assert changed.status_code == 302
    assert facts(signed_in.get(address))["How well you slept"] == "Very well"
    signed_in.get(address + "/delete")
    signed_in.post_with_token(address + "/delete")
    assert signed_in.get(address).status_code == 404


def test_saving_a_night_from_an_out_of_date_tab_shows_both_versions(
    signed_in: CheckingClient,
) -> None:
    night_of = today_in_london() - timedelta(days=6)
    address = add_night(signed_in, night_of)
    first_tab = signed_in.get(address + "/edit")
    second_tab = signed_in.get(address + "/edit")
    token = signed_in.csrf_token(first_tab)

    def save(tab: TestResponse, notes: str) -> TestResponse:
        fields = night_form(night_of, notes=notes) | {
            "version": field_value(tab, "version") or "",
            "csrf_token": token,
        }
        return signed_in.post(address + "/edit", data=fields)

    assert save(first_tab, "Saved from the first tab").status_code == 302
    clash = save(second_tab, "Typed in the second tab")
    assert error_messages(clash)[0].startswith("This night was changed in another tab")
    conflict = soup_of(clash).select_one(".conflict")
    assert conflict is not None
    assert "Saved from the first tab" in conflict.get_text()
    assert field_value(clash, "notes") == "Typed in the second tab"
    assert facts(signed_in.get(address))["Notes"] == "Saved from the first tab"


def test_another_person_asking_for_a_night_on_every_route_gets_404_and_none_of_it(
    signed_in: CheckingClient, accounts: AccountHelper
) -> None:
    night_of = today_in_london() - timedelta(days=7)
    address = add_night(signed_in, night_of, notes="Private note about the flat upstairs")
    intruder = accounts.new_client()
    accounts.register(intruder, "intruder")
    intruder.get("/diary/sleep")
    token = intruder.csrf_token()
    for method, path in (
        ("GET", address),
        ("GET", address + "/edit"),
        ("POST", address + "/edit"),
        ("GET", address + "/delete"),
        ("POST", address + "/delete"),
    ):
        data = night_form(night_of) | {"csrf_token": token, "version": "1"}
        response = intruder.open(path, method=method, data=data if method == "POST" else None)
        assert response.status_code == 404, (method, path)
        assert "flat upstairs" not in response.get_data(as_text=True)
    assert "flat upstairs" not in intruder.get("/diary/sleep").get_data(as_text=True)
    # Their own diary can have the same night: nights are one per date per person.
    add_night(intruder, night_of)
    assert facts(signed_in.get(address))["Notes"] == "Private note about the flat upstairs"


def test_nights_appear_on_the_sleep_charts(signed_in: CheckingClient) -> None:
    # Two nights ago: last night's getting-up time is still to come before 7am.
    night_of = today_in_london() - timedelta(days=2)
    add_night(signed_in, night_of)
    soup = soup_of(signed_in.get("/diary/charts?days=7"))
    rows = [
        [cell.get_text() for cell in row.find_all(["th", "td"])]
        for row in soup.select("table.chart__table tbody tr")
    ]
    assert rows == [[week_day_and_date(night_of), "–", "6h 55m", "80%"]]
    hours, efficiency = soup.select("figure.chart svg")[1:3]
    assert len(hours.select("rect")) == 1
    assert len(efficiency.select("circle")) == 1


def test_a_saved_night_whose_times_no_longer_add_up_is_shown_not_failed(
    app: Flask, signed_in: CheckingClient
) -> None:
    """Say the rules for a possible night changed after this one was saved: every page that shows
    it, and the download, still work, and say what is wrong."""
    night_of = today_in_london() - timedelta(days=2)
    impossible = NightContent(
        bed_time=time(22, 0),
        lights_out=time(22, 30),
        minutes_to_fall_asleep=10,
        awakenings=0,
        awake_minutes=0,
        final_wake=time(7, 0),
        out_of_bed=time(6, 0),  # before waking: more than 20 hours in bed
        quality=2,
        notes="Saved under older rules",
    )
    with app.app_context():
        owner = db.session.scalars(select(User.id)).one()
        address = f"/diary/sleep/nights/{nights.add(db.session, owner, night_of, impossible).id}"
    night_page = signed_in.get(address)
    assert facts(night_page)["Totals"].startswith("The times saved for this night do not add up")
    assert facts(night_page)["Got out of bed"] == "6am"
    assert "do not add up" in page_text(signed_in.get("/diary/sleep"))
    assert signed_in.get("/diary/charts?days=7").status_code == 200
    signed_in.get("/account/download")
    assert signed_in.post_with_token("/account/download").status_code == 200


def test_the_main_menu_marks_the_diary_on_sleep_diary_pages(signed_in: CheckingClient) -> None:
    def diary_link(path: str) -> str | None:
        link = soup_of(signed_in.get(path)).select_one('.site-nav a[href="/diary"]')
        assert link is not None
        return link.get("aria-current")

    assert diary_link("/diary") == "page"
    assert diary_link("/diary/sleep") == "true"
    assert diary_link("/diary/sleep/new") == "true"
    assert diary_link("/guides") is None
