"""A member's saved delivery addresses, always scoped to that member."""
from __future__ import annotations

import sqlalchemy as sa

from shop.accounts.models import User
from shop.extensions import db
from shop.orders.models import SavedAddress
from shop.orders.services import Delivery

MAX_SAVED = 10


def saved_addresses(user: User) -> list[SavedAddress]:
    return list(db.session.scalars(
        sa.select(SavedAddress).where(SavedAddress.user_id == user.id)
        .order_by(SavedAddress.is_default.desc(), SavedAddress.id.desc())
    ))


def saved_address(user: User, address_id: int) -> SavedAddress | None:
    return db.session.scalar(sa.select(SavedAddress).where(SavedAddress.id == address_id,
                                                            SavedAddress.user_id == user.id))


def save_address(user: User, delivery: Delivery) -> SavedAddress:
    """Keep a checked delivery; the same address is not stored twice, the newest becomes the default."""
    delivery = delivery.checked()
    existing = db.session.scalar(sa.select(SavedAddress).where(
        SavedAddress.user_id == user.id, SavedAddress.postcode == delivery.postcode,
        SavedAddress.address1 == delivery.address1, SavedAddress.address2 == delivery.address2,
        SavedAddress.recipient_name == delivery.recipient_name))
    db.session.execute(sa.update(SavedAddress).where(SavedAddress.user_id == user.id).values(is_default=False))
    if existing is None:
        existing = SavedAddress(user_id=user.id, label=delivery.recipient_name, postcode=delivery.postcode,
                                recipient_name=delivery.recipient_name, address1=delivery.address1)
        db.session.add(existing)
    existing.recipient_phone, existing.address2, existing.is_default = delivery.recipient_phone, delivery.address2, True
    db.session.flush()
    surplus = saved_addresses(user)[MAX_SAVED:]
    for old in surplus:
        db.session.delete(old)
    db.session.commit()
    return existing
