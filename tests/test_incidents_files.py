"""Evidence files through the incident pages: kept sealed with the original byte for byte, shown
without location or camera details, played in the page, refused with a reason by the field,
within the account's quota, and never to anyone else."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from PIL import ExifTags, Image
from sqlalchemy import select

from portal.dates import today_in_london
from portal.extensions import db
from portal.models import ChainCheckpoint, ChainLink, EvidenceFile, Incident, IncidentRevision
from tests.support import evidence_files as files
from tests.support.client import AccountHelper, CheckingClient, error_messages, page_text
from tests.support.incidents import record_quickly, upload

YESTERDAY = today_in_london() - timedelta(days=1)
FILE_LINK = re.compile(r"/incidents/files/([0-9a-f-]{36})")


def file_ids(client: CheckingClient, incident_id: str) -> list[str]:
    """The ids of the files the incident's page shows, in order."""
    html = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    return list(dict.fromkeys(FILE_LINK.findall(html)))


@pytest.fixture
def incident_id(client: CheckingClient, accounts: AccountHelper) -> str:
    accounts.register(client)
    return record_quickly(client, "Someone broke my car window", YESTERDAY)


def test_a_photo_is_kept_byte_for_byte_and_shown_without_location_or_camera(
    client: CheckingClient, incident_id: str
) -> None:
    original = files.photo("JPEG")
    response = upload(client, incident_id, original, "IMG_0042.jpg")
    assert response.status_code == 302
    assert "“IMG_0042.jpg” has been added" in page_text(client.get(f"/incidents/{incident_id}"))
    [file_id] = file_ids(client, incident_id)
    kept = client.get(f"/incidents/files/{file_id}/original")
    assert kept.data == original
    assert "attachment" in kept.headers["Content-Disposition"]
    assert hashlib.sha256(original).hexdigest() in page_text(
        client.get(f"/incidents/{incident_id}")
    )
    shown = client.get(f"/incidents/files/{file_id}")
    assert shown.mimetype.startswith("image/")
    assert shown.headers["Cache-Control"].startswith("no-store")
    exif = Image.open(io.BytesIO(shown.data)).getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert files.CAMERA_MODEL.encode() not in shown.data
    assert files.CAMERA_MODEL.encode() in original
    thumbnail = client.get(f"/incidents/files/{file_id}/thumbnail")
    assert thumbnail.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumbnail.data)).size) <= 320


def test_a_sound_recording_plays_in_the_page_with_its_type(
    client: CheckingClient, incident_id: str
) -> None:
    assert upload(client, incident_id, files.wav(), "Recording 12.wav").status_code == 302
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "<audio controls" in page
    [file_id] = file_ids(client, incident_id)
    played = client.get(f"/incidents/files/{file_id}")
    assert played.mimetype == "audio/wav"
    assert played.data == files.wav()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "photo.jpg", "is not a photo, PDF or sound"),
        (b"", "empty.jpg", "is empty"),
        (files.photo("JPEG")[:2000], "cut.jpg", "seems to be cut short"),
        (files.png_bomb(20_000, 20_000), "huge.png", "too large to open safely"),
        (
            files.pdf(catalog="/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
            "letter.pdf",
            "contains scripts",
        ),
    ],
)
def test_a_bad_upload_is_refused_by_the_field_and_nothing_is_kept(
    client: CheckingClient, incident_id: str, data: bytes, name: str, message: str
) -> None:
    response = upload(client, incident_id, data, name)
    assert response.status_code == 200
    assert any(message in text for text in error_messages(response)), error_messages(response)
    assert file_ids(client, incident_id) == []


@pytest.mark.parametrize("app_settings", [{"PORTAL_INCIDENT_FILE_MAX_MB": "1"}])
def test_a_file_over_the_size_limit_is_refused_with_the_limit(
    client: CheckingClient, incident_id: str
) -> None:
    response = upload(client, incident_id, files.wav(seconds=70), "long.wav")
    assert any("Files can be up to 1 MB each" in text for text in error_messages(response))


@pytest.mark.parametrize(
    "app_settings", [{"PORTAL_INCIDENT_QUOTA_MB": "1", "PORTAL_INCIDENT_FILE_MAX_MB": "1"}]
)
def test_files_over_the_accounts_quota_are_refused(
    client: CheckingClient, incident_id: str
) -> None:
    recording = files.wav(seconds=25)  # 0.4 MB: two fit in 1 MB, three do not
    assert upload(client, incident_id, recording, "one.wav").status_code == 302
    assert upload(client, incident_id, recording, "two.wav").status_code == 302
    refused = upload(client, incident_id, recording, "three.wav")
    assert any("space left" in text for text in error_messages(refused)), error_messages(refused)
    assert len(file_ids(client, incident_id)) == 2


def test_another_person_cannot_reach_a_file(
    client: CheckingClient, accounts: AccountHelper, incident_id: str
) -> None:
    upload(client, incident_id, files.photo("JPEG"), "mine.jpg")
    [file_id] = file_ids(client, incident_id)
    other = accounts.new_client()
    accounts.register(other, "other")
    for suffix in ("", "/original", "/thumbnail", "/delete"):
        assert other.get(f"/incidents/files/{file_id}{suffix}").status_code == 404
    assert (
        other.post(
            f"/incidents/files/{file_id}/delete", data={"csrf_token": other.csrf_token()}
        ).status_code
        == 404
    )
    assert (
        other.post(
            f"/incidents/{incident_id}/files",
            data={
                "csrf_token": other.csrf_token(),
                "file": (io.BytesIO(files.photo("JPEG")), "x.jpg"),
            },
            content_type="multipart/form-data",
        ).status_code
        == 404
    )
    assert client.get(f"/incidents/files/{file_id}").status_code == 200


def test_removing_a_file_keeps_the_log_checking_out(
    app: Flask, client: CheckingClient, incident_id: str
) -> None:
    upload(client, incident_id, files.photo("JPEG"), "mine.jpg")
    [file_id] = file_ids(client, incident_id)
    client.get(f"/incidents/files/{file_id}/delete")
    assert client.post_with_token(f"/incidents/files/{file_id}/delete").status_code == 302
    assert file_ids(client, incident_id) == []
    assert "Your log is unchanged" in page_text(client.get("/incidents/check"))


def test_deleting_the_account_leaves_no_incident_row_file_or_link(
    app: Flask, client: CheckingClient, incident_id: str
) -> None:
    upload(client, incident_id, files.photo("JPEG"), "mine.jpg")
    client.submit("/account/delete", {"current_password": "purple tractor window"})
    with app.app_context():
        for model in (Incident, IncidentRevision, EvidenceFile, ChainLink, ChainCheckpoint):
            assert db.session.scalars(select(model)).all() == [], model.__name__


def test_a_changed_original_is_found_by_the_check(
    app: Flask, client: CheckingClient, incident_id: str
) -> None:
    upload(client, incident_id, files.photo("JPEG"), "one.jpg")
    upload(client, incident_id, files.wav(), "two.wav")
    first, second = file_ids(client, incident_id)
    with app.app_context():
        # Without the key, the best anyone can do is move another file's sealed bytes over it.
        other = db.session.get(EvidenceFile, uuid.UUID(second))
        db.session.get(EvidenceFile, uuid.UUID(first)).original_sealed = other.original_sealed
        db.session.commit()
    text = page_text(client.get("/incidents/check"))
    assert "an evidence file has been changed since it was added" in text


def test_recordings_can_be_fetched_a_part_at_a_time(
    client: CheckingClient, incident_id: str
) -> None:
    recording = files.wav()
    upload(client, incident_id, recording, "rec.wav")
    [file_id] = file_ids(client, incident_id)
    part = client.get(f"/incidents/files/{file_id}", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.data == recording[:100]
    assert part.headers["Accept-Ranges"] == "bytes"
