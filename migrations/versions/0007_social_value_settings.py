"""verified social value by staff; site settings

Revision ID: 2e9bae3e170c
Revises: f2e7ec50b804
Create Date: 2026-11-27 08:09:03.104340

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2e9bae3e170c'
down_revision = 'f2e7ec50b804'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_site_setting_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_setting'))
    )
    with op.batch_alter_table('social_value_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incentive_krw', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_social_value_record_verified_year', ['verified', 'year'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_social_value_record_verified_by_id_user'), 'user', ['verified_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint('incentive_not_negative', 'incentive_krw IS NULL OR incentive_krw >= 0')



def downgrade():
    with op.batch_alter_table('social_value_record', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_social_value_record_incentive_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_social_value_record_verified_by_id_user'), type_='foreignkey')
        batch_op.drop_index('ix_social_value_record_verified_year')
        batch_op.drop_column('verified_at')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('incentive_krw')

    op.drop_table('site_setting')
