"""The evidence pack (portal.incidents.pack): one signed ZIP that an officer can read, print,
open in a spreadsheet, and check with sha256sum and openssl."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal.incidents.content import IncidentContent
from portal.incidents.pack import (
    PackSite,
    StoredFileChanged,
    checking_commands,
    pack_filename,
    spreadsheet_safe,
    write_evidence_pack,
)
from portal.incidents.pack_input import EvidencePackInput
from portal.incidents.pack_manifest import Manifest
from portal.incidents.pdf_layout import PLACEHOLDER, bundled_glyphs
from portal.incidents.signing import Signer, new_signing_key
from tests.support.environment import unavailable
from tests.support.evidence import (
    COUNCIL_REFERENCE,
    POLICE_REFERENCE,
    POLISH,
    packed,
    sample_pack,
)

SITE = PackSite("https://support.example.org", 12)
DOCUMENTS = {
    "evidence.pdf",
    "evidence.html",
    "incidents.csv",
    "incidents.json",
    "public-key.pem",
    "HOW-TO-CHECK.txt",
    "SHA256SUMS",
    "manifest.json",
    "manifest.sig",
}


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.from_setting(new_signing_key())


@pytest.fixture(scope="module")
def pack_input() -> EvidencePackInput:
    return sample_pack()


@pytest.fixture(scope="module")
def pack_zip(pack_input: EvidencePackInput, signer: Signer) -> bytes:
    return packed(pack_input, signer, SITE)


@pytest.fixture(scope="module")
def archive(pack_zip: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(pack_zip))


@pytest.fixture
def unzipped(pack_zip: bytes, tmp_path: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(pack_zip)) as archive:
        archive.extractall(tmp_path)
    return tmp_path


def run(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """A command from HOW-TO-CHECK.txt, exactly as an officer types it."""
    return subprocess.run(
        ["bash", "-c", command], cwd=folder, capture_output=True, text=True, check=False
    )


def text_of_pdf(archive: zipfile.ZipFile) -> str:
    reader = PdfReader(io.BytesIO(archive.read("evidence.pdf")))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pack_holds_each_copy_the_originals_and_the_signature(
    archive: zipfile.ZipFile,
) -> None:
    names = set(archive.namelist())
    originals = {name for name in names if name.startswith("files/")}
    assert names - originals == DOCUMENTS
    # files/<incident number>-<file id>-<name made safe>
    assert sorted((name[:11], name[19:]) for name in originals) == [
        ("files/0001-", "-IMG_2001.jpg"),
        ("files/0001-", "-Recording-3-March.m4a"),
        ("files/0003-", "-council-letter.pdf"),
    ]


def test_the_zip_is_named_only_by_the_london_date_of_its_export() -> None:
    assert pack_filename(datetime(2026, 11, 29, 23, 30, tzinfo=UTC)) == "records-2026-11-29.zip"
    assert pack_filename(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "records-2026-07-01.zip"


def test_the_pdf_parses_back_with_every_incident_version_and_reference(
    archive: zipfile.ZipFile,
) -> None:
    text = text_of_pdf(archive)
    for heading in (
        "Incident 1: Noise",
        "Incident 2: Verbal abuse or harassment",
        "Incident 3: Noise",
        "Incident 4: Damage to property or vandalism",
    ):
        assert heading in text
    assert POLICE_REFERENCE in text
    assert COUNCIL_REFERENCE in text
    assert "Zażółć gęślą jaźń" in text
    # The amended incident shows both versions: what it said, and what it says now.
    assert "Was: Flat 2, Elm Court" in text
    assert "Became: Flat 12, Elm Court" in text
    # When the site recorded it, beside when it happened, and which notes were made at the time.
    assert "10:40pm, Tuesday 3 March 2026 (within an hour of it starting)" in text
    assert "9am, Sunday 15 March 2026 (11 days after it started)" in text
    assert "At the time" in text
    assert "Later" in text
    assert "Checking this record" in text


def test_the_pdf_has_a_bookmark_for_each_incident(archive: zipfile.ZipFile) -> None:
    reader = PdfReader(io.BytesIO(archive.read("evidence.pdf")))
    titles = []
    for item in reader.outline:
        for entry in item if isinstance(item, list) else [item]:
            titles.append(entry.title)
    assert "Incident 1 (Tuesday 3 March 2026)" in titles
    assert "Incident 4 (Monday 1 June 2026)" in titles
    assert "Timeline" in titles


def test_urdu_is_printed_with_the_bundled_arabic_font(archive: zipfile.ZipFile) -> None:
    reader = PdfReader(io.BytesIO(archive.read("evidence.pdf")))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoNaskhArabic" in name for name in fonts)
    assert any("DejaVuSans" in name for name in fonts)


def test_emoji_the_fonts_lack_print_as_a_placeholder(archive: zipfile.ZipFile) -> None:
    assert f"He left this on my door 😡{PLACEHOLDER}{PLACEHOLDER} and laughed" in text_of_pdf(
        archive
    )


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("a fire 🔥 here", f"a fire {PLACEHOLDER} here"),
        ("a firefighter 👩🏽‍🚒 here", f"a firefighter {PLACEHOLDER} here"),
        ("a flag 🏴󠁧󠁢󠁷󠁬󠁳󠁿", f"a flag {PLACEHOLDER}"),
        (POLISH, POLISH),
        ("یہ بہت پریشان کن تھا۔", "یہ بہت پریشان کن تھا۔"),
        ("tab\tand\r\nbell\x07", "tab    and\nbell"),
    ],
)
def test_text_is_made_printable_without_losing_what_the_fonts_hold(
    typed: str, printed: str
) -> None:
    assert bundled_glyphs().printable(typed) == printed


def test_the_html_copy_is_self_contained_and_holds_the_exact_text(
    archive: zipfile.ZipFile,
) -> None:
    html = archive.read("evidence.html").decode()
    assert "<script" not in html
    assert "http://" not in html.replace("http://evil.example", "")
    assert "data:image/jpeg;base64," in html
    assert "👩🏽‍🚒" in html
    assert POLISH.replace("„", "„") in html
    assert "&#34;http://evil.example&#34;" in html  # escaped, never markup


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-1 neighbour", "'-1 neighbour"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("Flat 2, Elm Court", "Flat 2, Elm Court"),
        ("a = b", "a = b"),
        ("", ""),
    ],
)
def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text(
    cell: str, written: str
) -> None:
    assert spreadsheet_safe(cell) == written


def test_the_csv_has_a_row_for_each_version_with_formulas_guarded(
    archive: zipfile.ZipFile,
) -> None:
    rows = list(csv.DictReader(io.StringIO(archive.read("incidents.csv").decode("utf-8-sig"))))
    assert [(row["Incident"], row["Version"], row["Current version"]) for row in rows] == [
        ("1", "1", "No"),
        ("1", "2", "Yes"),
        ("2", "1", "Yes"),
        ("3", "1", "Yes"),
        ("4", "1", "Yes"),
    ]
    assert rows[0]["Where it happened"] == "Flat 2, Elm Court"
    assert rows[1]["Where it happened"] == "Flat 12, Elm Court"
    assert rows[0]["Recorded by the site (London time)"] == "2026-03-03 22:40"
    assert rows[0]["Made"] == "At the time"
    assert rows[4]["Who was involved"] == "'-1 neighbour +2 friends @the pub"
    assert rows[2]["What happened"] == POLISH


def test_the_json_copy_reads_back_as_every_version_of_every_incident(
    archive: zipfile.ZipFile, pack_input: EvidencePackInput
) -> None:
    document = json.loads(archive.read("incidents.json"))
    pack = pack_input
    assert [entry["number"] for entry in document["incidents"]] == [1, 2, 3, 4]
    for entry, incident in zip(document["incidents"], pack.incidents, strict=True):
        assert entry["id"] == str(incident.id)
        for saved, revision in zip(entry["revisions"], incident.revisions, strict=True):
            assert IncidentContent.from_payload(saved["content"]) == revision.content
            assert datetime.fromisoformat(saved["recorded_at"]) == revision.recorded_at
            assert tuple(saved["changed_fields"]) == revision.changed_fields
        assert [item["sha256"] for item in entry["files"]] == [
            item.sha256 for item in incident.files
        ]
    assert document["chain"]["head_hash"] == pack.chain.head_hash


def test_the_manifest_covers_every_file_with_its_size_and_fingerprint(
    archive: zipfile.ZipFile, signer: Signer
) -> None:
    manifest = Manifest.from_bytes(archive.read("manifest.json"))
    listed = {item.path: item for item in manifest.files}
    assert set(listed) == set(archive.namelist()) - {"manifest.json", "manifest.sig"}
    for path, item in listed.items():
        content = archive.read(path)
        assert item.size == len(content)
        assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert manifest.key_fingerprint == signer.fingerprint
    assert manifest.chain["head_hash"] == "ab" * 32
    assert manifest.exported_at == sample_pack().exported_at
    assert [incident.number for incident in manifest.incidents] == [1, 2, 3, 4]
    originals = [item for item in manifest.files if item.incident is not None]
    assert {(item.incident, item.kind) for item in originals} == {
        (1, "photo"),
        (1, "sound"),
        (3, "document"),
    }


def test_the_signature_is_the_raw_ed25519_signature_of_the_manifest(
    archive: zipfile.ZipFile, signer: Signer
) -> None:
    signer.public_key.verify(archive.read("manifest.sig"), archive.read("manifest.json"))
    assert archive.read("public-key.pem") == signer.public_key_pem


def test_how_to_check_gives_the_exact_commands_and_the_upload_limit(
    archive: zipfile.ZipFile,
) -> None:
    instructions = archive.read("HOW-TO-CHECK.txt").decode()
    for command in checking_commands(SITE):
        assert f"     {command}\n" in instructions
    assert "https://support.example.org/verify\n" in instructions
    assert "up to 12 MB" in instructions


def test_openssl_verifies_the_manifest_with_the_command_in_how_to_check(
    unzipped: Path, signer: Signer
) -> None:
    if shutil.which("openssl") is None:
        unavailable("checking a pack with openssl needs openssl")
    (unzipped / "site-key.pem").write_bytes(signer.public_key_pem)  # as curl would fetch it
    verify = next(c for c in checking_commands(SITE) if c.startswith("openssl"))
    checked = run(verify, unzipped)
    assert checked.returncode == 0, checked.stderr
    assert "Signature Verified Successfully" in checked.stdout

    manifest = unzipped / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"length": 9', b'"length": 8'))
    refused = run(verify, unzipped)
    assert refused.returncode != 0
    assert "Signature Verification Failure" in refused.stdout + refused.stderr


def test_the_key_fingerprint_command_gives_the_published_fingerprint(
    unzipped: Path, signer: Signer
) -> None:
    if shutil.which("openssl") is None:
        unavailable("checking a pack with openssl needs openssl")
    checked = run(
        "openssl pkey -pubin -in public-key.pem -outform DER | tail -c 32 | sha256sum", unzipped
    )
    assert checked.stdout.split()[0] == signer.fingerprint


def test_sha256sum_checks_every_file_and_the_manifest_vouches_for_the_list(
    unzipped: Path,
) -> None:
    if shutil.which("sha256sum") is None:
        unavailable("checking a pack's files needs sha256sum")
    sums, vouched = checking_commands(SITE)[-2:]
    checked = run(sums, unzipped)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.count(": OK") == len((unzipped / "SHA256SUMS").read_text().splitlines())
    assert run(vouched, unzipped).returncode == 0

    (unzipped / "incidents.csv").write_text("Incident\n1\n")
    assert run(sums, unzipped).returncode != 0


def test_without_the_originals_the_files_are_listed_but_not_included(signer: Signer) -> None:
    pack_zip = packed(sample_pack(include_files=False), signer)
    with zipfile.ZipFile(io.BytesIO(pack_zip)) as archive:
        assert set(archive.namelist()) == DOCUMENTS
        document = json.loads(archive.read("incidents.json"))
        files = document["incidents"][0]["files"]
        instructions = archive.read("HOW-TO-CHECK.txt").decode()
    assert [item["path"] for item in files] == [None, None]
    assert [item["original_name"] for item in files] == ["IMG_2001.jpg", "Recording 3 March.m4a"]
    assert 'on the site\'s "Check an evidence pack" page' in instructions


def test_an_original_that_no_longer_matches_its_fingerprint_stops_the_pack(
    signer: Signer,
) -> None:
    pack = sample_pack()
    noise = pack.incidents[0]
    photo = replace(noise.files[0], read_original=lambda: b"not the photo that was added")
    spoiled = replace(pack, incidents=(replace(noise, files=(photo,)), *pack.incidents[1:]))
    with pytest.raises(StoredFileChanged) as stopped:
        write_evidence_pack(spoiled, signer, io.BytesIO())
    assert stopped.value.incident.number == 1


def test_a_pack_with_no_incidents_still_prints_and_signs(signer: Signer) -> None:
    pack = replace(sample_pack(), incidents=())
    with zipfile.ZipFile(io.BytesIO(packed(pack, signer))) as archive:
        assert "There are no incidents in this range." in text_of_pdf(archive)
        assert Manifest.from_bytes(archive.read("manifest.json")).incidents == ()
