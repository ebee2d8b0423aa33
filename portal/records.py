"""Private records: the one way a journey stores what a person writes.

A record is a row of a SealedRecord model (portal.models.diary): its owner, a date in the clear and
one payload sealed with the owner's data key. A RecordStore does everything a journey needs with
such rows, and always by owner, so another person's id is simply not found:

- add, open one, change it only while it still has the version the person started from (StaleEdit
  otherwise, with the newer text, so nothing is overwritten unseen), delete;
- pages newest first, a range of dates, everything (for the person's own download);
- search, by opening each record on the server, since the database holds nothing readable.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Protocol, Self, TypeVar

from sqlalchemy import Row, String, and_, cast, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.database import rows_changed
from portal.models.base import new_id, utcnow
from portal.models.diary import SealedRecord
from portal.security.crypto import FieldCipher
from portal.security.data_keys import cipher_for

PAYLOAD_FIELD = "payload"
PER_PAGE = 20


class RecordContent(Protocol):
    """What a journey keeps in a record's sealed payload."""

    def to_payload(self) -> dict[str, Any]: ...

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self: ...

    def searchable_text(self) -> Iterable[str]:
        """The pieces of text a search looks in (each on its own: a match never spans two)."""
        ...


Content = TypeVar("Content", bound=RecordContent)
Item = TypeVar("Item")
# A record's row as RecordStore selects it (id, day, version, created_at, updated_at, payload).
RecordRow = Row[uuid.UUID, date, int, datetime, datetime, bytes]


@dataclass(frozen=True)
class OpenedRecord(Generic[Content]):
    """A record as its owner sees it: the row's facts and the opened payload."""

    id: uuid.UUID
    day: date
    version: int
    created_at: datetime
    updated_at: datetime
    content: Content

    @property
    def was_changed(self) -> bool:
        return self.version > 1


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a longer, newest-first list."""

    items: list[Item]
    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


class RecordNotFound(Exception):
    """No such record for this person (it never existed, was deleted, or is someone else's)."""


class StaleEdit(Exception):
    """The record was saved elsewhere after the person opened it; `current` is what is saved now."""

    def __init__(self, current: OpenedRecord[Any]) -> None:
        super().__init__("The record has changed since it was opened.")
        self.current = current


class DayTaken(Exception):
    """A store with one record per day already has one for that day; `record_id` is it."""

    def __init__(self, record_id: uuid.UUID) -> None:
        super().__init__("There is already a record for that day.")
        self.record_id = record_id


class RecordStore(Generic[Content]):
    """Sealed records of one kind (one model), kept by owner."""

    def __init__(
        self,
        model: type[SealedRecord],
        *,
        kind: str,
        day_attribute: str,
        content_type: type[Content],
        one_per_day: bool = False,
    ) -> None:
        self.model = model
        self.kind = kind
        self.content_type = content_type
        self.one_per_day = one_per_day
        self._day = getattr(model, day_attribute)
        self._day_attribute = day_attribute
        self._columns = (
            model.id,
            self._day,
            model.version,
            model.created_at,
            model.updated_at,
            model.payload_sealed,
        )
        # Newest first; records of the same day newest written first; id makes the order total.
        # An index in this order lets the database hand over a page without sorting.
        self._newest_first = (
            (self._day.desc(),)
            if one_per_day
            else (self._day.desc(), model.created_at.desc(), model.id.desc())
        )

    # Sealing -------------------------------------------------------------------------------

    def _seal(self, owner_id: uuid.UUID, record_id: uuid.UUID, content: Content) -> bytes:
        return cipher_for(owner_id).seal_json(
            content.to_payload(), kind=self.kind, record_id=record_id, field=PAYLOAD_FIELD
        )

    def _opened(self, cipher: FieldCipher, row: RecordRow) -> OpenedRecord[Content]:
        record_id, day, version, created_at, updated_at, sealed = row
        payload = cipher.open_json(sealed, kind=self.kind, record_id=record_id, field=PAYLOAD_FIELD)
        return OpenedRecord(
            record_id, day, version, created_at, updated_at, self.content_type.from_payload(payload)
        )

    def _all_opened(
        self, owner_id: uuid.UUID, rows: Sequence[RecordRow]
    ) -> list[OpenedRecord[Content]]:
        if not rows:
            return []  # no key fetched for nothing
        cipher = cipher_for(owner_id)
        return [self._opened(cipher, row) for row in rows]

    def _owned(self, owner_id: uuid.UUID) -> Any:
        return self.model.user_id == owner_id

    # One record ----------------------------------------------------------------------------

    def add(
        self,
        db_session: Session,
        owner_id: uuid.UUID,
        day: date,
        content: Content,
        *,
        commit: bool = True,
    ) -> OpenedRecord[Content]:
        """Save a new record; DayTaken if the store keeps one per day and that day has one.
        With commit=False the caller commits, with whatever else belongs to the same change."""
        if self.one_per_day:
            self._check_day_free(db_session, owner_id, day, except_id=None)
        record_id = new_id()
        now = utcnow()
        db_session.add(
            self.model(
                id=record_id,
                user_id=owner_id,
                payload_sealed=self._seal(owner_id, record_id, content),
                version=1,
                created_at=now,
                updated_at=now,
                **{self._day_attribute: day},
            )
        )
        if commit:
            self._commit(db_session, owner_id, day)
        else:
            db_session.flush()
        return OpenedRecord(record_id, day, 1, now, now, content)

    def get(
        self, db_session: Session, owner_id: uuid.UUID, record_id: uuid.UUID
    ) -> OpenedRecord[Content]:
        """The person's own record; RecordNotFound for anyone else's."""
        row = (
            db_session.connection()
            .execute(
                select(*self._columns).where(self.model.id == record_id, self._owned(owner_id))
            )
            .one_or_none()
        )
        if row is None:
            raise RecordNotFound
        return self._opened(cipher_for(owner_id), row)

    def update(
        self,
        db_session: Session,
        owner_id: uuid.UUID,
        record_id: uuid.UUID,
        *,
        based_on_version: int,
        day: date,
        content: Content,
        commit: bool = True,
    ) -> None:
        """Save a changed record if nobody saved it since `based_on_version` was read.

        StaleEdit (with what is saved now) if someone did: a second tab, say. The version is
        checked in the UPDATE itself, so two saves at the same moment cannot both win.
        """
        if self.one_per_day:
            try:
                self._check_day_free(db_session, owner_id, day, except_id=record_id)
            except DayTaken:
                # An out-of-date tab hears that first: the other version may explain the date.
                current = self.get(db_session, owner_id, record_id)
                if current.version != based_on_version:
                    raise StaleEdit(current) from None
                raise
        now = utcnow()
        changed = rows_changed(
            db_session,
            update(self.model)
            .where(
                self.model.id == record_id,
                self._owned(owner_id),
                self.model.version == based_on_version,
            )
            .values(
                payload_sealed=self._seal(owner_id, record_id, content),
                version=self.model.version + 1,
                updated_at=now,
                **{self._day_attribute: day},
            ),
        )
        if changed == 0:
            db_session.rollback()
            raise StaleEdit(self.get(db_session, owner_id, record_id))  # or RecordNotFound
        if commit:
            self._commit(db_session, owner_id, day)

    def delete(
        self,
        db_session: Session,
        owner_id: uuid.UUID,
        record_id: uuid.UUID,
        *,
        commit: bool = True,
    ) -> None:
        deleted = rows_changed(
            db_session, delete(self.model).where(self.model.id == record_id, self._owned(owner_id))
        )
        if deleted == 0:
            db_session.rollback()
            raise RecordNotFound
        if commit:
            db_session.commit()

    def _check_day_free(
        self, db_session: Session, owner_id: uuid.UUID, day: date, except_id: uuid.UUID | None
    ) -> None:
        statement = select(self.model.id).where(self._owned(owner_id), self._day == day)
        if except_id is not None:
            statement = statement.where(self.model.id != except_id)
        taken = db_session.scalars(statement).first()
        if taken is not None:
            raise DayTaken(taken)

    def _commit(self, db_session: Session, owner_id: uuid.UUID, day: date) -> None:
        try:
            db_session.commit()
        except IntegrityError:
            # Only the one-per-day rule can fail here: another tab saved the same day just now.
            db_session.rollback()
            if not self.one_per_day:
                raise
            self._check_day_free(db_session, owner_id, day, except_id=None)
            raise

    # Many records --------------------------------------------------------------------------

    def page(
        self, db_session: Session, owner_id: uuid.UUID, number: int, per_page: int = PER_PAGE
    ) -> Page[OpenedRecord[Content]]:
        """Page `number` (from 1) of the person's records, newest first."""
        number = max(1, number)
        # Counted on its own: a count over the window would make the database read and sort
        # every row, sealed payloads and all, to hand back twenty.
        rows = (
            db_session.connection()
            .execute(
                select(*self._columns)
                .where(self._owned(owner_id))
                .order_by(*self._newest_first)
                .limit(per_page)
                .offset((number - 1) * per_page)
            )
            .all()
        )
        total = self.count(db_session, owner_id)
        return Page(self._all_opened(owner_id, rows), number, total, per_page)

    def count(self, db_session: Session, owner_id: uuid.UUID) -> int:
        return (
            db_session.scalar(
                select(func.count()).select_from(self.model).where(self._owned(owner_id))
            )
            or 0
        )

    def between(
        self, db_session: Session, owner_id: uuid.UUID, first: date, last: date
    ) -> list[OpenedRecord[Content]]:
        """The person's records dated from `first` to `last` inclusive, oldest first."""
        rows = (
            db_session.connection()
            .execute(
                select(*self._columns)
                .where(self._owned(owner_id), and_(self._day >= first, self._day <= last))
                .order_by(self._day, self.model.created_at, self.model.id)
            )
            .all()
        )
        return self._all_opened(owner_id, rows)

    def everything(self, db_session: Session, owner_id: uuid.UUID) -> list[OpenedRecord[Content]]:
        """Every record the person has, oldest first (for their download)."""
        rows = (
            db_session.connection()
            .execute(
                select(*self._columns)
                .where(self._owned(owner_id))
                .order_by(self._day, self.model.created_at, self.model.id)
            )
            .all()
        )
        return self._all_opened(owner_id, rows)

    def search(
        self,
        db_session: Session,
        owner_id: uuid.UUID,
        words: str,
        number: int,
        per_page: int = PER_PAGE,
    ) -> Page[OpenedRecord[Content]]:
        """Page `number` of the person's records whose text contains `words` (any case), newest
        first. Each record is opened here on the server; the database can read none of them."""
        needle = words.casefold()
        # A payload is JSON with its text as written (ensure_ascii=False). JSON escapes characters
        # one by one and casefold() folds them one by one, so a record whose text holds the words
        # holds them escaped in its JSON: a cheap test that skips parsing nearly every record.
        escaped_needle = json.dumps(needle, ensure_ascii=False)[1:-1]
        # For a payload of plain ASCII, lower-casing its bytes is exactly what casefold() does
        # to its text, and saves decoding it: most diaries are mostly ASCII.
        needle_bytes = escaped_needle.encode() if escaped_needle.isascii() else None
        # The scan reads ids and payloads only, ids as the database holds them (turning two
        # thousand into UUID objects and back into text was most of a search's time); the page
        # shown is read whole afterwards.
        scanned = (
            db_session.connection()
            .execute(
                select(cast(self.model.id, String), self.model.payload_sealed)
                .where(self._owned(owner_id))
                .order_by(*self._newest_first)
            )
            .all()
        )
        matches: list[str] = []
        if scanned:
            open_payload = cipher_for(owner_id).opener(kind=self.kind, field=PAYLOAD_FIELD)
            for stored_id, sealed in scanned:
                record_id = _id_text(stored_id)
                plain = open_payload(record_id, sealed)
                if plain.isascii():
                    if needle_bytes is None or needle_bytes not in plain.lower():
                        continue
                elif escaped_needle not in plain.decode().casefold():
                    continue
                content = self.content_type.from_payload(json.loads(plain))
                if any(needle in piece.casefold() for piece in content.searchable_text()):
                    matches.append(record_id)
        number = max(1, number)
        shown_ids = [
            uuid.UUID(found) for found in matches[(number - 1) * per_page : number * per_page]
        ]
        shown: list[OpenedRecord[Content]] = []
        if shown_ids:
            rows = (
                db_session.connection()
                .execute(
                    select(*self._columns)
                    .where(self._owned(owner_id), self.model.id.in_(shown_ids))
                    .order_by(*self._newest_first)
                )
                .all()
            )
            shown = self._all_opened(owner_id, rows)
        return Page(shown, number, len(matches), per_page)


def _id_text(stored: str) -> str:
    """A record id in the form associated data names it (8-4-4-4-12 hex digits), from the id as
    the database writes it as text: 32 hex digits on SQLite, already in that form on PostgreSQL."""
    if len(stored) == 32:
        return f"{stored[:8]}-{stored[8:12]}-{stored[12:16]}-{stored[16:20]}-{stored[20:]}"
    return stored
