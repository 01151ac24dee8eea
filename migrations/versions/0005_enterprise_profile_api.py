"""enterprise profile: bank account, owner, invitations, API tokens

Revision ID: ec677dd03f03
Revises: 6d11736840bb
Create Date: 2026-11-27 07:44:35.819589

Each enterprise's first member becomes its owner.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ec677dd03f03'
down_revision = '6d11736840bb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_api_token_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_api_token_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_token_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('enterprise_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enterprise_invitation_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_enterprise_invitation_invited_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_enterprise_invitation_token_hash'))
    )
    with op.batch_alter_table('enterprise_invitation', schema=None) as batch_op:
        batch_op.create_index('ix_enterprise_invitation_enterprise_email', ['enterprise_id', 'email'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_invitation_invited_by_id'), ['invited_by_id'], unique=False)

    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_name', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('bank_account_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('bank_account_holder', sa.String(length=50), nullable=True))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enterprise_owner', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('enterprise_owner', server_default=None)

    # Each enterprise's first member (the one who applied) becomes its owner.
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('enterprise_id', sa.Integer),
                    sa.column('enterprise_owner', sa.Boolean))
    first_members = sa.select(sa.func.min(user.c.id)).where(user.c.enterprise_id.is_not(None)) \
        .group_by(user.c.enterprise_id)
    op.execute(user.update().where(user.c.id.in_(first_members)).values(enterprise_owner=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('enterprise_owner')

    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('bank_account_holder')
        batch_op.drop_column('bank_account_number')
        batch_op.drop_column('bank_name')

    with op.batch_alter_table('enterprise_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_invitation_invited_by_id'))
        batch_op.drop_index('ix_enterprise_invitation_enterprise_email')

    op.drop_table('enterprise_invitation')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_api_token_created_by_id'))

    op.drop_table('api_token')
