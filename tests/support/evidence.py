"""Evidence packs made by hand, without a database: incidents in several languages, an amended
one, a photo, a sound file and a letter, as portal.incidents.pack takes them."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from datetime import UTC, date, datetime, time

from PIL import Image

from portal.incidents.content import Agency, Category, IncidentContent, Report
from portal.incidents.pack import PackSite, write_evidence_pack
from portal.incidents.pack_input import (
    ChainHead,
    EvidencePackInput,
    FileKind,
    PackFile,
    PackIncident,
    PackRequest,
    PackRevision,
)
from portal.incidents.signing import Signer

EXPORTED_AT = datetime(2026, 11, 29, 14, 2, 11, tzinfo=UTC)
POLISH = "Sąsiad krzyczał przez ścianę: „Zażółć gęślą jaźń”. Trwało to do północy."
URDU = "پڑوسی رات بھر اونچی آواز میں موسیقی بجاتا رہا۔ یہ بہت پریشان کن تھا۔"
EMOJI = "He left this on my door 😡🔥👩🏽‍🚒 and laughed"
POLICE_REFERENCE = "CAD 4471/03MAR26"
COUNCIL_REFERENCE = "ASB-2026-00912"
HOUSING_REFERENCE = '=HYPERLINK("http://evil.example")'


def jpeg(
    width: int = 640, height: int = 480, colour: tuple[int, int, int] = (90, 120, 160)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def a_file(
    kind: FileKind, name: str, media_type: str, content: bytes, thumbnail: bytes | None = None
) -> PackFile:
    return PackFile(
        id=uuid.uuid4(),
        kind=kind,
        media_type=media_type,
        original_name=name,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        added_at=datetime(2026, 3, 3, 23, 5, tzinfo=UTC),
        thumbnail=thumbnail,
        read_original=lambda: content,
    )


def minimal_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def revision(
    number: int, recorded_at: datetime, content: IncidentContent, changed: tuple[str, ...] = ()
) -> PackRevision:
    return PackRevision(number, recorded_at, content, changed)


def sample_pack(include_files: bool = True) -> EvidencePackInput:
    """Four incidents: noise reported to the police and amended later, with a photo and a sound
    file; Polish words; Urdu words with a council letter; and emoji with a formula for a
    reference number."""
    noise_first = IncidentContent(
        what_happened="Music so loud the windows shook, and banging on the wall.",
        started_on=date(2026, 3, 3),
        started_at=time(22, 15),
        ended_at=time(1, 30),
        category=Category.NOISE,
        severity=8,
        location="Flat 2, Elm Court",
        room="Bedroom",
        effect="The children could not sleep before school.",
    )
    noise_amended = IncidentContent(
        **{
            **noise_first.__dict__,
            "location": "Flat 12, Elm Court",
            "reports": (Report(Agency.POLICE, date(2026, 3, 4), POLICE_REFERENCE),),
        }
    )
    photo = jpeg()
    noise = PackIncident(
        id=uuid.uuid4(),
        revisions=(
            revision(1, datetime(2026, 3, 3, 22, 40, tzinfo=UTC), noise_first),
            revision(
                2,
                datetime(2026, 3, 15, 9, 0, tzinfo=UTC),
                noise_amended,
                noise_amended.changed_fields(noise_first),
            ),
        ),
        files=(
            a_file(FileKind.PHOTO, "IMG_2001.jpg", "image/jpeg", photo, jpeg(160, 120)),
            a_file(
                FileKind.SOUND,
                "Recording 3 March.m4a",
                "audio/mp4",
                b"\x00\x00\x00\x18ftypM4A " * 40,
            ),
        ),
    )
    polish = PackIncident(
        id=uuid.uuid4(),
        revisions=(
            revision(
                1,
                datetime(2026, 4, 9, 8, 0, tzinfo=UTC),
                IncidentContent(
                    what_happened=POLISH,
                    started_on=date(2026, 4, 2),
                    category=Category.VERBAL_ABUSE,
                    hate_motivated=True,
                    location="Klatka schodowa (the stairwell)",
                ),
            ),
        ),
        files=(),
    )
    urdu = PackIncident(
        id=uuid.uuid4(),
        revisions=(
            revision(
                1,
                datetime(2026, 5, 20, 19, 0, tzinfo=UTC),
                IncidentContent(
                    what_happened=URDU,
                    started_on=date(2026, 5, 20),
                    started_at=time(18, 30),
                    category=Category.NOISE,
                    reports=(Report(Agency.COUNCIL, date(2026, 5, 21), COUNCIL_REFERENCE),),
                ),
            ),
        ),
        files=(a_file(FileKind.DOCUMENT, "council letter.pdf", "application/pdf", minimal_pdf()),),
    )
    emoji = PackIncident(
        id=uuid.uuid4(),
        revisions=(
            revision(
                1,
                datetime(2026, 6, 1, 7, 0, tzinfo=UTC),
                IncidentContent(
                    what_happened=EMOJI,
                    started_on=date(2026, 6, 1),
                    category=Category.DAMAGE,
                    people_involved="-1 neighbour +2 friends @the pub",
                    reports=(
                        Report(Agency.HOUSING, date(2026, 6, 2), HOUSING_REFERENCE, "Elm Homes"),
                    ),
                ),
            ),
        ),
        files=(),
    )
    return EvidencePackInput(
        request=PackRequest(date(2026, 3, 1), date(2026, 11, 29), frozenset(), include_files),
        incidents=(noise, polish, urdu, emoji),
        chain=ChainHead(
            length=9,
            head_hash="ab" * 32,
            verified=True,
            checkpoint_at=datetime(2026, 11, 29, 3, 0, tzinfo=UTC),
            checkpoint_signature="c2lnbmF0dXJl",
        ),
        exported_at=EXPORTED_AT,
    )


def packed(pack: EvidencePackInput, signer: Signer, site: PackSite | None = None) -> bytes:
    """The signed ZIP of a pack, in memory."""
    buffer = io.BytesIO()
    write_evidence_pack(pack, signer, buffer, site)
    return buffer.getvalue()


def rezipped(original: bytes, changes: dict[str, bytes | None]) -> bytes:
    """A copy of a ZIP with some files replaced (bytes), removed (None) or added."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename in changes:
                replacement = changes[info.filename]
                if replacement is not None:
                    target.writestr(info.filename, replacement)
            else:
                target.writestr(info, source.read(info))
        for name, content in changes.items():
            if name not in source.namelist() and content is not None:
                target.writestr(name, content)
    return buffer.getvalue()
