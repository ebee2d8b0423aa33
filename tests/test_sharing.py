"""Sharing with a caseworker (portal.sharing): the person chooses records, sees what the recipient
will see, and passes on a link and a code; the recipient reads them with both and no account;
the person sees each opening, can issue a new code and revoke at once; wrong codes are slowed
down and then locked; shares end on time and go with the account."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from portal.dates import today_in_london
from portal.extensions import db
from portal.models import Share, ShareOpening, ShareSnapshotPart
from portal.models.base import utcnow
from portal.sharing.selection import ShareChoice
from portal.sharing.snapshot import Snapshot
from tests.support import evidence_files as files
from tests.support.client import PASSWORD, AccountHelper, CheckingClient, error_messages, page_text
from tests.support.diary import entry_form
from tests.support.incidents import record_quickly, upload
from tests.support.queries import counting_queries
from tests.support.sharing import (
    MadeShare,
    give_code,
    link_and_code,
    make_share,
    share_form,
    share_ids,
)

TODAY = today_in_london()
WEEK_AGO = TODAY - timedelta(days=7)
SECRET = "Red van parked across my drive at 2am, number plate KX19 ABC"


@pytest.fixture
def person(client: CheckingClient, accounts: AccountHelper) -> CheckingClient:
    """A signed-in person with one incident from three days ago."""
    accounts.register(client)
    record_quickly(client, SECRET, TODAY - timedelta(days=3))
    return client


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def move_clock_on(app: Flask, **changes: object) -> None:
    """The time a share says something happened, set back: as if the clock had moved on."""
    with app.app_context():
        db.session.execute(update(Share).values(**changes))
        db.session.commit()


def recipient_opens(accounts: AccountHelper, share: MadeShare) -> CheckingClient:
    """A second browser, never signed in, opens the link and gives the code."""
    recipient = accounts.new_client()
    assert give_code(recipient, share).status_code == 302
    return recipient


def test_a_caseworker_reads_the_shared_records_with_the_link_and_the_code(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY, shared_by="Jo from flat 3")
    recipient = accounts.new_client()
    asked = recipient.get(share.path)
    assert "Enter the access code" in page_text(asked)
    assert SECRET not in asked.get_data(as_text=True)

    assert give_code(recipient, share, share.code.lower().replace(" ", "-")).status_code == 302
    page = recipient.get(share.path)
    text = page_text(page)
    assert SECRET in text
    assert "Shared by Jo from flat 3" in text
    assert "confidential" in text
    assert "You can read it until" in text
    assert page.headers["Cache-Control"].startswith("no-store")
    assert page.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    robots = BeautifulSoup(page.get_data(as_text=True), "html.parser").find(
        "meta", attrs={"name": "robots"}
    )
    assert robots is not None
    assert "noindex" in robots["content"]
    assert share.token not in page.get_data(as_text=True).split("<main")[0]  # not in the title


def test_the_sign_in_link_on_a_share_never_carries_its_address(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    recipient = accounts.new_client()
    asked = recipient.get(share.path)
    shown = recipient_opens(accounts, share).get(share.path)
    for page in (asked, shown):
        soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
        sign_in = soup.find("a", string="Sign in")
        assert sign_in is not None
        assert sign_in["href"] == "/sign-in", "no next=, so the token is not copied into it"
        assert share.token not in str(soup.select_one("header"))


def test_the_recipient_is_named_only_as_the_person_chose(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    text = page_text(recipient_opens(accounts, share).get(share.path))
    assert "Shared by the person who keeps this log" in text
    assert "bluebird" not in text.lower()


def test_the_preview_shows_what_the_recipient_then_sees(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    person.submit("/diary/new", entry_form(TODAY - timedelta(days=1), notes="Slept badly again"))
    person.submit(
        "/shares/new",
        {
            **share_form(WEEK_AGO, TODAY),
            "include_diary": "yes",
        },
    )
    preview = BeautifulSoup(person.get("/shares/new/check").get_data(as_text=True), "html.parser")
    previewed = " ".join(preview.select_one(".shared-records").get_text(" ").split())
    share = _confirm(person)
    shown = BeautifulSoup(
        recipient_opens(accounts, share).get(share.path).get_data(as_text=True), "html.parser"
    )
    seen = " ".join(shown.select_one(".shared-records").get_text(" ").split())
    assert previewed == seen
    assert SECRET in seen
    assert "Slept badly again" in seen


def test_the_person_sees_each_time_it_was_opened_without_an_address(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    assert "Not yet" in page_text(person.get("/shares"))
    recipient_opens(accounts, share)
    listed = page_text(person.get("/shares"))
    assert "PC Smith, ASB team" in listed
    assert "Not yet" not in listed
    assert "127.0.0.1" not in listed


def test_the_link_alone_or_a_wrong_code_opens_nothing(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    recipient = accounts.new_client()
    refused = give_code(recipient, share, "ABCD EFGH")
    assert refused.status_code == 200
    assert error_messages(refused) == [
        "That is not the access code. Check it with the person who gave you the link (4 tries left)"
    ]
    assert SECRET not in refused.get_data(as_text=True)
    assert recipient.get(share.path + "/pack").status_code == 404
    assert accounts.new_client().get("/shared/" + "A" * 43).status_code == 404


def test_wrong_codes_are_slowed_down_then_lock_the_share_until_a_new_code(
    app: Flask, person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    guesser = accounts.new_client()
    give_code(guesser, share, "ABCD EFGH")
    give_code(guesser, share, "ABCD EFGJ")
    slowed = give_code(guesser, share, share.code)
    assert "Too many wrong codes. Wait" in error_messages(slowed)[0]
    assert SECRET not in slowed.get_data(as_text=True)
    for guess in ("ABCD EFGK", "ABCD EFGM", "ABCD EFGN"):
        move_clock_on(app, last_failed_at=utcnow() - timedelta(minutes=10))
        answered = give_code(guesser, share, guess)
    assert answered.status_code == 403
    assert "This link is locked" in page_text(answered)
    move_clock_on(app, last_failed_at=utcnow() - timedelta(hours=1))
    # With the right code too: the page asks for none.
    assert accounts.new_client().get(share.path).status_code == 403
    assert "Locked" in page_text(person.get("/shares"))

    person.get("/shares")
    made_again = person.post_with_token(f"/shares/{share_ids(person)[0]}/new-code")
    new_code = person.get(made_again.headers["Location"])
    again = MadeShare(
        share.path,
        BeautifulSoup(new_code.get_data(as_text=True), "html.parser")
        .select_one(".share-code code")
        .get_text(),
    )
    assert again.code != share.code
    assert give_code(accounts.new_client(), share).status_code == 200  # the old code: wrong
    reader = recipient_opens(accounts, again)
    assert SECRET in page_text(reader.get(share.path))


def test_wrong_codes_for_one_share_never_slow_another(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    guessed = make_share(person, WEEK_AGO, TODAY)
    other = make_share(person, WEEK_AGO, TODAY, label="Housing officer")
    guesser = accounts.new_client()
    for guess in ("ABCD EFGH", "ABCD EFGJ"):
        give_code(guesser, guessed, guess)
    assert "Too many wrong codes" in error_messages(give_code(guesser, guessed, "ABCD EFGK"))[0]
    assert give_code(guesser, other).status_code == 302
    assert SECRET in page_text(guesser.get(other.path))


def test_a_new_code_asks_a_browser_that_had_the_old_one_again(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    reader = recipient_opens(accounts, share)
    person.get("/shares")
    person.post_with_token(f"/shares/{share_ids(person)[0]}/new-code")
    assert "Enter the access code" in page_text(reader.get(share.path))


def test_the_link_is_made_from_the_sites_address_never_the_requests_host(
    app: Flask, person: CheckingClient
) -> None:
    app.config["BASE_URL"] = "https://support.example.org"
    share = make_share(person, WEEK_AGO, TODAY)  # the test client asks for localhost
    assert share.link == "https://support.example.org" + share.path


def test_the_link_and_code_are_shown_once(person: CheckingClient) -> None:
    make_share(person, WEEK_AGO, TODAY)
    again = person.get(f"/shares/{share_ids(person)[0]}/made")
    assert again.status_code == 302
    assert again.headers["Location"] == "/shares"


def test_revoking_ends_the_link_at_once_and_destroys_the_snapshot(
    app: Flask, person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    reader = recipient_opens(accounts, share)
    assert count(app, ShareSnapshotPart) >= 2  # the records and the pack
    person.get("/shares")
    revoked = person.post_with_token(f"/shares/{share_ids(person)[0]}/revoke")
    assert revoked.status_code == 302
    ended = reader.get(share.path)
    assert ended.status_code == 404
    assert "This link does not work" in page_text(ended)
    assert reader.get(share.path + "/pack").status_code == 404
    assert (count(app, Share), count(app, ShareSnapshotPart), count(app, ShareOpening)) == (0, 0, 0)
    assert "You are not sharing anything" in page_text(person.get("/shares"))


def test_an_expired_share_is_destroyed_when_its_link_is_opened(
    app: Flask, person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY, days="1")
    reader = recipient_opens(accounts, share)
    move_clock_on(app, expires_at=utcnow() - timedelta(seconds=1))
    assert reader.get(share.path).status_code == 404
    assert (count(app, Share), count(app, ShareSnapshotPart)) == (0, 0)


def test_housekeeping_destroys_expired_shares_and_keeps_the_rest(
    app: Flask, person: CheckingClient, runner: FlaskCliRunner
) -> None:
    make_share(person, WEEK_AGO, TODAY)
    move_clock_on(app, expires_at=utcnow() - timedelta(seconds=1))
    make_share(person, WEEK_AGO, TODAY, label="Housing officer")
    result = runner.invoke(args=["housekeeping"])
    assert "Destroyed 1 shares that had ended." in result.output
    assert count(app, Share) == 1
    assert "Housing officer" in page_text(person.get("/shares"))


@pytest.mark.parametrize("days", ["0", "31", "seven"])
def test_a_share_lasts_from_1_to_30_days(person: CheckingClient, days: str) -> None:
    refused = person.submit("/shares/new", share_form(WEEK_AGO, TODAY, days=days))
    assert refused.status_code == 200
    assert error_messages(refused)


def test_deleting_the_account_destroys_every_share(
    app: Flask, person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    make_share(person, WEEK_AGO, TODAY, label="Support worker")
    recipient_opens(accounts, share)
    person.submit("/account/delete", {"current_password": PASSWORD})
    assert (count(app, Share), count(app, ShareSnapshotPart), count(app, ShareOpening)) == (0, 0, 0)
    assert accounts.new_client().get(share.path).status_code == 404


def test_another_person_can_neither_see_nor_revoke_nor_renew_a_share(
    app: Flask, person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    share_id = share_ids(person)[0]
    other = accounts.new_client()
    accounts.register(other, "magpie")
    assert "PC Smith" not in page_text(other.get("/shares"))
    other.get("/shares")
    assert other.post_with_token(f"/shares/{share_id}/revoke").status_code == 404
    assert other.post_with_token(f"/shares/{share_id}/new-code").status_code == 404
    assert count(app, Share) == 1
    assert SECRET in page_text(recipient_opens(accounts, share).get(share.path))


def test_the_database_alone_holds_neither_the_token_nor_the_records(
    app: Flask, person: CheckingClient
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    with app.app_context():
        rows = db.session.execute(select(Share)).scalars().all()
        parts = db.session.execute(select(ShareSnapshotPart.sealed)).scalars().all()
    assert len(rows) == 1
    assert rows[0].token_hash != share.token
    stored = b"".join([rows[0].details_sealed, rows[0].recipient_key_wrapped, *parts])
    for secret in (share.token.encode(), share.code.replace(" ", "").encode(), b"Red van"):
        assert secret not in stored


ANXIETY_WORRIES = "/guides/calming-anxious-feelings/steps/worry-time"
SLEEP_PLAN = "/guides/better-sleep/steps/sleep-plan"


def ticks(page: TestResponse, name: str) -> list[str]:
    """The values of the form's inputs called `name`, in page order."""
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    return [str(tag.get("value")) for tag in soup.select(f"input[name={name}]")]


def answer_in_guides(client: CheckingClient, worries: str, sleep: str) -> None:
    """Answers in two guides: the worry list of "Calming anxious feelings", and the first
    changes of "Better sleep"."""
    for step, answer in (
        (ANXIETY_WORRIES, {"answer-worry-list": worries}),
        (SLEEP_PLAN, {"answer-first-changes": sleep}),
    ):
        response = client.submit(step, answer)
        assert response.status_code == 302, error_messages(response)


@pytest.mark.usefixtures("bundled_guides")
def test_a_plan_ticked_is_shared_with_its_questions_and_no_other_guide_is(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    answer_in_guides(person, "The rent\nThe van outside", "Earplugs every night, SLEEP-NOT-TICKED")
    offered = person.get("/shares/new")
    assert "Your plans from the guides" in page_text(offered)
    assert ticks(offered, "plans") == ["better-sleep", "calming-anxious-feelings"]
    share = make_share(person, WEEK_AGO, TODAY, plans="calming-anxious-feelings")
    shown = BeautifulSoup(
        recipient_opens(accounts, share).get(share.path).get_data(as_text=True), "html.parser"
    )
    plan = shown.select_one(".shared-plan")
    assert plan is not None
    assert "Calming anxious feelings" in plan.select_one("h2").get_text()
    assert [h.get_text() for h in plan.select("h3")] == ["Worry time"]
    answer = plan.select_one("dd").get_text()
    assert answer == "The rent\nThe van outside"  # line breaks kept (preserve-lines)
    assert "SLEEP-NOT-TICKED" not in shown.get_text()
    listed = page_text(person.get("/shares"))
    assert "your plan from Calming anxious feelings" in listed


@pytest.mark.usefixtures("bundled_guides")
@pytest.mark.parametrize("guide", ["better-sleep", "not-a-guide"])
def test_plans_are_offered_only_for_guides_with_answers_and_another_is_refused(
    person: CheckingClient, guide: str
) -> None:
    assert "Your plans from the guides" not in page_text(person.get("/shares/new"))
    refused = person.submit(
        "/shares/new", share_form(WEEK_AGO, TODAY, plans=guide, label="Housing officer")
    )
    assert refused.status_code == 200
    assert error_messages(refused) == ["Choose from the list"]
    assert ticks(refused, "label") == ["Housing officer"]


GAD7_STEP = "/guides/calming-anxious-feelings/steps/anxiety-check-in"


@pytest.mark.usefixtures("bundled_guides")
def test_a_shared_plan_never_holds_self_check_answers(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    checked = person.submit(GAD7_STEP, {f"answer-anxiety-check--{n}": "1" for n in range(1, 8)})
    assert checked.status_code == 302, error_messages(checked)
    answer_in_guides(person, "The van outside", "Earplugs")
    share = make_share(person, WEEK_AGO, TODAY, plans="calming-anxious-feelings")
    seen = page_text(recipient_opens(accounts, share).get(share.path))
    assert "The van outside" in seen
    mine = page_text(person.get("/guides/calming-anxious-feelings/answers"))
    assert "Mild anxiety" in mine  # the person's own page has the self-check...
    for words in ("Mild anxiety", "Score 7", "Trouble relaxing", "Several days"):
        assert words not in seen  # ...the shared plan does not


@pytest.mark.usefixtures("bundled_guides")
def test_a_plan_with_nothing_to_share_when_confirmed_is_left_out_and_not_claimed(
    app: Flask, person: CheckingClient, accounts: AccountHelper
) -> None:
    answer_in_guides(person, "The van outside", "Earplugs every night")
    chosen = person.submit(
        "/shares/new",
        share_form(WEEK_AGO, TODAY, plans=["better-sleep", "calming-anxious-feelings"]),
    )
    assert chosen.status_code == 302
    # Between choosing and confirming, the sleep guide's answers are deleted.
    person.get("/guides/better-sleep/answers")
    person.post_with_token("/guides/better-sleep/answers/first-changes/delete")
    preview = page_text(person.get("/shares/new/check"))
    assert "Your plan from “Better sleep” is left out" in preview
    assert "your plan from Calming anxious feelings." in preview
    share = _confirm(person)
    seen = page_text(recipient_opens(accounts, share).get(share.path))
    assert "Earplugs every night" not in seen
    assert "The van outside" in seen
    listed = page_text(person.get("/shares"))
    assert "your plan from Calming anxious feelings:" in listed
    assert "Better sleep" not in listed


@pytest.mark.usefixtures("bundled_guides")
def test_the_share_form_costs_the_same_few_statements_however_many_guides_were_answered(
    app: Flask, person: CheckingClient
) -> None:
    person.get("/shares/new")
    with counting_queries(app) as none_answered:
        person.get("/shares/new")
    answer_in_guides(person, "The rent", "Earplugs")
    person.get("/shares/new")
    with counting_queries(app) as two_answered:
        person.get("/shares/new")
    assert len(none_answered) == len(two_answered) <= 5, two_answered.statements


def test_sharing_is_listed_from_the_log_and_the_account(person: CheckingClient) -> None:
    assert 'href="/shares"' in person.get("/incidents").get_data(as_text=True)
    assert 'href="/shares"' in person.get("/account").get_data(as_text=True)


def _confirm(client: CheckingClient) -> MadeShare:
    """Share what the preview shows."""
    confirmed = client.post_with_token("/shares/new/check")
    return link_and_code(client.get(confirmed.headers["Location"]))


def test_the_persons_download_lists_their_shares_but_never_a_link_or_code(
    person: CheckingClient, accounts: AccountHelper
) -> None:
    share = make_share(person, WEEK_AGO, TODAY)
    recipient_opens(accounts, share)
    person.get("/account/download")
    download = person.post_with_token("/account/download")
    with zipfile.ZipFile(io.BytesIO(download.get_data())) as archive:
        text = "".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith((".json", ".html"))
        )
    assert "PC Smith, ASB team" in text
    assert share.token not in text
    assert share.code not in text
    assert share.code.replace(" ", "") not in text


def test_a_share_whose_files_are_too_large_is_refused_before_anything_is_sealed(
    app: Flask, person: CheckingClient
) -> None:
    incident_id = record_quickly(person, "Graffiti on my door", TODAY - timedelta(days=1))
    assert upload(person, incident_id, files.photo("JPEG"), "door.jpg").status_code == 302
    app.config["SHARE_FILES_MAX_MB"] = 0
    person.submit("/shares/new", share_form(WEEK_AGO, TODAY))
    refused = person.get("/shares/new/check")
    assert "and a share can hold 0 bytes" in error_messages(refused)[0]
    assert person.post_with_token("/shares/new/check").status_code == 200
    assert count(app, Share) == 0
    without_files = make_share(person, WEEK_AGO, TODAY, include_files=None)
    assert without_files.code


def test_shares_made_before_plans_could_be_shared_still_open() -> None:
    """A snapshot and a choice sealed before plans existed hold no "plans" at all."""
    choice = ShareChoice(WEEK_AGO, TODAY, frozenset(), True, False, "PC Smith", "", 7)
    older_choice = {k: v for k, v in choice.to_json().items() if k != "plans"}
    assert ShareChoice.from_json(older_choice) == choice
    snapshot = Snapshot("Jo", WEEK_AGO, TODAY, (), True, False, (), (), None)
    older = {k: v for k, v in json.loads(snapshot.to_bytes()).items() if k != "plans"}
    assert Snapshot.from_bytes(json.dumps(older).encode()) == snapshot


def test_the_person_is_told_the_pack_holds_their_files_as_added_before_sharing_them(
    person: CheckingClient,
) -> None:
    incident_id = record_quickly(person, "Graffiti on my door", TODAY - timedelta(days=1))
    assert upload(person, incident_id, files.photo("JPEG"), "door.jpg").status_code == 302
    assert "can still show where and when it was taken" in page_text(person.get("/shares/new"))
    person.submit("/shares/new", share_form(WEEK_AGO, TODAY))
    warned = "a photo there can still show where and when it was taken"
    assert warned in page_text(person.get("/shares/new/check"))
    person.submit("/shares/new", share_form(WEEK_AGO, TODAY, include_files=None))
    assert warned not in page_text(person.get("/shares/new/check"))
