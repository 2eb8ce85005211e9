"""Articles, every version of each, and the store's generation.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables of api/store/database.py as they were at this revision."""
    state = op.create_table(
        "store_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(state, [{"id": 1, "generation": 0}])
    op.create_table(
        "articles",
        sa.Column("article_id", sa.String(100), primary_key=True),
        sa.Column("latest_version", sa.Integer, nullable=False),
        sa.Column("withdrawn_reason", sa.Text),
        sa.Column("withdrawn_at", sa.String(32)),
    )
    op.create_table(
        "versions",
        sa.Column("article_id", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False, unique=True),
        sa.Column("ingested_at", sa.String(32), nullable=False),
        sa.Column("format", sa.Integer, nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("annotation_sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("annotation", sa.Text, nullable=False),
        sa.Column("metadata", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("facets", sa.Text, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
    )
