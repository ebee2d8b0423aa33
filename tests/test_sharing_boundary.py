"""What a share shows is exactly what was chosen: every page and file of a share is walked with
other records seeded, each with a word of its own, and none of them appears; the evidence pack
downloaded from a share checks out as one the person exported; and the link's token never
reaches a log."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from portal.dates import today_in_london
from portal.incidents.signing import SIGNING_EXTENSION, Signer, new_signing_key
from portal.incidents.verify import Outcome, verify_pack
from portal.security.crypto import new_data_keys_entry
from tests.conftest import DatabaseUrls
from tests.support import evidence_files as files
from tests.support.browser import live_server
from tests.support.client import AccountHelper, CheckingClient, page_text
from tests.support.diary import entry_form
from tests.support.incidents import INCIDENT_LINK, full_form, upload
from tests.support.servers import HttpVisitor, gunicorn_server
from tests.support.sharing import MadeShare, give_code, make_share, share_form

TODAY = today_in_london()
FIRST = TODAY - timedelta(days=14)
SHARED = "Music through the floor until 3am, SHARED-k8Wd"
SHARED_DIARY = "Could not sleep at all, DIARY-SHARED-p5Rt"
SHARED_PLAN = "Ring the housing officer on Monday, PLAN-SHARED-t6Gy"
WORRY_STEP = "/guides/calming-anxious-feelings/steps/worry-time"
SLEEP_STEP = "/guides/better-sleep/steps/sleep-plan"
# Each of these is outside the share: another date, another kind, another person.
NOT_SHARED = {
    "OUTSIDE-RANGE-q7Zk": "an incident of the same person before the first day",
    "OTHER-KIND-w3Pv": "an incident of the same person in the dates, of another kind",
    "DIARY-OUTSIDE-h2Lx": "a diary entry of the same person before the first day",
    "OTHER-PERSON-m9Tr": "another person's incident of the same kind, in the dates",
    "OTHER-DIARY-c4Nb": "another person's diary entry in the dates",
    "PLAN-NOT-TICKED-v8Qs": "the same person's answer in a guide whose plan was not ticked",
    "PLAN-OTHER-STEP-e5Jm": "the same person's answer in the ticked guide, saved afterwards",
    "OTHER-PLAN-b2Wx": "another person's answer in the guide whose plan was shared",
}


def record(client: CheckingClient, what: str, days_ago: int, category: str = "noise") -> str:
    form = full_form(what, TODAY - timedelta(days=days_ago), category=category)
    response = client.submit("/incidents/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    found = INCIDENT_LINK.search(f'href="{response.headers["Location"]}"')
    assert found
    return found.group(1)


def write_diary(client: CheckingClient, notes: str, days_ago: int) -> None:
    response = client.submit(
        "/diary/new", entry_form(TODAY - timedelta(days=days_ago), notes=notes)
    )
    assert response.status_code == 302


def answer(client: CheckingClient, step: str, field: str, words: str) -> None:
    response = client.submit(step, {field: words})
    assert response.status_code == 302


@pytest.fixture
def seeded(client: CheckingClient, accounts: AccountHelper, bundled_guides: None) -> MadeShare:
    """Another person's records, then the person's own, shared: noise incidents of the last
    14 days with their files, diary entries of the same days, and the plan of one guide; then,
    after sharing, one more answer in that guide."""
    other = accounts.new_client()
    accounts.register(other, "magpie")
    record(other, "OTHER-PERSON-m9Tr", 2)
    write_diary(other, "OTHER-DIARY-c4Nb", 2)
    answer(other, WORRY_STEP, "answer-worry-list", "OTHER-PLAN-b2Wx")

    accounts.register(client)
    shared_id = record(client, SHARED, 3)
    assert upload(client, shared_id, files.photo("JPEG"), "IMG_0042.jpg").status_code == 302
    assert upload(client, shared_id, files.wav(), "Recording 12.wav").status_code == 302
    write_diary(client, SHARED_DIARY, 3)
    record(client, "OUTSIDE-RANGE-q7Zk", 40)
    record(client, "OTHER-KIND-w3Pv", 4, category="threats")
    write_diary(client, "DIARY-OUTSIDE-h2Lx", 40)
    answer(client, WORRY_STEP, "answer-worry-list", SHARED_PLAN)
    answer(client, SLEEP_STEP, "answer-first-changes", "PLAN-NOT-TICKED-v8Qs")
    share = make_share(
        client,
        FIRST,
        TODAY,
        categories="noise",
        include_diary="yes",
        plans="calming-anxious-feelings",
    )
    answer(client, WORRY_STEP, "answer-worry-time-plan", "PLAN-OTHER-STEP-e5Jm")
    return share


def every_part_of(client: CheckingClient, share: MadeShare) -> dict[str, bytes]:
    """The share's page, and everything it links to under the share: files and the pack."""
    page = client.get(share.path)
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    addresses = {
        tag.get("href") or tag.get("src")
        for tag in soup.select("a[href], img[src]")
        if (tag.get("href") or tag.get("src") or "").startswith(share.path + "/")
    }
    found = {share.path: page.get_data()}
    for address in sorted(addresses):
        response = client.get(address)
        assert response.status_code == 200, address
        found[address] = response.get_data()
    return found


def unzipped(pack: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_every_page_and_file_of_a_share_holds_only_what_was_chosen(
    seeded: MadeShare, accounts: AccountHelper
) -> None:
    recipient = accounts.new_client()
    give_code(recipient, seeded)
    parts = every_part_of(recipient, seeded)
    pack = next(data for address, data in parts.items() if address.endswith("/pack"))
    assert len(parts) == 5  # the page, the photo, its thumbnail, the recording and the pack
    everything = {**parts, **{f"pack:{name}": data for name, data in unzipped(pack).items()}}
    for where, data in everything.items():
        for word, what in NOT_SHARED.items():
            assert word.encode() not in data, f"{what} is in {where}"
    page = page_text(recipient.get(seeded.path))
    assert SHARED in page
    assert SHARED_DIARY in page
    assert SHARED_PLAN in page
    assert SHARED.encode() in unzipped(pack)["incidents.json"]


def test_nothing_outside_the_choice_is_in_the_preview_either(
    seeded: MadeShare, client: CheckingClient
) -> None:
    client.submit(
        "/shares/new",
        share_form(
            FIRST, TODAY, categories="noise", include_diary="yes", plans="calming-anxious-feelings"
        ),
    )
    preview = client.get("/shares/new/check").get_data(as_text=True)
    assert SHARED in preview
    assert SHARED_PLAN in preview
    for word in NOT_SHARED:
        if word != "PLAN-OTHER-STEP-e5Jm":  # saved after the share, so in a preview made now
            assert word not in preview


def test_a_pack_from_a_share_checks_out_like_one_the_person_exported(
    app: Flask, seeded: MadeShare, client: CheckingClient, accounts: AccountHelper
) -> None:
    recipient = accounts.new_client()
    give_code(recipient, seeded)
    from_share = recipient.get(seeded.path + "/pack")
    assert from_share.headers["Content-Disposition"].startswith("attachment")
    exported = client.submit(
        "/incidents/pack", share_form(FIRST, TODAY, categories="noise", label=None, days=None)
    )
    signer: Signer = app.extensions[SIGNING_EXTENSION]
    shared_check = verify_pack(from_share.get_data(), signer.public_keys)
    exported_check = verify_pack(exported.get_data(), signer.public_keys)
    assert shared_check.outcome is Outcome.UNCHANGED
    assert exported_check.outcome is Outcome.UNCHANGED
    assert shared_check.manifest is not None
    assert exported_check.manifest is not None
    assert shared_check.manifest.incidents == exported_check.manifest.incidents
    assert {f.path for f in shared_check.manifest.files} == {
        f.path for f in exported_check.manifest.files
    }


def test_a_shared_photo_is_the_copy_without_location_the_person_sees(
    seeded: MadeShare, client: CheckingClient, accounts: AccountHelper
) -> None:
    recipient = accounts.new_client()
    give_code(recipient, seeded)
    shared = recipient.get(f"{seeded.path}/files/file-1")
    assert shared.mimetype == "image/jpeg"
    html = client.get("/incidents").get_data(as_text=True)
    file_id = re.search(r"/incidents/files/([0-9a-f-]{36})/thumbnail", html)
    assert file_id
    own_copy = client.get(f"/incidents/files/{file_id.group(1)}")
    assert shared.get_data() == own_copy.get_data()
    assert shared.get_data() != files.photo("JPEG")  # the phone's details are gone


def test_a_file_not_in_the_share_is_not_found(seeded: MadeShare, accounts: AccountHelper) -> None:
    recipient = accounts.new_client()
    give_code(recipient, seeded)
    for part in ("records", "file-9", "thumbnail-9", "../records"):
        assert recipient.get(f"{seeded.path}/files/{part}").status_code == 404


def test_the_token_of_a_share_never_reaches_the_request_log(
    app: Flask, seeded: MadeShare, caplog: pytest.LogCaptureFixture
) -> None:
    visitor = HttpVisitor()
    with caplog.at_level(logging.INFO, logger="werkzeug"), live_server(app) as base_url:
        _status, page = visitor.request(base_url + seeded.path)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, page[:500]
        sent, _ = visitor.request(
            base_url + seeded.path, {"csrf_token": token.group(1), "code": seeded.code}
        )
        assert sent == 302
        assert visitor.request(base_url + seeded.path)[0] == 200
        assert visitor.request(base_url + seeded.path + "/files/file-99")[0] == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert sum("/shared/…" in line for line in lines) == 4, lines
    assert not any(seeded.token in line for line in lines)


def test_gunicorn_access_lines_of_a_share_lose_the_token(
    database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    settings = {
        "PORTAL_ENV": "development",
        "PORTAL_SECRET_KEY": "k" * 48,
        "PORTAL_DATA_KEYS": new_data_keys_entry("logs"),
        "PORTAL_SIGNING_KEY": new_signing_key(),
        "PORTAL_DATABASE_URL": database_urls.main,
        "PORTAL_KEYSTORE_URL": database_urls.keystore,
        "PORTAL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    token = "abcDEF123_-xyz" * 3
    log_path = tmp_path / "access.log"
    with (
        log_path.open("wb") as access_log,
        gunicorn_server(settings, access_log=access_log) as site,
    ):
        visitor = HttpVisitor()
        visitor.request(f"{site}/shared/{token}")
        visitor.request(f"{site}/shared/{token}/pack")
    logged = log_path.read_text()
    assert logged.count('"GET /shared/… HTTP/1.1"') == 2, logged
    assert token not in logged
