"""A share's snapshot and its keys: what the recipient sees, and how it is sealed.

The link carries a long random token (secrets.token_urlsafe(32), 256 bits) and the person reads
out a short access code. Neither is stored: the database keeps a hash of the token to find the
row, and the snapshot key wrapped (AES-256-GCM) with a key derived by HKDF-SHA256 from token and
code. HKDF rather than a slow hash is enough because the token alone is 256 random bits; the code
only makes a forwarded link not enough on its own, and wrong codes are counted per share.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.diary.entries import EntryContent
from portal.guides.blocks import AnswerWords
from portal.guides.export import PlanInWords, StepInWords
from portal.incidents.content import Category, IncidentContent
from portal.security.crypto import KEY_BYTES, new_data_key, open_with_key, seal_with_key

# No I, L, O, 0 or 1: nothing to mix up when the code is read out over the phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
SALT_BYTES = 16
RECORDS_PART = "records"
PACK_PART = "pack"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """'ABCD EFGH': easier to read out and to type back."""
    return f"{code[:4]} {code[4:]}"


def typed_code(text: str) -> str:
    """The code as typed, in capitals without spaces or dashes, however it was grouped."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def token_hash(token: str) -> str:
    """What the table keeps of the token: enough to find the row, never to rebuild the link."""
    return hashlib.sha256(b"support-space/share-token/" + token.encode()).hexdigest()


def new_snapshot_key() -> bytes:
    return new_data_key()


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def _recipient_key(share_id: uuid.UUID, token: str, code: str, salt: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=salt,
        info=b"support-space/share-key/" + share_id.bytes,
    ).derive(token.encode() + b"\x00" + code.encode())


def _wrapping_context(share_id: uuid.UUID) -> bytes:
    return b"support-space/share-snapshot-key/" + share_id.bytes


def wrap_for_recipient(
    share_id: uuid.UUID, token: str, code: str, salt: bytes, snapshot_key: bytes
) -> bytes:
    key = _recipient_key(share_id, token, code, salt)
    return seal_with_key(key, snapshot_key, _wrapping_context(share_id))


def unwrap_for_recipient(
    share_id: uuid.UUID, token: str, code: str, salt: bytes, wrapped: bytes
) -> bytes:
    """The snapshot key; DecryptionFailed when the code (or token) is not the one it was
    wrapped with."""
    key = _recipient_key(share_id, token, code, salt)
    return open_with_key(key, wrapped, _wrapping_context(share_id))


def _part_context(share_id: uuid.UUID, name: str) -> bytes:
    return f"support-space/share-part/{share_id}/{name}".encode()


def seal_part(key: bytes, share_id: uuid.UUID, name: str, data: bytes) -> bytes:
    """A part sealed for this share and this name alone: moved elsewhere, it does not open."""
    return seal_with_key(key, data, _part_context(share_id, name))


def open_part(key: bytes, share_id: uuid.UUID, name: str, sealed: bytes) -> bytes:
    return open_with_key(key, sealed, _part_context(share_id, name))


# What the recipient sees ---------------------------------------------------------------------


@dataclass(frozen=True)
class SharedFile:
    """A photo, letter or recording as shared: the copy shown (photos without location and
    camera details), and a thumbnail for photos."""

    part: str  # its part of the snapshot, e.g. "file-3"
    thumbnail_part: str | None
    kind: str  # "photo", "document" or "sound"
    media_type: str
    name: str
    size: int
    sha256: str  # of the original
    added_at: datetime
    # The person's own file, for the preview before sharing; never kept in the snapshot.
    source_id: uuid.UUID | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "thumbnail_part": self.thumbnail_part,
            "kind": self.kind,
            "media_type": self.media_type,
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "added_at": self.added_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SharedFile:
        return cls(
            data["part"],
            data["thumbnail_part"],
            data["kind"],
            data["media_type"],
            data["name"],
            data["size"],
            data["sha256"],
            datetime.fromisoformat(data["added_at"]),
        )


@dataclass(frozen=True)
class SharedIncident:
    content: IncidentContent  # the current version
    first_recorded_at: datetime
    versions: int
    files: tuple[SharedFile, ...]


@dataclass(frozen=True)
class SharedDiaryEntry:
    day: date
    content: EntryContent


def _plan_to_json(plan: PlanInWords) -> dict[str, Any]:
    return {
        "slug": plan.slug,
        "title": plan.title,
        "steps": [
            {
                "title": step.title,
                "answers": [
                    {"question": answer.question, "lines": list(answer.lines)}
                    for answer in step.answers
                ],
            }
            for step in plan.steps
        ],
    }


def _plan_from_json(data: dict[str, Any]) -> PlanInWords:
    return PlanInWords(
        data["slug"],
        data["title"],
        tuple(
            StepInWords(
                step["title"],
                tuple(AnswerWords(a["question"], tuple(a["lines"])) for a in step["answers"]),
            )
            for step in data["steps"]
        ),
    )


@dataclass(frozen=True)
class Snapshot:
    """Everything the recipient's pages show, as it was when the person shared it."""

    shared_by: str  # as the person chose to be named, never their username
    first_day: date
    last_day: date
    categories: tuple[Category, ...]  # empty: every kind
    with_files: bool
    with_diary: bool
    incidents: tuple[SharedIncident, ...]
    diary: tuple[SharedDiaryEntry, ...]
    pack_name: str | None  # the evidence pack's file name, when it has one
    plans: tuple[PlanInWords, ...] = ()  # guides' plans, when the person chose any

    @property
    def files(self) -> tuple[SharedFile, ...]:
        return tuple(item for incident in self.incidents for item in incident.files)

    def file_named(self, part: str) -> SharedFile | None:
        """The file whose copy or thumbnail is this part, if the snapshot holds it."""
        return next((f for f in self.files if part in (f.part, f.thumbnail_part)), None)

    def to_bytes(self) -> bytes:
        data = {
            "shared_by": self.shared_by,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "categories": [category.value for category in self.categories],
            "with_files": self.with_files,
            "with_diary": self.with_diary,
            "incidents": [
                {
                    "content": incident.content.to_payload(),
                    "first_recorded_at": incident.first_recorded_at.isoformat(),
                    "versions": incident.versions,
                    "files": [item.to_json() for item in incident.files],
                }
                for incident in self.incidents
            ],
            "diary": [
                {"day": entry.day.isoformat(), "content": entry.content.to_payload()}
                for entry in self.diary
            ],
            "pack_name": self.pack_name,
            "plans": [_plan_to_json(plan) for plan in self.plans],
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Snapshot:
        data = json.loads(raw)
        return cls(
            shared_by=data["shared_by"],
            first_day=date.fromisoformat(data["first_day"]),
            last_day=date.fromisoformat(data["last_day"]),
            categories=tuple(Category(value) for value in data["categories"]),
            with_files=data["with_files"],
            with_diary=data["with_diary"],
            incidents=tuple(
                SharedIncident(
                    IncidentContent.from_payload(item["content"]),
                    datetime.fromisoformat(item["first_recorded_at"]),
                    item["versions"],
                    tuple(SharedFile.from_json(f) for f in item["files"]),
                )
                for item in data["incidents"]
            ),
            diary=tuple(
                SharedDiaryEntry(
                    date.fromisoformat(e["day"]), EntryContent.from_payload(e["content"])
                )
                for e in data["diary"]
            ),
            pack_name=data["pack_name"],
            # Shares made before plans could be shared have none.
            plans=tuple(_plan_from_json(plan) for plan in data.get("plans", [])),
        )
