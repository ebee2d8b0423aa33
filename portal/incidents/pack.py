"""The signed evidence pack: one ZIP file holding the incidents chosen, ready to hand to a police
officer or housing officer, who can check that nothing in it was changed after export.

Inside: evidence.pdf (to print), evidence.html (the same, to read in a browser), incidents.csv
(for a spreadsheet, guarded against formula injection) and incidents.json (every version of
every incident, as data), the original files under files/, public-key.pem, HOW-TO-CHECK.txt,
SHA256SUMS (for `sha256sum -c`), manifest.json (portal.incidents.pack_manifest) and manifest.sig,
the site's raw Ed25519 signature of manifest.json's exact bytes.

The ZIP is written as a stream, one file at a time, and each original is read only when its
turn comes, so memory stays flat however many photos there are. Its name says nothing about
what it holds (`records-2026-11-29.zip`), like the data download's.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from portal.account.export import PRIVATE_FILE
from portal.dates import LONDON, TEMPLATE_FILTERS
from portal.incidents import pack_facts
from portal.incidents.content import FIELD_LABELS
from portal.incidents.pack_facts import NumberedIncident, numbered_incidents
from portal.incidents.pack_input import EvidencePackInput, PackFile
from portal.incidents.pack_manifest import (
    CSV_NAME,
    HOW_TO_CHECK_NAME,
    HTML_NAME,
    JSON_NAME,
    MANIFEST_NAME,
    PDF_NAME,
    PUBLIC_KEY_NAME,
    SIGNATURE_NAME,
    SUMS_NAME,
    Manifest,
    ManifestFile,
    ManifestIncident,
    digest_of,
)
from portal.incidents.pack_pdf import CheckingFacts, render_pdf
from portal.incidents.signing import Signer

FILE_STEM = "records"
ABOUT = (
    "Incident records exported from Support Space: every version of each incident, as the "
    "person wrote it, with when the site recorded it. Times are in ISO 8601 with their "
    "difference from UTC; recorded_at is the site's own clock."
)
TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
# A cell a spreadsheet would read as a formula (OWASP, "CSV Injection") gets a ' in front.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = (
    "Incident",
    "Version",
    "Current version",
    "Recorded by the site (London time)",
    "Made",
    "What changed",
    *(FIELD_LABELS[name] for name in pack_facts.CONTENT_FIELDS),
    "Files",
)


class StoredFileChanged(Exception):
    """An original no longer matches the fingerprint taken when it was added, so the pack
    would vouch for something that is not what the person uploaded."""

    def __init__(self, incident: NumberedIncident, item: PackFile) -> None:
        super().__init__(f"{item.id} of incident {incident.number}")
        self.incident = incident
        self.item = item


@dataclass(frozen=True)
class PackSite:
    """Where a pack can be checked: the site's address (None when unknown) and the biggest
    upload its verify page takes."""

    base_url: str | None = None
    upload_limit_mb: int = 12

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PackSite:
        return cls(config.get("BASE_URL"), config["MAX_CONTENT_LENGTH"] // (1024 * 1024))

    @property
    def key_url(self) -> str | None:
        return f"{self.base_url}/verify/public-key.pem" if self.base_url else None

    @property
    def verify_url(self) -> str | None:
        return f"{self.base_url}/verify" if self.base_url else None


def pack_filename(exported_at: datetime) -> str:
    """'records-2026-11-29.zip': the London date of the export, and nothing else."""
    return f"{FILE_STEM}-{exported_at.astimezone(LONDON).date().isoformat()}.zip"


def write_evidence_pack(
    pack: EvidencePackInput, signer: Signer, out: IO[bytes], site: PackSite | None = None
) -> Manifest:
    """Write the signed ZIP to `out` (a file, ideally: ZIP headers are filled in by seeking
    back); returns the manifest it signed. Raises StoredFileChanged if an original is not the
    file that was added."""
    site = site or PackSite()
    incidents = numbered_incidents(pack)
    commands = checking_commands(site)
    checking = CheckingFacts(
        signer.fingerprint, site.key_url, site.verify_url, site.upload_limit_mb, commands
    )
    data_document, json_digests = incidents_json(pack, incidents)
    spreadsheet, csv_digests = incidents_csv(incidents)
    with _PackWriter(out, pack.exported_at) as writer:
        writer.add(PDF_NAME, [render_pdf(pack, incidents, checking)])
        writer.add(HTML_NAME, _encoded(render_html(pack, incidents, checking)))
        writer.add(CSV_NAME, [spreadsheet])
        writer.add(JSON_NAME, [data_document])
        if pack.request.include_files:
            for numbered in incidents:
                for item in numbered.incident.files:
                    writer.add_original(numbered, item)
        writer.add(PUBLIC_KEY_NAME, [signer.public_key_pem])
        writer.add(HOW_TO_CHECK_NAME, [how_to_check(pack, signer, site, commands).encode()])
        sums = "".join(f"{entry.sha256}  {entry.path}\n" for entry in writer.entries)
        writer.add(SUMS_NAME, [sums.encode()])
        manifest = Manifest(
            exported_at=pack.exported_at,
            first_day=pack.request.first_day,
            last_day=pack.request.last_day,
            categories=tuple(sorted(category.value for category in pack.request.categories)),
            chain=chain_json(pack),
            key_fingerprint=signer.fingerprint,
            incidents=tuple(
                ManifestIncident(
                    numbered.number,
                    numbered.started_on,
                    json_digests[numbered.number],
                    csv_digests[numbered.number],
                )
                for numbered in incidents
            ),
            files=tuple(writer.entries),
        )
        signed = manifest.to_bytes()
        writer.add(MANIFEST_NAME, [signed], listed=False)
        writer.add(SIGNATURE_NAME, [signer.sign(signed)], listed=False)
    return manifest


class _PackWriter:
    """A ZIP written one file at a time, noting each file's size and SHA-256 as it goes."""

    def __init__(self, out: IO[bytes], exported_at: datetime) -> None:
        self.archive = zipfile.ZipFile(out, "w", allowZip64=True)
        self.stamp = exported_at.astimezone(LONDON).timetuple()[:6]
        self.entries: list[ManifestFile] = []

    def __enter__(self) -> _PackWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.archive.close()

    def add(
        self,
        path: str,
        chunks: Iterable[bytes],
        *,
        compress: bool = True,
        listed: bool = True,
        size: int | None = None,
    ) -> ManifestFile:
        info = zipfile.ZipInfo(path, date_time=self.stamp)
        # Photos and sound are compressed already: storing them is as small, and much quicker.
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = PRIVATE_FILE
        if size is not None:
            info.file_size = size
        digest = hashlib.sha256()
        written = 0
        with self.archive.open(info, "w") as target:
            for chunk in chunks:
                digest.update(chunk)
                target.write(chunk)
                written += len(chunk)
        entry = ManifestFile(path, written, digest.hexdigest())
        if listed:
            self.entries.append(entry)
        return entry

    def add_original(self, numbered: NumberedIncident, item: PackFile) -> None:
        content = item.read_original()
        path = numbered.file_paths[item.id]
        entry = self.add(path, [content], compress=False, listed=False, size=len(content))
        del content
        if entry.sha256 != item.sha256:
            raise StoredFileChanged(numbered, item)
        self.entries.append(
            ManifestFile(path, entry.size, entry.sha256, numbered.number, item.kind.value)
        )


def _encoded(parts: Iterable[str]) -> Iterable[bytes]:
    buffered: list[str] = []
    length = 0
    for part in parts:
        buffered.append(part)
        length += len(part)
        if length >= 64 * 1024:
            yield "".join(buffered).encode()
            buffered, length = [], 0
    yield "".join(buffered).encode()


# incidents.json -----------------------------------------------------------------------------------


def chain_json(pack: EvidencePackInput) -> dict[str, Any]:
    chain = pack.chain
    return {
        "length": chain.length,
        "head_hash": chain.head_hash,
        "verified": chain.verified,
        "checkpoint_at": chain.checkpoint_at.isoformat() if chain.checkpoint_at else None,
        "checkpoint_signature": chain.checkpoint_signature,
    }


def incident_json(numbered: NumberedIncident) -> dict[str, Any]:
    incident = numbered.incident
    return {
        "number": numbered.number,
        "id": str(incident.id),
        "revisions": [
            {
                "number": revision.number,
                "recorded_at": revision.recorded_at.isoformat(),
                "made_at_the_time": pack_facts.made_at_the_time(
                    revision.content, revision.recorded_at
                ),
                "changed_fields": list(revision.changed_fields),
                "content": revision.content.to_payload(),
            }
            for revision in incident.revisions
        ],
        "files": [
            {
                "id": str(item.id),
                "kind": item.kind.value,
                "media_type": item.media_type,
                "original_name": item.original_name,
                "size": item.size,
                "sha256": item.sha256,
                "added_at": item.added_at.isoformat(),
                "path": numbered.file_paths.get(item.id),
            }
            for item in incident.files
        ],
    }


def incidents_json(
    pack: EvidencePackInput, incidents: Sequence[NumberedIncident]
) -> tuple[bytes, dict[int, str]]:
    """incidents.json, and the digest of each incident's entry in it for the manifest."""
    entries = [incident_json(numbered) for numbered in incidents]
    document = {
        "about": ABOUT,
        "exported_at": pack.exported_at.isoformat(),
        "first_day": pack.request.first_day.isoformat(),
        "last_day": pack.request.last_day.isoformat(),
        "categories": sorted(category.value for category in pack.request.categories),
        "files_included": pack.request.include_files,
        "chain": chain_json(pack),
        "incidents": entries,
    }
    digests = {entry["number"]: digest_of(entry) for entry in entries}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode(), digests


# incidents.csv ------------------------------------------------------------------------------------


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def incident_rows(numbered: NumberedIncident) -> list[list[str]]:
    """One row for each version of the incident, every cell made spreadsheet-safe."""
    revisions = numbered.incident.revisions
    files = "; ".join(
        numbered.file_paths.get(item.id, item.original_name) for item in numbered.incident.files
    )
    rows = []
    for revision in revisions:
        content = revision.content
        recorded = revision.recorded_at.astimezone(LONDON)
        cells = [
            str(numbered.number),
            str(revision.number),
            "Yes" if revision is revisions[-1] else "No",
            f"{recorded:%Y-%m-%d %H:%M}",
            "At the time"
            if pack_facts.made_at_the_time(content, revision.recorded_at)
            else "Later",
            pack_facts.changed_words(revision.changed_fields)
            if revision.number > 1
            else "First recorded",
            *(pack_facts.data_words(content, name) for name in pack_facts.CONTENT_FIELDS),
            files,
        ]
        rows.append([spreadsheet_safe(cell) for cell in cells])
    return rows


def incidents_csv(incidents: Sequence[NumberedIncident]) -> tuple[bytes, dict[int, str]]:
    """incidents.csv in UTF-8 with a byte order mark (so spreadsheet programs read Polish and
    Urdu right), and the digest of each incident's rows for the manifest."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    digests = {}
    for numbered in incidents:
        rows = incident_rows(numbered)
        writer.writerows(rows)
        digests[numbered.number] = digest_of(rows)
    return buffer.getvalue().encode("utf-8-sig"), digests


# evidence.html ------------------------------------------------------------------------------------


def _data_uri(image: bytes) -> str:
    kind = "png" if image.startswith(b"\x89PNG") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(image).decode('ascii')}"


_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters.update(TEMPLATE_FILTERS)
_environment.globals.update(
    facts=pack_facts, data_uri=_data_uri, field_labels=FIELD_LABELS, title="Incident records"
)


def render_html(
    pack: EvidencePackInput, incidents: Sequence[NumberedIncident], checking: CheckingFacts
) -> Iterable[str]:
    """evidence.html, a piece at a time."""
    template = _environment.get_template("incidents/evidence_pack.html")
    return template.generate(pack=pack, incidents=incidents, checking=checking)


# HOW-TO-CHECK.txt ---------------------------------------------------------------------------------


def checking_commands(site: PackSite) -> list[str]:
    """The commands an officer runs in the unzipped folder, in order."""
    key = "site-key.pem" if site.key_url else PUBLIC_KEY_NAME
    commands = []
    if site.key_url:
        commands += [f"curl -o site-key.pem {site.key_url}", f"cmp site-key.pem {PUBLIC_KEY_NAME}"]
    return [
        *commands,
        f"openssl pkeyutl -verify -pubin -inkey {key} -rawin -in {MANIFEST_NAME} "
        f"-sigfile {SIGNATURE_NAME}",
        f"sha256sum -c {SUMS_NAME}",
        f'grep "$(sha256sum {SUMS_NAME} | cut -c1-64)" {MANIFEST_NAME}',
    ]


def how_to_check(
    pack: EvidencePackInput, signer: Signer, site: PackSite, commands: Sequence[str]
) -> str:
    template = _environment.get_template("incidents/how_to_check.txt")
    return template.render(pack=pack, fingerprint=signer.fingerprint, site=site, commands=commands)
