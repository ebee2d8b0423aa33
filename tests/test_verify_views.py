"""The public verify page: an officer uploads a pack, without an account or JavaScript, and reads
whether it is unchanged; the site's public key is published for checking by hand."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from portal.incidents.pack import PackSite, checking_commands
from portal.incidents.signing import Signer, current_signer, new_signing_key
from portal.incidents.verify import NOT_SIGNED
from tests.support.client import CheckingClient, error_messages, page_text
from tests.support.environment import unavailable
from tests.support.evidence import packed, rezipped, sample_pack


@pytest.fixture
def signer(app: Flask) -> Signer:
    with app.app_context():
        return current_signer()


@pytest.fixture
def pack_zip(signer: Signer) -> bytes:
    return packed(sample_pack(), signer)


def upload(
    client: CheckingClient, content: bytes, name: str = "records-2026-11-29.zip"
) -> TestResponse:
    """Choose a file on the page and press the button, as an officer would. The form is encoded
    here, in memory: the test client spools a big upload to a file it never closes."""
    page = client.get("/verify")
    boundary, body = encode_multipart(
        {"csrf_token": client.csrf_token(page), "pack": FileStorage(io.BytesIO(content), name)}
    )
    return client.post(
        "/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def heading(response: TestResponse) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").h1.get_text(strip=True)


def test_the_page_is_a_plain_form_that_needs_no_javascript(client: CheckingClient) -> None:
    response = client.get("/verify")
    assert response.status_code == 200
    form = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("main form")
    assert form["method"] == "post"
    assert form["enctype"] == "multipart/form-data"
    chooser = form.select_one("input[type=file][name=pack]")
    assert chooser is not None
    assert "value" not in chooser.attrs
    assert form.select_one("button[type=submit]").get_text() == "Check the pack"
    assert "up to 12 MB" in page_text(response)


def test_the_page_is_public_and_may_be_indexed(client: CheckingClient) -> None:
    response = client.get("/verify")
    assert "X-Robots-Tag" not in response.headers


def test_an_unchanged_pack_is_confirmed(client: CheckingClient, pack_zip: bytes) -> None:
    response = upload(client, pack_zip)
    assert response.status_code == 200
    assert heading(response) == "This pack is unchanged since it was exported"
    text = page_text(response)
    assert "Sunday 1 March 2026 to Sunday 29 November 2026" in text
    assert "ab" * 32 in text


def test_a_changed_photo_is_named_on_the_page(client: CheckingClient, pack_zip: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(pack_zip)) as archive:
        photo = next(name for name in archive.namelist() if name.endswith(".jpg"))
    response = upload(client, rezipped(pack_zip, {photo: b"another photo"}))
    assert heading(response) == "This pack has been changed since it was exported"
    assert (
        f"The photo from incident 1 (Tuesday 3 March 2026), {photo}, is not the file that was "
        "exported." in page_text(response)
    )


def test_a_forged_pack_cannot_be_trusted(client: CheckingClient, pack_zip: bytes) -> None:
    forger = Signer.from_setting(new_signing_key())
    response = upload(client, packed(sample_pack(), forger))
    assert heading(response) == "This pack cannot be trusted"
    assert NOT_SIGNED in page_text(response)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4 a letter", "This is not a ZIP file."),
        (b"", "This is not a ZIP file."),
    ],
)
def test_what_is_not_a_pack_gets_a_message_on_the_form(
    client: CheckingClient, content: bytes, message: str
) -> None:
    response = upload(client, content, "letter.pdf")
    assert response.status_code == 200
    assert error_messages(response)[0].startswith(message)


def test_no_file_chosen_asks_for_one(client: CheckingClient) -> None:
    response = client.submit("/verify", {}, content_type="multipart/form-data")
    assert error_messages(response) == ["Choose the ZIP file to check"]


def test_a_pack_over_the_upload_limit_gets_a_message_saying_what_to_do(
    app: Flask, client: CheckingClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = upload(client, bytes(2 * 1024 * 1024))
    assert response.status_code == 413
    assert error_messages(response) == [
        "The file is bigger than 1 MB, the most this page can take. Check it with the commands "
        "in the pack's HOW-TO-CHECK.txt file instead"
    ]


def test_the_public_key_is_published_as_pem(client: CheckingClient, signer: Signer) -> None:
    response = client.get("/verify/public-key.pem")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.data == signer.public_key_pem
    assert signer.fingerprint in page_text(client.get("/verify"))


def test_a_pack_verifies_with_openssl_against_the_published_key(
    client: CheckingClient, pack_zip: bytes, tmp_path: Path
) -> None:
    if shutil.which("openssl") is None:
        unavailable("checking a pack with openssl needs openssl")
    with zipfile.ZipFile(io.BytesIO(pack_zip)) as archive:
        archive.extractall(tmp_path)
    (tmp_path / "site-key.pem").write_bytes(client.get("/verify/public-key.pem").data)
    site = PackSite("http://localhost", 12)
    for command in checking_commands(site)[1:]:  # all but fetching the key, done above
        result = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, (command, result.stdout, result.stderr)
