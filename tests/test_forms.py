"""Shared form fields: dates in three boxes, clock times and whole numbers read what people type,
keep it when it is wrong, and say what is wrong in plain words."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict
from wtforms import Form, TextAreaField

from portal.dates import today_in_london
from portal.forms import (
    DateInputField,
    MaxLength,
    NotBefore,
    NotInTheFuture,
    Required,
    TimeOfDayField,
    VersionField,
    WholeNumberField,
    on_the_24_hour_clock,
    parse_clock_time,
    required_answer,
)
from tests.support.client import AccountHelper, CheckingClient


class WhenForm(Form):
    when = DateInputField(
        "When",
        subject="The date",
        validators=[
            Required("Enter the date"),
            NotInTheFuture("The date must be today or in the past"),
            NotBefore(date(1900, 1, 1), "The date must be in 1900 or later"),
        ],
    )


PARTS = {"day", "month", "year"}


def date_form(day: str, month: str, year: str) -> WhenForm:
    return WhenForm(MultiDict({"when-day": day, "when-month": month, "when-year": year}))


def test_three_boxes_make_a_date() -> None:
    form = date_form("3", "11", "2025")
    assert form.validate()
    assert form.when.data == date(2025, 11, 3)


@pytest.mark.parametrize(
    ("typed", "message", "highlighted"),
    [
        (("", "", ""), "Enter the date", set()),
        (("3", "", "2025"), "The date must include a month", {"month"}),
        (("", "", "2025"), "The date must include a day and month", {"day", "month"}),
        (("3", "Nov", "2025"), "The date must be a real date, in numbers", {"month"}),
        (("3", "11", "25"), "Year must include 4 numbers", {"year"}),
        (("31", "2", "2025"), "The date must be a real date", {"day", "month", "year"}),
        (("1", "1", "1025"), "The date must be in 1900 or later", {"year"}),
        (("-1", "1", "2025"), "The date must be a real date, in numbers", {"day"}),
        (("99999999999999999999", "1", "2025"), "The date must be a real date", PARTS),
        (("3", "011", "2025"), "The date must be a real date", PARTS),
        (("٣", "1", "2025"), "The date must be a real date, in numbers", {"day"}),  # Arabic 3
    ],
)
def test_a_date_that_is_not_right_says_why_and_keeps_what_was_typed(
    typed: tuple[str, str, str], message: str, highlighted: set[str]
) -> None:
    form = date_form(*typed)
    assert not form.validate()
    assert form.when.errors == [message]
    assert form.when.parts_in_error == highlighted
    assert tuple(form.when.typed.values()) == typed


def test_a_required_answer_is_read_after_validation_and_fails_loudly_before_it() -> None:
    form = date_form("27", "3", "2025")
    assert form.validate()
    assert required_answer(form.when.data) == date(2025, 3, 27)
    unchecked = WhenForm(MultiDict())
    with pytest.raises(ValueError, match="before its form was validated"):
        required_answer(unchecked.when.data)


def test_a_date_whose_boxes_are_missing_altogether_is_not_kept_from_before() -> None:
    form = WhenForm(MultiDict({"something-else": "x"}), data={"when": date(2024, 5, 1)})
    assert not form.validate()
    assert form.when.errors == ["Enter the date"]


def test_a_date_in_the_future_is_refused() -> None:
    tomorrow = today_in_london() + timedelta(days=1)
    form = date_form(str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))
    assert not form.validate()
    assert form.when.errors == ["The date must be today or in the past"]


def test_the_error_summary_links_to_the_first_box_at_fault() -> None:
    form = date_form("3", "", "")
    form.validate()
    assert form.when.error_target_id == "when-month"
    assert date_form("31", "2", "2025").when.error_target_id == "when"  # the day box


def test_a_saved_date_fills_the_boxes() -> None:
    form = WhenForm(data={"when": date(2024, 2, 29)})
    assert form.when.typed == {"day": "29", "month": "2", "year": "2024"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("22:45", time(22, 45)),
        ("2245", time(22, 45)),
        ("22.45", time(22, 45)),
        ("22 45", time(22, 45)),
        (" 22:45 ", time(22, 45)),
        ("10:45pm", time(22, 45)),
        ("10.45 pm", time(22, 45)),
        ("10:45 p.m.", time(22, 45)),
        ("10:45 PM", time(22, 45)),
        ("10pm", time(22, 0)),
        ("10 pm", time(22, 0)),
        ("945pm", time(21, 45)),
        ("6.45am", time(6, 45)),
        ("06:45", time(6, 45)),
        ("6:45", time(6, 45)),
        ("09:05", time(9, 5)),
        ("0:30", time(0, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("12am", time(0, 0)),
        ("12:30am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("noon", time(12, 0)),
        ("midday", time(12, 0)),
        ("Midnight", time(0, 0)),
    ],
)
def test_clock_times_are_read_as_people_type_them(typed: str, expected: time) -> None:
    assert parse_clock_time(typed) == expected


class NightForm(Form):
    bed = TimeOfDayField("Bed", what="the time you went to bed")
    minutes = WholeNumberField("Minutes", invalid_message="Enter the minutes as a whole number")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("10", "Enter the time you went to bed with minutes, or with am or pm, like 22:00 or 10pm"),
        ("7", "Enter the time you went to bed with minutes, or with am or pm, like 22:00 or 10pm"),
        (
            "25:00",
            "Enter the time you went to bed as a real time: "
            "hours go from 0 to 23 and minutes from 00 to 59",
        ),
        (
            "24:00",
            "Enter the time you went to bed as a real time: "
            "hours go from 0 to 23 and minutes from 00 to 59",
        ),
        (
            "12:60",
            "Enter the time you went to bed as a real time: "
            "hours go from 0 to 23 and minutes from 00 to 59",
        ),
        (
            "13pm",
            "Enter the time you went to bed as a real time: "
            "with am or pm, hours go from 1 to 12 and minutes from 00 to 59",
        ),
        (
            "0am",
            "Enter the time you went to bed as a real time: "
            "with am or pm, hours go from 1 to 12 and minutes from 00 to 59",
        ),
        ("２２:４５", "Enter the time you went to bed using the numbers 0 to 9, like 22:45"),
        ("٢٢:٤٥", "Enter the time you went to bed using the numbers 0 to 9, like 22:45"),
        ("²²:45", "Enter the time you went to bed using the numbers 0 to 9, like 22:45"),
        ("9" * 40, "Enter the time you went to bed as a time, like 22:45 or 10:45pm"),
        ("22:4", "Enter the time you went to bed as a time, like 22:45 or 10:45pm"),
        ("10:45xm", "Enter the time you went to bed as a time, like 22:45 or 10:45pm"),
        ("half ten", "Enter the time you went to bed as a time, like 22:45 or 10:45pm"),
        ("late", "Enter the time you went to bed as a time, like 22:45 or 10:45pm"),
    ],
)
def test_a_time_that_cannot_be_read_is_kept_with_how_to_write_it(typed: str, message: str) -> None:
    form = NightForm(MultiDict({"bed": typed, "minutes": "20"}))
    assert not form.validate()
    assert form.bed.errors == [message]
    assert form.bed._value() == typed.strip()
    assert form.bed.read_as == ""
    assert form.minutes.data == 20


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("10.45 pm", "We read “10.45 pm” as 22:45, which is 10:45pm."),
        ("2245", "We read “2245” as 22:45, which is 10:45pm."),
        ("945", "We read “945” as 09:45, which is 9:45am."),
        ("12am", "We read “12am” as 00:00, which is midnight."),
        ("noon", "We read “noon” as 12:00, which is midday."),
        ("22:45", ""),
        ("09:05", ""),
    ],
)
def test_a_time_that_is_read_is_shown_on_the_24_hour_clock_saying_how(
    typed: str, read_as: str
) -> None:
    form = NightForm(MultiDict({"bed": typed, "minutes": "0"}))
    assert form.validate()
    assert form.bed._value() == on_the_24_hour_clock(form.bed.data)
    assert form.bed.read_as == read_as


def test_a_saved_time_is_shown_without_saying_how_it_was_read() -> None:
    form = NightForm(data={"bed": time(6, 5)})
    assert form.bed._value() == "06:05"
    assert form.bed.read_as == ""


@pytest.mark.parametrize(
    ("raw", "read_as"), [("3", 3), ("0", 0), ("-1", 0), ("2147483648", 0), ("3e2", 0), ("³", 0)]
)
def test_a_tampered_version_is_read_as_one_no_record_has(raw: str, read_as: int) -> None:
    class EditForm(Form):
        version = VersionField()

    assert EditForm(MultiDict({"version": raw})).version.data == read_as


@pytest.mark.parametrize("typed", ["-5", "ten", "1.5", "1234567"])
def test_a_whole_number_must_be_digits(typed: str) -> None:
    form = NightForm(MultiDict({"bed": "22:00", "minutes": typed}))
    assert not form.validate()
    assert form.minutes.errors == ["Enter the minutes as a whole number"]
    assert form.minutes._value() == typed


class NotesForm(Form):
    notes = TextAreaField("Notes", validators=[MaxLength(5, "Your notes must be 5 characters")])


@pytest.mark.parametrize(
    ("sent", "accepted"),
    [("ab\r\ncd", True), ("ab\ncd", True), ("ab\r\ncde", False), ("🙂🙂🙂🙂🙂", True)],
)
def test_a_length_limit_counts_characters_as_the_person_sees_them(
    sent: str, accepted: bool
) -> None:
    # Browsers send each line break as two characters; the character count shows it as one.
    assert NotesForm(MultiDict({"notes": sent})).validate() is accepted


# Private one-line answers stay out of the browser's form memory -------------------------------
# A browser offers what was typed into a box to the next person typing into it on that device.

PRIVATE_ONE_LINE_BOXES = {
    "/diary/new": ["tags"],
    "/diary/search": ["q"],
    "/incidents": ["words"],
    "/incidents/new": ["location", "room", "reports-0-agency_name", "reports-0-reference"],
    "/shares/new": ["label", "shared_by"],
}


@pytest.mark.parametrize("path", PRIVATE_ONE_LINE_BOXES)
def test_private_one_line_answers_are_not_offered_to_the_next_person_on_the_device(
    client: CheckingClient, accounts: AccountHelper, path: str
) -> None:
    accounts.register(client)
    soup = BeautifulSoup(client.get(path).get_data(as_text=True), "lxml")
    for name in PRIVATE_ONE_LINE_BOXES[path]:
        box = soup.find("input", attrs={"name": name})
        assert box is not None, name
        assert box.get("autocomplete") == "off", name
