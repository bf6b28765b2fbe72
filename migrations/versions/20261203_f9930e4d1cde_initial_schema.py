"""Initial schema: areas, staff and tokens, frameworks and vignette versions, huddles, ratings.

Revision ID: f9930e4d1cde
Revises: 
Created: 2026-12-03 19:49:30.799231
"""
from alembic import op
import sqlalchemy as sa


revision = 'f9930e4d1cde'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas')),
    sa.UniqueConstraint('name', name=op.f('uq_areas_name'))
    )
    op.create_table('frameworks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frameworks')),
    sa.UniqueConstraint('key', 'version', name=op.f('uq_frameworks_key_version'))
    )
    op.create_table('practitioners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practitioners')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_practitioners_token_digest'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('facilitator', 'reviewer', 'admin')", name=op.f('ck_users_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('vignettes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vignettes')),
    sa.UniqueConstraint('code', name=op.f('uq_vignettes_code'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_api_tokens_token_digest'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('huddles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=True),
    sa.Column('host_area_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('join_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('current_item_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('lobby', 'scoring', 'revealed', 'closed')", name=op.f('ck_huddles_status_known')),
    sa.ForeignKeyConstraint(['host_area_id'], ['areas.id'], name=op.f('fk_huddles_host_area_id_areas')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_huddles_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_huddles')),
    sa.UniqueConstraint('join_code', name=op.f('uq_huddles_join_code'))
    )
    with op.batch_alter_table('huddles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_huddles_owner_id'), ['owner_id'], unique=False)

    op.create_table('vignette_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vignette_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('body_markdown', sa.Text(), nullable=False),
    sa.Column('reference_scores', sa.JSON(), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=False),
    sa.Column('source_path', sa.String(length=500), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['frameworks.id'], name=op.f('fk_vignette_versions_framework_id_frameworks')),
    sa.ForeignKeyConstraint(['vignette_id'], ['vignettes.id'], name=op.f('fk_vignette_versions_vignette_id_vignettes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vignette_versions')),
    sa.UniqueConstraint('vignette_id', 'version', name=op.f('uq_vignette_versions_vignette_id_version'))
    )
    with op.batch_alter_table('vignette_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vignette_versions_vignette_id'), ['vignette_id'], unique=False)

    op.create_table('huddle_cofacilitators',
    sa.Column('huddle_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['huddle_id'], ['huddles.id'], name=op.f('fk_huddle_cofacilitators_huddle_id_huddles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_huddle_cofacilitators_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('huddle_id', 'user_id', name=op.f('pk_huddle_cofacilitators'))
    )
    op.create_table('huddle_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('huddle_id', sa.Integer(), nullable=False),
    sa.Column('vignette_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consensus_note', sa.Text(), nullable=True),
    sa.Column('consensus_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'scoring', 'revealed')", name=op.f('ck_huddle_items_state_known')),
    sa.ForeignKeyConstraint(['huddle_id'], ['huddles.id'], name=op.f('fk_huddle_items_huddle_id_huddles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vignette_version_id'], ['vignette_versions.id'], name=op.f('fk_huddle_items_vignette_version_id_vignette_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_huddle_items')),
    sa.UniqueConstraint('huddle_id', 'position', name=op.f('uq_huddle_items_huddle_id_position')),
    sa.UniqueConstraint('huddle_id', 'vignette_version_id', name=op.f('uq_huddle_items_huddle_id_vignette_version_id'))
    )
    # huddles and huddle_items refer to each other: add this key once both exist.
    with op.batch_alter_table('huddles', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_huddles_current_item_id_huddle_items'), 'huddle_items',
            ['current_item_id'], ['id'], ondelete='SET NULL')
    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('huddle_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=80), nullable=True),
    sa.Column('setting', sa.String(length=120), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_participants_area_id_areas')),
    sa.ForeignKeyConstraint(['huddle_id'], ['huddles.id'], name=op.f('fk_participants_huddle_id_huddles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioners.id'], name=op.f('fk_participants_practitioner_id_practitioners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants')),
    sa.UniqueConstraint('huddle_id', 'practitioner_id', name=op.f('uq_participants_huddle_id_practitioner_id'))
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_practitioner_id'), ['practitioner_id'], unique=False)

    op.create_table('consensus_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['huddle_items.id'], name=op.f('fk_consensus_scores_item_id_huddle_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consensus_scores')),
    sa.UniqueConstraint('item_id', 'domain', name=op.f('uq_consensus_scores_item_id_domain'))
    )
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('huddle_id', sa.Integer(), nullable=False),
    sa.Column('vignette_version_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('round IN (1, 2)', name=op.f('ck_ratings_round_known')),
    sa.ForeignKeyConstraint(['huddle_id'], ['huddles.id'], name=op.f('fk_ratings_huddle_id_huddles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_ratings_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vignette_version_id'], ['vignette_versions.id'], name=op.f('fk_ratings_vignette_version_id_vignette_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('huddle_id', 'vignette_version_id', 'domain', 'participant_id', 'round', name=op.f('uq_ratings_huddle_id_vignette_version_id_domain_participant_id_round'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_participant_id'), ['participant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_participant_id'))

    with op.batch_alter_table('huddles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_huddles_current_item_id_huddle_items'), type_='foreignkey')
    op.drop_table('ratings')
    op.drop_table('consensus_scores')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_practitioner_id'))

    op.drop_table('participants')
    op.drop_table('huddle_items')
    op.drop_table('huddle_cofacilitators')
    with op.batch_alter_table('vignette_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vignette_versions_vignette_id'))

    op.drop_table('vignette_versions')
    with op.batch_alter_table('huddles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_huddles_owner_id'))

    op.drop_table('huddles')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('vignettes')
    op.drop_table('users')
    op.drop_table('practitioners')
    op.drop_table('frameworks')
    op.drop_table('areas')
