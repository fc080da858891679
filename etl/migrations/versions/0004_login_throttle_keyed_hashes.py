"""access: progressive login delays counted under keyed hashes; typed e-mail fields no longer kept

`login_failure` kept one row per failed login with the e-mail field as typed, which was sometimes a password.
`login_throttle` keeps one counter per account, client address or browser under a keyed hash. The failed-login
rows of the audit log lose an actor that is not the e-mail address of a user (a typo, or a password typed into
the e-mail field); addresses of users stay, they name the account that was tried.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

FAILED_LOGIN_EVENTS = ("login_failed", "login_throttled")


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    comment='One row per account, client address or browser whose failed logins are being counted, for progressive login delays shared by all server processes.'
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_email_at')
        batch_op.drop_index('ix_login_failure_address_at')
    op.drop_table('login_failure')

    audit_log = sa.table('audit_log', sa.column('event', sa.String), sa.column('actor', sa.String))
    app_user = sa.table('app_user', sa.column('email', sa.String))
    op.execute(audit_log.update()
               .where(audit_log.c.event.in_(FAILED_LOGIN_EVENTS), audit_log.c.actor.is_not(None),
                      audit_log.c.actor.not_in(sa.select(app_user.c.email)))
               .values(actor=None))


def downgrade() -> None:
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure')),
    comment='One row per failed login attempt, for throttling across server processes.'
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_address_at', ['address', 'at'], unique=False)
        batch_op.create_index('ix_login_failure_email_at', ['email', 'at'], unique=False)
    op.drop_table('login_throttle')
