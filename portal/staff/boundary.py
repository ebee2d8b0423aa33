"""The line between staff and the people the site is for, drawn in one place.

Staff and admin pages learn about people only through this module: how many started or finished
a guide and how far they got, and how many have work in an id a new revision would drop, every
count under 5 given as "fewer than 5"; and the names of staff accounts, never anyone else's.

`install_privacy_boundary()` guards every request to a bounded blueprint three ways, so that a
mistake anywhere else fails loudly instead of leaking:
- no one else's data key opens (portal.security.data_keys), so nothing sealed (diary, sleep
  notes, incidents and their files' names, answers, email addresses) can be read;
- no statement may touch people's records, or say whose a row of progress or answers is: it
  raises PrivateDataRefused, naming the table or column;
- the response is a page or JSON, never a file: nothing is exported through it.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, g, has_app_context, request
from flask.wrappers import Response
from flask_login import current_user
from sqlalchemy import ColumnElement, Delete, ScalarSelect, Select, TextClause, event, func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import TableClause

from portal.auth.roles import STAFF_ROLES
from portal.extensions import db, keystore_db
from portal.models.accounts import User
from portal.models.guides import GuideAnswer, GuideProgress
from portal.security.data_keys import seal_off_private_records

BOUNDED_BLUEPRINTS = frozenset({"staff", "admin"})
INSIDE = "inside_privacy_boundary"
SMALL_COUNT = 5
PAGE_TYPES = frozenset({"text/html", "application/json"})

# People's records: a bounded request never touches these tables at all.
SEALED_OFF_TABLES = frozenset(
    {
        "diary_entries",
        "sleep_nights",
        "incidents",
        "incident_revisions",
        "evidence_files",
        "incident_chain_links",
        "incident_chain_checkpoints",
        "shares",
        "share_snapshot_parts",
        "share_openings",
    }
)
# ...nor these columns: what someone answered, and whose progress or answers a row is.
SEALED_OFF_COLUMNS = frozenset(
    {
        ("guide_answers", "value_sealed"),
        ("guide_answers", "user_id"),
        ("guide_progress", "user_id"),
    }
)
# Every other table with a user_id, and why a bounded request may touch it. A test checks that
# each table with a user_id is here or sealed off above, so a new kind of record is never missed.
ACCOUNT_TABLES = {
    "web_sessions": "signing in, staff included (the session's data is sealed)",
    "recovery_codes": "hashes only, for managing staff accounts",
    "account_tokens": "hashes only, for managing staff accounts",
    "guide_progress": "counted by guide and step, never whose (user_id is sealed off)",
    "guide_answers": "counted by exercise id, never read (value and user_id are sealed off)",
}


class PrivateDataRefused(Exception):
    """A staff or admin request tried to reach people's private data."""


def install_privacy_boundary(app: Flask) -> None:
    """Guard every request to a staff or admin page (create_app calls this once)."""
    app.before_request(_enter_boundary)
    app.after_request(_refuse_files)
    with app.app_context():
        engines = (db.engine, keystore_db.engine)
    for engine in engines:
        event.listen(engine, "before_execute", _refuse_private_statements)


def _enter_boundary() -> None:
    if request.blueprint not in BOUNDED_BLUEPRINTS:
        return
    setattr(g, INSIDE, True)
    seal_off_private_records(current_user.id if current_user.is_authenticated else None)


def _refuse_files(response: Response) -> Response:
    if g.get(INSIDE) and (
        response.mimetype not in PAGE_TYPES
        or "attachment" in response.headers.get("Content-Disposition", "")
    ):
        raise PrivateDataRefused(f"a staff page may not send {response.mimetype} or a download")
    return response


def _refuse_private_statements(
    _connection: Any, statement: Any, _multiparams: Any, _params: Any, _options: Any
) -> None:
    if has_app_context() and g.get(INSIDE):
        reached = private_part_of(statement)
        if reached is not None:
            raise PrivateDataRefused(f"a staff or admin page may not reach {reached}")


def private_part_of(statement: Any) -> str | None:
    """The sealed-off table or column a statement reads, if any. A DELETE that returns nothing
    reads nothing: an admin deleting a staff account takes the account's rows with it."""
    if isinstance(statement, Delete) and not statement._returning:
        return None
    if isinstance(statement, TextClause):
        named = set(re.findall(r"[a-z_]+", statement.text.lower())) & SEALED_OFF_TABLES
        return f"table {min(named)}" if named else None
    for element in visitors.iterate(statement):
        if isinstance(element, TableClause) and element.name in SEALED_OFF_TABLES:
            return f"table {element.name}"
        # An ORM entity's columns show only among a SELECT's selected columns.
        columns = element.selected_columns if isinstance(element, Select) else (element,)
        for column in columns:
            table = getattr(column, "table", None)
            if (
                isinstance(column, ColumnClause)
                and isinstance(table, TableClause)
                and (table.name, column.name) in SEALED_OFF_COLUMNS
            ):
                return f"column {table.name}.{column.name}"
    return None


# What staff may learn ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleCount:
    """How many people, as staff may see it: a count under 5 is only ever "fewer than 5", so
    nobody can be picked out. `any` says whether there is anyone at all."""

    words: str
    any: bool

    @classmethod
    def of(cls, number: int) -> PeopleCount:
        return cls("fewer than 5" if number < SMALL_COUNT else f"{number:,}", number > 0)

    def __str__(self) -> str:
        return self.words


@dataclass(frozen=True)
class GuideActivity:
    """Anonymous figures for one guide: people who started it (saved a step), who finished it,
    and who finished each step, in the order of the step ids given."""

    started: PeopleCount
    finished: PeopleCount
    steps: tuple[tuple[str, PeopleCount], ...]


def guide_activity(db_session: Any, guide_id: uuid.UUID, step_ids: Iterable[str]) -> GuideActivity:
    """Counted in one query over the guide's progress rows, never asking whose they are."""
    rows = db_session.execute(
        select(GuideProgress.completed_steps, GuideProgress.completed_at).where(
            GuideProgress.guide_id == guide_id
        )
    ).all()
    per_step: Counter[str] = Counter()
    for completed_steps, _ in rows:
        per_step.update(set(completed_steps or ()))
    return GuideActivity(
        started=PeopleCount.of(len(rows)),
        finished=PeopleCount.of(sum(1 for _, completed_at in rows if completed_at is not None)),
        steps=tuple((step_id, PeopleCount.of(per_step[step_id])) for step_id in step_ids),
    )


@dataclass(frozen=True)
class WorkInAnId:
    """People with work in a step or exercise id: progress in a step, answers in an exercise."""

    id: str
    kind: str  # "step" or "exercise"
    people: PeopleCount


def work_in_ids(
    db_session: Any, guide_id: uuid.UUID, step_ids: set[str], exercise_ids: set[str]
) -> list[WorkInAnId]:
    """For each id given that someone has finished (a step) or answered (an exercise), how many
    people have: two queries, counts only."""
    found: list[WorkInAnId] = []
    if step_ids:
        finished: Counter[str] = Counter()
        for (completed_steps,) in db_session.execute(
            select(GuideProgress.completed_steps).where(GuideProgress.guide_id == guide_id)
        ):
            finished.update(set(completed_steps or ()) & step_ids)
        found += [
            WorkInAnId(step_id, "step", PeopleCount.of(finished[step_id]))
            for step_id in sorted(finished)
        ]
    if exercise_ids:
        answered = db_session.execute(
            select(GuideAnswer.block_id, func.count())
            .where(GuideAnswer.guide_id == guide_id, GuideAnswer.block_id.in_(exercise_ids))
            .group_by(GuideAnswer.block_id)
            .order_by(GuideAnswer.block_id)
        ).all()
        found += [
            WorkInAnId(block_id, "exercise", PeopleCount.of(count))
            for block_id, count in answered
            if count
        ]
    return found


def staff_name(
    account_id: ColumnElement[uuid.UUID | None] | InstrumentedAttribute[uuid.UUID | None],
) -> ScalarSelect[str]:
    """The username of the staff account `account_id` names, for a SELECT; NULL when it names
    anyone else (a person, or an account that has left the staff), so no person's name shows."""
    return (
        select(User.username)
        .where(User.id == account_id, User.role.in_([role.value for role in STAFF_ROLES]))
        .scalar_subquery()
    )
