"""Your data, yours to take: everything we keep about a person, opened for them alone, as one ZIP
file holding it twice: a JSON file for other programs, and a web page to read.

The account's own section is made here; every journey with an exporter adds its own
(portal.journeys), so a new journey joins the download without changes here.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from flask import render_template
from sqlalchemy.orm import Session

from portal.auth.recovery import RECOVERY_CODE_COUNT, email_of, unused_code_count
from portal.dates import LONDON, moment_in_words
from portal.journeys import ExportItem, ExportSection, export_sections
from portal.models.accounts import User
from portal.models.base import utcnow

# The file sits in Downloads and the browser's list of downloads: its name and title say nothing
# of where it came from, for someone who shares a device with the person they fear.
FILE_STEM = "my-data"
ABOUT = (
    "Everything Support Space keeps about you, as it was when you downloaded it. This file is "
    "not locked: anyone who has it can read it. Dates are written year-month-day, and times in "
    "ISO 8601 with their difference from UTC."
)
RESERVED_KEYS = frozenset({"about", "exported_at"})
# Where the system understands it, only the person's own login may read the unzipped files.
PRIVATE_FILE = 0o600 << 16
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class DataDownload:
    filename: str
    content: IO[bytes]  # the ZIP, in memory or (when large) a temporary file, read from the start


def account_section(db_session: Session, user: User) -> ExportSection:
    """The account itself: username, when it was made, the email address if any, codes left."""
    email = email_of(user)
    codes_left = unused_code_count(db_session, user.id)
    if email is None:
        email_in_words = "None"
    else:
        confirmed = " (confirmed)" if user.email_confirmed_at else " (not confirmed yet)"
        email_in_words = email + confirmed
    return ExportSection(
        key="account",
        title="Your account",
        data={
            "username": user.username,
            "created_at": user.created_at.isoformat(),
            "password_last_changed_at": user.password_changed_at.isoformat(),
            "email": email,
            "email_confirmed_at": (
                user.email_confirmed_at.isoformat() if user.email_confirmed_at else None
            ),
            "recovery_codes_left": codes_left,
        },
        items=(
            ExportItem(
                heading="Account details",
                rows=(
                    ("Username", user.username),
                    ("Account made", moment_in_words(user.created_at)),
                    ("Password last changed", moment_in_words(user.password_changed_at)),
                    ("Email for password resets", email_in_words),
                    ("Recovery codes", f"{codes_left} of {RECOVERY_CODE_COUNT} left"),
                ),
            ),
        ),
    )


def build_download(db_session: Session, user: User) -> DataDownload:
    """The person's whole download, made now. Their password is not in it: we cannot read it."""
    exported_at = utcnow().replace(microsecond=0)
    sections = [account_section(db_session, user), *export_sections(db_session, user.id)]
    keys = [section.key for section in sections]
    if len(set(keys)) != len(keys) or RESERVED_KEYS & set(keys):
        raise ValueError(f"Every part of the download needs a name of its own, not {keys}.")

    document = {
        "about": ABOUT,
        "exported_at": exported_at.isoformat(),
        **{section.key: section.data for section in sections},
    }
    readable = render_template(
        "account/export.html", about=ABOUT, exported_at=exported_at, sections=sections
    )
    stem = f"{FILE_STEM}-{exported_at.astimezone(LONDON).date().isoformat()}"
    files = {
        f"{stem}.json": (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode(),
        f"{stem}.html": readable.encode(),
    }
    attachments = [
        (f"{section.key}/{attachment.path}", attachment.read)
        for section in sections
        for attachment in section.attachments
    ]
    return DataDownload(f"{stem}.zip", _zipped(files, attachments, exported_at))


def _zipped(
    files: dict[str, bytes],
    attachments: list[tuple[str, Callable[[], bytes]]],
    made_at: datetime,
) -> IO[bytes]:
    """The ZIP, in memory while small and in a temporary file beyond that: photos and sound
    recordings can make it large. Attachments are read one at a time."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115 (handed to the response, which closes it)
    stamp = made_at.astimezone(LONDON).timetuple()[:6]
    with zipfile.ZipFile(spool, "w") as archive:

        def add(name: str, data: bytes, compress: bool) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            # Photos and sound are compressed already: storing them as they are saves time.
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            info.external_attr = PRIVATE_FILE
            archive.writestr(info, data)

        for name, data in files.items():
            add(name, data, compress=True)
        for name, read in attachments:
            add(name, read(), compress=False)
    spool.seek(0)
    return spool
