"""When each account last signed in, so unused accounts can be deleted after a set time

Revision ID: 0004
Revises: 0003
Created: 2026-11-29 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade(engine_name: str) -> None:
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name: str) -> None:
    globals()[f"downgrade_{engine_name}"]()


def upgrade_main() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True)
        )
    # Accounts from before this revision count as used when they were made.
    op.execute("UPDATE users SET last_signed_in_at = created_at")
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("last_signed_in_at", nullable=False)
        batch_op.create_index("ix_users_last_signed_in_at", ["last_signed_in_at"])


def downgrade_main() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_index("ix_users_last_signed_in_at")
        batch_op.drop_column("last_signed_in_at")


def upgrade_keystore() -> None:
    pass


def downgrade_keystore() -> None:
    pass
