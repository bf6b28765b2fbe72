"""Huddle items remember their scoring round: 1 independent, 2 a rescore after discussion.

Revision ID: a7c31d2e9b40
Revises: f9930e4d1cde
Created: 2026-12-04 07:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c31d2e9b40'
down_revision = 'f9930e4d1cde'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('huddle_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_check_constraint(op.f('ck_huddle_items_round_known'), 'round IN (1, 2)')


def downgrade():
    with op.batch_alter_table('huddle_items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_huddle_items_round_known'), type_='check')
        batch_op.drop_column('round')
