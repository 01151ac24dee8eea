"""audit log; products suspended by staff

Revision ID: f2e7ec50b804
Revises: ec677dd03f03
Create Date: 2026-11-27 07:59:45.893964

Staff stop a product's sale with a reason (status `suspended`, which only staff lift).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2e7ec50b804'
down_revision = 'ec677dd03f03'
branch_labels = None
depends_on = None

PRODUCT_STATUSES = ['draft', 'pending_review', 'active', 'hidden', 'suspended']
EVENT_KINDS = ['created', 'submitted', 'withdrawn', 'approved', 'rejected', 'hidden', 'shown', 'changes_submitted',
               'changes_withdrawn', 'changes_approved', 'changes_rejected', 'changes_discarded', 'price_changed',
               'stock_set', 'option_added', 'option_removed', 'suspended', 'reinstated']


def _status_check(batch_op, values):
    batch_op.drop_constraint(batch_op.f('ck_product_product_status'), type_='check')
    batch_op.create_check_constraint('product_status', sa.column('status').in_(values))


def _event_kind_check(batch_op, values):
    batch_op.drop_constraint(batch_op.f('ck_product_event_product_event_kind'), type_='check')
    batch_op.create_check_constraint('product_event_kind', sa.column('kind').in_(values))


def upgrade():
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('actor_is_staff', sa.Boolean(), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('subject_label', sa.String(length=200), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_entry_actor_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_action', ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_entry_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_audit_entry_subject', ['subject_type', 'subject_id'], unique=False)

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspension_reason', sa.String(length=500), nullable=True))
        _status_check(batch_op, PRODUCT_STATUSES)
    with op.batch_alter_table('product_event', schema=None) as batch_op:
        _event_kind_check(batch_op, EVENT_KINDS)


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('suspension_reason')
        _status_check(batch_op, PRODUCT_STATUSES[:-1])
    with op.batch_alter_table('product_event', schema=None) as batch_op:
        _event_kind_check(batch_op, EVENT_KINDS[:-2])

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_subject')
        batch_op.drop_index('ix_audit_entry_created_at')
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor_id'))
        batch_op.drop_index('ix_audit_entry_action')

    op.drop_table('audit_entry')
