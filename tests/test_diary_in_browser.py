"""Browser journeys through the diary and the sleep diary in Chromium, with JavaScript on and off:
entries reaching the mood chart, a night's sleep worked out, a mistake that loses nothing typed,
the notes' character count, and axe-core on every kind of diary page."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from portal.dates import LONDON, date_in_words, today_in_london, week_day_and_date
from portal.diary.entries import NOTES_MAX_LENGTH
from tests.support.browser import SMALL_PHONE, accessibility_problems, browser_page
from tests.test_pages_in_browser import register_in_browser

pytestmark = pytest.mark.browser

WITH_AND_WITHOUT_JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [True, False], ids=["with-js", "without-js"]
)
# For pages that are the same whichever database is beneath them: checked on one, to keep the
# file quick.
ONE_DATABASE = pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
NOTES_LABEL = "What happened and how you feel (optional)"


def days_ago(days: int) -> date:
    return today_in_london() - timedelta(days=days)


def a_recent_night_without_a_clock_change() -> date:
    """Two or three nights ago: long enough ago that getting up is in the past whatever the time
    now, and never the night the clocks change, so its hours are the plain difference."""
    for night_of in (days_ago(2), days_ago(3)):
        evening = datetime.combine(night_of, time(18), tzinfo=LONDON)
        morning = datetime.combine(night_of + timedelta(days=1), time(9), tzinfo=LONDON)
        if evening.utcoffset() == morning.utcoffset():
            return night_of
    raise AssertionError("the clocks never change on two nights running")


def fill_date(group: Locator, day: str, month: str, year: str) -> None:
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def write_entry(page: Page, day: date, mood: str, notes: str = "", tags: str = "") -> None:
    """Write an entry from the diary's home page; ends on the saved entry."""
    page.goto("/diary")
    page.get_by_role("link", name="Write an entry").click()
    fill_date(
        page.get_by_role("group", name="Date", exact=True),
        str(day.day),
        str(day.month),
        str(day.year),
    )
    page.get_by_role("group", name="How are you feeling?").get_by_label(mood, exact=True).check()
    if notes:
        page.get_by_label("What happened and how you feel (optional)").fill(notes)
    if tags:
        page.get_by_label("Tags (optional)").fill(tags)
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("Your diary entry has been saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(date_in_words(day))


def add_night(page: Page, night_of: date) -> None:
    """In bed 22:30 to 07:00 (8½ hours), asleep 6 hours 40 minutes of it; ends on the night."""
    page.goto("/diary/sleep")
    page.get_by_role("link", name="Add last night").click()
    fill_date(
        page.get_by_role("group", name="Which night was it?"),
        str(night_of.day),
        str(night_of.month),
        str(night_of.year),
    )
    page.get_by_label("What time did you get into bed?").fill("22:30")
    page.get_by_label("What time did you try to go to sleep?").fill("23:00")
    page.get_by_label("How long did it take you to fall asleep?").fill("30")
    page.get_by_label("How many times did you wake up in the night?").fill("2")
    page.get_by_label("In total, how long were you awake in the night?").fill("20")
    page.get_by_label("What time did you wake up for the last time?").fill("06:30")
    page.get_by_label("What time did you get out of bed?").fill("07:00")
    page.get_by_role("group", name="How well did you sleep?").get_by_label(
        "Fairly well", exact=True
    ).check()
    page.get_by_label("Notes (optional)").fill("A car alarm at 3am.")
    page.get_by_role("button", name="Save this night").click()
    expect(
        page.get_by_text(f"The night of {date_in_words(night_of)} has been saved.")
    ).to_be_visible()


def table_rows(table: Locator) -> list[list[str]]:
    """The text of each body row's cells, top to bottom."""
    return [row.locator("th, td").all_inner_texts() for row in table.locator("tbody tr").all()]


def hidden_behind_the_quick_exit_bar(page: Page, target: Locator) -> bool:
    """Whether any of `target` is under the bar that stays at the top of the screen."""
    bar = page.locator(".quick-exit-bar").bounding_box()
    box = target.bounding_box()
    assert bar is not None
    assert box is not None
    return box["y"] < bar["y"] + bar["height"]


def summary_value(page: Page, key: str) -> Locator:
    return page.locator(".summary-list__row", has=page.get_by_text(key, exact=True)).locator("dd")


@WITH_AND_WITHOUT_JAVASCRIPT
def test_a_person_sees_the_moods_they_wrote_down_on_the_chart(
    browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript) as (page, off_site):
        register_in_browser(page)
        write_entry(page, days_ago(5), "Low", notes="Shouting outside until 2am.")
        write_entry(page, days_ago(3), "Okay")
        write_entry(page, days_ago(1), "Very good", notes="A quiet night at last.")

        page.goto("/diary")
        page.get_by_role("navigation", name="Diary").get_by_role("link", name="Charts").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your mood and sleep")
        mood_chart = page.get_by_role("figure", name="Your mood over the last 30 days")
        expect(mood_chart.get_by_role("img")).to_have_accessible_name(
            "Your mood over the last 30 days 3 of 30 days recorded: average 3.3 (Okay), "
            "lowest 2 (Low), highest 5 (Very good)."
        )
        expect(mood_chart.locator("svg circle")).to_have_count(3)

        table = page.get_by_role("table", name=re.compile("^Your mood and sleep, day by day"))
        expect(table).to_be_hidden()
        page.get_by_text("Show the numbers as a table").click()
        expect(table).to_be_visible()
        assert table_rows(table) == [
            [week_day_and_date(days_ago(5)), "2 (Low)", "–", "–"],
            [week_day_and_date(days_ago(3)), "3 (Okay)", "–", "–"],
            [week_day_and_date(days_ago(1)), "5 (Very good)", "–", "–"],
        ]
        off_site.assert_only_navigations_to()


@WITH_AND_WITHOUT_JAVASCRIPT
def test_a_person_sees_how_long_they_slept_and_their_sleep_efficiency(
    browser: Browser, site: str, javascript: bool
) -> None:
    night_of = a_recent_night_without_a_clock_change()
    with browser_page(browser, site, javascript=javascript) as (page, off_site):
        register_in_browser(page)
        add_night(page, night_of)

        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"The night of {date_in_words(night_of)}"
        )
        expect(summary_value(page, "Time asleep")).to_have_text("6 hours 40 minutes")
        expect(summary_value(page, "Time in bed")).to_have_text("8 hours 30 minutes")
        expect(summary_value(page, "Sleep efficiency")).to_have_text("78%")
        expect(summary_value(page, "How well you slept")).to_have_text("Fairly well")

        page.get_by_role("link", name="Back to your sleep diary").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your sleep diary")
        monday = night_of - timedelta(days=night_of.weekday())
        weekly = page.get_by_role("table", name="Your averages for each week, newest first")
        assert table_rows(weekly) == [
            [
                week_day_and_date(monday),
                "1",
                "8 hours 30 minutes",
                "6 hours 40 minutes",
                "78%",
                "3.0",
            ]
        ]
        expect(page.get_by_role("main")).to_contain_text(
            "Asleep 6 hours 40 minutes of 8 hours 30 minutes in bed (78%). Slept fairly well."
        )
        off_site.assert_only_navigations_to()


@WITH_AND_WITHOUT_JAVASCRIPT
def test_an_impossible_date_is_explained_and_nothing_typed_is_lost(
    browser: Browser, site: str, javascript: bool
) -> None:
    notes = "They banged on the wall again.\nI wrote down the time: 11:40pm."
    with browser_page(browser, site, javascript=javascript) as (page, _):
        register_in_browser(page)
        page.goto("/diary/new")
        date_boxes = page.get_by_role("group", name="Date", exact=True)
        fill_date(date_boxes, "31", "2", "2026")
        moods = page.get_by_role("group", name="How are you feeling?")
        moods.get_by_label("Low", exact=True).check()
        page.get_by_label("What happened and how you feel (optional)").fill(notes)
        page.get_by_label("Tags (optional)").fill("noise, neighbours")
        page.get_by_role("button", name="Save entry").click()

        expect(page).to_have_title("Error: Write a diary entry – Support Space")
        summary = page.get_by_role("alert")
        if javascript:
            expect(summary).to_be_focused()
        summary.get_by_role("link", name="The date must be a real date").click()
        expect(date_boxes.get_by_label("Day")).to_be_focused()
        assert not hidden_behind_the_quick_exit_bar(page, date_boxes.get_by_label("Day"))
        expect(date_boxes).to_contain_text("The date must be a real date")

        expect(date_boxes.get_by_label("Day")).to_have_value("31")
        expect(date_boxes.get_by_label("Month")).to_have_value("2")
        expect(date_boxes.get_by_label("Year")).to_have_value("2026")
        expect(moods.get_by_label("Low", exact=True)).to_be_checked()
        expect(page.get_by_label("What happened and how you feel (optional)")).to_have_value(notes)
        expect(page.get_by_label("Tags (optional)")).to_have_value("noise, neighbours")


TIMES_AS_TYPED = {
    "What time did you get into bed?": ("2245", "22:45", "We read “2245” as 22:45"),
    "What time did you try to go to sleep?": ("11.15 pm", "23:15", "We read “11.15 pm” as 23:15"),
    "What time did you wake up for the last time?": ("6.30am", "06:30", "We read “6.30am”"),
    "What time did you get out of bed?": ("07:00", "07:00", ""),
}


def read_as_line(page: Page, label: str) -> Locator:
    box_id = page.get_by_label(label).get_attribute("id")
    return page.locator(f"#{box_id}-read-as")


@WITH_AND_WITHOUT_JAVASCRIPT
def test_times_typed_as_people_write_them_are_read_shown_and_saved(
    browser: Browser, site: str, javascript: bool
) -> None:
    night_of = a_recent_night_without_a_clock_change()
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (
        page,
        off_site,
    ):
        register_in_browser(page)
        page.goto("/diary/sleep/new")
        fill_date(
            page.get_by_role("group", name="Which night was it?"),
            str(night_of.day),
            str(night_of.month),
            str(night_of.year),
        )
        for label, (typed, _, _) in TIMES_AS_TYPED.items():
            box = page.get_by_label(label)
            box.fill(typed)
            # A browser's own time box would have stayed empty for "2245".
            expect(box).to_have_value(typed)
        page.get_by_label("How long did it take you to fall asleep?").fill("15")
        page.get_by_label("How many times did you wake up in the night?").fill("0")
        page.get_by_label("In total, how long were you awake in the night?").fill("0")
        page.get_by_role("button", name="Save this night").click()  # how well: not answered

        expect(page.get_by_role("alert")).to_contain_text("Choose how well you slept")
        for label, (_, shown, line) in TIMES_AS_TYPED.items():
            expect(page.get_by_label(label)).to_have_value(shown)
            if line:
                expect(read_as_line(page, label)).to_contain_text(line)
            else:
                expect(read_as_line(page, label)).to_be_empty()
        expect(page.get_by_label("What time did you get into bed?")).to_have_accessible_description(
            re.compile("We read “2245” as 22:45, which is 10:45pm.$")
        )
        if javascript:  # axe runs as a script in the page; the page is the same without
            assert accessibility_problems(page) == []

        page.get_by_role("group", name="How well did you sleep?").get_by_label(
            "Fairly well", exact=True
        ).check()
        page.get_by_role("button", name="Save this night").click()
        expect(summary_value(page, "Got into bed")).to_have_text(
            f"10:45pm, {date_in_words(night_of)}"
        )
        expect(summary_value(page, "Tried to go to sleep")).to_have_text("11:15pm")
        expect(summary_value(page, "Woke up for the last time")).to_have_text(
            f"6:30am, {date_in_words(night_of + timedelta(days=1))}"
        )
        expect(summary_value(page, "Time in bed")).to_have_text("8 hours 15 minutes")
        page.get_by_role("link", name="Change this night").click()
        expect(page.get_by_label("What time did you get into bed?")).to_have_value("22:45")
        off_site.assert_only_navigations_to()


def test_leaving_a_time_box_says_how_the_time_was_read(browser: Browser, site: str) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, off_site):
        register_in_browser(page)
        page.goto("/diary/sleep/new")
        bed = page.get_by_label("What time did you get into bed?")
        line = read_as_line(page, "What time did you get into bed?")
        expect(line).to_have_attribute("aria-live", "polite")

        bed.fill("10:45 p.m.")
        expect(line).to_be_empty()  # nothing is said while the person is still typing
        bed.press("Tab")
        expect(line).to_have_text("We read “10:45 p.m.” as 22:45, which is 10:45pm.")
        expect(bed).to_have_value("10:45 p.m.")
        assert bed.evaluate("box => box.scrollWidth <= box.clientWidth"), "the time is cut off"
        assert accessibility_problems(page) == []

        bed.fill("10")
        bed.press("Tab")
        expect(line).to_be_empty()  # not a time: the message comes when the form is sent
        bed.fill("945pm")
        bed.press("Tab")
        expect(line).to_have_text("We read “945pm” as 21:45, which is 9:45pm.")
        bed.fill("22:45")
        bed.press("Tab")
        expect(line).to_be_empty()
        off_site.assert_only_navigations_to()


@ONE_DATABASE
def test_without_javascript_the_notes_say_how_much_they_can_hold(
    browser: Browser, site: str
) -> None:
    with browser_page(browser, site, javascript=False, viewport=SMALL_PHONE) as (page, _):
        register_in_browser(page)
        page.goto("/diary/new")
        notes = page.get_by_label(NOTES_LABEL)
        expect(notes).to_have_accessible_description(
            f"You can enter up to {NOTES_MAX_LENGTH:,} characters"
        )
        expect(
            page.get_by_text(f"You can enter up to {NOTES_MAX_LENGTH:,} characters")
        ).to_be_visible()


@ONE_DATABASE
def test_with_javascript_the_notes_count_down_and_tell_a_screen_reader_once_typing_pauses(
    browser: Browser, site: str
) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        page.clock.install()
        register_in_browser(page)
        page.goto("/diary/new")
        page.wait_for_load_state("load")
        notes = page.get_by_label(NOTES_LABEL)
        count = page.locator("[data-character-count-status]")
        announcement = page.locator("[data-character-count-announcement]")
        expect(count).to_have_text(f"You have {NOTES_MAX_LENGTH:,} characters remaining")
        expect(announcement).to_have_attribute("aria-live", "polite")

        notes.press_sequentially("Door\nslam")
        expect(count).to_have_text(f"You have {NOTES_MAX_LENGTH - 9:,} characters remaining")
        expect(announcement).to_be_empty()  # not while the person is still typing
        page.clock.run_for(1500)
        expect(announcement).to_have_text(f"You have {NOTES_MAX_LENGTH - 9:,} characters remaining")

        notes.fill("x" * (NOTES_MAX_LENGTH + 1))
        expect(count).to_have_text("You have 1 character too many")
        expect(notes).to_have_accessible_description(
            f"You can enter up to {NOTES_MAX_LENGTH:,} characters"
        )


@ONE_DATABASE
@WITH_AND_WITHOUT_JAVASCRIPT
def test_notes_of_exactly_the_limit_are_saved_whatever_their_line_breaks(
    browser: Browser, site: str, javascript: bool
) -> None:
    notes = ("Banging on the wall.\n" * NOTES_MAX_LENGTH)[:NOTES_MAX_LENGTH]
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        register_in_browser(page)
        page.goto("/diary/new")
        page.get_by_role("group", name="How are you feeling?").get_by_label(
            "Low", exact=True
        ).check()
        page.get_by_label(NOTES_LABEL).fill(notes)
        if javascript:
            expect(page.locator("[data-character-count-status]")).to_have_text(
                "You have 0 characters remaining"
            )
        page.get_by_role("button", name="Save entry").click()
        expect(page.get_by_text("Your diary entry has been saved.")).to_be_visible()


# The pages are the same whichever database is beneath them (the journeys above run on both), so
# this long walk through every page runs once, to keep the file quick.
@ONE_DATABASE
def test_the_diary_pages_have_no_accessibility_problems(browser: Browser, site: str) -> None:
    problems: dict[str, list[str]] = {}

    def check(page: Page, what: str) -> None:
        found = accessibility_problems(page)
        if found:
            problems[what] = found

    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, off_site):
        register_in_browser(page)

        page.goto("/diary/new")
        check(page, "the empty entry form")
        page.get_by_role("button", name="Save entry").click()
        expect(page.get_by_role("alert")).to_contain_text("Choose how you are feeling")
        check(page, "the entry form with an error")

        write_entry(page, days_ago(2), "Low", notes="Music through the wall.", tags="noise")
        write_entry(
            page, days_ago(1), "Good", notes="Slept at my sister's.", tags="noise, neighbours"
        )
        check(page, "an entry")
        page.get_by_role("link", name="Change this entry").click()
        check(page, "changing an entry")
        page.get_by_role("link", name="Back to the entry").click()
        page.get_by_role("link", name="Delete this entry").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Delete this entry?")
        check(page, "deleting an entry")

        page.goto("/diary")
        check(page, "the diary with entries")
        page.get_by_role("search").get_by_label("Search your diary").fill("neighb")
        page.get_by_role("search").get_by_role("button", name="Search").click()
        results = page.get_by_role("heading", name="1 entry has “neighb”")
        expect(results).to_be_visible()
        if hidden_behind_the_quick_exit_bar(page, results):
            problems["search results"] = ["their heading is hidden behind the quick exit bar"]
        check(page, "search results")
        yesterday = days_ago(1)
        page.goto(f"/diary/months/{yesterday:%Y-%m}")
        check(page, "a month")
        page.get_by_role("link", name=f"{date_in_words(yesterday)}: 1 entry").click()
        check(page, "a day")

        page.goto("/diary/sleep/new")
        page.get_by_role("button", name="Save this night").click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("Enter the time you got into bed")
        check(page, "the night form with errors")
        summary.get_by_role("link", name="Enter the time you got out of bed").click()
        got_up = page.get_by_label("What time did you get out of bed?")
        expect(got_up).to_be_focused()
        if hidden_behind_the_quick_exit_bar(page, got_up):
            problems["the night form's last field, reached from the error summary"] = [
                "focus is hidden behind the quick exit bar"
            ]
        add_night(page, a_recent_night_without_a_clock_change())
        check(page, "a night")
        page.get_by_role("link", name="Delete this night").click()
        check(page, "deleting a night")
        page.goto("/diary/sleep")
        expect(page.get_by_role("heading", name="Week by week")).to_be_visible()
        check(page, "the sleep diary with nights and weekly averages")

        page.goto("/diary/charts")
        for toggle in page.get_by_text("Show the numbers as a table").all():
            toggle.click()
        expect(page.get_by_role("table")).to_have_count(1)
        check(page, "the charts with their tables open")
        off_site.assert_only_navigations_to()

    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, off_site):
        page.goto("/diary")
        expect(page.get_by_role("heading", level=1)).to_have_text("A private diary")
        check(page, "the diary for someone not signed in")
        off_site.assert_only_navigations_to()

    assert not problems, "\n".join(f"{what}: {found}" for what, found in problems.items())
