"""Withdrawals, each with its generation, so that the feed of changes shows them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `withdrawals` and record the articles withdrawn before it existed.

    An article withdrawn before this migration gets a new generation (above every version's),
    so a client polling the feed learns of it once, after whatever it has already seen.
    """
    op.create_table(
        "withdrawals",
        sa.Column("generation", sa.BigInteger, primary_key=True),
        sa.Column("article_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("withdrawn_at", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    connection = op.get_bind()
    state = sa.table("store_state", sa.column("generation", sa.BigInteger))
    articles = sa.table(
        "articles",
        sa.column("article_id", sa.String),
        sa.column("latest_version", sa.Integer),
        sa.column("withdrawn_reason", sa.Text),
        sa.column("withdrawn_at", sa.String),
    )
    withdrawals = sa.table(
        "withdrawals",
        sa.column("generation", sa.BigInteger),
        sa.column("article_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("withdrawn_at", sa.String),
        sa.column("reason", sa.Text),
    )
    withdrawn = connection.execute(
        sa.select(articles)
        .where(articles.c.withdrawn_reason.is_not(None))
        .order_by(articles.c.withdrawn_at, articles.c.article_id)
    ).all()
    if not withdrawn:
        return
    generation = connection.execute(sa.select(state.c.generation)).scalar_one()
    for row in withdrawn:
        generation += 1
        connection.execute(
            sa.insert(withdrawals).values(
                generation=generation,
                article_id=row.article_id,
                version=row.latest_version,
                withdrawn_at=row.withdrawn_at,
                reason=row.withdrawn_reason,
            )
        )
    connection.execute(sa.update(state).values(generation=generation))
