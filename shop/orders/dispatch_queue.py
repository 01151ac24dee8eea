"""The shipments an enterprise still has to send, for its own systems (the /api/v1/enterprise API):
oldest order first, read page after page with a cursor, scoped to the enterprise like every read in
shop.orders.enterprise_queries. The recipient's details are shown under the same rule as in the console
(enterprise_queries.CONTACT_VISIBLE)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from shop.core.korea import KST
from shop.extensions import db
from shop.models_base import as_utc
from shop.orders.models import Order, Shipment, ShipmentStatus

# Card orders wait to be sent once paid (and while being prepared); invoice orders once accepted.
TO_SHIP = (ShipmentStatus.PAID, ShipmentStatus.PREPARING, ShipmentStatus.ACCEPTED)
MAX_LIMIT = 100


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: orders placed at `since` or later; with `after_id`, those placed exactly at
    `since` only after that shipment (so a page boundary never repeats or skips one)."""

    since: datetime  # aware
    after_id: int | None = None


@dataclass(frozen=True)
class QueuePage:
    items: list[Shipment]
    next: Cursor | None  # None: nothing more waits now


_MOMENT = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,30}))?)?"
    r"(?P<zone>[Zz]|[+\- ]\d{2}:\d{2})?)?")


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date or RFC 3339 date-time as an aware UTC time; without a zone it is Korean time, as
    everywhere in the mall. A leap second counts as :59, and a moment outside the years Python knows as
    the first or last one it knows. Raises ValueError for anything else."""
    match = _MOMENT.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, zone = int(match["year"]), match["zone"]
    if zone is None:
        tz = KST
    elif zone in "Zz":
        tz = UTC
    else:  # a "+" that arrived unencoded in a query string reads as a space
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(text)
        tz = timezone((-1 if zone[0] == "-" else 1) * timedelta(hours=hours, minutes=minutes))
    if year == 0:
        return datetime.min.replace(tzinfo=UTC)
    local = datetime(year, int(match["month"]), int(match["day"]), int(match["hour"] or 0), int(match["minute"] or 0),
                     min(int(match["second"] or 0), 59), int((match["fraction"] or "0")[:6].ljust(6, "0")), tzinfo=tz)
    try:
        return local.astimezone(UTC)
    except OverflowError:
        return (datetime.min if year == 1 else datetime.max).replace(tzinfo=UTC)


def shipments_to_send(enterprise_id: int, *, status: ShipmentStatus | None = None, cursor: Cursor | None = None,
                      limit: int = 50) -> QueuePage:
    """A page of the enterprise's shipments waiting to be sent, with order and items: two queries."""
    assert status is None or status in TO_SHIP
    stmt = (sa.select(Shipment).join(Shipment.order)
            .where(Shipment.enterprise_id == enterprise_id,
                   Shipment.status == status if status else Shipment.status.in_(TO_SHIP)))
    if cursor is not None:
        since = cursor.since.astimezone(UTC)
        if cursor.after_id is None:
            stmt = stmt.where(Order.placed_at >= since)
        else:
            stmt = stmt.where(sa.or_(Order.placed_at > since,
                                     sa.and_(Order.placed_at == since, Shipment.id > cursor.after_id)))
    rows = list(db.session.scalars(
        stmt.options(contains_eager(Shipment.order), selectinload(Shipment.items))
        .order_by(Order.placed_at, Shipment.id).limit(limit + 1)
    ))
    items = rows[:limit]
    more = len(rows) > limit
    last = items[-1] if items else None
    return QueuePage(items, Cursor(as_utc(last.order.placed_at), last.id) if more and last else None)
