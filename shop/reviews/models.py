"""Reviews: one per purchased order item, written after delivery."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.accounts.models import User
from shop.extensions import db
from shop.models_base import utcnow
from shop.orders.models import OrderItem


class Review(db.Model):
    __table_args__ = (
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_one_to_five"),
        sa.Index("ix_review_product_created", "product_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_item_id: Mapped[int] = mapped_column(sa.ForeignKey("order_item.id", ondelete="CASCADE"), unique=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    photo_path: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship()
    order_item: Mapped[OrderItem] = relationship()
