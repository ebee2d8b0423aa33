"""The evidence pack made from a person's own log: what they chose and nothing else, every
version and file, signed so that it verifies on the site and with openssl, and refused when a
stored original is not the file that was added."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

from bs4 import BeautifulSoup
from flask import Flask

from portal.dates import today_in_london
from portal.extensions import db
from portal.models import EvidenceFile
from tests.support import evidence_files as files
from tests.support.client import AccountHelper, CheckingClient, error_messages, page_text
from tests.support.diary import date_fields
from tests.support.environment import unavailable
from tests.support.incidents import change_incident, full_form, record_quickly
from tests.test_incidents_files import file_ids, upload
from tests.test_verify_views import upload as check_on_the_site

DAY = today_in_london() - timedelta(days=10)


def pack_form(first: str = "", **choices: object) -> dict[str, object]:
    return {
        **date_fields("first_day", DAY - timedelta(days=30)),
        **date_fields("last_day", today_in_london()),
        "include_files": ["yes"],
        **choices,
    }


def a_log(client: CheckingClient) -> dict[str, str]:
    """Two incidents (one amended, with a photo) and one outside the range asked for."""
    noise = record_quickly(client, "Music through the wall until 4am", DAY)
    change_incident(client, noise, full_form("Music through the wall until 5am", DAY))
    upload(client, noise, files.photo("JPEG"), "wall.jpg")
    threats = record_quickly(client, "Threats shouted at my door, in Polish: Zabiję cię", DAY)
    old = record_quickly(client, "Long ago", DAY - timedelta(days=300))
    return {"noise": noise, "threats": threats, "old": old}


def download(client: CheckingClient, **choices: object) -> zipfile.ZipFile:
    response = client.submit("/incidents/pack", pack_form(**choices))
    assert response.status_code == 200, error_messages(client.last_page)
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=records-")
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_pack_holds_what_was_chosen_with_every_version_and_file(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    a_log(client)
    with download(client) as pack:
        names = pack.namelist()
        document = json.loads(pack.read("incidents.json"))
        text = json.dumps(document, ensure_ascii=False)
    assert "Music through the wall until 4am" in text  # the first version is kept
    assert "Music through the wall until 5am" in text
    assert "Zabiję cię" in text
    assert "Long ago" not in text
    assert any(name.startswith("files/") and name.endswith(".jpg") for name in names)
    for required in (
        "evidence.pdf",
        "evidence.html",
        "incidents.csv",
        "manifest.json",
        "manifest.sig",
        "public-key.pem",
        "SHA256SUMS",
        "HOW-TO-CHECK.txt",
    ):
        assert required in names


def test_a_pack_from_the_log_verifies_on_the_site_and_with_openssl(
    client: CheckingClient, accounts: AccountHelper, tmp_path: Path
) -> None:
    accounts.register(client)
    a_log(client)
    response = client.submit("/incidents/pack", pack_form())
    verdict = BeautifulSoup(check_on_the_site(client, response.data).data, "html.parser")
    assert verdict.h1.get_text(strip=True) == "This pack is unchanged since it was exported"
    if shutil.which("openssl") is None:
        unavailable("checking a pack needs openssl (apt install openssl)")
    with zipfile.ZipFile(io.BytesIO(response.data)) as pack:
        pack.extractall(tmp_path)
    checked = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "public-key.pem",
            "-rawin",
            "-in",
            "manifest.json",
            "-sigfile",
            "manifest.sig",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Signature Verified Successfully" in checked.stdout


def test_the_pack_page_warns_that_the_file_stays_on_the_device(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    text = page_text(client.get("/incidents/pack"))
    assert "The file is saved on this device and is not locked with a password" in text
    assert "delete it once you have sent or printed it" in text


def test_a_kind_of_incident_can_be_chosen(client: CheckingClient, accounts: AccountHelper) -> None:
    accounts.register(client)
    a_log(client)
    with download(client, categories=["noise"]) as pack:
        text = pack.read("incidents.json").decode()
    assert "Music through the wall" in text
    assert "Threats shouted" not in text


def test_a_changed_original_stops_the_site_signing_a_pack(
    app: Flask, client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    log = a_log(client)
    upload(client, log["threats"], files.wav(), "shouting.wav")
    photo, recording = file_ids(client, log["noise"]) + file_ids(client, log["threats"])
    with app.app_context():
        moved = db.session.get(EvidenceFile, uuid.UUID(recording)).original_sealed
        db.session.get(EvidenceFile, uuid.UUID(photo)).original_sealed = moved
        db.session.commit()
    response = client.submit("/incidents/pack", pack_form())
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert any("will not sign a pack" in message for message in error_messages(response))


def test_the_last_date_cannot_come_before_the_first(
    client: CheckingClient, accounts: AccountHelper
) -> None:
    accounts.register(client)
    response = client.submit(
        "/incidents/pack",
        pack_form() | date_fields("last_day", DAY - timedelta(days=60)),
    )
    assert error_messages(response) == ["The last date must be the same as or after the first"]
