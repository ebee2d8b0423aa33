"""Chain marks: how long each account's incident log has been, kept in the keystore

Revision ID: 0010
Revises: 0009
Created: 2026-11-30 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade(engine_name: str) -> None:
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name: str) -> None:
    globals()[f"downgrade_{engine_name}"]()


def upgrade_main() -> None:
    pass


def downgrade_main() -> None:
    pass


def upgrade_keystore() -> None:
    op.create_table(
        "incident_chain_marks",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_incident_chain_marks")),
    )


def downgrade_keystore() -> None:
    op.drop_table("incident_chain_marks")
