"""Alembic, driven from the app's own settings: `flask db upgrade` and friends call these.

One revision history covers both databases; each revision has upgrade_main()/upgrade_keystore()
(Alembic's multi-database layout), and each database keeps its own version table.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(app: Flask) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["app"] = app
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring both databases up to `revision` (the newest by default)."""
    command.upgrade(alembic_config(app), revision)


def downgrade(app: Flask, revision: str) -> None:
    command.downgrade(alembic_config(app), revision)


def new_revision(app: Flask, message: str) -> None:
    """Write a revision from the difference between the models and the databases."""
    command.revision(alembic_config(app), message=message, autogenerate=True)


def current(app: Flask) -> None:
    command.current(alembic_config(app), verbose=False)
