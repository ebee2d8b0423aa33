"""What a user journey brings to the app, so a new one plugs in with one line in create_app():
its blueprint, its place in the navigation, what it keeps, its part of a person's download, and
the styles its pages need."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app
from sqlalchemy.orm import Session

JOURNEYS_EXTENSION = "portal.journeys"


@dataclass(frozen=True)
class ExportItem:
    """One thing in the readable copy of a download: a diary entry, a night, a guide."""

    heading: str
    # (label, value) pairs; a value may run over several lines, which the copy keeps.
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ExportAttachment:
    """A file that goes into the download as it is (a photo, a letter), read when it is written,
    so a download of many files never holds them all in memory at once."""

    path: str  # where it goes in the ZIP, under the section's folder
    read: Callable[[], bytes]


@dataclass(frozen=True)
class ExportSection:
    """A journey's part of a person's download (portal.account.export)."""

    key: str  # the section's name in the JSON file
    title: str  # its heading in the readable copy
    data: list[Any] | dict[str, Any]  # JSON-ready: strings, numbers, lists, dicts, None
    items: tuple[ExportItem, ...]
    attachments: tuple[ExportAttachment, ...] = ()


# Everything one person has in a journey, opened for them: (database session, owner's id).
Exporter = Callable[[Session, uuid.UUID], ExportSection]


@dataclass(frozen=True)
class Journey:
    """A journey's blueprint, its place in the main navigation, and what it keeps for a person."""

    blueprint: Blueprint
    nav_endpoint: str | None = None
    nav_label: str | None = None
    # One line saying what it is for, under its card on the home page; needed with a menu item.
    summary: str | None = None
    # One line for the account page's "What we keep about you".
    keeps: str | None = None
    # Its part of "Download your data"; every journey that keeps something should have one.
    export: Exporter | None = None
    # Styles only its pages need (a file in static/), so other pages do not download them.
    stylesheet: str | None = None
    # The blueprint whose menu item this journey's pages come under (the sleep diary's, "diary").
    part_of: str | None = None

    def __post_init__(self) -> None:
        if self.nav_endpoint and not (self.nav_label and self.summary):
            raise ValueError(
                f"the {self.blueprint.name} journey is in the menu: give it a nav_label and a "
                "summary for its card on the home page"
            )


@dataclass(frozen=True)
class NavLink:
    """An item of the main menu, what it is for, and the blueprints whose pages it leads to."""

    endpoint: str
    label: str
    summary: str
    blueprints: frozenset[str]


def register_journeys(app: Flask, journeys: tuple[Journey, ...]) -> None:
    for journey in journeys:
        app.register_blueprint(journey.blueprint)
    app.extensions[JOURNEYS_EXTENSION] = journeys


def registered_journeys() -> tuple[Journey, ...]:
    return current_app.extensions[JOURNEYS_EXTENSION]


def nav_links() -> list[NavLink]:
    """The main navigation, in registration order."""
    journeys = registered_journeys()
    return [
        NavLink(
            j.nav_endpoint,
            j.nav_label,
            j.summary,
            frozenset(
                [
                    j.blueprint.name,
                    *(o.blueprint.name for o in journeys if o.part_of == j.blueprint.name),
                ]
            ),
        )
        for j in journeys
        if j.nav_endpoint and j.nav_label and j.summary
    ]


def stylesheet_of(blueprint: str | None) -> str | None:
    """The stylesheet of the journey a page belongs to, if it has one of its own."""
    return next(
        (j.stylesheet for j in registered_journeys() if j.blueprint.name == blueprint), None
    )


def kept_records() -> list[str]:
    return [j.keeps for j in registered_journeys() if j.keeps]


def exported_records() -> list[str]:
    """The "what we keep" line of each journey whose records are in the download."""
    return [j.keeps for j in registered_journeys() if j.keeps and j.export]


def export_sections(db_session: Session, owner_id: uuid.UUID) -> list[ExportSection]:
    """Every journey's part of the person's download, in registration order."""
    return [j.export(db_session, owner_id) for j in registered_journeys() if j.export]
