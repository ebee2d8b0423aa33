"""Shares: a read-only, time-limited view of chosen records for a caseworker

Revision ID: 0009
Revises: 0008
Created: 2026-11-30 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade(engine_name: str) -> None:
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name: str) -> None:
    globals()[f"downgrade_{engine_name}"]()


def upgrade_main() -> None:
    op.create_table(
        "shares",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("snapshot_key_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("recipient_key_wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("code_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("failed_codes", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_shares_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shares")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_shares_token_hash")),
    )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shares_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shares_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "share_snapshot_parts",
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["shares.id"],
            name=op.f("fk_share_snapshot_parts_share_id_shares"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("share_id", "name", name=op.f("pk_share_snapshot_parts")),
    )
    op.create_table(
        "share_openings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["shares.id"],
            name=op.f("fk_share_openings_share_id_shares"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_share_openings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_openings")),
    )
    with op.batch_alter_table("share_openings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_openings_share_id"), ["share_id"], unique=False)


def downgrade_main() -> None:
    with op.batch_alter_table("share_openings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_openings_share_id"))
    op.drop_table("share_openings")
    op.drop_table("share_snapshot_parts")
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shares_expires_at"))
        batch_op.drop_index(batch_op.f("ix_shares_user_id"))
    op.drop_table("shares")


def upgrade_keystore() -> None:
    pass


def downgrade_keystore() -> None:
    pass
