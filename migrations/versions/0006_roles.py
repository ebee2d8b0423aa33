"""Roles: every account is a person unless made staff (guides) or admin (staff accounts)

Revision ID: 0006
Revises: 0005
Created: 2026-11-30 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade(engine_name: str) -> None:
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name: str) -> None:
    globals()[f"downgrade_{engine_name}"]()


def upgrade_main() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(10), nullable=False, server_default="person")
        )


def downgrade_main() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("role")


def upgrade_keystore() -> None:
    pass


def downgrade_keystore() -> None:
    pass
