"""marts: indexes by quarter (look-ups and deletes of a quarter's rows no longer scan the primary key)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 02:30:00.000000
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mart_municipality_quarter', schema=None) as batch_op:
        batch_op.create_index('ix_mart_municipality_quarter_by_quarter', ['quarter', 'municipality_code'],
                              unique=False)
    with op.batch_alter_table('mart_block_quarter', schema=None) as batch_op:
        batch_op.create_index('ix_mart_block_quarter_by_quarter', ['quarter', 'municipality_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mart_block_quarter', schema=None) as batch_op:
        batch_op.drop_index('ix_mart_block_quarter_by_quarter')
    with op.batch_alter_table('mart_municipality_quarter', schema=None) as batch_op:
        batch_op.drop_index('ix_mart_municipality_quarter_by_quarter')
