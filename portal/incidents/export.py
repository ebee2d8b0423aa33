"""The incident log's part of a person's download: every incident with every version, and each
evidence file as it was added (the originals, byte for byte, in the ZIP's incidents/ folder)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from portal.dates import moment_in_words
from portal.incidents.content import FIELD_LABELS, IncidentContent
from portal.incidents.log import FileFacts, file_part, files_of, incidents, revisions_of_many
from portal.journeys import ExportAttachment, ExportItem, ExportSection
from portal.security.sanitise import safe_file_name


def incidents_section(db_session: Session, owner_id: uuid.UUID) -> ExportSection:
    """Every incident, oldest first, with its versions and files."""
    everything = incidents.everything(db_session, owner_id)
    all_revisions = revisions_of_many(db_session, owner_id)
    files = files_of(db_session, owner_id)
    by_incident: dict[uuid.UUID, list[FileFacts]] = {}
    for facts in files:
        by_incident.setdefault(facts.incident_id, []).append(facts)
    data: list[dict[str, Any]] = []
    items: list[ExportItem] = []
    for record in everything:
        revisions = all_revisions.get(record.id, [])
        attached = by_incident.get(record.id, [])
        data.append(
            {
                "id": str(record.id),
                "versions": [
                    {
                        "number": revision.number,
                        "saved_at": revision.recorded_at.isoformat(),
                        "changed": list(revision.changed_fields),
                        **revision.content.to_payload(),
                    }
                    for revision in revisions
                ],
                "files": [_file_data(facts) for facts in attached],
            }
        )
        items.append(_item(record.content, revisions, attached))
    attachments = tuple(
        ExportAttachment(
            _file_path(facts),
            partial(_original, db_session, owner_id, facts.id),
        )
        for facts in files
    )
    return ExportSection(
        key="incidents",
        title="Your incident log",
        data=data,
        items=tuple(items),
        attachments=attachments,
    )


def _file_path(facts: FileFacts) -> str:
    return f"{facts.id}-{safe_file_name(facts.original_name)}"


def _original(db_session: Session, owner_id: uuid.UUID, file_id: uuid.UUID) -> bytes:
    return file_part(db_session, owner_id, file_id, "original")[1]


def _file_data(facts: FileFacts) -> dict[str, Any]:
    return {
        "id": str(facts.id),
        "name": facts.original_name,
        "type": facts.media_type,
        "size": facts.size,
        "sha256": facts.sha256,
        "added_at": facts.added_at.isoformat(),
        "in_this_download": f"incidents/{_file_path(facts)}",
    }


def _item(content: IncidentContent, revisions: list[Any], files: list[FileFacts]) -> ExportItem:
    rows: list[tuple[str, str]] = [
        ("What happened", content.what_happened),
        ("Date it started", content.started_on.isoformat()),
    ]
    for name, label in FIELD_LABELS.items():
        if name in ("what_happened", "started_on"):
            continue
        value = getattr(content, name)
        if name == "reports":
            value = "\n".join(
                f"{report.who}, {report.reported_on.isoformat()}"
                + (f", reference {report.reference}" if report.reference else "")
                for report in value
            )
        elif name == "category":
            value = value.label if value else ""
        elif name == "hate_motivated":
            value = "Yes" if value else ""
        if value not in (None, "", ()):
            rows.append((label, str(value)))
    for revision in revisions:
        changed = ", ".join(FIELD_LABELS[name] for name in revision.changed_fields)
        rows.append(
            (
                f"Version {revision.number}",
                f"Saved {moment_in_words(revision.recorded_at)}"
                + (f". Changed: {changed}" if changed else ""),
            )
        )
    for facts in files:
        rows.append(("File", f"{facts.original_name} (SHA-256 {facts.sha256})"))
    return ExportItem(heading=f"Incident of {content.started_on.isoformat()}", rows=tuple(rows))
