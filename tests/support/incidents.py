"""The incident log's forms filled in as a person would, and a way to find what was saved."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from tests.support.client import CheckingClient, field_value
from tests.support.diary import date_fields

INCIDENT_LINK = re.compile(r'href="/incidents/([0-9a-f-]{36})"')


def quick_form(what: str, day: date, started_at: str = "") -> dict[str, str]:
    return {"what_happened": what, **date_fields("started_on", day), "started_at": started_at}


def full_form(what: str, day: date, **changes: Any) -> dict[str, Any]:
    """The whole incident form with a typical noise incident, any answer changed."""
    form: dict[str, Any] = {
        "what_happened": what,
        **date_fields("started_on", day),
        "started_at": "23:10",
        "ended_at": "01:40",
        "category": "noise",
        "severity": "7",
        "location": "The flat above mine",
        "room": "My bedroom",
        "people_involved": "The man at number 12",
        "witnesses": "",
        "effect": "We could not sleep. The baby woke twice.",
        "what_next": "",
    }
    form.update(changes)
    return form


def report_fields(
    index: int, agency: str, day: date, reference: str = "", name: str = ""
) -> dict[str, str]:
    prefix = f"reports-{index}"
    return {
        f"{prefix}-agency": agency,
        f"{prefix}-agency_name": name,
        **date_fields(f"{prefix}-reported_on", day),
        f"{prefix}-reference": reference,
    }


def record_quickly(client: CheckingClient, what: str, day: date, started_at: str = "") -> str:
    """Quick add an incident through the pages; returns its id."""
    response = client.submit("/incidents/quick", quick_form(what, day, started_at))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[-1]


def change_incident(client: CheckingClient, incident_id: str, form: dict[str, Any]) -> Any:
    """Open an incident's change page and send its form with `form`'s answers, as a person
    would: the page's version of the incident goes with them."""
    page = client.get(f"/incidents/{incident_id}/change")
    version = field_value(page, "version")
    return client.post(
        f"/incidents/{incident_id}/change",
        data={"csrf_token": client.csrf_token(page), "version": version, **form},
    )


def upload(client: CheckingClient, incident_id: str, data: bytes, name: str) -> TestResponse:
    """Choose a file on the incident's page and add it, as a browser sends it."""
    page = client.get(f"/incidents/{incident_id}")
    # Encoded here, in memory: the test client would spool a large body to a temporary file
    # that nothing closes.
    boundary, body = encode_multipart(
        {"csrf_token": client.csrf_token(page), "file": FileStorage(io.BytesIO(data), name)}
    )
    return client.post(
        f"/incidents/{incident_id}/files",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
