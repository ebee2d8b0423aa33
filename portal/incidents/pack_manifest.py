"""The manifest of an evidence pack: what the site signs, and what the verify page checks a pack
against. It names every file in the ZIP with its size and SHA-256, the chain head and checkpoint,
when the pack was exported, what it covers and which key signed it; and, for each incident, a
digest of its part of incidents.json and of incidents.csv, so a change inside either file can be
traced to the incident it touches.

manifest.json is JSON with sorted keys, two-space indents and only ASCII characters (others are
escaped), ending in a newline. The signature covers its exact bytes, so nothing ever writes it
again: the layout only has to be fixed, not compact.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
PDF_NAME = "evidence.pdf"
HTML_NAME = "evidence.html"
CSV_NAME = "incidents.csv"
JSON_NAME = "incidents.json"
PUBLIC_KEY_NAME = "public-key.pem"
HOW_TO_CHECK_NAME = "HOW-TO-CHECK.txt"
SUMS_NAME = "SHA256SUMS"
FORMAT = "records-pack/1"
# How the verify page names the pack's own files when one of them differs.
DOCUMENT_WORDS = {
    PDF_NAME: "The printable copy",
    HTML_NAME: "The web page copy",
    CSV_NAME: "The spreadsheet",
    JSON_NAME: "The data file",
    PUBLIC_KEY_NAME: "The copy of the site's public key",
    HOW_TO_CHECK_NAME: "The instructions for checking the pack",
    SUMS_NAME: "The list of fingerprints",
}


class ManifestUnreadable(ValueError):
    """The manifest is not one this site writes."""


def canonical_json(value: Any) -> bytes:
    """One way of writing a value, so its digest is the same wherever it is read back."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest_of(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


@dataclass(frozen=True)
class ManifestFile:
    path: str
    size: int
    sha256: str
    incident: int | None = None  # the number of the incident an original belongs to
    kind: str | None = None  # an original's kind: photo, document, sound

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"path": self.path, "size": self.size, "sha256": self.sha256}
        if self.incident is not None:
            value["incident"] = self.incident
            value["kind"] = self.kind
        return value


@dataclass(frozen=True)
class ManifestIncident:
    number: int
    started_on: date
    json_sha256: str  # digest_of() its entry in incidents.json
    csv_sha256: str  # digest_of() its rows of incidents.csv, each a list of cells

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "started_on": self.started_on.isoformat(),
            "json_sha256": self.json_sha256,
            "csv_sha256": self.csv_sha256,
        }


@dataclass(frozen=True)
class Manifest:
    exported_at: datetime
    first_day: date
    last_day: date
    categories: tuple[str, ...]  # empty for every kind
    chain: dict[str, Any]  # as incidents.json gives it
    key_fingerprint: str  # SHA-256 of the raw public key (portal.incidents.signing)
    incidents: tuple[ManifestIncident, ...]
    files: tuple[ManifestFile, ...]

    def to_bytes(self) -> bytes:
        document = {
            "format": FORMAT,
            "exported_at": self.exported_at.isoformat(),
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "categories": list(self.categories),
            "chain": self.chain,
            "public_key_sha256": self.key_fingerprint,
            "incidents": [incident.to_json() for incident in self.incidents],
            "files": [item.to_json() for item in self.files],
        }
        return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        try:
            document = json.loads(data)
            if document.get("format") != FORMAT:
                raise ManifestUnreadable("not a manifest this site writes")
            return cls(
                exported_at=datetime.fromisoformat(document["exported_at"]),
                first_day=date.fromisoformat(document["first_day"]),
                last_day=date.fromisoformat(document["last_day"]),
                categories=tuple(document["categories"]),
                chain=dict(document["chain"]),
                key_fingerprint=str(document["public_key_sha256"]),
                incidents=tuple(
                    ManifestIncident(
                        int(item["number"]),
                        date.fromisoformat(item["started_on"]),
                        str(item["json_sha256"]),
                        str(item["csv_sha256"]),
                    )
                    for item in document["incidents"]
                ),
                files=tuple(
                    ManifestFile(
                        str(item["path"]),
                        int(item["size"]),
                        str(item["sha256"]),
                        item.get("incident"),
                        item.get("kind"),
                    )
                    for item in document["files"]
                ),
            )
        except (ValueError, TypeError, KeyError, AttributeError) as problem:
            raise ManifestUnreadable(str(problem)) from None
