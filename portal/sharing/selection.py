"""What the person chose to share, and the snapshot made from it: the same code draws the
preview before they confirm and the snapshot the recipient sees, so the two cannot differ."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from portal.diary.entries import entries
from portal.guides.export import GuideAnswered, PlanInWords, plans_in_words
from portal.incidents.content import Category
from portal.incidents.evidence import SPOOL_IN_MEMORY_BYTES, pack_input_for
from portal.incidents.log import file_part
from portal.incidents.pack import PackSite, pack_filename, write_evidence_pack
from portal.incidents.pack_input import EvidencePackInput, FileKind, PackRequest
from portal.incidents.signing import Signer
from portal.sharing.snapshot import (
    SharedDiaryEntry,
    SharedFile,
    SharedIncident,
    Snapshot,
)

DEFAULT_SHARED_BY = "the person who keeps this log"


class SharedFilesTooLarge(Exception):
    """The files chosen come to more than a share may hold (PORTAL_SHARE_FILES_MAX_MB)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(size, limit)
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class ShareChoice:
    """The records chosen, who they are for (the person's own note) and for how long."""

    first_day: date
    last_day: date
    categories: frozenset[Category]  # empty: every kind
    with_files: bool
    with_diary: bool
    label: str
    shared_by: str
    days: int
    plans: tuple[GuideAnswered, ...] = ()  # guides whose plan (the person's answers) to add

    @property
    def pack_request(self) -> PackRequest:
        return PackRequest(self.first_day, self.last_day, self.categories, self.with_files)

    def to_json(self) -> dict[str, Any]:
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "categories": sorted(category.value for category in self.categories),
            "with_files": self.with_files,
            "with_diary": self.with_diary,
            "label": self.label,
            "shared_by": self.shared_by,
            "days": self.days,
            "plans": [{"slug": plan.slug, "title": plan.title} for plan in self.plans],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShareChoice:
        return cls(
            date.fromisoformat(data["first_day"]),
            date.fromisoformat(data["last_day"]),
            frozenset(Category(value) for value in data["categories"]),
            data["with_files"],
            data["with_diary"],
            data["label"],
            data["shared_by"],
            data["days"],
            # Choices made before plans could be shared have none.
            tuple(GuideAnswered(plan["slug"], plan["title"]) for plan in data.get("plans", [])),
        )


@dataclass(frozen=True)
class BuiltSnapshot:
    """A snapshot and the bytes of its files (photo copies and thumbnails), by part name."""

    snapshot: Snapshot
    files: dict[str, bytes]
    pack_input: EvidencePackInput
    files_size: int  # bytes of the originals chosen, which the pack holds


def _files_size(pack_input: EvidencePackInput) -> int:
    return sum(item.size for incident in pack_input.incidents for item in incident.files)


def build_snapshot(
    db_session: Session,
    owner_id: uuid.UUID,
    choice: ShareChoice,
    *,
    read_files: bool,
    files_limit: int | None = None,
) -> BuiltSnapshot:
    """The person's chosen records, opened for them. With read_files, the copies shown and the
    thumbnails are read too (for sharing); without, only their facts (for the preview).
    SharedFilesTooLarge, before any file is read, if the files come to more than files_limit."""
    pack_input = pack_input_for(db_session, owner_id, choice.pack_request)
    files_size = _files_size(pack_input) if choice.with_files else 0
    if files_limit is not None and files_size > files_limit:
        raise SharedFilesTooLarge(files_size, files_limit)
    files: dict[str, bytes] = {}
    shared_incidents = []
    number = 0
    for incident in pack_input.incidents:
        shared_files = []
        for item in incident.files if choice.with_files else ():
            number += 1
            part, thumbnail = f"file-{number}", f"thumbnail-{number}"
            has_thumbnail = item.thumbnail is not None
            facts = None
            if read_files:
                facts, files[part] = file_part(db_session, owner_id, item.id, "display")
                if item.thumbnail is not None:
                    files[thumbnail] = item.thumbnail
            shared_files.append(
                SharedFile(
                    part=part,
                    thumbnail_part=thumbnail if has_thumbnail else None,
                    kind=item.kind.value,
                    media_type=facts.display_media_type if facts else item.media_type,
                    name=item.original_name,
                    size=item.size,
                    sha256=item.sha256,
                    added_at=item.added_at,
                    source_id=item.id,
                )
            )
        shared_incidents.append(
            SharedIncident(
                incident.current,
                incident.first_recorded_at,
                len(incident.revisions),
                tuple(shared_files),
            )
        )
    diary = (
        tuple(
            SharedDiaryEntry(record.day, record.content)
            for record in entries.between(db_session, owner_id, choice.first_day, choice.last_day)
        )
        if choice.with_diary
        else ()
    )
    snapshot = Snapshot(
        shared_by=choice.shared_by or DEFAULT_SHARED_BY,
        first_day=choice.first_day,
        last_day=choice.last_day,
        categories=tuple(sorted(choice.categories)),
        with_files=choice.with_files,
        with_diary=choice.with_diary,
        incidents=tuple(shared_incidents),
        diary=diary,
        pack_name=pack_filename(pack_input.exported_at) if pack_input.incidents else None,
        plans=_plans(db_session, owner_id, choice),
    )
    return BuiltSnapshot(snapshot, files, pack_input, files_size)


def _plans(
    db_session: Session, owner_id: uuid.UUID, choice: ShareChoice
) -> tuple[PlanInWords, ...]:
    """The chosen plans that have answers to share (a guide unpublished since, or with only
    self-check answers, has none)."""
    if not choice.plans:
        return ()
    chosen = {plan.slug for plan in choice.plans}
    return tuple(plan for plan in plans_in_words(db_session, owner_id, chosen) if plan.steps)


def as_shared(choice: ShareChoice, snapshot: Snapshot) -> ShareChoice:
    """The choice as the snapshot holds it: the plans it has, under their titles now, for the
    person's list (a chosen plan with nothing to share is not claimed)."""
    plans = tuple(GuideAnswered(plan.slug, plan.title) for plan in snapshot.plans)
    return replace(choice, plans=plans)


def plans_left_out(choice: ShareChoice, snapshot: Snapshot) -> list[str]:
    """The titles of chosen plans the snapshot does not hold."""
    held = {plan.slug for plan in snapshot.plans}
    return [plan.title for plan in choice.plans if plan.slug not in held]


def write_pack_bytes(pack_input: EvidencePackInput, signer: Signer, site: PackSite) -> bytes:
    """The signed evidence pack of the same selection, as the person's own export writes it.
    StoredFileChanged if an original is not the file that was added."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        write_evidence_pack(pack_input, signer, spool, site)
        spool.seek(0)
        return spool.read()


def is_photo(item: SharedFile) -> bool:
    return item.kind == FileKind.PHOTO.value
