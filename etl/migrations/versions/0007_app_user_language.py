"""app_user.language: the interface language a user chose (nl or en); NULL while none is chosen (Dutch)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with its CHECK inline (as 0005): SQLite's batch mode would copy app_user into a new
    # table, which user_session and the audit refer to.
    op.add_column('app_user', sa.Column(
        'language', sa.String(length=5), sa.CheckConstraint("language IN ('nl','en')",
                                                            name=op.f('ck_app_user_language')), nullable=True))


def downgrade() -> None:
    op.drop_column('app_user', 'language')  # its CHECK goes with it (SQLite 3.35+: ALTER TABLE … DROP COLUMN)
