"""Checking an evidence pack (portal.incidents.verify): an unchanged pack is confirmed; any
change is refused and named, by incident where it touches one; tricks in the ZIP get nowhere."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from portal.incidents.pack_manifest import Manifest
from portal.incidents.signing import Signer, new_signing_key
from portal.incidents.verify import (
    MAX_ENTRIES,
    NO_MANIFEST,
    NOT_A_ZIP,
    NOT_SIGNED,
    TOO_MANY_FILES,
    Outcome,
    PackCheck,
    verify_pack,
)
from tests.support.evidence import packed, rezipped, sample_pack

NOISE = "incident 1 (Tuesday 3 March 2026)"
URDU = "incident 3 (Wednesday 20 May 2026)"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.from_setting(new_signing_key())


@pytest.fixture(scope="module")
def pack_zip(signer: Signer) -> bytes:
    return packed(sample_pack(), signer)


def read(pack_zip: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(pack_zip)) as archive:
        return archive.read(name)


def original(pack_zip: bytes, ending: str) -> str:
    with zipfile.ZipFile(io.BytesIO(pack_zip)) as archive:
        return next(name for name in archive.namelist() if name.endswith(ending))


def checked(pack: bytes, signer: Signer) -> PackCheck:
    return verify_pack(pack, signer.public_keys)


def messages(check: PackCheck) -> list[str]:
    return [difference.message for difference in check.differences]


def test_an_unchanged_pack_is_confirmed_with_what_it_covers(
    pack_zip: bytes, signer: Signer
) -> None:
    check = checked(pack_zip, signer)
    assert check.outcome is Outcome.UNCHANGED
    assert check.unchanged
    assert check.differences == ()
    assert check.manifest is not None
    assert len(check.manifest.incidents) == 4


def test_a_changed_photo_names_its_incident(pack_zip: bytes, signer: Signer) -> None:
    photo = original(pack_zip, "-IMG_2001.jpg")
    check = checked(rezipped(pack_zip, {photo: b"a different photo"}), signer)
    assert check.outcome is Outcome.CHANGED
    assert messages(check) == [
        f"The photo from {NOISE}, {photo}, is not the file that was exported."
    ]
    assert check.differences[0].incident == 1


def test_a_removed_sound_file_names_its_incident(pack_zip: bytes, signer: Signer) -> None:
    sound = original(pack_zip, ".m4a")
    check = checked(rezipped(pack_zip, {sound: None}), signer)
    assert messages(check) == [f"The sound recording from {NOISE}, {sound}, is missing."]


def test_a_changed_csv_names_the_incident_whose_rows_changed(
    pack_zip: bytes, signer: Signer
) -> None:
    spreadsheet = read(pack_zip, "incidents.csv").replace(b"Flat 12", b"Flat 21")
    check = checked(rezipped(pack_zip, {"incidents.csv": spreadsheet}), signer)
    assert messages(check) == [
        "The spreadsheet (incidents.csv) is not the file that was exported.",
        f"In incidents.csv, {NOISE} has been changed.",
    ]


def test_a_changed_json_names_the_incident_whose_record_changed(
    pack_zip: bytes, signer: Signer
) -> None:
    document = json.loads(read(pack_zip, "incidents.json"))
    document["incidents"][2]["revisions"][0]["content"]["what_happened"] = "Nothing happened."
    del document["incidents"][3]
    changed = json.dumps(document).encode()
    check = checked(rezipped(pack_zip, {"incidents.json": changed}), signer)
    assert messages(check) == [
        "The data file (incidents.json) is not the file that was exported.",
        f"In incidents.json, {URDU} has been changed.",
        "In incidents.json, incident 4 (Monday 1 June 2026) is missing.",
    ]


def test_a_json_file_only_laid_out_differently_is_said_to_hold_the_same_incidents(
    pack_zip: bytes, signer: Signer
) -> None:
    relaid = json.dumps(json.loads(read(pack_zip, "incidents.json")), indent=8).encode()
    check = checked(rezipped(pack_zip, {"incidents.json": relaid}), signer)
    assert check.outcome is Outcome.CHANGED
    assert messages(check)[-1] == (
        "In incidents.json, every incident is as exported; the rest of it differs."
    )


def test_a_removed_document_is_named(pack_zip: bytes, signer: Signer) -> None:
    check = checked(rezipped(pack_zip, {"evidence.pdf": None}), signer)
    assert messages(check) == ["The printable copy (evidence.pdf) is missing."]


def test_an_added_file_is_named(pack_zip: bytes, signer: Signer) -> None:
    check = checked(rezipped(pack_zip, {"files/0002-extra-photo.jpg": b"extra"}), signer)
    assert messages(check) == [
        "A file has been added that was not in the pack: files/0002-extra-photo.jpg."
    ]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"manifest.json": b'{"format": "records-pack/1"}'}, id="manifest replaced"),
        pytest.param({"manifest.sig": bytes(64)}, id="signature replaced"),
        pytest.param({"manifest.sig": None}, id="signature removed"),
    ],
)
def test_a_pack_whose_signature_does_not_hold_is_refused_whole(
    pack_zip: bytes, signer: Signer, changes: dict[str, bytes | None]
) -> None:
    check = checked(rezipped(pack_zip, changes), signer)
    assert check.outcome is Outcome.NOT_SIGNED
    assert messages(check) == [NOT_SIGNED]
    assert check.manifest is None


def test_a_manifest_edited_to_match_a_changed_file_is_refused(
    pack_zip: bytes, signer: Signer
) -> None:
    photo = original(pack_zip, "-IMG_2001.jpg")
    manifest = read(pack_zip, "manifest.json")
    real = Manifest.from_bytes(manifest)
    old_hash = next(item.sha256 for item in real.files if item.path == photo)
    forged_photo = b"a different photo"
    forged = manifest.replace(old_hash.encode(), hashlib.sha256(forged_photo).hexdigest().encode())
    check = checked(rezipped(pack_zip, {photo: forged_photo, "manifest.json": forged}), signer)
    assert check.outcome is Outcome.NOT_SIGNED


def test_a_pack_re_signed_with_another_key_is_refused(pack_zip: bytes, signer: Signer) -> None:
    """Someone who changes a pack and signs it with a key of their own, putting that key in the
    pack too, still fails: the check uses the site's key, never the pack's copy."""
    forger = Signer.from_setting(new_signing_key())
    manifest = read(pack_zip, "manifest.json").replace(b'"length": 9', b'"length": 90')
    forged = rezipped(
        pack_zip,
        {
            "manifest.json": manifest,
            "manifest.sig": forger.sign(manifest),
            "public-key.pem": forger.public_key_pem,
        },
    )
    assert checked(forged, signer).outcome is Outcome.NOT_SIGNED
    assert checked(forged, forger).outcome is Outcome.CHANGED  # its own key, its own lie


def test_a_pack_from_another_site_is_refused(pack_zip: bytes) -> None:
    other_site = Signer.from_setting(new_signing_key())
    assert checked(pack_zip, other_site).outcome is Outcome.NOT_SIGNED


@pytest.mark.parametrize(
    ("upload", "problem"),
    [
        pytest.param(b"PK\x03\x04 but not really a zip", NOT_A_ZIP, id="not a zip"),
        pytest.param(b"", NOT_A_ZIP, id="empty"),
        pytest.param(None, NO_MANIFEST, id="a zip without a manifest"),
    ],
)
def test_what_is_not_a_pack_is_refused_with_a_reason(
    upload: bytes | None, problem: str, signer: Signer
) -> None:
    if upload is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("holiday.jpg", b"photo")
        upload = buffer.getvalue()
    check = checked(upload, signer)
    assert check.outcome is Outcome.UNREADABLE
    assert check.problem == problem


@pytest.mark.parametrize("name", ["../../etc/cron.d/evil", "/etc/passwd", "files\\..\\evil.bat"])
def test_names_that_climb_out_of_the_pack_are_refused_and_never_opened(
    pack_zip: bytes, signer: Signer, name: str
) -> None:
    check = checked(rezipped(pack_zip, {name: b"evil"}), signer)
    assert check.outcome is Outcome.CHANGED
    assert messages(check) == [
        f"A file with a name that points outside the pack ({name}) has been added. "
        "It was not opened."
    ]


def test_two_files_with_one_name_are_refused(pack_zip: bytes, signer: Signer) -> None:
    buffer = io.BytesIO(pack_zip)
    buffer.seek(0, io.SEEK_END)
    with (
        pytest.warns(UserWarning, match="Duplicate name"),
        zipfile.ZipFile(buffer, "a") as archive,
    ):
        archive.writestr("incidents.csv", b"Incident\n")
    check = checked(buffer.getvalue(), signer)
    assert "The pack holds two files called incidents.csv." in messages(check)


class CountingReader(io.BytesIO):
    """A ZIP in memory that counts how much of it is read."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_a_zip_bomb_in_place_of_a_file_is_read_no_further_than_the_manifest_says(
    pack_zip: bytes, signer: Signer
) -> None:
    """200 MB of zeros squeezed into a few hundred kilobytes, named as the PDF: the check stops
    one byte past the PDF's real size instead of unpacking it all, so most of the ZIP is never
    read."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(pack_zip)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for info in source.infolist():
            if info.filename != "evidence.pdf":
                bomb.writestr(info, source.read(info))
        with bomb.open("evidence.pdf", "w", force_zip64=True) as entry:
            for _ in range(200):
                entry.write(bytes(1024 * 1024))
    bomb_zip = buffer.getvalue()
    assert len(bomb_zip) < 2 * 1024 * 1024
    source = CountingReader(bomb_zip)
    check = verify_pack(source, signer.public_keys)
    assert messages(check) == [
        "The printable copy (evidence.pdf) is not the file that was exported."
    ]
    assert source.bytes_read < len(bomb_zip) / 2


def test_a_zip_of_more_files_than_any_pack_is_refused(signer: Signer) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(MAX_ENTRIES + 1):
            archive.writestr(f"{number}", b"")
    check = checked(buffer.getvalue(), signer)
    assert check.problem == TOO_MANY_FILES


def test_a_pack_unzipped_and_zipped_again_in_its_folder_still_checks(
    pack_zip: bytes, signer: Signer
) -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(pack_zip)) as source,
        zipfile.ZipFile(buffer, "w") as again,
    ):
        again.writestr("records-2026-11-29/", b"")
        again.writestr("records-2026-11-29/files/", b"")
        for info in source.infolist():
            again.writestr(f"records-2026-11-29/{info.filename}", source.read(info))
    assert checked(buffer.getvalue(), signer).outcome is Outcome.UNCHANGED
