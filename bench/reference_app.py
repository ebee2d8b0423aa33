"""The yardstick the targets are set against: a bare Flask app whose page runs 3 SELECTs and
renders one cached template, beside a trivial route. `make bench` serves it with gunicorn on the
same database as the portal, so our ratios can be read against what such a page achieves here."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text

from config import normalise_database_url

app = Flask(__name__)
engine = create_engine(normalise_database_url(os.environ["REFERENCE_DATABASE_URL"]) or "")
# Compiled once, as Flask's template cache would hold it.
PAGE = app.jinja_env.from_string(
    "<!doctype html><title>Reference</title>"
    "<ul>{% for r in rows %}<li>{{ r }}</li>{% endfor %}</ul>"
)

with engine.begin() as connection:
    connection.execute(
        text("CREATE TABLE IF NOT EXISTS reference_rows (id INTEGER PRIMARY KEY, name TEXT)")
    )
    connection.execute(text("DELETE FROM reference_rows"))
    connection.execute(
        text("INSERT INTO reference_rows (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    )


@app.get("/health")
def trivial() -> str:
    return "ok"


@app.get("/page")
def page() -> str:
    with engine.connect() as connection:
        rows = [
            connection.execute(
                text("SELECT name FROM reference_rows WHERE id = :i"), {"i": i}
            ).scalar()
            for i in (1, 2, 3)
        ]
    return PAGE.render(rows=rows)
