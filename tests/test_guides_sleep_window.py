"""The sleep window exercise: its arithmetic, worked by hand, and the step page as a visitor, a
person with too little diary, and a person whose diary suggests a window, chooses one and comes
back after a week."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.dates import today_in_london
from portal.diary.sleep import NightTotals
from portal.extensions import db
from portal.guides.answers import save_step
from portal.guides.library import parsed_version, published_guide, save_version
from portal.guides.sleep_window import (
    DiaryFigures,
    SleepWindow,
    figures_of,
    suggestion,
)
from portal.models import GuideAnswer, User
from tests.support.client import AccountHelper, CheckingClient, error_messages, page_text
from tests.support.diary import night_form
from tests.support.queries import counting_queries

GUIDE = """---
slug: window-practice
title: Sleep window practice
summary: A guide with a sleep window in it.
topic: sleep
minutes: 5
audience: Adults who sleep badly.
version: 1
---

Before the steps.

## Before you start {#before}

Read this first.

## Your window {#your-window}

::: sleep-window {#window}
Here are your figures from your sleep diary.
:::

## Your plan {#afterwards}

::: my-plan {#plan}
What you chose.
:::
"""
STEP = "/guides/window-practice/steps/your-window"
WINDOW_FIELD = "answer-window"
LENGTH_FIELD = "answer-window--1"
# tests/support/diary.py's ORDINARY_NIGHT: 8 h 40 min in bed, 6 h 55 min asleep, 79.8%.
# A GOOD_NIGHT: in bed 23:00 to 06:40 (7 h 40 min), lights out at once, 10 minutes to fall
# asleep and up at 06:30 without waking: 7 h 20 min asleep, 440 / 460 = 95.7%.
GOOD_NIGHT = {
    "bed_time": "23:00",
    "lights_out": "23:00",
    "minutes_to_fall_asleep": "10",
    "awakenings": "0",
    "awake_minutes": "0",
    "final_wake": "06:30",
    "out_of_bed": "06:40",
}


@pytest.fixture(autouse=True)
def practice_guide(app: Flask) -> None:
    with app.app_context():
        save_version(db.session, GUIDE, "window-practice.md", "file", publish=True)
        db.session.commit()


def soup_of(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def night(in_bed_minutes: int, asleep_minutes: int) -> NightTotals:
    start = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)
    return NightTotals(
        start,
        start,
        start,
        start,
        timedelta(minutes=in_bed_minutes),
        timedelta(minutes=asleep_minutes),
        round(100 * asleep_minutes / in_bed_minutes, 1),
    )


def fill_in_nights(client: CheckingClient, count: int, **answers: str) -> None:
    """`count` nights, the latest two nights ago (last night's waking may still be ahead)."""
    today = today_in_london()
    for days_ago in range(2, count + 2):
        response = client.submit(
            "/diary/sleep/new", night_form(today - timedelta(days=days_ago), **answers)
        )
        assert response.status_code == 302, error_messages(client.last_page)


# The arithmetic ---------------------------------------------------------------------------------


def test_figures_average_the_nights_to_the_minute() -> None:
    figures = figures_of([night(480, 390), night(500, 400), night(470, 371)])
    assert figures == DiaryFigures(3, timedelta(minutes=483), timedelta(minutes=387))
    # 387 / 483 = 80.12...%
    assert figures.efficiency == 80.1
    assert figures_of([]) is None


def test_a_first_window_is_the_average_time_asleep_to_the_nearest_quarter_hour() -> None:
    today = date(2026, 11, 30)
    for asleep, expected in ((412, 405), (413, 420), (367, 360), (480, 480)):
        figures = DiaryFigures(7, timedelta(minutes=540), timedelta(minutes=asleep))
        suggested = suggestion(figures, None, None, today)
        assert suggested is not None
        assert suggested.length == timedelta(minutes=expected), asleep


def test_a_window_is_never_under_five_and_a_half_hours() -> None:
    figures = DiaryFigures(7, timedelta(hours=8), timedelta(hours=4, minutes=10))
    suggested = suggestion(figures, None, None, date(2026, 11, 30))
    assert suggested is not None
    assert suggested.length == timedelta(hours=5, minutes=30)
    assert "never shorter than 5 hours 30 minutes" in suggested.reason


def test_too_few_nights_suggest_nothing() -> None:
    figures = DiaryFigures(4, timedelta(hours=8), timedelta(hours=6))
    assert suggestion(figures, None, None, date(2026, 11, 30)) is None
    assert suggestion(None, None, None, date(2026, 11, 30)) is None


def test_a_week_on_the_window_grows_by_15_minutes_only_at_85_percent_or_more() -> None:
    chosen = SleepWindow(time(6, 30), timedelta(hours=6), date(2026, 11, 20))
    today = date(2026, 11, 27)  # a week after setting it
    efficient = DiaryFigures(6, timedelta(minutes=360), timedelta(minutes=306))  # 85.0%
    grown = suggestion(efficient, efficient, chosen, today)
    assert grown is not None
    assert grown.grows
    assert grown.length == timedelta(hours=6, minutes=15)
    assert "85% or more" in grown.reason

    not_yet = DiaryFigures(6, timedelta(minutes=360), timedelta(minutes=305))  # 84.7%
    kept = suggestion(not_yet, not_yet, chosen, today)
    assert kept is not None
    assert not kept.grows
    assert kept.length == timedelta(hours=6)
    assert "84.7%" in kept.reason

    too_soon = suggestion(efficient, efficient, chosen, today - timedelta(days=1))
    assert too_soon is not None
    assert too_soon.length == timedelta(hours=6)
    assert "until Friday 27 November" in too_soon.reason

    few = DiaryFigures(3, timedelta(minutes=360), timedelta(minutes=350))
    waiting = suggestion(few, few, chosen, today)
    assert waiting is not None
    assert waiting.length == timedelta(hours=6)
    assert "at least 5 nights" in waiting.reason


def test_the_window_stops_growing_at_nine_hours() -> None:
    chosen = SleepWindow(time(7, 0), timedelta(hours=9), date(2026, 11, 1))
    efficient = DiaryFigures(7, timedelta(hours=9), timedelta(hours=8, minutes=30))
    kept = suggestion(efficient, efficient, chosen, date(2026, 11, 30))
    assert kept is not None
    assert kept.length == timedelta(hours=9)
    assert not kept.grows


def test_bedtime_counts_back_from_the_wake_up_time_across_midnight() -> None:
    window = SleepWindow(time(6, 30), timedelta(hours=6), date(2026, 11, 30))
    assert window.bedtime == time(0, 30)
    assert window.in_words == "Go to bed at 12:30am and get up at 6:30am: 6 hours in bed."
    assert SleepWindow.from_payload(window.to_payload()) == window
    assert SleepWindow.from_payload({"wake": "soon"}) is None


# The step page -----------------------------------------------------------------------------------


def test_a_visitor_reads_the_step_and_is_told_the_window_needs_a_diary(
    client: CheckingClient,
) -> None:
    page = client.get(STEP)
    text = page_text(page)
    assert "works from your own sleep diary, which needs a free account" in text
    assert f'name="{WINDOW_FIELD}"' not in page.get_data(as_text=True)
    assert "Save my sleep window" not in text


def test_with_too_few_nights_the_step_says_how_many_and_links_to_the_diary(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    assert "no nights in your sleep diary from the last 2 weeks" in page_text(client.get(STEP))
    fill_in_nights(client, 3)
    page = client.get(STEP)
    assert "You have filled in 3 nights in the last 2 weeks" in page_text(page)
    assert 'href="/diary/sleep/new"' in page.get_data(as_text=True)
    assert f'name="{WINDOW_FIELD}"' not in page.get_data(as_text=True)
    # "Continue" goes on to the next step: there is nothing to save yet.
    onward = client.submit(STEP, {})
    assert onward.headers["Location"].endswith("/guides/window-practice/steps/afterwards")


def test_the_diary_suggests_a_window_the_person_sets_and_sees_in_their_plan(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    fill_in_nights(client, 7)
    page = client.get(STEP)
    text = page_text(page)
    assert "Nights filled in 7" in text
    assert "Average time in bed 8 hours 40 minutes" in text
    assert "Average time asleep 6 hours 55 minutes" in text
    assert "Sleep efficiency 79.8%" in text
    assert "start with 7 hours in bed" in text
    chosen_length = soup_of(page).select_one(f"select[name='{LENGTH_FIELD}'] option[selected]")
    assert chosen_length is not None
    assert chosen_length["value"] == "420"

    saved = client.submit(STEP, {WINDOW_FIELD: "6.30am", LENGTH_FIELD: "420"})
    assert saved.headers["Location"].endswith(f"{STEP}#result")
    result = client.get(STEP)
    assert "Go to bed at 11:30pm and get up at 6:30am: 7 hours in bed." in page_text(result)
    assert "until" in page_text(result)  # the next review, a week away
    plan = page_text(client.get("/guides/window-practice/finished"))
    assert "Your sleep window" in plan
    assert "Go to bed at 11:30pm" in plan

    with app.app_context():
        stored = db.session.scalars(select(GuideAnswer)).all()
        assert len(stored) == 1
        assert b"06:30" not in stored[0].value_sealed


def test_a_window_without_a_wake_up_time_is_refused_keeping_the_length(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    fill_in_nights(client, 5)
    refused = client.submit(STEP, {WINDOW_FIELD: "", LENGTH_FIELD: "390"})
    assert refused.status_code == 200
    assert error_messages(refused) == [
        "Enter the time you will get up every day, like 6:30am or 06:30"
    ]
    kept = soup_of(refused).select_one(f"select[name='{LENGTH_FIELD}'] option[selected]")
    assert kept is not None
    assert kept["value"] == "390"

    unreadable = client.submit(STEP, {WINDOW_FIELD: "half six", LENGTH_FIELD: "390"})
    assert any("the time you will get up" in message for message in error_messages(unreadable))
    assert soup_of(unreadable).select_one(f"input[name='{WINDOW_FIELD}']")["value"] == "half six"

    tampered = client.submit(STEP, {WINDOW_FIELD: "07:00", LENGTH_FIELD: "200"})
    assert error_messages(tampered) == ["Choose how long you will spend in bed from the list"]


def test_after_a_good_week_the_step_suggests_15_minutes_more(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    fill_in_nights(client, 7, **GOOD_NIGHT)
    today = today_in_london()
    with app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.username == account.username)).one()
        published = published_guide(db.session, "window-practice", user_id)
        guide = parsed_version(db.session, published.version_id)
        set_a_week_ago = SleepWindow(time(6, 30), timedelta(hours=7), today - timedelta(days=8))
        save_step(
            db.session,
            user_id,
            published.guide_id,
            guide,
            "your-window",
            {"window": set_a_week_ago.to_payload()},
        )
    page = client.get(STEP)
    text = page_text(page)
    assert "Your sleep efficiency over the last week was 95.7%" in text
    assert "add 15 minutes" in text
    grown = soup_of(page).select_one(f"select[name='{LENGTH_FIELD}'] option[selected]")
    assert grown is not None
    assert grown["value"] == "435"
    client.submit(STEP, {WINDOW_FIELD: "06:30", LENGTH_FIELD: "435"})
    assert "Go to bed at 11:15pm and get up at 6:30am: 7 hours 15 minutes in bed." in page_text(
        client.get(STEP)
    )


def test_one_person_never_sees_anothers_diary_figures(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    fill_in_nights(client, 7)
    other = accounts.new_client()
    accounts.register(other, "wren")
    text = page_text(other.get(STEP))
    assert "no nights in your sleep diary" in text
    assert "6 hours 55 minutes" not in text


def test_the_step_adds_one_query_for_the_diary(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    fill_in_nights(client, 7)
    client.get(STEP)
    with counting_queries(app) as few:
        client.get(STEP)
    fill_in_nights_more = 6
    today = today_in_london()
    for days_ago in range(9, 9 + fill_in_nights_more):
        client.submit("/diary/sleep/new", night_form(today - timedelta(days=days_ago)))
    client.get(STEP)  # as before counting the first time: a page after a save updates the session
    with counting_queries(app) as many:
        client.get(STEP)
    assert len(few) == len(many) <= 5, (few.statements, many.statements)
