"""What a user journey brings to the app, so a new one plugs in with one line in create_app()."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app

JOURNEYS_EXTENSION = "portal.journeys"


@dataclass(frozen=True)
class Journey:
    """A journey's blueprint, its place in the main navigation, and what it keeps for a person."""

    blueprint: Blueprint
    nav_endpoint: str | None = None
    nav_label: str | None = None
    # One line for the account page's "What we keep about you".
    keeps: str | None = None


def register_journeys(app: Flask, journeys: tuple[Journey, ...]) -> None:
    for journey in journeys:
        app.register_blueprint(journey.blueprint)
    app.extensions[JOURNEYS_EXTENSION] = journeys


def registered_journeys() -> tuple[Journey, ...]:
    return current_app.extensions[JOURNEYS_EXTENSION]


def nav_links() -> list[tuple[str, str]]:
    """(endpoint, label) for the main navigation, in registration order."""
    return [
        (j.nav_endpoint, j.nav_label)
        for j in registered_journeys()
        if j.nav_endpoint and j.nav_label
    ]


def kept_records() -> list[str]:
    return [j.keeps for j in registered_journeys() if j.keeps]
