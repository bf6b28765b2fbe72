"""Huddle items remember their scoring round: 1 independent, 2 a rescore after discussion.

Revision ID: a7c31d2e9b40
Revises: f9930e4d1cde
Created: 2026-12-04 07:15:00

A plain ADD COLUMN, not a batch rebuild: SQLite rebuilds a table by dropping it, and with
foreign keys on that would cascade into the agreed scores that refer to its rows. SQLite
cannot add a CHECK constraint to an existing table, so there the round is checked by the
application only.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c31d2e9b40'
down_revision = 'f9930e4d1cde'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('huddle_items',
                  sa.Column('round', sa.Integer(), nullable=False, server_default='1'))
    if op.get_bind().dialect.name != 'sqlite':
        op.create_check_constraint(op.f('ck_huddle_items_round_known'), 'huddle_items',
                                   'round IN (1, 2)')


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_huddle_items_round_known'), 'huddle_items', type_='check')
    op.drop_column('huddle_items', 'round')
