"""Alembic environment: migrates the main database and the keystore, each with its own models.

Run through `flask --app portal db ...` (portal.migrate), which passes the app in
`config.attributes["app"]`; the engines and URLs come from the app's settings.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import MetaData

from portal.extensions import db, keystore_db
from portal.models import Base, KeystoreBase
from portal.models.base import UTCDateTime

app = context.config.attributes["app"]

# name -> (database, the models' metadata, its version table)
DATABASES = {
    "main": (db, Base.metadata, "alembic_version"),
    "keystore": (keystore_db, KeystoreBase.metadata, "alembic_version_keystore"),
}


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTC timestamp type as the plain column type it is stored as."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def only_own_tables(metadata: MetaData) -> Any:
    """Compare a database with its own models only, should both ever share one database."""

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "table" and reflected:
            return name in metadata.tables
        return True

    return include_object


def run_migrations_online() -> None:
    with app.app_context():
        for name, (database, metadata, version_table) in DATABASES.items():
            with database.engine.connect() as connection:
                context.configure(
                    connection=connection,
                    target_metadata=metadata,
                    version_table=version_table,
                    upgrade_token=f"{name}_upgrades",
                    downgrade_token=f"{name}_downgrades",
                    render_as_batch=True,  # SQLite alters tables by copying them
                    compare_type=True,
                    render_item=render_item,
                    include_object=only_own_tables(metadata),
                )
                with context.begin_transaction():
                    context.run_migrations(engine_name=name)
                connection.commit()


if context.is_offline_mode():
    raise SystemExit(
        "Offline (SQL script) migrations are not supported; run them against a database."
    )
run_migrations_online()
