"""The store's epoch: raised by a rebuild, which re-derives every version's served form.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `store_state.epoch`, 0 until the first rebuild."""
    op.add_column("store_state", sa.Column("epoch", sa.Integer, nullable=False, server_default="0"))
