"""Guide publishing: drafts, who published each revision and why, the staff audit log

Revision ID: 0008
Revises: 0007
Created: 2026-11-30 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade(engine_name: str) -> None:
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name: str) -> None:
    globals()[f"downgrade_{engine_name}"]()


def upgrade_main() -> None:
    # Columns only, never a constraint: on SQLite a constraint means copying the table, and
    # dropping the old guides table would cascade to everyone's progress and answers.
    with op.batch_alter_table("guides", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_edited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_edited_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("unpublished_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("guide_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("change_note", sa.String(length=500), nullable=False, server_default="")
        )
    op.create_table(
        "guide_drafts",
        sa.Column("guide_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("base_version_id", sa.Uuid(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["base_version_id"],
            ["guide_versions.id"],
            name=op.f("fk_guide_drafts_base_version_id_guide_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["guide_id"],
            ["guides.id"],
            name=op.f("fk_guide_drafts_guide_id_guides"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_guide_drafts_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("guide_id", name=op.f("pk_guide_drafts")),
    )
    op.create_table(
        "staff_audit_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("actor_name", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("guide_slug", sa.String(length=80), nullable=True),
        sa.Column("detail", sa.String(length=600), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_audit_events")),
    )
    with op.batch_alter_table("staff_audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_audit_events_at"), ["at"], unique=False)


def downgrade_main() -> None:
    with op.batch_alter_table("staff_audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_audit_events_at"))
    op.drop_table("staff_audit_events")
    op.drop_table("guide_drafts")
    with op.batch_alter_table("guide_versions", schema=None) as batch_op:
        batch_op.drop_column("change_note")
        batch_op.drop_column("author_id")
    with op.batch_alter_table("guides", schema=None) as batch_op:
        batch_op.drop_column("unpublished_at")
        batch_op.drop_column("last_edited_by_id")
        batch_op.drop_column("last_edited_at")


def upgrade_keystore() -> None:
    pass


def downgrade_keystore() -> None:
    pass
