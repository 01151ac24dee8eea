"""product review: changes to a selling product wait in a revision; review reasons; product history

Revision ID: 6d11736840bb
Revises: 5e1c0a93d7b4
Create Date: 2026-11-27 03:38:31.396216

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d11736840bb'
down_revision = '5e1c0a93d7b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('created', 'submitted', 'withdrawn', 'approved', 'rejected', 'hidden', 'shown', 'changes_submitted', 'changes_withdrawn', 'changes_approved', 'changes_rejected', 'changes_discarded', 'price_changed', 'stock_set', 'option_added', 'option_removed', name='product_event_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=50), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_product_event_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_event_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_event'))
    )
    with op.batch_alter_table('product_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_event_product_id'), ['product_id'], unique=False)

    op.create_table('product_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'pending', 'rejected', name='revision_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('review_reason', sa.String(length=500), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_revision_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_revision')),
    sa.UniqueConstraint('product_id', name=op.f('uq_product_revision_product_id'))
    )
    op.create_table('product_revision_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('alt', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['product_revision.id'], name=op.f('fk_product_revision_image_revision_id_product_revision'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_revision_image'))
    )
    with op.batch_alter_table('product_revision_image', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_revision_image_revision_id'), ['revision_id'], unique=False)

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('review_reason', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('review_reason')
        batch_op.drop_column('submitted_at')

    with op.batch_alter_table('product_revision_image', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_revision_image_revision_id'))

    op.drop_table('product_revision_image')
    op.drop_table('product_revision')
    with op.batch_alter_table('product_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_event_product_id'))
        batch_op.drop_index(batch_op.f('ix_product_event_actor_id'))

    op.drop_table('product_event')
