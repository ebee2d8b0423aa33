"""Shares in a person's download: who each is for, what is in it, when it ends and when it was
opened. Never the link or the code: a download left on a device must not open a share."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from portal.dates import date_in_words, moment_in_words
from portal.journeys import ExportItem, ExportSection
from portal.sharing.services import ShareListing, list_shares


def _contents(share: ShareListing) -> str:
    choice = share.choice
    kinds = ", ".join(sorted(c.label for c in choice.categories)) or "every kind"
    text = (
        f"{share.incidents} incidents from {date_in_words(choice.first_day)} to "
        f"{date_in_words(choice.last_day)} ({kinds}), "
        + ("with files" if choice.with_files else "without files")
    )
    if choice.with_diary:
        text += f"; {share.diary_entries} diary entries"
    if choice.plans:
        text += "; your plan from " + ", ".join(plan.title for plan in choice.plans)
    return text


def shares_section(db_session: Session, owner_id: uuid.UUID) -> ExportSection:
    """The person's shares still open, newest first."""
    shares = list_shares(db_session, owner_id)
    return ExportSection(
        key="shares",
        title="Your shares",
        data=[
            {
                "for": share.choice.label,
                "contents": {
                    **share.choice.to_json(),
                    "incidents": share.incidents,
                    "diary_entries": share.diary_entries,
                },
                "made_at": share.created_at.isoformat(),
                "ends_at": share.expires_at.isoformat(),
                "opened_at": [moment.isoformat() for moment in share.openings],
            }
            for share in shares
        ],
        items=tuple(
            ExportItem(
                share.choice.label,
                (
                    ("What is in it", _contents(share)),
                    ("Made", moment_in_words(share.created_at)),
                    ("Ends", moment_in_words(share.expires_at)),
                    (
                        "Opened",
                        "\n".join(moment_in_words(m) for m in share.openings) or "Not yet",
                    ),
                ),
            )
            for share in shares
        ),
    )
