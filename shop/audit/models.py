from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models_base import utcnow

if TYPE_CHECKING:
    from shop.accounts.models import User


class AuditEntry(db.Model):
    """One change worth answering for later: who did what to which thing, when, from what to what.

    Entries are only ever added. `action` is a dotted code (e.g. `enterprise.approved`) kept as text so
    that a new kind of change needs no migration; `before` and `after` hold the changed fields as JSON."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_subject", "subject_type", "subject_id"),
        sa.Index("ix_audit_entry_created_at", "created_at"),
        sa.Index("ix_audit_entry_action", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(120))
    actor_is_staff: Mapped[bool] = mapped_column(default=False)
    action: Mapped[str] = mapped_column(sa.String(60))
    subject_type: Mapped[str] = mapped_column(sa.String(30))
    subject_id: Mapped[int | None]
    subject_label: Mapped[str] = mapped_column(sa.String(200))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.String(500))

    actor: Mapped[User | None] = relationship()
