"""The facts index, for lists across articles; filled from the versions already stored.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _key() -> list[sa.Column]:
    """The columns naming one fact of one version, each table's primary key."""
    return [
        sa.Column("article_id", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("fact_id", sa.String(100), primary_key=True),
    ]


def upgrade() -> None:
    """Create `facts`, `fact_qids` and `fact_values`, then index every stored version.

    The fill uses this release's indexing code (`api.store.fact_index.refill`), as
    `article-facts rebuild` does; the served JSON it indexes is read from `versions` as stored.
    """
    op.create_table(
        "facts",
        *_key(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("last_day", sa.String(10), nullable=False),
        sa.Column("published", sa.String(32), nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index(
        "facts_in_order", "facts", ["kind", "day", "published", "article_id", "position"]
    )
    op.create_table(
        "fact_qids",
        *_key(),
        sa.Column("role", sa.String(40), primary_key=True),
        sa.Column("qid", sa.String(20), primary_key=True),
    )
    op.create_index("fact_qids_by_qid", "fact_qids", ["qid", "kind"])
    op.create_table(
        "fact_values",
        *_key(),
        sa.Column("field", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(100), primary_key=True),
    )
    op.create_index("fact_values_by_value", "fact_values", ["field", "value", "kind"])

    from api.store import fact_index

    fact_index.refill(op.get_bind())
