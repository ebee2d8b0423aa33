"""Guide pages driven through the test client: reading, saving, resuming, carrying answers into
a new account, starting again, edits to a guide, and one person never seeing another's answers."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.extensions import db
from portal.guides.format import ParsedGuide, parse_guide
from portal.guides.library import GUIDES_FOLDER, guide_files, save_version
from portal.guides.questionnaires import load_questionnaires
from portal.models import GuideAnswer, GuideProgress
from tests.support.client import (
    AccountHelper,
    CheckingClient,
    error_messages,
    field_value,
    page_text,
)
from tests.support.guides import next_version
from tests.support.queries import counting_queries

pytestmark = pytest.mark.usefixtures("bundled_guides")

ANXIETY = "/guides/calming-anxious-feelings"
SLEEP = "/guides/better-sleep"
FIRST_STEP = f"{ANXIETY}/steps/body-alarm-system"
GAD7_STEP = f"{ANXIETY}/steps/anxiety-check-in"
PHQ9_STEP = f"{SLEEP}/steps/sleep-and-mood"
WORRY_STEP = f"{ANXIETY}/steps/worry-time"
LAST_STEP = f"{ANXIETY}/steps/calm-plan"
SECRET_WORRY = "That they will find out where I work"


def parsed_guide(slug: str) -> ParsedGuide:
    path = GUIDES_FOLDER / f"{slug}.md"
    return parse_guide(
        path.read_text(), str(path), load_questionnaires(path.parent / "questionnaires")[0]
    )


def soup_of(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def checked_values(response: TestResponse, name: str) -> list[str]:
    return [
        i["value"]
        for i in soup_of(response).find_all("input", attrs={"name": name})
        if i.has_attr("checked")
    ]


def questionnaire_answers(block_id: str, chosen: list[int]) -> dict[str, str]:
    return {f"answer-{block_id}--{n}": str(value) for n, value in enumerate(chosen, start=1)}


def first_step_answers() -> dict[str, object]:
    return {
        "answer-anxiety-before": "7",
        "answer-signs-of-anxiety": ["racing-heart", "hard-to-sleep"],
    }


# Reading without an account ---------------------------------------------------------------------


def test_the_library_groups_guides_by_topic(client: CheckingClient) -> None:
    soup = soup_of(client.get("/guides"))
    headings = [h.get_text() for h in soup.find_all("h2")]
    assert headings[0] == "Anxiety and feeling on edge"
    assert soup.find("a", string="Calming anxious feelings")
    assert soup.find("a", string="Better sleep")


@pytest.mark.parametrize("guide", [ANXIETY, SLEEP])
def test_anyone_can_read_every_step(client: CheckingClient, guide: str) -> None:
    overview = client.get(guide)
    steps = [a["href"] for a in soup_of(overview).select(".step-list a")]
    assert len(steps) == len(parsed_guide(guide.rsplit("/", 1)[1]).steps)
    for href in steps:
        response = client.get(href)
        assert response.status_code == 200
        assert "Your answers are not saved to an account" in page_text(
            response
        ) or "Step" in page_text(response)
    assert client.get(f"{guide}/finished").status_code == 200


def test_reading_a_guide_overview_sets_no_cookie(client: CheckingClient) -> None:
    for path in ("/guides", ANXIETY):
        assert "Set-Cookie" not in client.get(path).headers


def test_an_unknown_guide_or_step_is_not_found(client: CheckingClient) -> None:
    assert client.get("/guides/no-such-guide").status_code == 404
    assert client.get(f"{ANXIETY}/steps/no-such-step").status_code == 404


def test_anonymous_answers_are_kept_on_the_device_with_a_prompt_to_save(
    client: CheckingClient,
) -> None:
    page = client.get(FIRST_STEP)
    assert "Create a free account" in page_text(page)
    response = client.submit(FIRST_STEP, first_step_answers())
    assert response.headers["Location"] == f"{ANXIETY}/steps/anxiety-check-in"
    again = client.get(FIRST_STEP)
    assert checked_values(again, "answer-anxiety-before") == ["7"]
    assert checked_values(again, "answer-signs-of-anxiety") == ["racing-heart", "hard-to-sleep"]


def test_answers_typed_before_signing_up_move_into_the_new_account(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    client.submit(FIRST_STEP, first_step_answers())
    client.submit(WORRY_STEP, {"answer-worry-list": SECRET_WORRY})
    accounts.register(client)

    again = client.get(WORRY_STEP)
    assert field_value(again, "answer-worry-list") == SECRET_WORRY
    assert "not saved to an account" not in page_text(again)
    with app.app_context():
        rows = db.session.scalars(select(GuideAnswer)).all()
        assert {row.block_id for row in rows} == {
            "anxiety-before",
            "signs-of-anxiety",
            "worry-list",
        }
        assert all(SECRET_WORRY.encode() not in row.value_sealed for row in rows)
        progress = db.session.scalars(select(GuideProgress)).one()
        assert progress.completed_steps == ["body-alarm-system", "worry-time"]


def test_answers_typed_before_signing_in_move_into_an_existing_account(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    accounts.sign_out(client)
    client.submit(WORRY_STEP, {"answer-worry-list": SECRET_WORRY})
    accounts.sign_in(client, account)
    assert field_value(client.get(WORRY_STEP), "answer-worry-list") == SECRET_WORRY


# Saving with an account -------------------------------------------------------------------------


def test_every_kind_of_exercise_saves_and_reloads(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit(FIRST_STEP, first_step_answers())
    client.submit(
        f"{ANXIETY}/steps/slow-breathing",
        {"answer-breathing-how-it-felt": "Calmer.\nSlower heart."},
    )
    client.submit(GAD7_STEP, questionnaire_answers("anxiety-check", [1, 1, 2, 0, 0, 1, 2]))

    first = client.get(FIRST_STEP)
    assert checked_values(first, "answer-anxiety-before") == ["7"]
    assert checked_values(first, "answer-signs-of-anxiety") == ["racing-heart", "hard-to-sleep"]
    breathing = client.get(f"{ANXIETY}/steps/slow-breathing")
    assert field_value(breathing, "answer-breathing-how-it-felt") == "Calmer.\nSlower heart."
    check = client.get(GAD7_STEP)
    assert [checked_values(check, f"answer-anxiety-check--{n}") for n in range(1, 8)] == [
        ["1"],
        ["1"],
        ["2"],
        ["0"],
        ["0"],
        ["1"],
        ["2"],
    ]
    # 1+1+2+0+0+1+2 = 7: mild.
    assert "Your score is 7 out of 21: Mild anxiety" in page_text(check)


def test_answers_are_sealed_in_the_database(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit(
        WORRY_STEP, {"answer-worry-list": SECRET_WORRY, "answer-worry-time-plan": "6pm, kitchen"}
    )
    with app.app_context():
        for row in db.session.scalars(select(GuideAnswer)):
            assert SECRET_WORRY.encode() not in row.value_sealed
            assert b"kitchen" not in row.value_sealed


def test_leaving_an_answer_empty_removes_it(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit(WORRY_STEP, {"answer-worry-list": SECRET_WORRY})
    client.submit(WORRY_STEP, {"answer-worry-list": "   "})
    with app.app_context():
        assert db.session.scalars(select(GuideAnswer)).all() == []


def test_an_over_long_answer_is_refused_and_kept(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    long_text = "word " * 1001
    response = client.submit(
        WORRY_STEP, {"answer-worry-list": long_text, "answer-worry-time-plan": "6pm"}
    )
    assert response.status_code == 200
    assert "Your answer must be 5,000 characters or fewer" in error_messages(response)
    assert field_value(response, "answer-worry-list") == long_text
    assert field_value(response, "answer-worry-time-plan") == "6pm"


def test_a_self_check_started_must_be_finished_and_keeps_what_was_chosen(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    response = client.submit(
        GAD7_STEP, {"answer-anxiety-check--1": "2", "answer-anxiety-check--2": "1"}
    )
    assert response.status_code == 200
    messages = error_messages(response)
    assert len(messages) == 5
    assert messages[0].startswith("Answer question 3:")
    assert checked_values(response, "answer-anxiety-check--1") == ["2"]


def test_made_up_choices_are_refused(client: CheckingClient, accounts: AccountHelper) -> None:
    accounts.register(client)
    response = client.submit(
        FIRST_STEP, {"answer-anxiety-before": "11", "answer-signs-of-anxiety": ["not-an-item"]}
    )
    assert response.status_code == 200
    assert len(error_messages(response)) == 2


# PHQ-9 item 9: urgent help (docs/safety-hazard-log.md) -----------------------------------------

URGENT_MESSAGE = (
    "You told us you have had thoughts of being better off dead or of hurting yourself. "
    "Whatever your score, please talk to someone today."
)
REASSURANCE = "not been bothering you much"
# Every way to get help the box gives, each from portal/contacts.toml.
WAYS_TO_GET_HELP = (
    "call 999 or go to A&E",
    "If you have already hurt yourself",
    "Samaritans on 116 123",
    "text SHOUT to 85258",
    "nobody nearby hears you",
    "Ask your GP surgery for an urgent appointment",
    "NHS 111",
    "08 08 16 89 111",
    "Nobody who runs this site sees your answers, so nobody will get in touch with you.",
)


def urgent_help(response: TestResponse) -> Tag:
    support = soup_of(response).select_one("[data-urgent-support]")
    assert support is not None
    return support


def element_after_item(response: TestResponse, number: int) -> Tag | None:
    """What comes straight after a self-check item's radios on the page."""
    radio = soup_of(response).find("input", attrs={"name": f"answer-mood-check--{number}"})
    assert radio is not None
    fieldset = radio.find_parent("fieldset")
    wrapper = fieldset.find_parent(class_="form-group") or fieldset
    return wrapper.find_next_sibling()


def test_the_urgent_help_box_gives_every_way_to_get_help_and_says_nobody_here_sees_answers(
    client: CheckingClient,
) -> None:
    text = " ".join(urgent_help(client.get(PHQ9_STEP)).get_text().split())
    for expected in WAYS_TO_GET_HELP:
        assert expected in text


def test_the_urgent_help_box_waits_hidden_directly_after_item_9(client: CheckingClient) -> None:
    page = client.get(PHQ9_STEP)
    follows_item_9 = element_after_item(page, 9)
    assert follows_item_9 is not None
    assert follows_item_9.has_attr("data-urgent-support")
    assert follows_item_9.has_attr("hidden")
    # The server never marks it as an alert: guides.js does, once, when it shows it.
    assert not follows_item_9.has_attr("role")


def test_the_page_says_which_answers_are_urgent_by_the_same_rule_as_the_server(
    client: CheckingClient,
) -> None:
    questionnaire = soup_of(client.get(PHQ9_STEP)).select_one("[data-questionnaire]")
    assert questionnaire["data-urgent-choices"].split() == [
        "answer-mood-check--9=1",
        "answer-mood-check--9=2",
        "answer-mood-check--9=3",
    ]


@pytest.mark.parametrize("item_9", [1, 3])
def test_phq9_result_starts_with_urgent_help_in_place_of_the_band_whatever_the_total(
    client: CheckingClient, accounts: AccountHelper, item_9: int
) -> None:
    accounts.register(client)
    response = client.submit(PHQ9_STEP, questionnaire_answers("mood-check", [0] * 8 + [item_9]))
    assert response.headers["Location"].endswith("#result")
    page = client.get(PHQ9_STEP)
    result = soup_of(page).select_one("#result")
    result_text = " ".join(result.get_text().split())
    # Total is item 9's score alone: minimal, yet the help comes first and nothing reassures.
    assert result_text.index(URGENT_MESSAGE) < result_text.index(
        f"Your score is {item_9} out of 27."
    )
    assert result.select_one("[data-urgent-support]") is not None
    assert not result.select_one("[data-urgent-support]").has_attr("hidden")
    for expected in WAYS_TO_GET_HELP:
        assert expected in result_text
    assert REASSURANCE not in page_text(page)
    assert "Minimal low mood" not in page_text(page)
    assert len(soup_of(page).select("[data-urgent-support]")) == 1


def test_phq9_result_without_an_urgent_answer_gives_the_band_and_hides_the_help(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit(PHQ9_STEP, questionnaire_answers("mood-check", [1] * 8 + [0]))
    page = client.get(PHQ9_STEP)
    assert "Your score is 8 out of 27: Mild low mood" in page_text(page)
    assert URGENT_MESSAGE not in page_text(page)
    assert urgent_help(page).has_attr("hidden")


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "signed-out"])
def test_phq9_urgent_help_shows_right_after_item_9_when_a_question_is_left_blank(
    client: CheckingClient, accounts: AccountHelper, signed_in: bool
) -> None:
    if signed_in:
        accounts.register(client)
    chosen = questionnaire_answers("mood-check", [0] * 8 + [1])
    del chosen["answer-mood-check--3"]
    response = client.submit(PHQ9_STEP, chosen)
    assert response.status_code == 200  # the blank question is asked for...
    assert error_messages(response)[0].startswith("Answer question 3:")
    # ...and the help shows at once, from what was sent, right after item 9,
    follows_item_9 = element_after_item(response, 9)
    assert follows_item_9 is not None
    assert follows_item_9.has_attr("data-urgent-support")
    assert not follows_item_9.has_attr("hidden")
    # where the page opens without JavaScript (a browser scrolls to a form's #anchor).
    form = follows_item_9.find_parent("form")
    assert form["action"].endswith(f"{PHQ9_STEP}#mood-check-urgent")


@pytest.mark.parametrize("item_9", ["0", "7", "not-a-number"])
def test_phq9_help_stays_hidden_on_a_page_sent_back_without_an_urgent_answer(
    client: CheckingClient, item_9: str
) -> None:
    response = client.submit(
        PHQ9_STEP, {"answer-mood-check--1": "0", "answer-mood-check--9": item_9}
    )
    assert response.status_code == 200
    assert urgent_help(response).has_attr("hidden")


def test_an_earlier_reassuring_result_is_not_shown_beside_an_urgent_answer_now(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit(PHQ9_STEP, questionnaire_answers("mood-check", [0] * 9))
    assert REASSURANCE in page_text(client.get(PHQ9_STEP))
    # Item 9 changed, with a mistake elsewhere (a made-up choice), so the page comes back.
    response = client.submit(PHQ9_STEP, {"answer-mood-check--3": "7", "answer-mood-check--9": "2"})
    assert response.status_code == 200
    assert not urgent_help(response).has_attr("hidden")
    assert REASSURANCE not in page_text(response)


@pytest.mark.parametrize("page", ["finished", "answers", "steps/sleep-plan"])
def test_the_plan_and_answers_pages_carry_the_urgent_flag_and_numbers(
    client: CheckingClient, accounts: AccountHelper, page: str
) -> None:
    accounts.register(client)
    client.submit(PHQ9_STEP, questionnaire_answers("mood-check", [0] * 8 + [1]))
    text = page_text(client.get(f"{SLEEP}/{page}"))
    assert URGENT_MESSAGE in text
    assert "Score 1 out of 27" in text
    assert "Minimal low mood" not in text
    for expected in ("116 123", "85258", "999", "urgent appointment", "nobody will get in touch"):
        assert expected in text


def test_the_sleep_guide_forewarns_about_the_last_question_before_the_mood_check(
    client: CheckingClient,
) -> None:
    text = page_text(client.get(PHQ9_STEP))
    forewarning = text.index("The last question asks about thoughts of being better off dead")
    assert forewarning < text.index("1. Little interest or pleasure in doing things")


def test_scales_compare_before_and_after(client: CheckingClient, accounts: AccountHelper) -> None:
    accounts.register(client)
    client.submit(FIRST_STEP, first_step_answers())
    client.submit(LAST_STEP, {"answer-anxiety-after": "4"})
    finished = page_text(client.get(f"{ANXIETY}/finished"))
    assert "Before: 7. Now: 4. That is 3 points lower." in finished


def test_finishing_shows_the_plan_with_every_answer(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit(FIRST_STEP, first_step_answers())
    client.submit(WORRY_STEP, {"answer-worry-list": SECRET_WORRY})
    response = client.submit(
        LAST_STEP, {"answer-things-to-try": ["try-slow-breathing"], "answer-anxiety-after": "5"}
    )
    assert response.headers["Location"] == f"{ANXIETY}/steps/get-help"
    plan = page_text(client.get(f"{ANXIETY}/finished"))
    for expected in (
        SECRET_WORRY,
        "A racing or pounding heart",
        "7 out of 10",
        "5 out of 10",
        "Your body's alarm system",
    ):
        assert expected in plan
    in_step = page_text(client.get(LAST_STEP))
    assert SECRET_WORRY in in_step, "the my-plan block on the last step shows the answers too"


# Progress and resuming --------------------------------------------------------------------------


def test_resume_where_you_left_off(client: CheckingClient, accounts: AccountHelper) -> None:
    accounts.register(client)
    assert "Not started" in page_text(client.get("/guides"))
    client.submit(FIRST_STEP, first_step_answers())
    client.submit(GAD7_STEP, questionnaire_answers("anxiety-check", [0] * 7))
    library = page_text(client.get("/guides"))
    assert f"Step 3 of {len(parsed_guide('calming-anxious-feelings').steps)}" in library
    overview = soup_of(client.get(ANXIETY))
    resume = overview.find("a", string="Carry on where you left off")
    assert resume["href"] == f"{ANXIETY}/steps/slow-breathing"


def test_completing_every_step_completes_the_guide(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    overview = soup_of(client.get(ANXIETY))
    for href in [a["href"] for a in overview.select(".step-list a")]:
        client.submit(href, {})
    assert "Completed" in page_text(client.get("/guides"))
    assert "You have finished this guide" in page_text(client.get(ANXIETY))


def test_start_again_deletes_answers_and_progress(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit(FIRST_STEP, first_step_answers())
    assert "This deletes all your answers" in page_text(client.get(f"{ANXIETY}/start-again"))
    client.submit(f"{ANXIETY}/start-again")
    assert checked_values(client.get(FIRST_STEP), "answer-anxiety-before") == []
    assert "Not started" in page_text(client.get("/guides"))
    with app.app_context():
        assert db.session.scalars(select(GuideAnswer)).all() == []
        assert db.session.scalars(select(GuideProgress)).all() == []


def test_one_answer_can_be_reviewed_and_deleted(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit(WORRY_STEP, {"answer-worry-list": SECRET_WORRY, "answer-worry-time-plan": "6pm"})
    review = client.get(f"{ANXIETY}/answers")
    assert SECRET_WORRY in page_text(review)
    client.post_with_token(f"{ANXIETY}/answers/worry-list/delete")
    review = page_text(client.get(f"{ANXIETY}/answers"))
    assert SECRET_WORRY not in review
    assert "6pm" in review


# Edits to a guide -------------------------------------------------------------------------------


def edited_anxiety_guide() -> str:
    """Version 2: the worry-time step is removed, a new step added, and a title reworded."""
    source = (GUIDES_FOLDER / "calming-anxious-feelings.md").read_text()
    source = next_version(source)
    source = source.replace(
        "## Your body's alarm system {#body-alarm-system}",
        "## How your body reacts {#body-alarm-system}",
    )
    start = source.index("\n## Worry time") + 1
    end = source.index("\n## ", start) + 1
    return source[:start] + "## A new step {#a-new-step}\n\nSomething new.\n\n" + source[end:]


def test_an_edited_guide_keeps_progress_and_answers_on_unchanged_steps(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.submit(FIRST_STEP, first_step_answers())
    client.submit(WORRY_STEP, {"answer-worry-list": SECRET_WORRY})
    with app.app_context():
        _, new = save_version(
            db.session, edited_anxiety_guide(), "edited.md", "staff", publish=True
        )
        db.session.commit()
    assert new

    first = client.get(FIRST_STEP)
    assert "How your body reacts" in page_text(first)
    assert checked_values(first, "answer-anxiety-before") == ["7"]
    assert client.get(WORRY_STEP).status_code == 404
    overview = soup_of(client.get(ANXIETY))
    done = [li.a.get_text() for li in overview.select(".step-list__item") if li.find(class_="tag")]
    assert done == ["How your body reacts"]
    review = page_text(client.get(f"{ANXIETY}/answers"))
    assert "Answers to parts of the guide that have changed" in review
    assert SECRET_WORRY in review


def test_a_changed_guide_must_raise_its_version(app: Flask) -> None:
    from portal.guides.problems import GuideInvalid

    changed = (
        (GUIDES_FOLDER / "better-sleep.md")
        .read_text()
        .replace("Better sleep", "Sleeping better", 1)
    )
    with app.app_context(), pytest.raises(GuideInvalid, match="raise the version number"):
        save_version(db.session, changed, "better-sleep.md", "file", publish=True)


def test_guides_sync_reports_what_it_published(runner) -> None:
    """The bundled guides are already published (the module's fixture), so a second sync
    changes nothing and says so, counting every file in guides/."""
    result = runner.invoke(args=["guides", "sync"])
    assert result.exit_code == 0
    assert f"0 published, {len(guide_files(GUIDES_FOLDER))} unchanged." in result.output


# Privacy between people -------------------------------------------------------------------------


def test_another_person_never_sees_my_answers(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client, "owner")
    client.submit(WORRY_STEP, {"answer-worry-list": SECRET_WORRY})
    client.submit(FIRST_STEP, first_step_answers())

    other = accounts.new_client()
    accounts.register(other, "other")
    for path in (
        WORRY_STEP,
        FIRST_STEP,
        f"{ANXIETY}/finished",
        f"{ANXIETY}/answers",
        ANXIETY,
        "/guides",
    ):
        response = other.get(path)
        assert SECRET_WORRY not in response.get_data(as_text=True), path
    assert field_value(other.get(WORRY_STEP), "answer-worry-list") == ""
    assert "Not started" in page_text(other.get("/guides"))

    # Deleting "their" answer by its id only ever touches the other person's own answers.
    other.get(f"{ANXIETY}/answers")
    other.post_with_token(f"{ANXIETY}/answers/worry-list/delete")
    assert field_value(client.get(WORRY_STEP), "answer-worry-list") == SECRET_WORRY


def test_deleting_the_account_deletes_its_answers(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    account = accounts.register(client)
    client.submit(WORRY_STEP, {"answer-worry-list": SECRET_WORRY})
    client.submit("/account/delete", {"current_password": account.password})
    with app.app_context():
        assert db.session.scalars(select(GuideAnswer)).all() == []
        assert db.session.scalars(select(GuideProgress)).all() == []


# Queries ----------------------------------------------------------------------------------------


def test_a_signed_in_step_page_makes_a_few_queries_whatever_is_saved(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    client.get(FIRST_STEP)  # the first view parses and caches the guide version
    with counting_queries(app) as before:
        client.get(FIRST_STEP)
    for href in [a["href"] for a in soup_of(client.get(ANXIETY)).select(".step-list a")]:
        client.submit(href, {"answer-worry-list": SECRET_WORRY} if "worry" in href else {})
    client.submit(FIRST_STEP, first_step_answers())
    with counting_queries(app) as after:
        client.get(FIRST_STEP)
    assert len(after) <= 5, after.statements
    assert len(before) <= len(after)
    assert len(after) - len(before) <= 1, "only the key to open the answers is added"
