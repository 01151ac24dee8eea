"""membership decision reason

Revision ID: 465adf0e2d95
Revises: 2e9bae3e170c
Create Date: 2026-11-27 08:26:14.342854

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '465adf0e2d95'
down_revision = '2e9bae3e170c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('membership_decision_reason', sa.String(length=500), nullable=True))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('membership_decision_reason')

