"""Second factor for staff and admins: a sealed TOTP secret, the last step accepted, and a
password an admin handed over that must be replaced at the first sign-in

Revision ID: 0007
Revises: 0006
Created: 2026-11-30 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade(engine_name: str) -> None:
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name: str) -> None:
    globals()[f"downgrade_{engine_name}"]()


def upgrade_main() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("totp_secret_ciphertext", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("second_factor_set_up_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "password_must_change", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade_main() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("password_must_change")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("second_factor_set_up_at")
        batch_op.drop_column("totp_secret_ciphertext")


def upgrade_keystore() -> None:
    pass


def downgrade_keystore() -> None:
    pass
