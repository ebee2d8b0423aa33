"""What an evidence pack is made from: the incidents chosen, each with every revision and file,
and the account's chain head, already opened for their owner. The pack builder
(portal.incidents.pack) needs nothing else, so it can be tested and benchmarked without a
database; files are read one at a time (`read_original`), so a pack of hundreds of photos never
holds them all in memory at once.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from portal.incidents.content import Category, IncidentContent


class FileKind(enum.StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"  # a PDF: a letter from the council, say
    SOUND = "sound"


@dataclass(frozen=True)
class PackRevision:
    """One version of an incident: the first as recorded, then each amendment."""

    number: int  # 1 is the incident as first recorded
    recorded_at: datetime  # when the server saved it (UTC), beside when the person says it happened
    content: IncidentContent
    changed_fields: tuple[str, ...]  # names from content.FIELD_LABELS; empty for number 1


@dataclass(frozen=True)
class PackFile:
    """An evidence file: its facts, its thumbnail (photos), and a way to read its original."""

    id: uuid.UUID
    kind: FileKind
    media_type: str  # decided from the content, e.g. "image/jpeg", "audio/mp4"
    original_name: str  # as the person's device named it, made safe to show
    size: int  # bytes of the original
    sha256: str  # hex digest of the original, byte for byte
    added_at: datetime  # UTC
    thumbnail: bytes | None  # a small JPEG for photos, None otherwise
    read_original: Callable[[], bytes]


@dataclass(frozen=True)
class PackIncident:
    """One incident with its whole history, in the order the pack lists them."""

    id: uuid.UUID
    revisions: tuple[PackRevision, ...]  # oldest first; the last is the current version
    files: tuple[PackFile, ...]

    @property
    def current(self) -> IncidentContent:
        return self.revisions[-1].content

    @property
    def first_recorded_at(self) -> datetime:
        return self.revisions[0].recorded_at


@dataclass(frozen=True)
class ChainHead:
    """The account's tamper-evident chain as it stood at export (portal.incidents.chain), and the
    latest checkpoint the server signed of it."""

    length: int  # how many links
    head_hash: str  # hex SHA-256 of the newest link
    verified: bool  # whether every link checked out when the pack was made
    checkpoint_at: datetime | None  # when the server last signed the head (UTC)
    checkpoint_signature: str | None  # base64 Ed25519 signature of that checkpoint


@dataclass(frozen=True)
class PackRequest:
    """What the person asked for: a date range and categories (all when empty)."""

    first_day: date
    last_day: date
    categories: frozenset[Category]
    include_files: bool = True


@dataclass(frozen=True)
class EvidencePackInput:
    request: PackRequest
    incidents: tuple[PackIncident, ...]  # oldest first, by when they started
    chain: ChainHead
    exported_at: datetime  # UTC
