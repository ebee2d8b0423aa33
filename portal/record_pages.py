"""What every page that shows private records needs: the signed-in person's own record (or the
404 page), and which page of a list was asked for."""

from __future__ import annotations

import uuid

from flask import abort, request
from flask_login import current_user

from portal.extensions import db
from portal.forms import DIGITS
from portal.records import Content, OpenedRecord, RecordNotFound, RecordStore

# Far beyond any real list; longer numbers in an address are read as the first page.
MAX_PAGE_DIGITS = 6


def own_record_or_404(store: RecordStore[Content], record_id: uuid.UUID) -> OpenedRecord[Content]:
    """The signed-in person's record, or the 404 page for any other id (another person's
    included), so no view ever opens a private record without its owner in the query."""
    try:
        return store.get(db.session, current_user.id, record_id)
    except RecordNotFound:
        abort(404)


def page_number() -> int:
    """The ?page= of a list, as a number from 1; anything else in the address means page 1."""
    raw = request.args.get("page", "")
    if DIGITS.fullmatch(raw) and len(raw) <= MAX_PAGE_DIGITS:
        return max(1, int(raw))
    return 1
