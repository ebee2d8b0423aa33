"""Counting the SQL statements a request makes, on the main database and the keystore."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from portal.extensions import db, keystore_db


class StatementLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append(statement)


@contextmanager
def counting_queries(app: Flask) -> Iterator[StatementLog]:
    """Every statement sent to either database while the block runs."""
    log = StatementLog()
    with app.app_context():
        engines = [db.engine, keystore_db.engine]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", log.record)
    try:
        yield log
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", log.record)
