"""audit entries of placed orders name their order (they were written before the order had an id)

Revision ID: 3c5f0d8a9e21
Revises: 9bfcd6be99fb
Create Date: 2026-11-28 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c5f0d8a9e21'
down_revision = '9bfcd6be99fb'
branch_labels = None
depends_on = None


def upgrade():
    # Data only: the entry's label is "주문 <number>", and an order's number is unique.
    op.execute(sa.text(
        "UPDATE audit_entry SET subject_id = "
        "(SELECT orders.id FROM orders WHERE '주문 ' || orders.number = audit_entry.subject_label) "
        "WHERE subject_type = 'order' AND action = 'order.status' AND subject_id IS NULL"
    ))


def downgrade():
    pass  # the ids are right in either schema; nothing to undo
