"""The incident log as a person uses it: quick add then complete, amend with history kept,
delete with the gap explained, filters kept out of addresses, and another person's ids refused
on every route."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask

from portal.dates import today_in_london
from tests.support.client import (
    AccountHelper,
    CheckingClient,
    error_messages,
    field_value,
    page_text,
)
from tests.support.incidents import change_incident, full_form, record_quickly, report_fields
from tests.support.queries import counting_queries

YESTERDAY = today_in_london() - timedelta(days=1)


def test_a_visitor_is_told_what_the_log_is_for(client: CheckingClient) -> None:
    text = page_text(client.get("/incidents"))
    assert "An incident log" in text
    assert "Create a free account" in text
    assert client.get("/incidents/quick").status_code == 302


def test_quick_add_then_complete_it_later(client: CheckingClient, accounts: AccountHelper) -> None:
    accounts.register(client)
    incident_id = record_quickly(client, "Shouting and banging on my door", YESTERDAY, "2245")
    page = page_text(client.get(f"/incidents/{incident_id}"))
    assert "Shouting and banging on my door" in page
    assert (
        "Still to add: what kind of incident it was, where it happened, how it affected you" in page
    )
    assert "Details to add" in page_text(client.get("/incidents"))

    changed = change_incident(
        client,
        incident_id,
        full_form(
            "Shouting and banging on my door", YESTERDAY, category="threats", started_at="22:45"
        )
        | report_fields(0, "police", YESTERDAY, "CAD 1234 12/11"),
    )
    assert changed.status_code == 302
    page = page_text(client.get(f"/incidents/{incident_id}"))
    assert "Still to add" not in page
    assert "Threats or intimidation" in page
    assert "Police on" in page
    assert "CAD 1234 12/11" in page
    assert "Details to add" not in page_text(client.get("/incidents"))


def test_an_amendment_keeps_the_first_version_and_says_what_changed(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    incident_id = record_quickly(client, "Music until 3am", YESTERDAY)
    change_incident(client, incident_id, full_form("Music until 4am", YESTERDAY))
    history = page_text(client.get(f"/incidents/{incident_id}/history"))
    assert "First recorded" in history
    assert "Music until 3am" in history
    assert "Version 2" in history
    assert "Music until 4am" in history
    assert "Changed: What happened, time it started" in history


def test_an_error_keeps_everything_typed(client: CheckingClient, accounts: AccountHelper) -> None:
    accounts.register(client)
    response = client.submit(
        "/incidents/new",
        full_form("Someone kicked the door in", YESTERDAY, started_at="25:00", location="Hallway"),
    )
    assert response.status_code == 200
    assert any("time it started" in message for message in error_messages(response))
    assert field_value(response, "what_happened") == "Someone kicked the door in"
    assert field_value(response, "location") == "Hallway"
    assert field_value(response, "started_at") == "25:00"


def test_a_report_needs_its_agency_and_date(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    form = full_form("Car blocking the drive", YESTERDAY) | {
        "reports-0-reference": "REF-99",
        "reports-0-agency": "",
    }
    response = client.submit("/incidents/new", form)
    messages = error_messages(response)
    assert "Choose who you reported it to" in messages
    assert "Enter the date you reported it" in messages
    assert field_value(response, "reports-0-reference") == "REF-99"


def test_deleting_an_incident_leaves_the_log_checking_out(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    keep = record_quickly(client, "Keep this one", YESTERDAY)
    gone = record_quickly(client, "Delete this one", YESTERDAY)
    client.get(f"/incidents/{gone}/delete")
    assert client.post_with_token(f"/incidents/{gone}/delete").status_code == 302
    assert client.get(f"/incidents/{gone}").status_code == 404
    assert client.get(f"/incidents/{keep}").status_code == 200
    assert "Your log is unchanged" in page_text(client.get("/incidents/check"))


def test_filters_are_kept_in_the_session_never_in_the_address(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    record_quickly(client, "Dog barking all night", YESTERDAY)
    noisy = record_quickly(client, "Bass through the ceiling", YESTERDAY)
    change_incident(client, noisy, full_form("Bass through the ceiling", YESTERDAY))
    response = client.submit("/incidents/filter", {"categories": ["noise"], "words": "bass"})
    assert response.headers["Location"] == "/incidents#incidents"
    listed = page_text(client.get("/incidents"))
    assert "1 incident found" in listed
    assert "Bass through the ceiling" in listed
    assert "Dog barking" not in listed
    incomplete = client.submit("/incidents/filter", {"incomplete_only": ["yes"]})
    assert incomplete.status_code == 302
    listed = page_text(client.get("/incidents"))
    assert "Dog barking all night" in listed
    assert "Bass" not in listed
    client.post_with_token("/incidents/filter/clear")
    assert "2 incidents, newest first" in page_text(client.get("/incidents"))


def test_another_person_gets_404_on_every_incident_route(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client, "owner")
    incident_id = record_quickly(client, "Private words about number 12", YESTERDAY)
    other = accounts.new_client()
    accounts.register(other, "other")
    routes = [
        ("get", f"/incidents/{incident_id}"),
        ("get", f"/incidents/{incident_id}/change"),
        ("post", f"/incidents/{incident_id}/change"),
        ("get", f"/incidents/{incident_id}/history"),
        ("get", f"/incidents/{incident_id}/delete"),
        ("post", f"/incidents/{incident_id}/delete"),
        ("post", f"/incidents/{incident_id}/files"),
        ("get", f"/incidents/files/{uuid.uuid4()}"),
        ("get", f"/incidents/files/{uuid.uuid4()}/original"),
        ("get", f"/incidents/files/{uuid.uuid4()}/thumbnail"),
        ("get", f"/incidents/files/{uuid.uuid4()}/delete"),
    ]
    token = other.csrf_token(other.get("/incidents"))
    for method, path in routes:
        if method == "get":
            response = other.get(path)
        else:
            response = other.post(path, data={"csrf_token": token, "what_happened": "x"})
        assert response.status_code == 404, (method, path)
        assert "Private words" not in response.get_data(as_text=True)
    assert "Private words" not in page_text(other.get("/incidents"))
    assert "Private words about number 12" in page_text(client.get(f"/incidents/{incident_id}"))


@pytest.mark.parametrize(
    "path", ["/incidents", "/incidents/quick", "/incidents/new", "/incidents/check"]
)
def test_every_log_page_opens_for_its_owner(
    client: CheckingClient, accounts: AccountHelper, path: str
) -> None:
    accounts.register(client)
    record_quickly(client, "Something happened", YESTERDAY)
    assert client.get(path).status_code == 200


def test_the_case_review_page_counts_complaints_from_the_log(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    for days_ago, reference in ((40, "A1"), (20, "B2"), (5, "C3")):
        day = today_in_london() - timedelta(days=days_ago)
        incident_id = record_quickly(client, f"Incident {reference}", day)
        change_incident(
            client,
            incident_id,
            full_form(f"Incident {reference}", day) | report_fields(0, "council", day, reference),
        )
    text = page_text(client.get("/incidents/case-review"))
    assert "Your log shows enough complaints to ask for a review" in text
    assert "reference A1" in text
    assert "reference C3" in text


def test_the_summary_counts_incidents_each_month(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    record_quickly(client, "One", today_in_london())
    record_quickly(client, "Two", today_in_london())
    text = page_text(client.get("/incidents/summary"))
    assert "2 incidents in the last 12 months" in text
    assert "Not chosen yet 2" in text


@pytest.mark.parametrize("filtered", [False, True], ids=["whole-log", "filtered"])
def test_the_list_makes_the_same_few_queries_however_long_the_log(
    app: Flask, client: CheckingClient, accounts: AccountHelper, filtered: bool
) -> None:
    accounts.register(client)
    record_quickly(client, "The first", YESTERDAY)
    if filtered:
        client.submit("/incidents/filter", {"words": "the"})
    client.get("/incidents")
    with counting_queries(app) as few:
        client.get("/incidents")
    for number in range(25):
        record_quickly(client, f"The next, number {number}", YESTERDAY - timedelta(days=number))
    client.get("/incidents")  # shows (and so clears) the last "saved" message, as `few` had
    with counting_queries(app) as many:
        client.get("/incidents")
    assert len(few) == len(many) <= 5, many.statements


def test_a_report_dated_before_the_incident_is_refused_by_its_field(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    form = full_form("Graffiti on the door", YESTERDAY) | report_fields(
        0, "council", YESTERDAY - timedelta(days=30), "GR-1"
    )
    response = client.submit("/incidents/new", form)
    assert error_messages(response) == ["The date you reported it must be on or after the incident"]
    assert field_value(response, "reports-0-reference") == "GR-1"


def test_saving_an_unchanged_incident_makes_no_new_version(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    incident_id = record_quickly(client, "Stones thrown at the window", YESTERDAY)
    form = full_form("Stones thrown at the window", YESTERDAY)
    change_incident(client, incident_id, form)
    again = change_incident(client, incident_id, form)
    assert again.status_code == 302
    page = page_text(client.get(f"/incidents/{incident_id}"))
    assert "Nothing had changed, so no new version was saved." in page
    assert "changed 1 time since" in page


def test_saving_from_an_out_of_date_tab_shows_both_versions_and_overwrites_nothing(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    incident_id = record_quickly(client, "Shouting at the door", YESTERDAY)
    old_tab = client.get(f"/incidents/{incident_id}/change")
    newer = change_incident(client, incident_id, full_form("Shouting, then a kick", YESTERDAY))
    assert newer.status_code == 302
    stale = client.post(
        f"/incidents/{incident_id}/change",
        data={
            "csrf_token": client.csrf_token(old_tab),
            "version": field_value(old_tab, "version"),
            **full_form("Shouting, from the old tab", YESTERDAY),
        },
    )
    assert stale.status_code == 200
    text = page_text(stale)
    assert "changed in another tab or window" in text
    assert "Shouting, then a kick" in text  # the saved version, to compare
    assert field_value(stale, "what_happened") == "Shouting, from the old tab"
    assert "Shouting, then a kick" in page_text(client.get(f"/incidents/{incident_id}"))
