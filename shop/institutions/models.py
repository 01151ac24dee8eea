from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models_base import ApprovalStatus, LabelledEnum, enum_type, utcnow

if TYPE_CHECKING:
    from shop.accounts.models import User


class InstitutionKind(LabelledEnum):
    CITY_OFFICE = "city_office", "서울시 본청·사업소"
    DISTRICT_OFFICE = "district_office", "자치구"
    INVESTED_BODY = "invested_body", "투자·출연기관"
    SCHOOL = "school", "학교"
    OTHER_PUBLIC = "other_public", "기타 공공기관"


class Institution(db.Model):
    __tablename__ = "institution"
    __table_args__ = (
        sa.CheckConstraint("purchase_target_krw >= 0", name="target_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[InstitutionKind] = mapped_column(enum_type(InstitutionKind, "institution_kind"))
    # 사업자등록번호 or, for bodies without one, the 고유번호 (same 10-digit format and check digit).
    business_number: Mapped[str] = mapped_column(sa.String(10), unique=True)
    postcode: Mapped[str] = mapped_column(sa.String(5))
    address: Mapped[str] = mapped_column(sa.String(200))
    address_detail: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    purchase_target_krw: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    status: Mapped[ApprovalStatus] = mapped_column(
        enum_type(ApprovalStatus, "institution_status"), default=ApprovalStatus.PENDING
    )
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="institution")

    @property
    def is_approved(self) -> bool:
        return self.status is ApprovalStatus.APPROVED


class InstitutionAddress(db.Model):
    """A delivery address the institution's buyers share, with the receiving department and person."""

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(30))
    department: Mapped[str] = mapped_column(sa.String(80))
    contact_name: Mapped[str] = mapped_column(sa.String(50))
    contact_phone: Mapped[str] = mapped_column(sa.String(20))
    postcode: Mapped[str] = mapped_column(sa.String(5))
    address1: Mapped[str] = mapped_column(sa.String(200))
    address2: Mapped[str] = mapped_column(sa.String(200), default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
