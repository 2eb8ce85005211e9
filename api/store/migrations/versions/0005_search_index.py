"""The search index, for search across articles; filled from the versions already stored.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `search_units`, `search_qids` and the engine's full-text index over the units'
    words (FTS5 on SQLite, a `tsvector` with a GIN index on PostgreSQL), then index every
    stored version with this release's code (`api.store.search_index.refill`), as
    `article-facts rebuild` does."""
    op.create_table(
        "search_units",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("published", sa.String(32), nullable=False),
        sa.Column("outlet", sa.String(200), nullable=False),
        sa.Column("words", sa.Text, nullable=False),
        sa.Column("word_count", sa.Integer, nullable=False),
        sa.Column("searched", sa.Text, nullable=False),
        sa.Column("start", sa.Integer),
        sa.Column("mentions", sa.Text),
        sa.UniqueConstraint("article_id", "version", "position", name="search_units_in_article"),
    )
    op.create_table(
        "search_qids",
        sa.Column("article_id", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("qid", sa.String(20), primary_key=True),
    )
    op.create_index("search_qids_by_qid", "search_qids", ["qid"])

    from api.store import search_index

    search_index.create(op.get_bind())
    search_index.refill(op.get_bind())
