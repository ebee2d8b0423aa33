"""A person working through a whole guide in Chromium, with JavaScript on and off; urgent support
on a small phone, on screen at every moment it matters; choices sized for a small phone; and
axe-core on every guide page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from portal.dates import today_in_london
from portal.guides.library import GUIDES_FOLDER, guide_files
from tests.support.browser import (
    SMALL_PHONE,
    accessibility_problems,
    browser_page,
    place_on_screen,
)
from tests.support.diary import ORDINARY_NIGHT
from tests.test_pages_in_browser import (
    WITH_AND_WITHOUT_JAVASCRIPT,
    box,
    register_in_browser,
    scrolls_sideways,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("bundled_guides")]

GUIDE = "/guides/calming-anxious-feelings"
BUNDLED_GUIDES = [f"/guides/{path.stem}" for path in guide_files(GUIDES_FOLDER)]

# GOV.UK's radios and checkboxes: big enough to tap without looking twice.
CHOICE_SIZE = 40


def scale_options(page: Page) -> list[Locator]:
    """The radios 0 to 10 of the first step's scale."""
    page.goto(f"{GUIDE}/steps/body-alarm-system")
    scale = page.get_by_role("group", name="How anxious do you feel right now?")
    return [scale.get_by_label(str(number), exact=True) for number in range(11)]


MOOD_CHECK = "/guides/better-sleep/steps/sleep-and-mood"
URGENT_HELP = "[data-urgent-support]"
URGENT_RESULT = "You told us you have had thoughts of being better off dead or of hurting yourself."


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def save(page: Page, name: str = "Save and continue") -> None:
    """Press a save button and wait until the page it leads to has loaded, scripts and all, as
    a person's next answer comes after the page is there (CI once chose item 9 before the new
    page's script had run, so the help showed without taking focus)."""
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def work_through_the_anxiety_guide(page: Page, *, javascript: bool) -> None:
    page.goto(GUIDE)
    page.get_by_role("link", name="Start").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your body's alarm system")
    page.get_by_role("group", name="How anxious do you feel right now?").get_by_label(
        "7", exact=True
    ).check()
    page.get_by_label("A racing or pounding heart").check()
    page.get_by_label("Finding it hard to get to sleep or stay asleep").check()
    save(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Checking in with how you have been")
    for number in range(1, 8):
        page.get_by_role("group", name=f"{number}.").get_by_label("Several days").check()
    save(page, "Save and see your result")
    expect(page.get_by_text("Your score is 7 out of 21: Mild anxiety")).to_be_visible()
    page.get_by_role("link", name="Next step Slowing your breathing").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Slowing your breathing")
    start = page.get_by_role("button", name="Start the breathing exercise")
    if javascript:
        start.click()
        expect(page.locator(".exercise__status")).to_contain_text(
            "Breathe in for 4 seconds (round 1 of 5)"
        )
        page.get_by_role("button", name="Stop").click()
        expect(page.locator(".exercise__status")).to_contain_text("Stopped")
    else:
        expect(start).to_have_count(0)
        expect(
            page.get_by_text("Breathe in gently through your nose for 4 seconds.")
        ).to_be_visible()
    page.get_by_role("textbox").fill("My shoulders dropped.")
    save(page)

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Grounding yourself in the here and now"
    )
    if javascript:
        page.get_by_role("button", name="Start the grounding exercise").click()
        expect(page.locator(".exercise__status")).to_contain_text("Step 1 of 5")
        page.get_by_role("button", name="Next step").click()
        expect(page.locator(".exercise__status")).to_contain_text("Step 2 of 5")
        page.get_by_role("button", name="Stop").click()
    save(page, "Continue")

    expect(page.get_by_role("heading", level=1)).to_have_text("Worry time")
    page.get_by_role("textbox").first.fill("That they will find out where I work")
    save(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Noticing anxious thoughts")
    save(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your plan for calmer days")
    page.get_by_label("Slow breathing, once or twice a day").check()
    page.get_by_role("group", name="at the end of this guide").get_by_label("4", exact=True).check()
    save(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Where to get help")
    save(page, "Finish")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your plan")
    main = page.get_by_role("main")
    expect(main).to_contain_text("That they will find out where I work")
    expect(main).to_contain_text("My shoulders dropped.")
    expect(main).to_contain_text("Before: 7. Now: 4. That is 3 points lower.")
    expect(main).to_contain_text("Score 7 out of 21: Mild anxiety")
    if javascript:
        expect(page.get_by_role("button", name="Print your plan")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_working_through_a_whole_guide(browser: Browser, site: str, javascript: bool) -> None:
    with browser_page(browser, site, javascript=javascript) as (page, off_site):
        register_in_browser(page)
        work_through_the_anxiety_guide(page, javascript=javascript)
        page.goto("/guides")
        expect(page.get_by_text("Completed")).to_be_visible()
        off_site.assert_only_navigations_to()


def test_answers_typed_before_an_account_survive_making_one_without_javascript(
    browser: Browser, site: str
) -> None:
    with browser_page(browser, site, javascript=False) as (page, _):
        page.goto(f"{GUIDE}/steps/worry-time")
        page.get_by_role("textbox").first.fill("Footsteps on the stairs")
        save(page)
        register_in_browser(page)
        page.goto(f"{GUIDE}/steps/worry-time")
        expect(page.get_by_role("textbox").first).to_have_value("Footsteps on the stairs")


# PHQ-9 item 9 on a small phone (docs/safety-hazard-log.md) ---------------------------------------
# Each test records where the help is on the screen ("urgent help on screen" in --junitxml).


def answer_mood_check(page: Page, *, item_9: str, leave_blank: int | None = None) -> None:
    """Answer the PHQ-9 from the top, as a person would: "Not at all" except item 9."""
    for number in range(1, 10):
        if number != leave_blank:
            answer = item_9 if number == 9 else "Not at all"
            page.get_by_role("group", name=f"{number}.").get_by_label(answer, exact=True).check()


def test_urgent_help_comes_on_screen_takes_focus_and_is_announced_once_when_item_9_is_chosen(
    browser: Browser, site: str, record_property: Callable[[str, object], None]
) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        page.goto(MOOD_CHECK)
        support = page.locator(URGENT_HELP)
        expect(support).to_be_hidden()
        answer_mood_check(page, item_9="Several days")
        place = place_on_screen(page, URGENT_HELP)
        record_property("urgent help on screen", str(place))
        assert place.in_view, f"the help is {place}"
        expect(support).to_be_focused()
        expect(support).to_have_attribute("role", "alert")
        expect(support).to_contain_text("116 123")
        expect(support).to_contain_text("85258")
        # Changing the answer again does not pull focus away or announce it a second time.
        nearly_every_day = page.get_by_role("group", name="9.").get_by_label("Nearly every day")
        nearly_every_day.check()
        expect(nearly_every_day).to_be_focused()
        expect(page.get_by_role("alert")).to_have_count(1)


def test_urgent_help_is_on_screen_at_once_without_a_smooth_scroll_when_motion_is_reduced(
    browser: Browser, site: str, record_property: Callable[[str, object], None]
) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        page.emulate_media(reduced_motion="reduce")
        page.goto(MOOD_CHECK)
        page.get_by_role("group", name="9.").get_by_label("Several days").check()
        place = place_on_screen(page, URGENT_HELP, settle=False)
        record_property("urgent help on screen", str(place))
        assert place.in_view, f"the help is {place}"


def test_an_earlier_reassuring_result_goes_when_item_9_is_changed_to_an_urgent_answer(
    browser: Browser, site: str
) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        page.goto(MOOD_CHECK)
        answer_mood_check(page, item_9="Not at all")
        save(page, "See your result")
        reassurance = page.get_by_text("not been bothering you much")
        expect(reassurance).to_be_visible()
        page.get_by_role("group", name="9.").get_by_label("Several days").check()
        expect(page.locator(URGENT_HELP)).to_be_focused()
        expect(reassurance).to_be_hidden()


def test_urgent_help_shows_when_going_back_to_a_page_with_item_9_still_chosen(
    browser: Browser, site: str
) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        page.goto(MOOD_CHECK)
        page.get_by_role("group", name="9.").get_by_label("Several days").check()
        page.get_by_role("link", name="Previous step").click()
        page.go_back()
        expect(page.get_by_role("group", name="9.").get_by_label("Several days")).to_be_checked()
        expect(page.locator(URGENT_HELP)).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_urgent_help_shows_on_a_page_reshown_with_a_question_left_blank(
    browser: Browser, site: str, javascript: bool, record_property: Callable[[str, object], None]
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        page.goto(MOOD_CHECK)
        answer_mood_check(page, item_9="Several days", leave_blank=3)
        save(page, "See your result")
        expect(page.locator(".error-summary")).to_contain_text("Answer question 3")
        place = place_on_screen(page, URGENT_HELP)
        record_property("urgent help on screen", str(place))
        expect(page.locator(URGENT_HELP)).to_be_visible()
        if not javascript:
            # Nothing has shown the help yet: the page opens on it. (With JavaScript it was shown
            # and read out when the answer was chosen; the error summary then takes focus.)
            assert place.in_view, f"the help is {place}"
        else:  # axe-core runs in the page, so only with JavaScript
            assert accessibility_problems(page) == []


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_result_starts_with_urgent_help_on_screen_whatever_the_score(
    browser: Browser, site: str, javascript: bool, record_property: Callable[[str, object], None]
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        page.goto(MOOD_CHECK)
        answer_mood_check(page, item_9="Several days")
        save(page, "See your result")
        result = page.locator("#result")
        expect(result).to_contain_text("Your score is 1 out of 27")
        place = place_on_screen(page, URGENT_HELP)
        record_property("urgent help on screen", str(place))
        assert place.in_view, f"the help is {place}"
        expect(page.get_by_role("main")).not_to_contain_text("not been bothering you much")
        flag = page.get_by_text(URGENT_RESULT)
        expect(flag).to_be_visible()
        record_property("urgent message on screen", str(place_on_screen(page, ".result__urgent")))
        flag_box = flag.bounding_box()
        score_box = result.get_by_text("Your score is").bounding_box()
        assert flag_box is not None
        assert score_box is not None
        assert flag_box["y"] < score_box["y"], "the help comes before the score"
        if javascript:  # focus is on the result, read from its start (axe-core runs in the page)
            expect(result).to_be_focused()
            assert accessibility_problems(page) == []


def test_the_printed_plan_keeps_the_urgent_flag_and_numbers(browser: Browser, site: str) -> None:
    with browser_page(browser, site) as (page, _):
        page.goto(MOOD_CHECK)
        answer_mood_check(page, item_9="Several days")
        save(page, "See your result")
        page.goto("/guides/better-sleep/finished")
        page.emulate_media(media="print")
        plan = page.locator(".plan")
        expect(plan.get_by_text(URGENT_RESULT)).to_be_visible()
        expect(plan.get_by_text("116 123")).to_be_visible()


@pytest.mark.parametrize(
    "path",
    [
        "/guides",
        GUIDE,
        f"{GUIDE}/steps/body-alarm-system",
        f"{GUIDE}/steps/anxiety-check-in",
        f"{GUIDE}/steps/slow-breathing",
        f"{GUIDE}/finished",
    ],
)
def test_guide_pages_have_no_accessibility_problems(browser: Browser, site: str, path: str) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        page.goto(path)
        assert accessibility_problems(page) == []


def test_a_step_with_errors_and_a_finished_plan_have_no_accessibility_problems(
    browser: Browser, site: str
) -> None:
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        register_in_browser(page)
        page.goto(f"{GUIDE}/steps/anxiety-check-in")
        page.get_by_role("group", name="1.").get_by_label("Several days").check()
        save(page, "Save and see your result")
        expect(page.get_by_role("alert").first).to_be_visible()
        assert accessibility_problems(page) == []
        work_through_the_anxiety_guide(page, javascript=True)
        assert accessibility_problems(page) == []
        page.goto(f"{GUIDE}/answers")
        assert accessibility_problems(page) == []


@WITH_AND_WITHOUT_JAVASCRIPT
def test_on_a_small_phone_radios_and_checkboxes_are_40_pixels_square(
    browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        page.goto(f"{GUIDE}/steps/body-alarm-system")
        radios = page.get_by_role("radio").all()
        checkboxes = page.get_by_role("checkbox").all()
        assert len(radios) == 11
        assert checkboxes
        sizes = {(box(choice)["width"], box(choice)["height"]) for choice in radios + checkboxes}
        assert sizes == {(CHOICE_SIZE, CHOICE_SIZE)}


@WITH_AND_WITHOUT_JAVASCRIPT
def test_on_a_small_phone_the_0_to_10_scale_is_two_even_rows_in_order(
    browser: Browser, site: str, javascript: bool
) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        options = scale_options(page)
        rows: dict[float, list[str]] = {}
        for number, option in enumerate(options):
            rows.setdefault(box(option)["y"], []).append(str(number))
        # 0 to 5, then 6 to 10 beneath, each number under the one five before it.
        assert list(rows.values()) == [[str(n) for n in range(6)], [str(n) for n in range(6, 11)]]
        for number in range(6, 11):
            assert box(options[number])["x"] == box(options[number - 6])["x"]
        assert not scrolls_sideways(page)


def test_on_a_computer_the_0_to_10_scale_is_one_row(browser: Browser, site: str) -> None:
    with browser_page(browser, site, viewport={"width": 1280, "height": 800}) as (page, _):
        assert len({box(option)["y"] for option in scale_options(page)}) == 1


def test_every_page_of_every_guide_has_no_accessibility_problems(
    browser: Browser, site: str
) -> None:
    problems: dict[str, list[str]] = {}
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        register_in_browser(page)
        for guide in BUNDLED_GUIDES:
            page.goto(guide)
            steps = [
                link.get_attribute("href")
                for link in page.locator(".step-list").get_by_role("link").all()
            ]
            assert steps
            for path in [guide, *steps, f"{guide}/finished", f"{guide}/answers"]:
                page.goto(str(path))
                found = accessibility_problems(page)
                if found:
                    problems[str(path)] = found
    assert not problems, "\n".join(f"{path}: {found}" for path, found in problems.items())


# The library's newer guides and exercises --------------------------------------------------------


def answer_every_exercise(page: Page) -> list[str]:
    """Do what a person would on one step: write in each box, tick the first of each list and
    choose the middle of each scale (the first answer of a self-check's questions). Returns
    what was written."""
    main = page.get_by_role("main")
    written = []
    for box_ in main.locator("textarea").all():
        text = f"My answer to {box_.get_attribute('name')}"
        box_.fill(text)
        written.append(text)
    for group in main.locator(".exercise fieldset").all():
        choices = group.locator("input").all()
        if group.locator("input[type=checkbox]").count():
            choices[0].check()
        elif len(choices) == 11:  # a 0 to 10 scale
            choices[5].check()
        elif choices:
            choices[0].check()
    return written


def walk_through(page: Page, guide: str) -> list[str]:
    """Every step of a guide in order, answering everything, to its finished page."""
    page.goto(guide)
    page.get_by_role("link", name="Start").click()
    written = []
    for _ in range(12):
        if page.url.endswith("/finished"):
            return written
        # A click that follows a link returns once the next page starts to arrive; its boxes
        # may not be parsed yet, and looking too soon would answer nothing on that step.
        page.wait_for_load_state()
        written += answer_every_exercise(page)

        page.get_by_role("main").locator("form button[type=submit]").last.click()
        next_link = page.get_by_role("link", name=re.compile("^Next step"))
        if "#result" in page.url and next_link.count():
            next_link.click()
    raise AssertionError(f"{guide} did not finish: stuck at {page.url}")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_working_through_a_new_guide_on_a_phone(
    browser: Browser, site: str, javascript: bool
) -> None:
    guide = "/guides/asb-case-review"
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (
        page,
        off_site,
    ):
        register_in_browser(page)
        written = walk_through(page, guide)
        assert written
        main = page.get_by_role("main")
        for text in written:
            expect(main).to_contain_text(text)
        expect(main).to_contain_text("The same as before: 5 out of 10.")
        page.goto("/guides")
        expect(
            page.locator(".guide-list__item", has_text="The ASB Case Review").get_by_text(
                "Completed"
            )
        ).to_be_visible()
        off_site.assert_only_navigations_to()


@WITH_AND_WITHOUT_JAVASCRIPT
def test_the_library_suggests_where_to_start(browser: Browser, site: str, javascript: bool) -> None:
    with browser_page(browser, site, javascript=javascript, viewport=SMALL_PHONE) as (page, _):
        page.goto("/guides")
        page.get_by_label("Sleeping badly").check()
        page.get_by_role("button", name="Suggest guides").click()
        suggestions = page.locator("#suggestions")
        expect(suggestions.locator("h3 a")).to_have_text(["Better sleep", "Setting a sleep window"])
        where = place_on_screen(page, "#suggestions-heading")
        assert where.in_view, f"the suggestions open on screen: {where}"

        if javascript:
            assert accessibility_problems(page) == []
            page.goto("/guides?troubling=")
            assert accessibility_problems(page) == []


def test_the_sleep_window_from_a_weeks_diary_on_a_phone(browser: Browser, site: str) -> None:
    """Diary nights typed in the browser, then the window suggested, set and shown; axe at
    each stage (the exercise kind is new)."""
    step = "/guides/sleep-window/steps/your-sleep-window"
    with browser_page(browser, site, viewport=SMALL_PHONE) as (page, _):
        page.goto(step)
        expect(page.get_by_role("main")).to_contain_text("needs a free account")
        assert accessibility_problems(page) == []
        register_in_browser(page)
        for days_ago in range(2, 7):
            page.goto("/diary/sleep/new")
            night_of = today_in_london() - timedelta(days=days_ago)
            page.get_by_label("Day").fill(str(night_of.day))
            page.get_by_label("Month").fill(str(night_of.month))
            page.get_by_label("Year").fill(str(night_of.year))
            for name, value in ORDINARY_NIGHT.items():
                if name == "quality":
                    page.locator(f"input[name=quality][value='{value}']").check()
                else:
                    page.locator(f"[name={name}]").fill(value)
            page.get_by_role("button", name=re.compile("^Save")).click()
            expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("new", re.I))
        page.goto(step)
        main = page.get_by_role("main")
        expect(main).to_contain_text(re.compile(r"Average time asleep\s*6 hours 55 minutes"))

        assert accessibility_problems(page) == []
        page.get_by_label("What time will you get up every day?").fill("6:30am")
        expect(page.get_by_label("How long will you spend in bed?")).to_have_value("420")
        page.get_by_role("button", name="Save my sleep window").click()
        expect(page.locator("#result")).to_contain_text(
            "Go to bed at 11:30pm and get up at 6:30am: 7 hours in bed."
        )
        where = place_on_screen(page, "#result")
        assert where.in_view, f"the sleep window is on screen after saving: {where}"
        assert accessibility_problems(page) == []
