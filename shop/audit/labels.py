"""Korean names of the states audit entries record, by the kind of thing, from the domains that own them."""
from __future__ import annotations

from shop.catalog.models import ProductStatus
from shop.models_base import ApprovalStatus
from shop.orders.models import OrderStatus, ShipmentStatus
from shop.procurement.models import QuoteStatus

_STATES = {"enterprise": ApprovalStatus, "institution": ApprovalStatus, "product": ProductStatus,
           "order": OrderStatus, "shipment": ShipmentStatus, "quote": QuoteStatus}


def state_label(subject_type: str, value: str) -> str:
    states = _STATES.get(subject_type)
    try:
        return states(value).label if states else value
    except ValueError:
        return value
