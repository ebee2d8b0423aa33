"""The staff area through its pages: who may open it, the guide list, a new guide from the
template, the editor and its Preview button, drafts, publishing, history, rolling back,
unpublishing, discarding, and the audit log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.auth.roles import Role
from portal.extensions import db
from portal.guides.library import GUIDES_FOLDER, guide_files, source_hash
from portal.models import GuideVersion, StaffAuditEvent, User
from tests.support.client import (
    AccountHelper,
    CheckingClient,
    error_messages,
    field_value,
    page_text,
)
from tests.support.queries import counting_queries
from tests.support.staff_area import (
    lock_version,
    publish,
    publish_draft,
    save_draft,
    staff_signed_in,
)

pytestmark = pytest.mark.usefixtures("bundled_guides")

SLEEP = "better-sleep"
SLEEP_SOURCE = (GUIDES_FOLDER / f"{SLEEP}.md").read_text()
NEW_WORDS = "Most people sleep better after a week of getting up at the same time."
STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE_BYTES = 50 * 1024
EXAMPLE_ARGUMENTS = {"slug": SLEEP, "number": 2}  # the bundled text of better-sleep


def staff_urls(app: Flask, prefix: str = "staff.") -> list[tuple[str, str]]:
    """(method, url) of every route of the staff area, with example arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(prefix):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{name}>", str(EXAMPLE_ARGUMENTS[name]), path)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def soup_of(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def with_new_words(source: str) -> str:
    return source.replace(
        "## How you are sleeping {#", f"{NEW_WORDS}\n\n## How you are sleeping {{#", 1
    )


# Who may come in ----------------------------------------------------------------------------------


def test_every_staff_page_is_not_found_for_a_visitor_or_a_person(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    urls = staff_urls(app)
    assert len(urls) >= 14
    for page_with_a_token in ("/sign-in", "/account"):
        if page_with_a_token == "/account":
            accounts.register(client)
        token = client.csrf_token(client.get(page_with_a_token))
        for method, url in urls:
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (method, url)


def test_the_audit_log_is_forbidden_to_staff_and_open_to_admins(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    assert client.get("/staff/audit-log").status_code == 403
    assert "/staff/audit-log" not in client.get("/staff").get_data(as_text=True)
    admin = accounts.new_client()
    staff_signed_in(admin, app, accounts, Role.ADMIN)
    assert admin.get("/staff/audit-log").status_code == 200
    assert "/staff/audit-log" in admin.get("/staff").get_data(as_text=True)


def header_links(response: TestResponse) -> list[str]:
    return [link.get_text() for link in soup_of(response).select(".site-nav a")]


def staff_menu(response: TestResponse) -> list[str]:
    return [link.get_text() for link in soup_of(response).select(".sub-nav a")]


def test_the_header_leads_staff_to_the_staff_area_and_people_never_see_it(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    assert "Staff area" in header_links(client.get("/guides"))
    person = accounts.new_client()
    accounts.register(person)
    assert "Staff area" not in header_links(person.get("/guides"))
    admin = accounts.new_client()
    staff_signed_in(admin, app, accounts, Role.ADMIN)
    # Admins move between the guides and the staff accounts from the staff area's own menu.
    assert "Staff accounts" in staff_menu(admin.get("/staff"))
    assert "Staff accounts" not in staff_menu(client.get("/staff"))


# The list of guides -------------------------------------------------------------------------------


def test_the_list_shows_each_guides_status_and_who_changed_it_last(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    editor = staff_signed_in(client, app, accounts)
    save_draft(client, SLEEP, with_new_words(SLEEP_SOURCE))
    client.submit(
        "/staff/guides/new", {"title": "Noise at night", "slug": "noise", "topic": "sleep"}
    )
    rows = {
        row.td.get_text(strip=True): " ".join(row.get_text(" ").split())
        for row in soup_of(client.get("/staff")).select("tbody tr")
    }
    assert len(rows) == len(guide_files(GUIDES_FOLDER)) + 1
    assert "Draft" in rows["Noise at night"]
    assert editor.username in rows["Noise at night"]
    assert "Published Unpublished changes" in rows["Better sleep"]
    assert editor.username in rows["Better sleep"]
    assert "from guides/ by flask guides sync" in rows["Panic attacks and the fear of fear"]


# A new guide --------------------------------------------------------------------------------------


def test_a_new_guide_starts_from_a_valid_template_and_nobody_else_sees_it(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    made = client.submit(
        "/staff/guides/new", {"title": "Noise at night", "slug": "noise-at-night", "topic": "sleep"}
    )
    assert made.headers["Location"] == "/staff/guides/noise-at-night/edit"
    editor = client.get(made.headers["Location"])
    assert "slug: noise-at-night" in field_value(editor, "source")
    assert "Problems to fix" not in page_text(editor)
    visitor = accounts.new_client()
    for url in (
        "/guides/noise-at-night",
        "/guides/noise-at-night/steps/first-step",
        "/guides/noise-at-night/finished",
    ):
        assert visitor.get(url).status_code == 404
        assert client.get(url).status_code == 404  # staff see it only in the staff area
    assert "Noise at night" not in page_text(visitor.get("/guides"))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"title": "", "slug": "fine", "topic": "sleep"}, "Enter the guide's title"),
        ({"title": "A guide", "slug": "Not A Slug!", "topic": "sleep"}, "lower-case letters"),
        ({"title": "A guide", "slug": SLEEP, "topic": "sleep"}, "Another guide has that address"),
        ({"title": "A guide", "slug": "fine", "topic": "made-up"}, "Choose one of the topics"),
    ],
)
def test_a_new_guide_that_cannot_be_made_says_why_and_keeps_what_was_typed(
    app: Flask,
    client: CheckingClient,
    accounts: AccountHelper,
    typed: dict[str, str],
    message: str,
) -> None:
    staff_signed_in(client, app, accounts)
    response = client.submit("/staff/guides/new", typed)
    assert response.status_code == 200
    assert any(message in error for error in error_messages(response)), error_messages(response)
    assert field_value(response, "title") == typed["title"]


# The editor ---------------------------------------------------------------------------------------


def test_the_preview_button_shows_the_step_and_keeps_the_text_without_saving(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    edited = with_new_words(SLEEP_SOURCE).replace("How you are sleeping", "Your sleep lately")
    page = client.get(f"/staff/guides/{SLEEP}/edit")
    response = client.post(
        f"/staff/guides/{SLEEP}/edit",
        data={
            "csrf_token": client.csrf_token(page),
            "lock_version": lock_version(page),
            "source": edited,
            "preview_step": "how-you-sleep",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    assert field_value(response, "source") == edited
    preview = soup_of(response).select_one("[data-preview]")
    assert "Your sleep lately" in preview.get_text()
    assert "How easy each step is to read" in preview.get_text()
    assert len(preview.select("tbody tr")) == edited.count("\n## ")
    assert "Your sleep lately" not in page_text(client.get(f"/guides/{SLEEP}"))


def test_check_problems_name_the_line_as_flask_guides_check_does(
    app: Flask,
    client: CheckingClient,
    accounts: AccountHelper,
    runner: FlaskCliRunner,
    tmp_path: Path,
) -> None:
    staff_signed_in(client, app, accounts)
    broken = SLEEP_SOURCE.replace("::: reflection {#", "::: reflection {#Bad_Id ", 1)
    page = client.get(f"/staff/guides/{SLEEP}/edit")
    response = client.post(
        f"/staff/guides/{SLEEP}/edit",
        data={"csrf_token": client.csrf_token(page), "source": broken, "action": "preview"},
    )
    shown = [
        " ".join(item.get_text(" ").split())
        for item in soup_of(response).select("[data-preview-problems] li")
    ]
    (tmp_path / f"{SLEEP}.md").write_text(broken)
    checked = runner.invoke(args=["guides", "check", str(tmp_path / f"{SLEEP}.md")])
    expected = [line.replace(str(tmp_path) + "/", "") for line in checked.output.splitlines()]
    assert shown
    assert [re.sub(r"^(\S+:\d+) ", r"\1: ", line) for line in shown] == [
        line for line in expected if line.startswith(f"{SLEEP}.md:")
    ]


def test_a_guides_slug_cannot_change(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    save_draft(client, SLEEP, SLEEP_SOURCE.replace(f"slug: {SLEEP}", "slug: sleep-better"))
    page = client.get(f"/staff/guides/{SLEEP}/publish")
    assert f"{SLEEP}.md:2 the slug must stay '{SLEEP}'" in page_text(page)
    assert soup_of(page).find("textarea", attrs={"name": "change_note"}) is None


def test_a_saved_draft_is_kept_while_people_still_see_the_published_revision(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    saved = save_draft(client, SLEEP, with_new_words(SLEEP_SOURCE))
    assert saved.headers["Location"] == f"/staff/guides/{SLEEP}/edit"
    assert field_value(client.get(saved.headers["Location"]), "source") == with_new_words(
        SLEEP_SOURCE
    )
    person = accounts.new_client()
    accounts.register(person, "reader")
    assert NEW_WORDS not in page_text(person.get(f"/guides/{SLEEP}"))
    assert person.get(f"/guides/{SLEEP}/steps/how-you-sleep").status_code == 200


def test_a_save_from_an_out_of_date_editor_is_refused_and_keeps_the_text(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    other = accounts.new_client()
    staff_signed_in(other, app, accounts)
    save_draft(client, SLEEP, SLEEP_SOURCE + "\nFirst editor.\n")
    stale_page = other.get(f"/staff/guides/{SLEEP}/edit")
    save_draft(client, SLEEP, SLEEP_SOURCE + "\nFirst editor again.\n")
    mine = SLEEP_SOURCE + "\nSecond editor.\n"
    response = other.post(
        f"/staff/guides/{SLEEP}/edit",
        data={
            "csrf_token": other.csrf_token(stale_page),
            "lock_version": lock_version(stale_page),
            "source": mine,
            "action": "save",
        },
    )
    assert response.status_code == 200
    assert "Someone else saved this draft" in error_messages(response)[0]
    assert field_value(response, "source") == mine
    assert "First editor again." in page_text(response)  # in the difference shown
    assert "First editor again." in field_value(other.get(f"/staff/guides/{SLEEP}/edit"), "source")


# Publishing ---------------------------------------------------------------------------------------


def test_publishing_makes_a_revision_people_see_with_author_time_hash_and_note(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    editor = staff_signed_in(client, app, accounts)
    publish(client, SLEEP, with_new_words(SLEEP_SOURCE), "A line on getting up")
    assert NEW_WORDS in page_text(accounts.new_client().get(f"/guides/{SLEEP}"))
    with app.app_context():
        newest = db.session.scalars(
            select(GuideVersion).order_by(GuideVersion.number.desc()).limit(1)
        ).one()
        author = db.session.scalars(select(User).where(User.username == editor.username)).one()
        assert (newest.number, newest.origin, newest.change_note) == (
            3,
            "staff",
            "A line on getting up",
        )
        assert newest.author_id == author.id
        assert newest.source_hash == source_hash(newest.source)
        assert "version: 3" in newest.source
    history = page_text(client.get(f"/staff/guides/{SLEEP}/history"))
    assert f"by {editor.username}" in history
    assert "A line on getting up" in history
    assert "There is no draft" in page_text(
        client.get(f"/staff/guides/{SLEEP}/publish", follow_redirects=True)
    )


def test_publishing_needs_a_change_note_and_keeps_the_draft_until_then(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    save_draft(client, SLEEP, with_new_words(SLEEP_SOURCE))
    response = publish_draft(client, SLEEP, note="")
    assert error_messages(response) == ["Say what has changed"]
    assert NEW_WORDS not in page_text(client.get(f"/guides/{SLEEP}"))


def dropping_a_step(source: str) -> str:
    start = source.index("\n## Sleep and mood") + 1
    end = source.index("\n## ", start) + 1
    return source[:start] + source[end:]


def test_dropping_ids_people_worked_in_warns_with_counts_and_needs_confirming(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    for number in range(6):
        person = accounts.new_client()
        accounts.register(person, f"sleeper {number}")
        person.submit(f"/guides/{SLEEP}/steps/sleep-and-mood", {})  # finishes the step
    staff_signed_in(client, app, accounts)
    save_draft(client, SLEEP, dropping_a_step(SLEEP_SOURCE))
    page = client.get(f"/staff/guides/{SLEEP}/publish")
    warning = page_text(page)
    assert "no longer has steps or exercises that people have worked in" in warning
    assert "sleep-and-mood A step they finished 6" in warning
    refused = publish_draft(client, SLEEP)
    assert error_messages(refused) == [
        "Confirm that you want to publish, or go back and keep those ids"
    ]
    assert client.get(f"/guides/{SLEEP}/steps/sleep-and-mood").status_code == 200
    assert publish_draft(client, SLEEP, confirm=True).status_code == 302
    assert client.get(f"/guides/{SLEEP}/steps/sleep-and-mood").status_code == 404


def test_the_warning_never_names_anyone_and_hides_small_counts(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    person = accounts.new_client()
    someone = accounts.register(person, "lonely sleeper")
    person.submit(f"/guides/{SLEEP}/steps/sleep-and-mood", {})
    staff_signed_in(client, app, accounts)
    save_draft(client, SLEEP, dropping_a_step(SLEEP_SOURCE))
    warning = page_text(client.get(f"/staff/guides/{SLEEP}/publish"))
    assert "sleep-and-mood A step they finished fewer than 5" in warning
    assert someone.username not in warning


# History, rolling back, unpublishing --------------------------------------------------------------


def test_history_compares_any_two_revisions_line_by_line_as_text(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    sneaky = '<script>alert("x")</script>'
    publish(
        client,
        SLEEP,
        with_new_words(SLEEP_SOURCE).replace("version: 2", "version: 2") + f"\n`{sneaky}`\n",
    )
    history = client.get(f"/staff/guides/{SLEEP}/history")
    assert [field_value(history, "old"), field_value(history, "new")] == [None, None]
    compared = client.get(f"/staff/guides/{SLEEP}/compare?old=2&new=3")
    soup = soup_of(compared)
    added = [" ".join(ins.get_text(" ").split()) for ins in soup.select("ins")]
    removed = [" ".join(d.get_text(" ").split()) for d in soup.select("del")]
    assert f"Added: {NEW_WORDS}" in added
    assert f"Added: `{sneaky}`" in added
    assert (removed[0], added[0]) == ("Removed: version: 2", "Added: version: 3")
    assert soup.find("script", string=re.compile("alert")) is None
    assert client.get(f"/staff/guides/{SLEEP}/compare?old=2&new=9").status_code == 200
    assert "Choose a revision from the list" in error_messages(client.last_page)[0]
    assert error_messages(client.get(f"/staff/guides/{SLEEP}/compare?old=3&new=3")) == [
        "Choose two different revisions"
    ]


def test_rolling_back_publishes_an_earlier_revision_again_as_a_new_one(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    publish(client, SLEEP, with_new_words(SLEEP_SOURCE))
    assert NEW_WORDS in page_text(client.get(f"/guides/{SLEEP}"))
    rolled = client.submit(
        f"/staff/guides/{SLEEP}/revisions/2/publish-again", {"change_note": "Back to the old text"}
    )
    assert rolled.status_code == 302
    assert NEW_WORDS not in page_text(client.get(f"/guides/{SLEEP}"))
    with app.app_context():
        sources = dict(
            db.session.execute(
                select(GuideVersion.number, GuideVersion.source)
                .join(GuideVersion.guide)
                .where(GuideVersion.guide.has(slug=SLEEP))
            ).all()
        )
    assert sorted(sources) == [2, 3, 4]
    assert sources[4] == sources[2].replace("version: 2", "version: 4")
    assert "People see this" in page_text(client.get(f"/staff/guides/{SLEEP}/history"))


def test_unpublishing_takes_the_guide_down_until_it_is_published_again(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    assert client.submit(f"/staff/guides/{SLEEP}/unpublish", {"reason": ""}).status_code == 200
    taken = client.submit(f"/staff/guides/{SLEEP}/unpublish", {"reason": "Out of date"})
    assert taken.status_code == 302
    for url in (f"/guides/{SLEEP}", f"/guides/{SLEEP}/steps/how-you-sleep"):
        assert client.get(url).status_code == 404
    assert "Better sleep" not in page_text(client.get("/guides"))
    assert "Unpublished" in page_text(client.get(f"/staff/guides/{SLEEP}"))
    assert client.get(f"/staff/guides/{SLEEP}/unpublish").status_code == 404
    client.submit(f"/staff/guides/{SLEEP}/revisions/2/publish-again", {"change_note": "Back"})
    assert client.get(f"/guides/{SLEEP}").status_code == 200


def discard(client: CheckingClient, slug: str) -> TestResponse:
    page = client.get(f"/staff/guides/{slug}/discard-draft")
    return client.post_with_token(
        f"/staff/guides/{slug}/discard-draft", {"lock_version": lock_version(page)}
    )


def test_discarding_a_new_guides_draft_removes_the_guide(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    staff_signed_in(client, app, accounts)
    client.submit(
        "/staff/guides/new", {"title": "Short lived", "slug": "short-lived", "topic": "sleep"}
    )
    gone = discard(client, "short-lived")
    assert gone.headers["Location"] == "/staff"
    assert client.get("/staff/guides/short-lived").status_code == 404


# The audit log ------------------------------------------------------------------------------------


def test_every_change_goes_into_the_audit_log_with_who_what_when_and_which_guide(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    editor = staff_signed_in(client, app, accounts)
    client.submit(
        "/staff/guides/new", {"title": "Noise at night", "slug": "noise", "topic": "sleep"}
    )
    publish(client, SLEEP, with_new_words(SLEEP_SOURCE), "New line")
    client.submit(f"/staff/guides/{SLEEP}/revisions/2/publish-again", {"change_note": "Undo"})
    client.submit(f"/staff/guides/{SLEEP}/unpublish", {"reason": "Checking facts"})
    discard(client, "noise")
    with app.app_context():
        logged = db.session.execute(
            select(
                StaffAuditEvent.action, StaffAuditEvent.guide_slug, StaffAuditEvent.actor_name
            ).order_by(StaffAuditEvent.at)
        ).all()
    assert [(action, slug) for action, slug, _ in logged] == [
        ("created the guide", "noise"),
        ("saved a draft", SLEEP),
        ("published", SLEEP),
        ("published an earlier revision again", SLEEP),
        ("unpublished", SLEEP),
        ("discarded the draft", "noise"),
    ]
    assert {name for _, _, name in logged} == {editor.username}
    admin = accounts.new_client()
    staff_signed_in(admin, app, accounts, Role.ADMIN)
    shown = page_text(admin.get("/staff/audit-log"))
    assert "revision 3: New line" in shown
    assert "Checking facts" in shown
    assert shown.index("discarded the draft") < shown.index("created the guide")


# Cost ---------------------------------------------------------------------------------------------


def page_weight(client: CheckingClient, response: TestResponse) -> int:
    """HTML plus the CSS and JS it links, as a first visit downloads them."""
    html = response.get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="/static/([^"?]+\.(?:css|js))', html)
    return len(response.data) + sum(len((STATIC / asset).read_bytes()) for asset in assets)


def test_staff_pages_make_at_most_five_queries_and_weigh_at_most_50_kb(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    """The editor holds the whole guide: its weight is counted without the guide's own text."""
    staff_signed_in(client, app, accounts, Role.ADMIN)
    publish(client, SLEEP, with_new_words(SLEEP_SOURCE))
    save_draft(client, SLEEP, SLEEP_SOURCE)
    pages = [url for method, url in staff_urls(app) if method == "GET"]
    pages.append(f"/staff/guides/{SLEEP}/compare?old=2&new=3")
    client.get(f"/staff/guides/{SLEEP}")  # the published revision parsed once, as in a worker
    for url in pages:
        with counting_queries(app) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert len(queries) <= 5, (url, queries.statements)
        weight = page_weight(client, response)
        if url.endswith("/edit"):
            weight -= len(str(soup_of(response).find("textarea")))
        assert weight <= PAGE_BYTES, (url, weight)
