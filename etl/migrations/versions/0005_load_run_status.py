"""load_run.status: running, finished or interrupted, so that an interrupted run is not shown as complete

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with its CHECK inline: SQLite's batch mode would copy load_run into a new table, and
    # dropping the old one fails while source_file, finding and submission refer to its rows.
    op.add_column('load_run', sa.Column(
        'status', sa.String(length=20), sa.CheckConstraint("status IN ('running','finished','interrupted')",
                                                           name=op.f('ck_load_run_status')),
        server_default='running', nullable=False))
    # Runs with an end finished. Those without stay "running": the next load marks them interrupted once it
    # holds the load lock, and `nhsv runs` shows them as interrupted while no load is going.
    op.execute("UPDATE load_run SET status = 'finished' WHERE finished_at IS NOT NULL")


def downgrade() -> None:
    op.drop_column('load_run', 'status')  # its CHECK goes with it (SQLite 3.35+: ALTER TABLE … DROP COLUMN)
