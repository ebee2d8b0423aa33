"""The evidence pack benchmark: 1,000 incidents over a year, 200 photos of 2 to 3 MB and 20 sound
files, made into one signed ZIP (portal.incidents.pack), timed and its peak memory measured.

The photos and sound files are made once, from a fixed seed, into bench/results/pack-media/ and
kept for later runs. The pack is built in a child process (`python -m bench.pack FOLDER`), so its
peak resident memory (VmHWM) is the whole cost of making a pack: Python, the libraries, the
PDF and the ZIP, as a web worker would pay it. Then the pack is checked with
portal.incidents.verify, read from disk as the ZIP it is.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from PIL import Image

from bench.diary_data import entry_notes
from bench.harness import BenchDatabases, peak_resident_mib
from bench.report import Report
from portal.incidents.content import Agency, Category, IncidentContent
from portal.incidents.content import Report as AgencyReport
from portal.incidents.pack import write_evidence_pack
from portal.incidents.pack_input import (
    ChainHead,
    EvidencePackInput,
    FileKind,
    PackFile,
    PackIncident,
    PackRequest,
    PackRevision,
)
from portal.incidents.signing import Signer, new_signing_key
from portal.incidents.verify import verify_pack

SEED = 20_261_129
INCIDENTS = 1000
PHOTOS = 200
SOUNDS = 20
SOUND_BYTES = 4 * 1024 * 1024  # a few minutes of AAC from a phone
PHOTO_SIZE = (4000, 3000)  # a 12-megapixel phone photo
THUMBNAIL_SIZE = (320, 320)
TIME_TARGET_SECONDS = 10
MEMORY_TARGET_MB = 300
MEDIA = Path(__file__).resolve().parent / "results" / "pack-media"
ROOT = Path(__file__).resolve().parent.parent
POLISH = "Sąsiad znowu krzyczał na klatce schodowej, „Zażółć gęślą jaźń”. Dzieci się bały."
URDU = "پڑوسی رات بھر اونچی آواز میں موسیقی بجاتا رہا۔ یہ بہت پریشان کن تھا۔"
PLACES = ["Flat 12, Elm Court", "The car park behind the shops", "Stairwell, block B", "My garden"]


# Media, made once -------------------------------------------------------------------------------


def make_media(folder: Path = MEDIA) -> dict[str, dict[str, object]]:
    """The photos (with thumbnails) and sound files, with their sizes and SHA-256s, made if
    they are not there yet; an index of them is kept beside them."""
    index_file = folder / "index.json"
    if index_file.exists():
        return json.loads(index_file.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    index: dict[str, dict[str, object]] = {}
    for number in range(PHOTOS):
        scale = rng.choice([8, 9, 10, 11, 12])
        width, height = PHOTO_SIZE[0] // scale, PHOTO_SIZE[1] // scale
        noise = Image.frombytes("RGB", (width, height), rng.randbytes(3 * width * height))
        photo = noise.resize(PHOTO_SIZE, Image.Resampling.BICUBIC)
        buffer = io.BytesIO()
        photo.save(buffer, "JPEG", quality=80)
        photo.thumbnail(THUMBNAIL_SIZE)
        thumbnail = io.BytesIO()
        photo.save(thumbnail, "JPEG", quality=75)
        name = f"IMG_{4000 + number}.jpg"
        (folder / name).write_bytes(buffer.getvalue())
        (folder / f"{name}.thumbnail").write_bytes(thumbnail.getvalue())
        index[name] = _facts(buffer.getvalue(), "photo")
    for number in range(SOUNDS):
        content = b"\x00\x00\x00\x18ftypM4A " + rng.randbytes(SOUND_BYTES)
        name = f"Recording {number + 1}.m4a"
        (folder / name).write_bytes(content)
        index[name] = _facts(content, "sound")
    index_file.write_text(json.dumps(index, indent=1))
    return index


def _facts(content: bytes, kind: str) -> dict[str, object]:
    return {"kind": kind, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}


# The pack's input, as the incident log would hand it over ---------------------------------------


def pack_input(folder: Path = MEDIA) -> EvidencePackInput:
    """1,000 incidents over a year, one in four amended later, one in five reported with a
    reference number; the photos and sound files spread over them; a few in Polish and Urdu."""
    index = make_media(folder)
    rng = random.Random(SEED)
    first_day = date(2025, 12, 1)
    files = [
        PackFile(
            id=uuid.UUID(int=rng.getrandbits(128)),
            kind=FileKind(facts["kind"]),
            media_type="image/jpeg" if facts["kind"] == "photo" else "audio/mp4",
            original_name=name,
            size=int(facts["size"]),  # type: ignore[arg-type]
            sha256=str(facts["sha256"]),
            added_at=datetime(2026, 1, 1, tzinfo=UTC),
            thumbnail=(folder / f"{name}.thumbnail").read_bytes()
            if facts["kind"] == "photo"
            else None,
            read_original=(folder / name).read_bytes,
        )
        for name, facts in index.items()
    ]
    owners = rng.sample(range(INCIDENTS), len(files))
    incidents = []
    for number in range(INCIDENTS):
        day = first_day + timedelta(days=number * 365 // INCIDENTS)
        started_at = clock(rng.randrange(24), rng.choice([0, 15, 30, 45]))
        words = entry_notes(rng, mentions_search=False)
        if number % 50 == 7:
            words = f"{POLISH} {words}"
        if number % 100 == 13:
            words = URDU
        content = IncidentContent(
            what_happened=words,
            started_on=day,
            started_at=started_at,
            category=rng.choice(list(Category)),
            severity=rng.randint(1, 10),
            location=rng.choice(PLACES),
            effect=entry_notes(rng, mentions_search=False)[:200],
            reports=(
                (AgencyReport(Agency.POLICE, day + timedelta(days=1), f"CAD {number:04d}/26"),)
                if number % 5 == 0
                else ()
            ),
        )
        recorded = datetime.combine(day, started_at, UTC) + timedelta(minutes=rng.randint(5, 600))
        revisions = [PackRevision(1, recorded, content, ())]
        if number % 4 == 0:
            amended = replace(content, witnesses="The neighbour at number 14 saw it too.")
            revisions.append(
                PackRevision(
                    2, recorded + timedelta(days=3), amended, amended.changed_fields(content)
                )
            )
        incidents.append(
            PackIncident(
                id=uuid.UUID(int=rng.getrandbits(128)),
                revisions=tuple(revisions),
                files=tuple(f for f, owner in zip(files, owners, strict=True) if owner == number),
            )
        )
    return EvidencePackInput(
        request=PackRequest(first_day, first_day + timedelta(days=364), frozenset()),
        incidents=tuple(incidents),
        chain=ChainHead(2 * INCIDENTS, "ab" * 32, True, datetime(2026, 11, 1, tzinfo=UTC), "sig"),
        exported_at=datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
    )


def build_in_this_process(folder: Path, out: Path) -> dict[str, float]:
    """Make the pack into `out`; the seconds it took and this process's peak memory."""
    pack = pack_input(folder)
    signer = Signer.from_setting(new_signing_key())
    started = time.perf_counter()
    with out.open("wb") as target:
        write_evidence_pack(pack, signer, target)
    seconds = time.perf_counter() - started
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the process that started this one
    # (here the benchmark, with thousands of incidents loaded), so it measured the parent too.
    peak_mb = peak_resident_mib(os.getpid()) * 1024 * 1024 / 1000 / 1000
    started = time.perf_counter()
    with out.open("rb") as packed:
        check = verify_pack(packed, signer.public_keys)
    return {
        "seconds": seconds,
        "peak_mb": peak_mb,
        "zip_mib": out.stat().st_size / 1024 / 1024,
        "verify_seconds": time.perf_counter() - started,
        "unchanged": float(check.unchanged),
    }


# The section ------------------------------------------------------------------------------------


def evidence_pack(databases: Sequence[BenchDatabases]) -> Report:
    """Time and peak memory of one pack of 1,000 incidents, 200 photos and 20 sound files."""
    report = Report("Evidence pack")
    index = make_media()
    media_mib = sum(int(facts["size"]) for facts in index.values()) / 1024 / 1024  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        output = subprocess.run(
            [sys.executable, "-m", "bench.pack", str(MEDIA), str(Path(folder) / "pack.zip")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONWARNINGS": "error"},
        ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    report.lines += [
        f"{INCIDENTS:,} incidents over a year (a quarter amended once, a fifth with a police",
        f"reference), {PHOTOS} photos of 2 to 3 MB (12 megapixels) with thumbnails and {SOUNDS}",
        f"sound files of 4 MB: {media_mib:.0f} MiB of originals. The time is that of",
        "`write_evidence_pack` writing the ZIP to a file, each original read from disk in its",
        "turn. It runs in a fresh Python process, whose peak resident memory (VmHWM) counts",
        "everything: the interpreter, fpdf2 and the fonts, the PDF of every incident, the ZIP.",
        "",
        "| time to make it | peak memory | ZIP | time to check it |",
        "| --- | --- | --- | --- |",
        f"| {figures['seconds']:.1f} s | {figures['peak_mb']:.0f} MB | "
        f"{figures['zip_mib']:.0f} MiB | {figures['verify_seconds']:.1f} s |",
    ]
    report.check(
        f"pack made in ≤ {TIME_TARGET_SECONDS} s ({figures['seconds']:.1f} s)",
        figures["seconds"] <= TIME_TARGET_SECONDS,
    )
    report.check(
        f"peak memory ≤ {MEMORY_TARGET_MB} MB ({figures['peak_mb']:.0f} MB)",
        figures["peak_mb"] <= MEMORY_TARGET_MB,
    )
    report.check("the pack checks as unchanged", figures["unchanged"] == 1.0)
    return report


if __name__ == "__main__":
    print(json.dumps(build_in_this_process(Path(sys.argv[1]), Path(sys.argv[2]))))
